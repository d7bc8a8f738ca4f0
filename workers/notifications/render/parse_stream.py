"""The parser's view of the token stream: Go's next/backup/peek plus error reporting."""

from __future__ import annotations

from .errors import TemplateParseError
from .lexer import lex
from .tokens import T, Token


class TokenStream:
    """Tokens of one source, with the variables in scope and the current range depth."""

    def __init__(self, text: str, parse_name: str, funcs: frozenset[str]) -> None:
        self.text = text
        self.parse_name = parse_name
        self.funcs = funcs
        self.tokens: list[Token] = lex(text)
        self.i = 0
        self.last = self.tokens[0]
        self.vars: list[str] = ["$"]
        self.range_depth = 0
        self.action_line = 0

    def next(self) -> Token:
        tok = self.tokens[min(self.i, len(self.tokens) - 1)]
        self.i += 1
        self.last = tok
        return tok

    def backup(self, count: int = 1) -> None:
        self.i -= count

    def peek(self) -> Token:
        return self.tokens[min(self.i, len(self.tokens) - 1)]

    def next_non_space(self) -> Token:
        tok = self.next()
        while tok.typ is T.SPACE:
            tok = self.next()
        return tok

    def peek_non_space(self) -> Token:
        tok = self.next_non_space()
        self.backup()
        return tok

    # -- errors ------------------------------------------------------------------------------
    def errorf(self, msg: str) -> None:
        raise TemplateParseError(f"template: {self.parse_name}:{self.last.line}: {msg}")

    def unexpected(self, tok: Token, context: str) -> None:
        if tok.typ is T.ERROR:
            extra = ""
            if self.action_line and self.action_line != tok.line:
                extra = f" in action started at {self.parse_name}:{self.action_line}"
                if tok.val.endswith(" action"):
                    extra = extra[len(" in action") :]
            self.errorf(f"{tok.val}{extra}")
        self.errorf(f"unexpected {tok.describe()} in {context}")

    def expect(self, typ: T, context: str) -> Token:
        tok = self.next_non_space()
        if tok.typ is not typ:
            self.unexpected(tok, context)
        return tok

    # -- trees -------------------------------------------------------------------------------
