"""Evaluating pipelines, fields, variables and function calls (the expression half of exec.go).

Value handling follows reflect as text/template sees it: a missing value (NO_VALUE) is not
the same as a nil interface (None), missing map keys yield zero values (``missingkey=zero``),
and stepping through a nil value (``.Entity.missing.sub``) is an error.
"""

from __future__ import annotations

from typing import Any

from . import nodes as n
from .funcs import ANY, STRING, VALUE, FuncError, GoFunc
from .literals import DeferredError
from .values import MISSING, NO_VALUE, StrMap, truth, type_name


class ExecFailure(Exception):
    """Internal: an execution error with the node it happened at."""

    def __init__(self, message: str, node: n.Node | None) -> None:
        super().__init__(message)
        self.node = node
        self.template: str | None = None  # set by the innermost {{template}} being executed


_LITERALS = frozenset({n.StringNode, n.BoolNode, n.NumberNode})


class Evaluator:
    """Variables and expression evaluation; :class:`exec.State` adds the tree walk."""

    funcs: dict[str, GoFunc]
    vars: list[list[Any]]

    # -- variables ---------------------------------------------------------------------------
    def push(self, name: str, value: Any) -> None:
        self.vars.append([name, value])

    def set_var(self, name: str, value: Any, node: n.Node) -> None:
        for var in reversed(self.vars):
            if var[0] == name:
                var[1] = value
                return
        raise ExecFailure(f"undefined variable: {name}", node)

    def var_value(self, name: str, node: n.Node) -> Any:
        for var in reversed(self.vars):
            if var[0] == name:
                return var[1]
        raise ExecFailure(f"undefined variable: {name}", node)

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
        cls = type(first)
        if cls is n.FieldNode:
            return self.eval_field_chain(dot, dot, first, first.ident, cmd.args, final)  # type: ignore[attr-defined]
        if cls is n.IdentifierNode:
            return self.eval_function(dot, first, cmd, cmd.args, final)  # type: ignore[arg-type]
        if cls is n.VariableNode:
            return self.eval_variable(dot, first, cmd.args, final)  # type: ignore[arg-type]
        if cls is n.ChainNode:
            return self.eval_chain(dot, first, cmd.args, final)  # type: ignore[arg-type]
        if cls is n.PipeNode:
            self._not_a_function(cmd.args, final)
            return self.eval_pipeline(dot, first)  # type: ignore[arg-type]
        self._not_a_function(cmd.args, final)
        if cls is n.DotNode:
            return dot
        if cls is n.NilNode:
            raise ExecFailure("nil is not a command", first)
        if cls in _LITERALS:
            return self._literal(first)
        raise ExecFailure(f"can't evaluate command {first}", first)

    def _not_a_function(self, args: list[n.Node], final: Any) -> None:
        if len(args) > 1 or final is not MISSING:
            raise ExecFailure(f"can't give argument to non-function {args[0]}", args[0])

    @staticmethod
    def _literal(node: n.Node) -> Any:
        """A string, bool or number constant (numbers as Go's idealConstant makes them)."""
        if isinstance(node, n.StringNode):
            return node.text
        value = node.value  # type: ignore[attr-defined]
        if isinstance(value, DeferredError):
            raise ExecFailure(value.message, node)
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
            raise ExecFailure(f"indirection through explicit nil in {node}", node)
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
                raise ExecFailure(f"{name} is not a method but has arguments", node)
            value = receiver.get(name, MISSING)
            if value is MISSING:
                return "" if isinstance(receiver, StrMap) else None
            return value
        if receiver is None:
            raise ExecFailure(f"nil pointer evaluating interface {{}}.{name}", node)
        raise ExecFailure(f"can't evaluate field {name} in type {type_name(receiver)}", node)

    # -- functions ---------------------------------------------------------------------------
    def eval_function(
        self, dot: Any, node: n.IdentifierNode, cmd: n.Node, args: list[n.Node] | None, final: Any
    ) -> Any:
        fn = self.funcs.get(node.ident)
        if fn is None:
            raise ExecFailure(f'"{node.ident}" is not a defined function', node)
        return self.eval_call(dot, fn, cmd, args[1:] if args else [], final)

    def eval_call(self, dot: Any, fn: GoFunc, node: n.Node, args: list[n.Node], final: Any) -> Any:
        num_in = len(args) + (final is not MISSING)
        num_fixed = len(fn.params)
        if fn.variadic is not None:
            if num_in < num_fixed:
                raise ExecFailure(
                    f"wrong number of args for {fn.name}: want at least {num_fixed} "
                    f"got {len(args)}",
                    node,
                )
        elif num_in != num_fixed:
            raise ExecFailure(
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
            raise ExecFailure(f"error calling {fn.name}: {err}", node) from None

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
        cls = type(node)
        if cls is n.FieldNode:
            value = self.eval_field_chain(dot, dot, node, node.ident, [node], MISSING)  # type: ignore[attr-defined]
        elif cls is n.VariableNode:
            value = self.eval_variable(dot, node, None, MISSING)  # type: ignore[arg-type]
        elif cls is n.DotNode:
            value = dot
        elif cls is n.PipeNode:
            value = self.eval_pipeline(dot, node)  # type: ignore[arg-type]
        elif cls is n.IdentifierNode:
            value = self.eval_function(dot, node, node, None, MISSING)  # type: ignore[arg-type]
        elif cls is n.ChainNode:
            value = self.eval_chain(dot, node, None, MISSING)  # type: ignore[arg-type]
        elif cls is n.NilNode:
            if kind == STRING:
                raise ExecFailure("cannot assign nil to string", node)
            return None if kind == ANY else NO_VALUE
        elif kind == STRING:
            if cls is n.StringNode:
                return node.text  # type: ignore[attr-defined]
            raise ExecFailure(f"expected string; found {node}", node)
        elif cls in _LITERALS:
            return self._literal(node)
        else:
            raise ExecFailure(f"can't handle {node} for arg of type {kind}", node)
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
            raise ExecFailure("invalid value; expected string", node)
        got = "interface {}" if value is None else type_name(value)
        raise ExecFailure(f"wrong type for value; expected string; got {got}", node)
