"""html/template's contextual escaper (escape.go): propagates the HTML context through the
tree, chooses escapers for every action, specialises called templates per context, and reports
templates whose branches or end disagree about the context.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .. import nodes as n
from ..parser import Tree
from .context import (
    COMMENT_STATES,
    SCRIPT_LITERAL_STATES,
    Context,
    Delim,
    JSCtx,
    State,
    URLPart,
    error_context,
    join,
    nudge,
)
from .pipeline import PREDEFINED_ESCAPERS, ensure_pipeline_contains
from .transition import context_after_text, text_run_end

_URL_STATES = frozenset(
    {State.URL, State.CSSDqStr, State.CSSSqStr, State.CSSDqURL, State.CSSSqURL, State.CSSURL}
)
_SIMPLE = {
    State.JSDqStr: "_html_template_jsstrescaper",
    State.JSSqStr: "_html_template_jsstrescaper",
    State.JSTmplLit: "_html_template_jstmpllitescaper",
    State.JSRegexp: "_html_template_jsregexpescaper",
    State.CSS: "_html_template_cssvaluefilter",
    State.Text: "_html_template_htmlescaper",
    State.RCDATA: "_html_template_rcdataescaper",
    State.Srcset: "_html_template_srcsetescaper",
}
_SPECIAL_SCRIPT_TAG = re.compile(r"<(script|/script|!--)", re.IGNORECASE)


class _RangeContext:
    def __init__(self, outer: _RangeContext | None) -> None:
        self.outer = outer
        self.breaks: list[Context] = []
        self.continues: list[Context] = []


class Escaper:
    def __init__(self, ns: dict[str, Tree]) -> None:
        self.ns = ns
        self.output: dict[str, Context] = {}
        self.derived: dict[str, Tree] = {}
        self.called: set[str] = set()
        self.action_edits: dict[int, tuple[n.ActionNode, list[str]]] = {}
        self.template_edits: dict[int, tuple[n.TemplateNode, str]] = {}
        self.text_edits: dict[int, tuple[n.TextNode, str]] = {}
        self.range_ctx: _RangeContext | None = None

    def template(self, name: str) -> Tree | None:
        return self.ns.get(name) or self.derived.get(name)

    # -- nodes -------------------------------------------------------------------------------
    def escape(self, c: Context, node: n.Node) -> Context:
        match node:
            case n.ActionNode():
                return self.escape_action(c, node)
            case n.TextNode():
                return self.escape_text(c, node)
            case n.ListNode():
                return self.escape_list(c, node)
            case n.IfNode():
                return self.escape_branch(c, node, "if")
            case n.RangeNode():
                return self.escape_branch(c, node, "range")
            case n.WithNode():
                return self.escape_branch(c, node, "with")
            case n.TemplateNode():
                c, name = self.escape_tree(c, node, node.name, node.line)
                if name != node.name:
                    self.template_edits[id(node)] = (node, name)
                return c
            case n.BreakNode() | n.ContinueNode():
                rc = self.range_ctx
                assert rc is not None
                target = rc.breaks if isinstance(node, n.BreakNode) else rc.continues
                target.append(c.with_(node=node))
                return Context(state=State.Dead)
        return c  # comments

    def escape_action(self, c: Context, node: n.ActionNode) -> Context:
        pipe = node.pipe
        if pipe.decl:
            return c
        c = nudge(c)
        for pos, cmd in enumerate(pipe.cmds):
            first = cmd.args[0]
            if not isinstance(first, n.IdentifierNode) or first.ident not in PREDEFINED_ESCAPERS:
                continue
            if pos < len(pipe.cmds) - 1 or (
                c.state == State.Attr and c.delim == Delim.SpaceOrTagEnd and first.ident == "html"
            ):
                return error_context(
                    f'predefined escaper "{first.ident}" disallowed in template', node, node.line
                )
        s: list[str] = []
        state = c.state
        if state == State.Error:
            return c
        if state in _URL_STATES:
            if c.url_part == URLPart.None_:
                s.append("_html_template_urlfilter")
            if c.url_part in (URLPart.None_, URLPart.PreQuery):
                if state in (State.CSSDqStr, State.CSSSqStr):
                    s.append("_html_template_cssescaper")
                else:
                    s.append("_html_template_urlnormalizer")
            elif c.url_part == URLPart.QueryOrFrag:
                s.append("_html_template_urlescaper")
            else:
                return error_context(
                    f"{node} appears in an ambiguous context within a URL", node, node.line
                )
        elif state == State.JS:
            s.append("_html_template_jsvalescaper")
            c = c.with_(js_ctx=JSCtx.DivOp)
        elif state in _SIMPLE:
            s.append(_SIMPLE[state])
        elif state in (State.AttrName, State.Tag):
            c = c.with_(state=State.AttrName)
            s.append("_html_template_htmlnamefilter")
        elif state in COMMENT_STATES:
            s.append("_html_template_commentescaper")
        elif state != State.Attr:
            raise AssertionError(f"unexpected state {state}")
        if c.delim == Delim.SpaceOrTagEnd:
            s.append("_html_template_nospaceescaper")
        elif c.delim != Delim.None_:
            s.append("_html_template_attrescaper")
        self.action_edits[id(node)] = (node, s)
        return c

    def escape_list(self, c: Context, node: n.ListNode | None) -> Context:
        if node is None:
            return c
        for child in node.nodes:
            c = self.escape(c, child)
            if c.state == State.Dead:
                break
        return c

    def escape_branch(self, c: Context, node: n.BranchNode, name: str) -> Context:
        if name == "range":
            self.range_ctx = _RangeContext(self.range_ctx)
        c0 = self.escape_list(c, node.list)
        if name == "range":
            assert self.range_ctx is not None
            if c0.state != State.Error:
                c0 = _join_range(c0, self.range_ctx)
            self.range_ctx = self.range_ctx.outer
            if c0.state == State.Error:
                return c0
            # The body can run repeatedly: one pass must leave the context unchanged.
            self.range_ctx = _RangeContext(self.range_ctx)
            c1, _ = self.escape_list_conditionally(c0, node.list, None)
            c0 = join(c0, c1, node, name)
            if c0.state == State.Error:
                self.range_ctx = self.range_ctx.outer
                assert c0.err is not None
                return error_context(
                    "on range loop re-entry: " + c0.err.description, c0.err.node, node.line
                )
            c0 = _join_range(c0, self.range_ctx)
            self.range_ctx = self.range_ctx.outer
            if c0.state == State.Error:
                return c0
        c1 = self.escape_list(c, node.else_list)
        return join(c0, c1, node, name)

    def escape_list_conditionally(
        self, c: Context, node: n.ListNode, accept: Callable[[Escaper, Context], bool] | None
    ) -> tuple[Context, bool]:
        e1 = Escaper(self.ns)
        e1.range_ctx = self.range_ctx
        e1.output.update(self.output)
        c = e1.escape_list(c, node)
        ok = accept is not None and accept(e1, c)
        if ok:
            self.output.update(e1.output)
            self.derived.update(e1.derived)
            self.called |= e1.called
            self.action_edits.update(e1.action_edits)
            self.template_edits.update(e1.template_edits)
            self.text_edits.update(e1.text_edits)
        return c, ok

    # -- templates ---------------------------------------------------------------------------
    def escape_tree(self, c: Context, node: n.Node, name: str, line: int) -> tuple[Context, str]:
        dname = c.mangle(name)
        self.called.add(dname)
        if dname in self.output:
            return self.output[dname], dname
        tree = self.template(name)
        if tree is None:
            return error_context(f'no such template "{name}"', node, line), dname
        if dname != name:
            derived = self.template(dname)
            if derived is None:
                derived = Tree(dname, tree.root.copy())
                self.derived[dname] = derived
            tree = derived
        return self._compute_out_ctx(c, tree), dname

    def _compute_out_ctx(self, c: Context, tree: Tree) -> Context:
        c1, ok = self._escape_body(c, tree)
        if not ok:
            c2, ok2 = self._escape_body(c1, tree)
            if ok2:
                c1, ok = c2, True
        if not ok and c1.state != State.Error:
            return error_context(
                f"cannot compute output context for template {tree.name}", tree.root
            )
        return c1

    def _escape_body(self, c: Context, tree: Tree) -> tuple[Context, bool]:
        def accept(e1: Escaper, c1: Context) -> bool:
            if c1.state == State.Error:
                return False
            if tree.name not in e1.called:
                return True
            return c.eq(c1)

        self.output[tree.name] = c
        return self.escape_list_conditionally(c, tree.root, accept)

    # -- text --------------------------------------------------------------------------------
    def escape_text(self, c: Context, node: n.TextNode) -> Context:
        """Rewrite text for its context: strip comments, escape a stray ``<`` in text and
        neutralise ``</script`` inside script literals."""
        s = node.text
        written, i = 0, 0
        out: list[str] = []
        while i != len(s):
            c1, nread = context_after_text(c, s[i:])
            i1 = i + nread
            if c.state in (State.Text, State.RCDATA):
                end = text_run_end(s, i, i1, c1.state != c.state)
                j = s.find("<", i, end)
                while j >= 0:
                    if not s[j:].upper().startswith("<!DOCTYPE"):
                        out.append(s[written:j])
                        out.append("&lt;")
                        written = j + 1
                    j = s.find("<", j + 1, end)
            elif c.state in COMMENT_STATES and c.delim == Delim.None_:
                if c.state == State.JSBlockCmt:
                    chunk = s[written:i1]
                    newline = any(ch in chunk for ch in "\n\r\u2028\u2029")
                    out.append("\n" if newline else " ")
                elif c.state == State.CSSBlockCmt:
                    out.append(" ")
                written = i1
            if c.state != c1.state and c1.state in COMMENT_STATES and c1.delim == Delim.None_:
                cs = i1 - 2
                if c1.state in (State.HTMLCmt, State.JSHTMLOpenCmt):
                    cs -= 2
                elif c1.state == State.JSHTMLCloseCmt:
                    cs -= 1
                out.append(s[written:cs])
                written = i1
            if c.state in SCRIPT_LITERAL_STATES and _SPECIAL_SCRIPT_TAG.search(s, i, i1):
                out.append(s[written:i])
                out.append(_SPECIAL_SCRIPT_TAG.sub(r"\\x3C\1", s[i:i1]))
                written = i1
            if i == i1 and c.state == c1.state:
                raise AssertionError(f"infinite loop from {c} to {c1} on {s[:i]!r}..{s[i:]!r}")
            c, i = c1, i1
        if written != 0 and c.state != State.Error:
            if c.state not in COMMENT_STATES or c.delim != Delim.None_:
                out.append(s[written:])
            self.text_edits[id(node)] = (node, "".join(out))
        return c

    def commit(self) -> None:
        for node, escapers in self.action_edits.values():
            ensure_pipeline_contains(node.pipe, escapers)
        for tnode, callee in self.template_edits.values():
            tnode.name = callee
        for text_node, text in self.text_edits.values():
            text_node.text = text


def _join_range(c0: Context, rc: _RangeContext) -> Context:
    for kind, contexts in (("break", rc.breaks), ("continue", rc.continues)):
        for c in contexts:
            c0 = join(c0, c, c.node, "range")
            if c0.state == State.Error:
                assert c0.err is not None
                return error_context(
                    f"at range loop {kind}: " + c0.err.description, c0.err.node, c.node.line
                )
    return c0


def escape_templates(trees: dict[str, Tree], name: str) -> tuple[dict[str, Tree], Any]:
    """Escape template ``name``; returns (executable trees, error context or None)."""
    ns = {k: Tree(v.name, v.root.copy()) for k, v in trees.items()}
    tree = ns.get(name)
    if tree is None:
        return ns, error_context(f'template: "{name}" is an incomplete or empty template')
    e = Escaper(ns)
    c, _ = e.escape_tree(Context(), tree.root, name, 0)
    if c.err is not None:
        return ns, c
    if c.state != State.Text:
        return ns, error_context(f"ends in a non-text context: {c}")
    e.commit()
    return {**ns, **e.derived}, None
