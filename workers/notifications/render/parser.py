"""Parser for Go template syntax (a port of text/template/parse/parse.go).

``parse`` returns every tree the source defines (the main one plus ``define``/``block``
templates), applying Go's redefinition rules, or raises :class:`TemplateParseError` with Go's
``template: NAME:LINE: message`` wording.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import nodes as n
from .parse_pipeline import BUILTIN_NAMES, PipelineParser
from .tokens import T, Token

__all__ = ["BUILTIN_NAMES", "Tree", "parse"]


@dataclass
class Tree:
    """One named template: ``root`` is its body."""

    name: str
    root: n.ListNode


class Parser(PipelineParser):
    def __init__(self, text: str, parse_name: str, funcs: frozenset[str]) -> None:
        super().__init__(text, parse_name, funcs)
        self.trees: dict[str, Tree] = {}

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
        handler = {
            T.BLOCK: self._block,
            T.IF: lambda t: self._branch(n.IfNode, "if"),
            T.RANGE: lambda t: self._branch(n.RangeNode, "range"),
            T.WITH: lambda t: self._branch(n.WithNode, "with"),
            T.TEMPLATE: self._template,
            T.BREAK: self._break,
            T.CONTINUE: self._break,
            T.ELSE: self._else,
            T.END: lambda t: n.EndNode(self.expect(T.RIGHT_DELIM, "end").pos),
        }.get(tok.typ)
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


def parse(text: str, name: str, funcs: frozenset[str]) -> dict[str, Tree]:
    """Parse ``text`` as template ``name``; returns all trees by name."""
    return Parser(text, name, funcs).parse(name)
