"""Parse-tree nodes mirroring text/template/parse, with Go's String() forms for error messages.

Nodes are mutable on purpose: html/template's escaper rewrites pipelines, template names and
text in place (on copies for context-specific derived templates), exactly as Go does.
This module holds the control-flow nodes and re-exports the expression nodes.
"""

from __future__ import annotations

from .expr_nodes import (
    BoolNode,
    ChainNode,
    CommandNode,
    CommentNode,
    DotNode,
    FieldNode,
    IdentifierNode,
    NilNode,
    Node,
    NumberNode,
    PipeNode,
    StringNode,
    TextNode,
    VariableNode,
)

__all__ = [
    "Node",
    "TextNode",
    "CommentNode",
    "DotNode",
    "NilNode",
    "BoolNode",
    "NumberNode",
    "StringNode",
    "IdentifierNode",
    "FieldNode",
    "VariableNode",
    "ChainNode",
    "CommandNode",
    "PipeNode",
    "ActionNode",
    "ListNode",
    "BranchNode",
    "IfNode",
    "RangeNode",
    "WithNode",
    "BreakNode",
    "ContinueNode",
    "TemplateNode",
    "EndNode",
    "ElseNode",
    "is_empty_tree",
]

# unicode.IsSpace, used by bytes.TrimSpace.
GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


class ActionNode(Node):
    __slots__ = ("line", "pipe")

    def __init__(self, pos: int, line: int, pipe: PipeNode) -> None:
        super().__init__(pos)
        self.line = line
        self.pipe = pipe

    def __str__(self) -> str:
        return "{{" + str(self.pipe) + "}}"

    def copy(self) -> ActionNode:
        return ActionNode(self.pos, self.line, self.pipe.copy())


class ListNode(Node):
    __slots__ = ("nodes",)

    def __init__(self, pos: int, nodes: list[Node] | None = None) -> None:
        super().__init__(pos)
        self.nodes: list[Node] = nodes if nodes is not None else []

    def __str__(self) -> str:
        return "".join(str(n) for n in self.nodes)

    def copy(self) -> ListNode:
        return ListNode(self.pos, [n.copy() for n in self.nodes])


class BranchNode(Node):
    """Shared shape of if/range/with; ``keyword`` names the action."""

    __slots__ = ("line", "pipe", "list", "else_list")
    keyword = ""

    def __init__(
        self, pos: int, line: int, pipe: PipeNode, lst: ListNode, else_list: ListNode | None
    ) -> None:
        super().__init__(pos)
        self.line = line
        self.pipe = pipe
        self.list = lst
        self.else_list = else_list

    def __str__(self) -> str:
        out = "{{" + self.keyword + " " + str(self.pipe) + "}}" + str(self.list)
        if self.else_list is not None:
            out += "{{else}}" + str(self.else_list)
        return out + "{{end}}"

    def copy(self) -> BranchNode:
        return type(self)(
            self.pos,
            self.line,
            self.pipe.copy(),
            self.list.copy(),
            self.else_list.copy() if self.else_list is not None else None,
        )


class IfNode(BranchNode):
    __slots__ = ()
    keyword = "if"


class RangeNode(BranchNode):
    __slots__ = ()
    keyword = "range"


class WithNode(BranchNode):
    __slots__ = ()
    keyword = "with"


class _LoopControl(Node):
    """``{{break}}`` or ``{{continue}}``; only valid inside ``{{range}}``."""

    __slots__ = ("line",)
    keyword = ""

    def __init__(self, pos: int, line: int) -> None:
        super().__init__(pos)
        self.line = line

    def __str__(self) -> str:
        return "{{" + self.keyword + "}}"

    def copy(self) -> _LoopControl:
        return type(self)(self.pos, self.line)


class BreakNode(_LoopControl):
    __slots__ = ()
    keyword = "break"


class ContinueNode(_LoopControl):
    __slots__ = ()
    keyword = "continue"


class TemplateNode(Node):
    __slots__ = ("line", "name", "pipe")

    def __init__(self, pos: int, line: int, name: str, pipe: PipeNode | None) -> None:
        super().__init__(pos)
        self.line = line
        self.name = name
        self.pipe = pipe

    def __str__(self) -> str:
        quoted = '"' + self.name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if self.pipe is None:
            return "{{template " + quoted + "}}"
        return "{{template " + quoted + " " + str(self.pipe) + "}}"

    def copy(self) -> TemplateNode:
        return TemplateNode(
            self.pos, self.line, self.name, self.pipe.copy() if self.pipe is not None else None
        )


class EndNode(Node):
    """Internal marker for ``{{end}}`` (never stored in a tree)."""

    __slots__ = ()

    def __str__(self) -> str:
        return "{{end}}"


class ElseNode(Node):
    """Internal marker for ``{{else}}`` (never stored in a tree)."""

    __slots__ = ("line",)

    def __init__(self, pos: int, line: int) -> None:
        super().__init__(pos)
        self.line = line

    def __str__(self) -> str:
        return "{{else}}"


def is_empty_tree(node: Node | None) -> bool:
    """parse.IsEmptyTree: only whitespace text and comments."""
    if node is None or isinstance(node, CommentNode):
        return True
    if isinstance(node, ListNode):
        return all(is_empty_tree(n) for n in node.nodes)
    if isinstance(node, TextNode):
        return node.text.strip(GO_SPACE) == ""
    return False
