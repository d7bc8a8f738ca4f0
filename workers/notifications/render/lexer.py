"""Tokenizer for Go template source (a port of text/template/parse/lex.go's state machine).

Produces the same token stream as Go, including its quirks: ``{{- `` and `` -}}`` trim markers
need a space, comments must fill the whole action, and a lexing error becomes an ERROR token
that the parser reports when it reaches it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto


class T(Enum):
    """Token kinds (lex.go's itemType)."""

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
    """One lexed token (lex.go's item), as the parser reads it."""

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


class LexError(Exception):
    pass


class Lexer:
    """Eagerly scans the whole input; ``tokens`` ends with EOF or an ERROR token."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.pos = 0
        self.start = 0
        self.line = 1
        self.start_line = 1
        self.tokens: list[Token] = []
        self.paren_depth = 0
        try:
            self._run()
        except LexError as err:
            self.tokens.append(Token(T.ERROR, self.start, str(err), self.start_line))

    # -- scanning ----------------------------------------------------------------------------
    def emit(self, typ: T) -> None:
        self.tokens.append(Token(typ, self.start, self.s[self.start : self.pos], self.start_line))
        self.start = self.pos
        self.start_line = self.line

    def ignore(self) -> None:
        self.line += self.s.count("\n", self.start, self.pos)
        self.start = self.pos
        self.start_line = self.line

    def next(self) -> str:
        if self.pos >= len(self.s):
            self.pos += 1
            return ""
        ch = self.s[self.pos]
        self.pos += 1
        if ch == "\n":
            self.line += 1
        return ch

    def backup(self) -> None:
        self.pos -= 1
        if self.pos < len(self.s) and self.s[self.pos] == "\n":
            self.line -= 1

    def peek(self) -> str:
        return self.s[self.pos] if self.pos < len(self.s) else ""

    def error(self, msg: str) -> None:
        raise LexError(msg)

    def at_right_delim(self) -> tuple[bool, bool]:
        s, p = self.s, self.pos
        if right_trim_marker(s, p) and s.startswith(RIGHT, p + 2):
            return True, True
        return s.startswith(RIGHT, p), False

    def at_terminator(self) -> bool:
        ch = self.peek()
        if ch == "" or is_space(ch) or ch in ".,|:)(":
            return True
        return self.s.startswith(RIGHT, self.pos)

    # -- states ------------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            if not self._text():
                return
            self._left_delim()

    def _text(self) -> bool:
        """Scan text up to the next '{{'; False at EOF."""
        s = self.s
        x = s.find(LEFT, self.pos)
        if x < 0:
            self.pos = len(s)
            if self.pos > self.start:
                self.line += s.count("\n", self.start, self.pos)
                self.emit(T.TEXT)
            self.tokens.append(Token(T.EOF, self.pos, "", self.line))
            return False
        if x > self.pos:
            trim = 0
            if left_trim_marker(s, x + 2):
                text = s[self.start : x]
                trim = len(text) - len(text.rstrip(SPACE_CHARS))
            self.pos = x - trim
            self.line += s.count("\n", self.start, self.pos)
            tok = Token(T.TEXT, self.start, s[self.start : self.pos], self.start_line)
            self.start, self.start_line = self.pos, self.line
            self.pos = x
            self.ignore()
            if tok.val:
                self.tokens.append(tok)
        return True

    def _left_delim(self) -> None:
        s = self.s
        self.pos += len(LEFT)
        trim = left_trim_marker(s, self.pos)
        after = 2 if trim else 0
        if s.startswith("/*", self.pos + after):
            self.pos += after
            self.ignore()
            self._comment()
            return
        self.tokens.append(Token(T.LEFT_DELIM, self.start, LEFT, self.start_line))
        self.pos += after
        self.ignore()
        self.paren_depth = 0
        self._inside_action()

    def _comment(self) -> None:
        s = self.s
        self.pos += 2
        x = s.find("*/", self.pos)
        if x < 0:
            self.error("unclosed comment")
        self.pos = x + 2
        delim, trim = self.at_right_delim()
        if not delim:
            self.error("comment ends before closing delimiter")
        if trim:
            self.pos += 2
        self.pos += len(RIGHT)
        if trim:
            rest = s[self.pos :]
            self.pos += len(rest) - len(rest.lstrip(SPACE_CHARS))
        self.ignore()

    def _right_delim(self) -> None:
        _, trim = self.at_right_delim()
        if trim:
            self.pos += 2
            self.ignore()
        self.pos += len(RIGHT)
        self.emit(T.RIGHT_DELIM)
        if trim:
            rest = self.s[self.pos :]
            self.pos += len(rest) - len(rest.lstrip(SPACE_CHARS))
            self.ignore()

    def _inside_action(self) -> None:
        while True:
            delim, _ = self.at_right_delim()
            if delim:
                if self.paren_depth == 0:
                    self._right_delim()
                    return
                self.error("unclosed left paren")
            ch = self.next()
            if ch == "":
                self.error("unclosed action")
            elif is_space(ch):
                self.backup()
                if self._space():
                    self._right_delim()
                    return
            elif ch == "=":
                self.emit(T.ASSIGN)
            elif ch == ":":
                if self.next() != "=":
                    self.error("expected :=")
                self.emit(T.DECLARE)
            elif ch == "|":
                self.emit(T.PIPE)
            elif ch == '"':
                self._quote()
            elif ch == "`":
                self._raw_quote()
            elif ch == "$":
                self._variable()
            elif ch == "'":
                self._char()
            elif ch == "." and self.peek() != "" and not "0" <= self.peek() <= "9":
                self._field_or_variable(T.FIELD)
            elif ch in "+-." or "0" <= ch <= "9":
                self.backup()
                self._number()
            elif is_alnum(ch):
                self.backup()
                self._identifier()
            elif ch == "(":
                self.emit(T.LEFT_PAREN)
                self.paren_depth += 1
            elif ch == ")":
                self.emit(T.RIGHT_PAREN)
                self.paren_depth -= 1
                if self.paren_depth < 0:
                    self.error("unexpected right paren")
            elif ch < "\x80" and ch.isprintable():
                self.emit(T.CHAR)
            else:
                self.error(f"unrecognized character in action: {_go_u(ch)}")

    def _space(self) -> bool:
        """Scan a run of spaces; True when it turned out to start a trim-marked '-}}'."""
        n = 0
        while is_space(self.peek()):
            self.next()
            n += 1
        if right_trim_marker(self.s, self.pos - 1) and self.s.startswith(RIGHT, self.pos + 1):
            self.backup()
            if n == 1:
                return True
        self.emit(T.SPACE)
        return False

    def _identifier(self) -> None:
        while True:
            ch = self.next()
            if not is_alnum(ch) or ch == "":
                self.backup()
                word = self.s[self.start : self.pos]
                if not self.at_terminator():
                    self.error(f"bad character {_go_u(ch)}")
                if word in KEYWORDS:
                    self.emit(KEYWORDS[word])
                elif word in ("true", "false"):
                    self.emit(T.BOOL)
                else:
                    self.emit(T.IDENTIFIER)
                return

    def _variable(self) -> None:
        if self.at_terminator():
            self.emit(T.VARIABLE)
            return
        self._field_or_variable(T.VARIABLE)

    def _field_or_variable(self, typ: T) -> None:
        if self.at_terminator():
            self.emit(T.VARIABLE if typ is T.VARIABLE else T.DOT)
            return
        while True:
            ch = self.next()
            if not is_alnum(ch) or ch == "":
                self.backup()
                break
        if not self.at_terminator():
            self.error(f"bad character {_go_u(ch)}")
        self.emit(typ)

    # -- literals ----------------------------------------------------------------------------
    def _char(self) -> None:
        self._quoted("'", "unterminated character constant", T.CHAR_CONSTANT)

    def _quote(self) -> None:
        self._quoted('"', "unterminated quoted string", T.STRING)

    def _quoted(self, quote: str, error: str, typ: T) -> None:
        """Scan to the closing quote; backslash escapes it, a newline or EOF is an error."""
        while True:
            ch = self.next()
            if ch == "\\":
                ch = self.next()
                if ch not in ("", "\n"):
                    continue
            if ch in ("", "\n"):
                self.error(error)
            if ch == quote:
                break
        self.emit(typ)

    def _accept(self, valid: str) -> bool:
        if self.peek() != "" and self.peek() in valid:
            self.next()
            return True
        return False

    def _accept_run(self, valid: str) -> None:
        while self.peek() != "" and self.peek() in valid:
            self.next()

    def _scan_number(self) -> bool:
        self._accept("+-")
        digits = "0123456789_"
        if self._accept("0"):
            if self._accept("xX"):
                digits = "0123456789abcdefABCDEF_"
            elif self._accept("oO"):
                digits = "01234567_"
            elif self._accept("bB"):
                digits = "01_"
        self._accept_run(digits)
        if self._accept("."):
            self._accept_run(digits)
        if len(digits) == 11 and self._accept("eE"):
            self._accept("+-")
            self._accept_run("0123456789_")
        if len(digits) == 23 and self._accept("pP"):
            self._accept("+-")
            self._accept_run("0123456789_")
        self._accept("i")
        if is_alnum(self.peek()) and self.peek() != "":
            self.next()
            return False
        return True

    def _number(self) -> None:
        if not self._scan_number():
            self.error(f"bad number syntax: {repr_go(self.s[self.start : self.pos])}")
        if self.peek() in ("+", "-") and self.peek() != "":
            if not self._scan_number() or self.s[self.pos - 1] != "i":
                self.error(f"bad number syntax: {repr_go(self.s[self.start : self.pos])}")
            self.emit(T.COMPLEX)
            return
        self.emit(T.NUMBER)

    def _raw_quote(self) -> None:
        while True:
            ch = self.next()
            if ch == "":
                self.error("unterminated raw quoted string")
            if ch == "`":
                break
        self.emit(T.RAW_STRING)


def _go_u(ch: str) -> str:
    """fmt's %#U: U+0041 'A'."""
    if ch == "":
        return "U+FFFFFFFF"
    return f"U+{ord(ch):04X} {ch!r}" if ch.isprintable() else f"U+{ord(ch):04X}"


def lex(text: str) -> list[Token]:
    return Lexer(text).tokens
