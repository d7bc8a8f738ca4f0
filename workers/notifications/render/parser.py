"""Parser for Go template syntax (a port of text/template/parse/parse.go).

``parse`` returns every tree the source defines (the main one plus ``define``/``block``
templates), applying Go's redefinition rules, or raises :class:`TemplateParseError` with Go's
``template: NAME:LINE: message`` wording.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import nodes as n
from .errors import TemplateParseError
from .lexer import T, Token, lex
from .literals import LiteralSyntaxError, char_value, number_value, unquote

# text/template's builtins: callable in every template, whatever function set the caller gives.
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


@dataclass
class Tree:
    """One named template: ``root`` is its body."""

    name: str
    root: n.ListNode


class Parser:
    """One parse of one source: the token stream, the variables in scope, the current range
    depth and the trees defined so far."""

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
        self.trees: dict[str, Tree] = {}

    # -- tokens ------------------------------------------------------------------------------
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
    def parse(self, name: str) -> dict[str, Tree]:
        root = n.ListNode(self.peek().pos)
        while self.peek().typ is not T.EOF:
            if self.peek().typ is T.LEFT_DELIM:
                start = self.i
                self.next()
                if self.next_non_space().typ is T.DEFINE:
                    self._definition()
                    continue
                self.i = start
            node = self.text_or_action()
            if isinstance(node, (n.EndNode, n.ElseNode)):
                self.errorf(f"unexpected {node}")
            root.nodes.append(node)
        self._add(Tree(name, root))
        return self.trees

    def _add(self, tree: Tree) -> None:
        old = self.trees.get(tree.name)
        if old is None or n.is_empty_tree(old.root):
            self.trees[tree.name] = tree
            return
        if not n.is_empty_tree(tree.root):
            self.errorf(f'template: multiple definition of template "{tree.name}"')

    def _definition(self) -> None:
        context = "define clause"
        name = self._template_name(self.next_non_space(), context)
        self.expect(T.RIGHT_DELIM, context)
        self._sub_tree(name, context)

    def _sub_tree(self, name: str, context: str) -> None:
        """Parse a define/block body as its own tree, with a fresh variable scope."""
        saved = (self.vars, self.range_depth)
        self.vars, self.range_depth = ["$"], 0
        root, end = self.item_list()
        if not isinstance(end, n.EndNode):
            self.errorf(f"unexpected {end} in {context}")
        self._add(Tree(name, root))
        self.vars, self.range_depth = saved

    def item_list(self) -> tuple[n.ListNode, n.Node]:
        lst = n.ListNode(self.peek_non_space().pos)
        while self.peek_non_space().typ is not T.EOF:
            node = self.text_or_action()
            if isinstance(node, (n.EndNode, n.ElseNode)):
                return lst, node
            lst.nodes.append(node)
        self.errorf("unexpected EOF")
        raise AssertionError

    def text_or_action(self) -> n.Node:
        tok = self.next_non_space()
        if tok.typ is T.TEXT:
            return n.TextNode(tok.pos, tok.val)
        if tok.typ is T.LEFT_DELIM:
            self.action_line = tok.line
            try:
                return self.action()
            finally:
                self.action_line = 0
        if tok.typ is T.COMMENT:
            return n.CommentNode(tok.pos, tok.val)
        self.unexpected(tok, "input")
        raise AssertionError

    # -- actions -----------------------------------------------------------------------------
    def action(self) -> n.Node:
        tok = self.next_non_space()
        keywords: dict[T, Callable[[Token], n.Node]] = {
            T.BLOCK: self._block,
            T.IF: lambda t: self._branch(n.IfNode, "if"),
            T.RANGE: lambda t: self._branch(n.RangeNode, "range"),
            T.WITH: lambda t: self._branch(n.WithNode, "with"),
            T.TEMPLATE: self._template,
            T.BREAK: self._break,
            T.CONTINUE: self._break,
            T.ELSE: self._else,
            T.END: lambda t: n.EndNode(self.expect(T.RIGHT_DELIM, "end").pos),
        }
        handler = keywords.get(tok.typ)
        if handler is not None:
            return handler(tok)
        self.backup()
        tok = self.peek()
        pipe = self.pipeline("command", T.RIGHT_DELIM)
        return n.ActionNode(tok.pos, tok.line, pipe)

    def _break(self, tok: Token) -> n.Node:
        word = "break" if tok.typ is T.BREAK else "continue"
        after = self.next_non_space()
        if after.typ is not T.RIGHT_DELIM:
            self.unexpected(after, "{{" + word + "}}")
        if self.range_depth == 0:
            self.errorf("{{" + word + "}} outside {{range}}")
        cls = n.BreakNode if tok.typ is T.BREAK else n.ContinueNode
        return cls(tok.pos, tok.line)

    def _else(self, tok: Token) -> n.Node:
        peek = self.peek_non_space()
        if peek.typ in (T.IF, T.WITH):
            return n.ElseNode(peek.pos, peek.line)
        end = self.expect(T.RIGHT_DELIM, "else")
        return n.ElseNode(end.pos, end.line)

    def _branch(self, cls: type[n.BranchNode], context: str) -> n.Node:
        nvars = len(self.vars)
        try:
            pipe = self.pipeline(context, T.RIGHT_DELIM)
            if context == "range":
                self.range_depth += 1
            lst, nxt = self.item_list()
            if context == "range":
                self.range_depth -= 1
            else_list = None
            if isinstance(nxt, n.ElseNode):
                if context == "if" and self.peek().typ is T.IF:
                    self.next()
                    else_list = n.ListNode(nxt.pos, [self._branch(n.IfNode, "if")])
                elif context == "with" and self.peek().typ is T.WITH:
                    self.next()
                    else_list = n.ListNode(nxt.pos, [self._branch(n.WithNode, "with")])
                else:
                    else_list, nxt = self.item_list()
                    if not isinstance(nxt, n.EndNode):
                        self.errorf(f"expected end; found {nxt}")
            return cls(pipe.pos, pipe.line, pipe, lst, else_list)
        finally:
            del self.vars[nvars:]

    def _template_name(self, tok: Token, context: str) -> str:
        if tok.typ not in (T.STRING, T.RAW_STRING):
            self.unexpected(tok, context)
        return self._unquote(tok.val)

    def _template(self, _: Token) -> n.Node:
        context = "template clause"
        tok = self.next_non_space()
        name = self._template_name(tok, context)
        pipe = None
        if self.next_non_space().typ is not T.RIGHT_DELIM:
            self.backup()
            pipe = self.pipeline(context, T.RIGHT_DELIM)
        return n.TemplateNode(tok.pos, tok.line, name, pipe)

    def _block(self, _: Token) -> n.Node:
        context = "block clause"
        tok = self.next_non_space()
        name = self._template_name(tok, context)
        pipe = self.pipeline(context, T.RIGHT_DELIM)
        self._sub_tree(name, context)
        return n.TemplateNode(tok.pos, tok.line, name, pipe)

    # -- pipelines ---------------------------------------------------------------------------
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
            except LiteralSyntaxError as err:
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
        except LiteralSyntaxError as err:
            self.errorf(str(err))
            raise


def parse(text: str, name: str, funcs: frozenset[str]) -> dict[str, Tree]:
    """Parse ``text`` as template ``name``; returns all trees by name."""
    return Parser(text, name, funcs).parse(name)
