"""Parse-tree nodes mirroring text/template/parse's node.go, with Go's String() forms for error
messages.

Each node keeps its source offset for error locations. Nodes are mutable on purpose:
html/template's escaper rewrites pipelines, template names and text in place (on copies for
context-specific derived templates), exactly as Go does.
"""

from __future__ import annotations

from typing import Any


class Node:
    __slots__ = ("pos",)

    def __init__(self, pos: int) -> None:
        self.pos = pos

    def copy(self) -> Node:
        raise NotImplementedError


class TextNode(Node):
    __slots__ = ("text",)

    def __init__(self, pos: int, text: str) -> None:
        super().__init__(pos)
        self.text = text

    def __str__(self) -> str:
        return self.text

    def copy(self) -> TextNode:
        return TextNode(self.pos, self.text)


class CommentNode(Node):
    __slots__ = ("text",)

    def __init__(self, pos: int, text: str) -> None:
        super().__init__(pos)
        self.text = text

    def __str__(self) -> str:
        return "{{" + self.text + "}}"

    def copy(self) -> CommentNode:
        return CommentNode(self.pos, self.text)


class DotNode(Node):
    __slots__ = ()

    def __str__(self) -> str:
        return "."

    def copy(self) -> DotNode:
        return DotNode(self.pos)


class NilNode(Node):
    __slots__ = ()

    def __str__(self) -> str:
        return "nil"

    def copy(self) -> NilNode:
        return NilNode(self.pos)


class BoolNode(Node):
    __slots__ = ("value",)

    def __init__(self, pos: int, value: bool) -> None:
        super().__init__(pos)
        self.value = value

    def __str__(self) -> str:
        return "true" if self.value else "false"

    def copy(self) -> BoolNode:
        return BoolNode(self.pos, self.value)


class NumberNode(Node):
    """A numeric constant; ``value`` is what Go's idealConstant yields (int, float, complex)."""

    __slots__ = ("text", "value")

    def __init__(self, pos: int, text: str, value: Any) -> None:
        super().__init__(pos)
        self.text = text
        self.value = value

    def __str__(self) -> str:
        return self.text

    def copy(self) -> NumberNode:
        return NumberNode(self.pos, self.text, self.value)


class StringNode(Node):
    __slots__ = ("quoted", "text")

    def __init__(self, pos: int, quoted: str, text: str) -> None:
        super().__init__(pos)
        self.quoted = quoted
        self.text = text

    def __str__(self) -> str:
        return self.quoted

    def copy(self) -> StringNode:
        return StringNode(self.pos, self.quoted, self.text)


class IdentifierNode(Node):
    __slots__ = ("ident",)

    def __init__(self, pos: int, ident: str) -> None:
        super().__init__(pos)
        self.ident = ident

    def __str__(self) -> str:
        return self.ident

    def copy(self) -> IdentifierNode:
        return IdentifierNode(self.pos, self.ident)


class FieldNode(Node):
    __slots__ = ("ident",)

    def __init__(self, pos: int, ident: list[str]) -> None:
        super().__init__(pos)
        self.ident = ident

    def __str__(self) -> str:
        return "".join("." + i for i in self.ident)

    def copy(self) -> FieldNode:
        return FieldNode(self.pos, list(self.ident))


class VariableNode(Node):
    __slots__ = ("ident",)

    def __init__(self, pos: int, ident: list[str]) -> None:
        super().__init__(pos)
        self.ident = ident

    def __str__(self) -> str:
        return ".".join(self.ident)

    def copy(self) -> VariableNode:
        return VariableNode(self.pos, list(self.ident))


class ChainNode(Node):
    __slots__ = ("field", "node")

    def __init__(self, pos: int, node: Node, field: list[str]) -> None:
        super().__init__(pos)
        self.node = node
        self.field = field

    def __str__(self) -> str:
        inner = str(self.node)
        if isinstance(self.node, PipeNode):
            inner = "(" + inner + ")"
        return inner + "".join("." + f for f in self.field)

    def copy(self) -> ChainNode:
        return ChainNode(self.pos, self.node.copy(), list(self.field))


class CommandNode(Node):
    __slots__ = ("args",)

    def __init__(self, pos: int, args: list[Node] | None = None) -> None:
        super().__init__(pos)
        self.args: list[Node] = args if args is not None else []

    def __str__(self) -> str:
        parts = []
        for arg in self.args:
            text = str(arg)
            parts.append("(" + text + ")" if isinstance(arg, PipeNode) else text)
        return " ".join(parts)

    def copy(self) -> CommandNode:
        return CommandNode(self.pos, [a.copy() for a in self.args])


class PipeNode(Node):
    __slots__ = ("cmds", "decl", "is_assign", "line")

    def __init__(self, pos: int, line: int) -> None:
        super().__init__(pos)
        self.line = line
        self.is_assign = False
        self.decl: list[VariableNode] = []
        self.cmds: list[CommandNode] = []

    def __str__(self) -> str:
        out = ""
        if self.decl:
            out = ", ".join(str(v) for v in self.decl) + (" = " if self.is_assign else " := ")
        return out + " | ".join(str(c) for c in self.cmds)

    def copy(self) -> PipeNode:
        p = PipeNode(self.pos, self.line)
        p.is_assign = self.is_assign
        p.decl = [d.copy() for d in self.decl]
        p.cmds = [c.copy() for c in self.cmds]
        return p


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

    __slots__ = ("else_list", "line", "list", "pipe")
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


# unicode.IsSpace, used by bytes.TrimSpace.
GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def is_empty_tree(node: Node | None) -> bool:
    """parse.IsEmptyTree: only whitespace text and comments."""
    if node is None or isinstance(node, CommentNode):
        return True
    if isinstance(node, ListNode):
        return all(is_empty_tree(n) for n in node.nodes)
    if isinstance(node, TextNode):
        return node.text.strip(GO_SPACE) == ""
    return False
