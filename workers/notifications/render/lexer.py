"""Tokenizer for Go template source (a port of text/template/parse/lex.go's state machine).

Produces the same token stream as Go, including its quirks: ``{{- `` and `` -}}`` trim markers
need a space, comments must fill the whole action, and a lexing error becomes an ERROR token
that the parser reports when it reaches it.
"""

from __future__ import annotations

from .scanner import LexError, Scanner
from .tokens import (
    KEYWORDS,
    LEFT,
    RIGHT,
    SPACE_CHARS,
    T,
    Token,
    is_alnum,
    is_space,
    left_trim_marker,
    right_trim_marker,
)


class Lexer(Scanner):
    """Eagerly scans the whole input; ``tokens`` ends with EOF or an ERROR token."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.paren_depth = 0
        try:
            self._run()
        except LexError as err:
            self.tokens.append(Token(T.ERROR, self.start, str(err), self.start_line))

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


def _go_u(ch: str) -> str:
    """fmt's %#U: U+0041 'A'."""
    if ch == "":
        return "U+FFFFFFFF"
    return f"U+{ord(ch):04X} {ch!r}" if ch.isprintable() else f"U+{ord(ch):04X}"


def lex(text: str) -> list[Token]:
    return Lexer(text).tokens
