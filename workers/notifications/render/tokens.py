"""Token kinds and helpers shared by the lexer and the parser (Go's lex.go item types)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto


class T(Enum):
    ERROR = auto()
    BOOL = auto()
    CHAR = auto()
    CHAR_CONSTANT = auto()
    COMMENT = auto()
    COMPLEX = auto()
    ASSIGN = auto()
    DECLARE = auto()
    EOF = auto()
    FIELD = auto()
    IDENTIFIER = auto()
    LEFT_DELIM = auto()
    LEFT_PAREN = auto()
    NUMBER = auto()
    PIPE = auto()
    RAW_STRING = auto()
    RIGHT_DELIM = auto()
    RIGHT_PAREN = auto()
    SPACE = auto()
    STRING = auto()
    TEXT = auto()
    VARIABLE = auto()
    # keywords
    BLOCK = auto()
    BREAK = auto()
    CONTINUE = auto()
    DOT = auto()
    DEFINE = auto()
    ELSE = auto()
    END = auto()
    IF = auto()
    NIL = auto()
    RANGE = auto()
    TEMPLATE = auto()
    WITH = auto()


KEYWORDS = {
    "block": T.BLOCK,
    "break": T.BREAK,
    "continue": T.CONTINUE,
    "define": T.DEFINE,
    "else": T.ELSE,
    "end": T.END,
    "if": T.IF,
    "range": T.RANGE,
    "nil": T.NIL,
    "template": T.TEMPLATE,
    "with": T.WITH,
}

_KEYWORD_TYPES = frozenset(KEYWORDS.values()) | {T.DOT}
SPACE_CHARS = " \t\r\n"
LEFT, RIGHT = "{{", "}}"


@dataclass(slots=True)
class Token:
    typ: T
    pos: int
    val: str
    line: int

    def describe(self) -> str:
        """How Go's parser names a token in 'unexpected X' messages."""
        if self.typ is T.EOF:
            return "EOF"
        if self.typ is T.ERROR:
            return self.val
        if self.typ in _KEYWORD_TYPES:
            return f"<{self.val}>"
        if len(self.val) > 10:
            return f"{self.val[:10]!r}..."
        return repr_go(self.val)


def repr_go(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def is_space(ch: str) -> bool:
    return ch in (" ", "\t", "\r", "\n")


def is_alnum(ch: str) -> bool:
    return ch == "_" or ch.isalpha() or ch.isdecimal()


def left_trim_marker(s: str, i: int) -> bool:
    """A "- " trim marker right after "{{" at s[i]."""
    return len(s) >= i + 2 and s[i] == "-" and is_space(s[i + 1])


def right_trim_marker(s: str, i: int) -> bool:
    """A " -" trim marker before "}}" at s[i]."""
    return len(s) >= i + 2 and is_space(s[i]) and s[i + 1] == "-"
