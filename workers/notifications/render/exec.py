"""Executing templates: walks parsed trees with Go's text/template semantics (exec.go)."""

from __future__ import annotations

from typing import Any

from . import nodes as n
from .errors import TemplateExecError, line_col
from .evaluate import Evaluator, ExecFailure
from .funcs import GoFunc
from .gofmt import print_one
from .parser import Tree
from .values import NO_VALUE, is_int, truth

MAX_EXEC_DEPTH = 100_000


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class State(Evaluator):
    """One execution of one template (Go's exec ``state``)."""

    def __init__(
        self,
        templates: dict[str, Tree],
        funcs: dict[str, GoFunc],
        source: str,
        parse_name: str,
    ) -> None:
        self.templates = templates
        self.funcs = funcs
        self.source = source
        self.parse_name = parse_name
        self.tmpl_name = parse_name
        self.out: list[str] = []
        self.vars: list[list[Any]] = []
        self.depth = 0

    # -- entry -------------------------------------------------------------------------------
    def execute(self, name: str, data: Any) -> str:
        tree = self.templates.get(name)
        self.tmpl_name = name
        self.vars = [["$", data]]
        try:
            if tree is None:
                raise ExecFailure(f'"{name}" is an incomplete or empty template', None)
            self.walk(data, tree.root)
        except ExecFailure as err:
            raise TemplateExecError(self._describe(err)) from None
        except RecursionError:
            raise TemplateExecError(
                f"template: {name}: exceeded maximum template depth or nesting"
            ) from None
        return "".join(self.out)

    def _describe(self, err: ExecFailure) -> str:
        if err.node is None:
            return f"template: {err.template or self.tmpl_name}: {err}"
        line, col = line_col(self.source, err.node.pos)
        context = str(err.node)
        if len(context) > 20:
            context = context[:20] + "..."
        return (
            f"template: {self.parse_name}:{line}:{col}: executing "
            f'"{err.template or self.tmpl_name}" at <{context}>: {err}'
        )

    # -- walking -----------------------------------------------------------------------------
    def walk(self, dot: Any, node: n.Node) -> None:
        cls = type(node)
        if cls is n.TextNode:
            self.out.append(node.text)  # type: ignore[attr-defined]
        elif cls is n.ActionNode:
            pipe = node.pipe  # type: ignore[attr-defined]
            value = self.eval_pipeline(dot, pipe)
            if not pipe.decl:
                self.out.append("<no value>" if value is NO_VALUE else print_one(value))
        elif cls is n.ListNode:
            for child in node.nodes:  # type: ignore[attr-defined]
                self.walk(dot, child)
        elif cls is n.IfNode or cls is n.WithNode:
            self._walk_if_with(dot, node)  # type: ignore[arg-type]
        elif cls is n.RangeNode:
            self._walk_range(dot, node)  # type: ignore[arg-type]
        elif cls is n.TemplateNode:
            self._walk_template(dot, node)  # type: ignore[arg-type]
        elif cls is n.BreakNode:
            raise _Break
        elif cls is n.ContinueNode:
            raise _Continue
        elif cls is n.CommentNode:
            pass
        else:
            raise ExecFailure(f"unknown node: {node}", node)

    def _walk_if_with(self, dot: Any, node: n.BranchNode) -> None:
        mark = len(self.vars)
        try:
            value = self.eval_pipeline(dot, node.pipe)
            if truth(value):
                self.walk(value if type(node) is n.WithNode else dot, node.list)
            elif node.else_list is not None:
                self.walk(dot, node.else_list)
        finally:
            del self.vars[mark:]

    def _walk_range(self, dot: Any, node: n.BranchNode) -> None:
        mark = len(self.vars)
        try:
            value = self.eval_pipeline(dot, node.pipe)
            inner = len(self.vars)
            decl = node.pipe.decl
            items: Any
            if isinstance(value, list):
                items = enumerate(value)
            elif isinstance(value, dict):
                items = ((k, value[k]) for k in sorted(value, key=_byte_key))
            elif is_int(value):
                if len(decl) > 1:
                    raise ExecFailure(
                        f"can't use {value} to iterate over more than one variable", node
                    )
                items = ((type(value)(i), type(value)(i)) for i in range(value))
            elif value is NO_VALUE:
                items = iter(())
            else:
                raise ExecFailure(f"range can't iterate over {print_one(value)}", node)
            ran = False
            try:
                for index, elem in items:
                    ran = True
                    self._range_vars(node, index, elem)
                    try:
                        self.walk(elem, node.list)
                    except _Continue:
                        pass
                    finally:
                        del self.vars[inner:]
            except _Break:
                return
            if not ran and node.else_list is not None:
                self.walk(dot, node.else_list)
        finally:
            del self.vars[mark:]

    def _range_vars(self, node: n.BranchNode, index: Any, elem: Any) -> None:
        pipe = node.pipe
        if not pipe.decl:
            return
        if pipe.is_assign:
            if len(pipe.decl) > 1:
                self.set_var(pipe.decl[0].ident[0], index, node)
                self.set_var(pipe.decl[1].ident[0], elem, node)
            else:
                self.set_var(pipe.decl[0].ident[0], elem, node)
            return
        self.vars[-1][1] = elem
        if len(pipe.decl) > 1:
            self.vars[-2][1] = index

    def _walk_template(self, dot: Any, node: n.TemplateNode) -> None:
        tree = self.templates.get(node.name)
        if tree is None:
            raise ExecFailure(f'template "{node.name}" not defined', node)
        if self.depth >= MAX_EXEC_DEPTH:
            raise ExecFailure(f"exceeded maximum template depth ({MAX_EXEC_DEPTH})", node)
        value = self.eval_pipeline(dot, node.pipe) if node.pipe is not None else NO_VALUE
        saved = self.vars
        self.vars = [["$", value]]
        self.depth += 1
        try:
            self.walk(value, tree.root)
        except ExecFailure as err:
            if err.template is None:
                err.template = node.name
            raise
        finally:
            self.depth -= 1
            self.vars = saved


def _byte_key(key: str) -> bytes:
    return key.encode("utf-8", "surrogateescape")
