"""Parse-tree leaf and expression nodes (text/template/parse's node.go, first half).

Each node keeps its source offset for error locations and renders Go's String() form.
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
    __slots__ = ("node", "field")

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
    __slots__ = ("line", "is_assign", "decl", "cmds")

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
