"""Character-level scanning shared by the lexer states, and the literal scanners."""

from __future__ import annotations

from .tokens import RIGHT, T, Token, is_alnum, is_space, repr_go, right_trim_marker


class LexError(Exception):
    pass


class Scanner:
    """Position, line tracking and token emission over the template source."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.pos = 0
        self.start = 0
        self.line = 1
        self.start_line = 1
        self.tokens: list[Token] = []

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
