"""Executing templates: walks parsed trees and evaluates pipelines, fields, variables and
function calls with Go's text/template semantics (exec.go).

Value handling follows reflect as text/template sees it: a missing value (NO_VALUE) is not
the same as a nil interface (None), missing map keys yield zero values (``missingkey=zero``),
and stepping through a nil value (``.Entity.missing.sub``) is an error.
"""

from __future__ import annotations

from typing import Any

from . import nodes as n
from .errors import TemplateExecError, line_col
from .funcs import ANY, STRING, VALUE, FuncError, GoFunc
from .gofmt import print_one
from .literals import DeferredError
from .parser import Tree
from .values import MISSING, NO_VALUE, StrMap, is_int, truth, type_name

MAX_EXEC_DEPTH = 100_000


class ExecError(Exception):
    """An execution error and the node it happened at; ``execute`` reports it as a
    TemplateExecError with Go's location prefix."""

    def __init__(self, message: str, node: n.Node | None) -> None:
        super().__init__(message)
        self.node = node
        self.template: str | None = None  # set by the innermost {{template}} being executed


class _Break(Exception):  # noqa: N818 - a loop-control signal, not an error
    """{{break}}: unwinds to the innermost {{range}}."""


class _Continue(Exception):  # noqa: N818 - a loop-control signal, not an error
    """{{continue}}: unwinds to the innermost {{range}}, which starts its next pass."""


class State:
    """One execution of one template (Go's exec ``state``): the tree walk, variables and
    expression evaluation."""

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
                raise ExecError(f'"{name}" is an incomplete or empty template', None)
            self.walk(data, tree.root)
        except ExecError as err:
            raise TemplateExecError(self._describe(err)) from None
        except RecursionError:
            raise TemplateExecError(
                f"template: {name}: exceeded maximum template depth or nesting"
            ) from None
        return "".join(self.out)

    def _describe(self, err: ExecError) -> str:
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
        # Dispatch here and in eval_command/eval_arg is by ``type(x) is C``: mypy narrows on it
        # as on a match statement, and match's class patterns made execution ~20% slower.
        if type(node) is n.TextNode:
            self.out.append(node.text)
        elif type(node) is n.ActionNode:
            pipe = node.pipe
            value = self.eval_pipeline(dot, pipe)
            if not pipe.decl:
                self.out.append("<no value>" if value is NO_VALUE else print_one(value))
        elif type(node) is n.ListNode:
            for child in node.nodes:
                self.walk(dot, child)
        elif type(node) is n.IfNode or type(node) is n.WithNode:
            self._walk_if_with(dot, node)
        elif type(node) is n.RangeNode:
            self._walk_range(dot, node)
        elif type(node) is n.TemplateNode:
            self._walk_template(dot, node)
        elif type(node) is n.BreakNode:
            raise _Break
        elif type(node) is n.ContinueNode:
            raise _Continue
        elif type(node) is n.CommentNode:
            pass
        else:
            raise ExecError(f"unknown node: {node}", node)

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
                    raise ExecError(
                        f"can't use {value} to iterate over more than one variable", node
                    )
                items = ((type(value)(i), type(value)(i)) for i in range(value))
            elif value is NO_VALUE:
                items = iter(())
            else:
                raise ExecError(f"range can't iterate over {print_one(value)}", node)
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
            raise ExecError(f'template "{node.name}" not defined', node)
        if self.depth >= MAX_EXEC_DEPTH:
            raise ExecError(f"exceeded maximum template depth ({MAX_EXEC_DEPTH})", node)
        value = self.eval_pipeline(dot, node.pipe) if node.pipe is not None else NO_VALUE
        saved = self.vars
        self.vars = [["$", value]]
        self.depth += 1
        try:
            self.walk(value, tree.root)
        except ExecError as err:
            if err.template is None:
                err.template = node.name
            raise
        finally:
            self.depth -= 1
            self.vars = saved

    # -- variables ---------------------------------------------------------------------------
    def push(self, name: str, value: Any) -> None:
        self.vars.append([name, value])

    def set_var(self, name: str, value: Any, node: n.Node) -> None:
        for var in reversed(self.vars):
            if var[0] == name:
                var[1] = value
                return
        raise ExecError(f"undefined variable: {name}", node)

    def var_value(self, name: str, node: n.Node) -> Any:
        for var in reversed(self.vars):
            if var[0] == name:
                return var[1]
        raise ExecError(f"undefined variable: {name}", node)

    # -- pipelines ---------------------------------------------------------------------------
    def eval_pipeline(self, dot: Any, pipe: n.PipeNode) -> Any:
        value = MISSING
        for cmd in pipe.cmds:
            value = self.eval_command(dot, cmd, value)
            if value is None:
                value = NO_VALUE
        for var in pipe.decl:
            if pipe.is_assign:
                self.set_var(var.ident[0], value, var)
            else:
                self.push(var.ident[0], value)
        return value

    def eval_command(self, dot: Any, cmd: n.CommandNode, final: Any) -> Any:
        first = cmd.args[0]
        if type(first) is n.FieldNode:
            return self.eval_field_chain(dot, dot, first, first.ident, cmd.args, final)
        if type(first) is n.IdentifierNode:
            return self.eval_function(dot, first, cmd, cmd.args, final)
        if type(first) is n.VariableNode:
            return self.eval_variable(dot, first, cmd.args, final)
        if type(first) is n.ChainNode:
            return self.eval_chain(dot, first, cmd.args, final)
        if type(first) is n.PipeNode:
            self._not_a_function(cmd.args, final)
            return self.eval_pipeline(dot, first)
        self._not_a_function(cmd.args, final)
        if type(first) is n.DotNode:
            return dot
        if type(first) is n.NilNode:
            raise ExecError("nil is not a command", first)
        if type(first) is n.StringNode or type(first) is n.BoolNode or type(first) is n.NumberNode:
            return self._literal(first)
        raise ExecError(f"can't evaluate command {first}", first)

    def _not_a_function(self, args: list[n.Node], final: Any) -> None:
        if len(args) > 1 or final is not MISSING:
            raise ExecError(f"can't give argument to non-function {args[0]}", args[0])

    @staticmethod
    def _literal(node: n.StringNode | n.BoolNode | n.NumberNode) -> Any:
        """A string, bool or number constant (numbers as Go's idealConstant makes them)."""
        if isinstance(node, n.StringNode):
            return node.text
        value = node.value
        if isinstance(value, DeferredError):
            raise ExecError(value.message, node)
        return value

    # -- fields and variables ----------------------------------------------------------------
    def eval_variable(
        self, dot: Any, node: n.VariableNode, args: list[n.Node] | None, final: Any
    ) -> Any:
        value = self.var_value(node.ident[0], node)
        if len(node.ident) == 1:
            self._not_a_function(args or [node], final)
            return value
        return self.eval_field_chain(dot, value, node, node.ident[1:], args, final)

    def eval_chain(self, dot: Any, node: n.ChainNode, args: list[n.Node] | None, final: Any) -> Any:
        if isinstance(node.node, n.NilNode):
            raise ExecError(f"indirection through explicit nil in {node}", node)
        value = self.eval_arg(dot, None, node.node)
        return self.eval_field_chain(dot, value, node, node.field, args, final)

    def eval_field_chain(
        self,
        dot: Any,
        receiver: Any,
        node: n.Node,
        idents: list[str],
        args: list[n.Node] | None,
        final: Any,
    ) -> Any:
        last = len(idents) - 1
        for i, name in enumerate(idents):
            if i < last:
                receiver = self._field(name, node, None, MISSING, receiver)
            else:
                receiver = self._field(name, node, args, final, receiver)
        return receiver

    def _field(
        self, name: str, node: n.Node, args: list[n.Node] | None, final: Any, receiver: Any
    ) -> Any:
        if receiver is NO_VALUE:
            return NO_VALUE
        if isinstance(receiver, dict):
            if (args is not None and len(args) > 1) or final is not MISSING:
                raise ExecError(f"{name} is not a method but has arguments", node)
            value = receiver.get(name, MISSING)
            if value is MISSING:
                return "" if isinstance(receiver, StrMap) else None
            return value
        if receiver is None:
            raise ExecError(f"nil pointer evaluating interface {{}}.{name}", node)
        raise ExecError(f"can't evaluate field {name} in type {type_name(receiver)}", node)

    # -- functions ---------------------------------------------------------------------------
    def eval_function(
        self, dot: Any, node: n.IdentifierNode, cmd: n.Node, args: list[n.Node] | None, final: Any
    ) -> Any:
        fn = self.funcs.get(node.ident)
        if fn is None:
            raise ExecError(f'"{node.ident}" is not a defined function', node)
        return self.eval_call(dot, fn, cmd, args[1:] if args else [], final)

    def eval_call(self, dot: Any, fn: GoFunc, node: n.Node, args: list[n.Node], final: Any) -> Any:
        num_in = len(args) + (final is not MISSING)
        num_fixed = len(fn.params)
        if fn.variadic is not None:
            if num_in < num_fixed:
                raise ExecError(
                    f"wrong number of args for {fn.name}: want at least {num_fixed} "
                    f"got {len(args)}",
                    node,
                )
        elif num_in != num_fixed:
            raise ExecError(
                f"wrong number of args for {fn.name}: want {num_fixed} got {num_in}", node
            )
        if fn.builtin and fn.name in ("and", "or"):
            return self._and_or(dot, fn.name == "or", args, final)
        argv = [self.eval_arg(dot, fn.param_kind(i), arg) for i, arg in enumerate(args)]
        if final is not MISSING:
            argv.append(self.validate_type(final, fn.param_kind(len(args)), node))
        try:
            return fn.impl(*argv)
        except FuncError as err:
            raise ExecError(f"error calling {fn.name}: {err}", node) from None

    def _and_or(self, dot: Any, is_or: bool, args: list[n.Node], final: Any) -> Any:
        value: Any = NO_VALUE
        for arg in args:
            value = self.eval_arg(dot, VALUE, arg)
            if truth(value) == is_or:
                return value
        if final is not MISSING:
            return final
        return value

    def eval_arg(self, dot: Any, kind: str | None, node: n.Node) -> Any:
        if type(node) is n.FieldNode:
            value = self.eval_field_chain(dot, dot, node, node.ident, [node], MISSING)
        elif type(node) is n.VariableNode:
            value = self.eval_variable(dot, node, None, MISSING)
        elif type(node) is n.DotNode:
            value = dot
        elif type(node) is n.PipeNode:
            value = self.eval_pipeline(dot, node)
        elif type(node) is n.IdentifierNode:
            value = self.eval_function(dot, node, node, None, MISSING)
        elif type(node) is n.ChainNode:
            value = self.eval_chain(dot, node, None, MISSING)
        elif type(node) is n.NilNode:
            if kind == STRING:
                raise ExecError("cannot assign nil to string", node)
            return None if kind == ANY else NO_VALUE
        elif kind == STRING:
            if type(node) is n.StringNode:
                return node.text
            raise ExecError(f"expected string; found {node}", node)
        elif type(node) is n.StringNode or type(node) is n.BoolNode or type(node) is n.NumberNode:
            return self._literal(node)
        else:
            raise ExecError(f"can't handle {node} for arg of type {kind}", node)
        return self.validate_type(value, kind, node)

    @staticmethod
    def validate_type(value: Any, kind: str | None, node: n.Node) -> Any:
        if kind == VALUE or kind is None:
            return value
        if kind == ANY:
            return None if value is NO_VALUE else value
        if type(value) is str:
            return value
        if value is NO_VALUE:
            raise ExecError("invalid value; expected string", node)
        got = "interface {}" if value is None else type_name(value)
        raise ExecError(f"wrong type for value; expected string; got {got}", node)


def _byte_key(key: str) -> bytes:
    return key.encode("utf-8", "surrogateescape")
