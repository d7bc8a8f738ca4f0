"""Parsing pipelines, commands and operands (the expression half of parse.go)."""

from __future__ import annotations

from . import nodes as n
from .literals import SyntaxErr, char_value, number_value, unquote
from .parse_stream import TokenStream
from .tokens import T, Token

BUILTIN_NAMES = frozenset(
    [
        "and",
        "call",
        "html",
        "index",
        "slice",
        "js",
        "len",
        "not",
        "or",
        "print",
        "printf",
        "println",
        "urlquery",
        "eq",
        "ge",
        "gt",
        "le",
        "lt",
        "ne",
    ]
)


_OPERAND_START = frozenset(
    {
        T.BOOL,
        T.CHAR_CONSTANT,
        T.COMPLEX,
        T.DOT,
        T.FIELD,
        T.IDENTIFIER,
        T.NUMBER,
        T.NIL,
        T.RAW_STRING,
        T.STRING,
        T.VARIABLE,
        T.LEFT_PAREN,
    }
)


class PipelineParser(TokenStream):
    def pipeline(self, context: str, end: T) -> n.PipeNode:
        tok = self.peek_non_space()
        pipe = n.PipeNode(tok.pos, tok.line)
        while True:  # declarations
            v = self.peek_non_space()
            if v.typ is not T.VARIABLE:
                break
            self.next_non_space()
            after_var = self.i
            nxt = self.peek_non_space()
            if nxt.typ in (T.ASSIGN, T.DECLARE):
                pipe.is_assign = nxt.typ is T.ASSIGN
                self.next_non_space()
                pipe.decl.append(n.VariableNode(v.pos, [v.val]))
                self.vars.append(v.val)
            elif nxt.typ is T.CHAR and nxt.val == ",":
                self.next_non_space()
                pipe.decl.append(n.VariableNode(v.pos, [v.val]))
                self.vars.append(v.val)
                if context == "range" and len(pipe.decl) < 2:
                    if self.peek_non_space().typ in (T.VARIABLE, T.RIGHT_DELIM, T.RIGHT_PAREN):
                        continue
                    self.errorf("range can only initialize variables")
                self.errorf(f"too many declarations in {context}")
            else:
                self.i = after_var - 1
            break
        while True:
            tok = self.next_non_space()
            if tok.typ is end:
                self._check_pipeline(pipe, context)
                return pipe
            if tok.typ in _OPERAND_START:
                self.backup()
                pipe.cmds.append(self.command())
            else:
                self.unexpected(tok, context)

    def _check_pipeline(self, pipe: n.PipeNode, context: str) -> None:
        if not pipe.cmds:
            self.errorf(f"missing value for {context}")
        for i, cmd in enumerate(pipe.cmds[1:]):
            first = cmd.args[0]
            if isinstance(first, (n.BoolNode, n.DotNode, n.NilNode, n.NumberNode, n.StringNode)):
                self.errorf(f"non executable command in pipeline stage {i + 2}")

    def command(self) -> n.CommandNode:
        cmd = n.CommandNode(self.peek_non_space().pos)
        while True:
            self.peek_non_space()
            operand = self.operand()
            if operand is not None:
                cmd.args.append(operand)
            tok = self.next()
            if tok.typ is T.SPACE:
                continue
            if tok.typ in (T.RIGHT_DELIM, T.RIGHT_PAREN):
                self.backup()
            elif tok.typ is not T.PIPE:
                self.unexpected(tok, "operand")
            break
        if not cmd.args:
            self.errorf("empty command")
        return cmd

    def operand(self) -> n.Node | None:
        node = self.term()
        if node is None:
            return None
        if self.peek().typ is T.FIELD:
            pos = self.peek().pos
            fields: list[str] = []
            while self.peek().typ is T.FIELD:
                fields.append(self.next().val[1:])
            if isinstance(node, n.FieldNode):
                return n.FieldNode(pos, node.ident + fields)
            if isinstance(node, n.VariableNode):
                return n.VariableNode(pos, node.ident + fields)
            if isinstance(node, (n.BoolNode, n.StringNode, n.NumberNode, n.NilNode, n.DotNode)):
                self.errorf(f'unexpected . after term "{node}"')
            return n.ChainNode(pos, node, fields)
        return node

    def term(self) -> n.Node | None:
        tok = self.next_non_space()
        typ = tok.typ
        if typ is T.IDENTIFIER:
            if tok.val not in self.funcs and tok.val not in BUILTIN_NAMES:
                self.errorf(f'function "{tok.val}" not defined')
            return n.IdentifierNode(tok.pos, tok.val)
        if typ is T.DOT:
            return n.DotNode(tok.pos)
        if typ is T.NIL:
            return n.NilNode(tok.pos)
        if typ is T.VARIABLE:
            return self._use_var(tok)
        if typ is T.FIELD:
            return n.FieldNode(tok.pos, tok.val[1:].split("."))
        if typ is T.BOOL:
            return n.BoolNode(tok.pos, tok.val == "true")
        if typ in (T.NUMBER, T.COMPLEX, T.CHAR_CONSTANT):
            try:
                if typ is T.CHAR_CONSTANT:
                    value: object = char_value(tok.val)
                else:
                    value = number_value(tok.val, typ is T.COMPLEX)
            except SyntaxErr as err:
                self.errorf(str(err))
            return n.NumberNode(tok.pos, tok.val, value)
        if typ is T.LEFT_PAREN:
            return self.pipeline("parenthesized pipeline", T.RIGHT_PAREN)
        if typ in (T.STRING, T.RAW_STRING):
            return n.StringNode(tok.pos, tok.val, self._unquote(tok.val))
        self.backup()
        return None

    def _use_var(self, tok: Token) -> n.Node:
        ident = tok.val.split(".")
        if ident[0] not in self.vars:
            self.errorf(f'undefined variable "{ident[0]}"')
        return n.VariableNode(tok.pos, ident)

    def _unquote(self, quoted: str) -> str:
        try:
            return unquote(quoted)
        except SyntaxErr as err:
            self.errorf(str(err))
            raise
