"""The HTML parser state html/template tracks between template nodes (context.go)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any, NamedTuple


class State(IntEnum):
    Text = 0
    Tag = 1
    AttrName = 2
    AfterName = 3
    BeforeValue = 4
    HTMLCmt = 5
    RCDATA = 6
    Attr = 7
    URL = 8
    Srcset = 9
    JS = 10
    JSDqStr = 11
    JSSqStr = 12
    JSTmplLit = 13
    JSRegexp = 14
    JSBlockCmt = 15
    JSLineCmt = 16
    JSHTMLOpenCmt = 17
    JSHTMLCloseCmt = 18
    CSS = 19
    CSSDqStr = 20
    CSSSqStr = 21
    CSSDqURL = 22
    CSSSqURL = 23
    CSSURL = 24
    CSSBlockCmt = 25
    CSSLineCmt = 26
    Error = 27
    Dead = 28

    def go(self) -> str:
        return "state" + self.name


class Delim(IntEnum):
    None_ = 0
    DoubleQuote = 1
    SingleQuote = 2
    SpaceOrTagEnd = 3

    def go(self) -> str:
        return "delim" + self.name.rstrip("_")


class URLPart(IntEnum):
    None_ = 0
    PreQuery = 1
    QueryOrFrag = 2
    Unknown = 3

    def go(self) -> str:
        return "urlPart" + self.name.rstrip("_")


class JSCtx(IntEnum):
    Regexp = 0
    DivOp = 1
    Unknown = 2

    def go(self) -> str:
        return "jsCtx" + self.name


class Attr(IntEnum):
    None_ = 0
    Script = 1
    ScriptType = 2
    Style = 3
    URL = 4
    Srcset = 5

    def go(self) -> str:
        return "attr" + self.name.rstrip("_")


class Element(IntEnum):
    None_ = 0
    Script = 1
    Style = 2
    Textarea = 3
    Title = 4

    def go(self) -> str:
        return "element" + self.name.rstrip("_")


COMMENT_STATES = frozenset(
    {
        State.HTMLCmt,
        State.JSBlockCmt,
        State.JSLineCmt,
        State.JSHTMLOpenCmt,
        State.JSHTMLCloseCmt,
        State.CSSBlockCmt,
        State.CSSLineCmt,
    }
)
IN_TAG_STATES = frozenset(
    {State.Tag, State.AttrName, State.AfterName, State.BeforeValue, State.Attr}
)
SCRIPT_LITERAL_STATES = frozenset({State.JSDqStr, State.JSSqStr, State.JSTmplLit, State.JSRegexp})


@dataclass(frozen=True, eq=False)
class EscapeError:
    """html/template's *Error: compared by identity, like Go's pointer comparison."""

    description: str
    line: int = 0
    node: Any = None


class Context(NamedTuple):
    """An immutable parser state; a NamedTuple because contexts are created constantly."""

    state: State = State.Text
    delim: Delim = Delim.None_
    url_part: URLPart = URLPart.None_
    js_ctx: JSCtx = JSCtx.Regexp
    brace_depth: tuple[int, ...] = ()
    attr: Attr = Attr.None_
    element: Element = Element.None_
    node: Any = None
    err: EscapeError | None = None

    def eq(self, other: Context) -> bool:
        """Go's context.eq: ignores the brace depth stack and the break/continue node."""
        return (
            self.state == other.state
            and self.delim == other.delim
            and self.url_part == other.url_part
            and self.js_ctx == other.js_ctx
            and self.attr == other.attr
            and self.element == other.element
            and self.err is other.err
        )

    def with_(self, **changes: Any) -> Context:
        return self._replace(**changes)

    def mangle(self, name: str) -> str:
        if self.state == State.Text:
            return name
        s = name + "$htmltemplate_" + self.state.go()
        if self.delim != Delim.None_:
            s += "_" + self.delim.go()
        if self.url_part != URLPart.None_:
            s += "_" + self.url_part.go()
        if self.js_ctx != JSCtx.Regexp:
            s += "_" + self.js_ctx.go()
        if self.attr != Attr.None_:
            s += "_" + self.attr.go()
        if self.element != Element.None_:
            s += "_" + self.element.go()
        return s

    def __str__(self) -> str:
        err = self.err.description if self.err else "<nil>"
        return (
            f"{{{self.state.go()} {self.delim.go()} {self.url_part.go()} {self.js_ctx.go()} "
            f"{self.attr.go()} {self.element.go()} {err}}}"
        )


def error_context(description: str, node: Any = None, line: int = 0) -> Context:
    return Context(state=State.Error, err=EscapeError(description, line, node))


ATTR_START_STATES = {
    Attr.None_: State.Attr,
    Attr.Script: State.JS,
    Attr.ScriptType: State.Attr,
    Attr.Style: State.CSS,
    Attr.URL: State.URL,
    Attr.Srcset: State.Srcset,
}


def nudge(c: Context) -> Context:
    """The context after empty-string transitions (``<a href=`` -> inside the value)."""
    if c.state == State.Tag:
        return c.with_(state=State.AttrName)
    if c.state == State.BeforeValue:
        return c.with_(state=ATTR_START_STATES[c.attr], delim=Delim.SpaceOrTagEnd, attr=Attr.None_)
    if c.state == State.AfterName:
        return c.with_(state=State.AttrName, attr=Attr.None_)
    return c


def join(a: Context, b: Context, node: Any, name: str) -> Context:
    """The context after a branch, or an error if the branches end in different contexts."""
    if a.state == State.Error:
        return a
    if b.state == State.Error:
        return b
    if a.state == State.Dead:
        return b
    if b.state == State.Dead:
        return a
    if a.eq(b):
        return a
    c = a.with_(url_part=b.url_part)
    if c.eq(b):
        return c.with_(url_part=URLPart.Unknown)
    c = a.with_(js_ctx=b.js_ctx)
    if c.eq(b):
        return c.with_(js_ctx=JSCtx.Unknown)
    na, nb = nudge(a), nudge(b)
    if not (na.eq(a) and nb.eq(b)):
        e = join(na, nb, node, name)
        if e.state != State.Error:
            return e
    return error_context(f"{{{{{name}}}}} branches end in different contexts: {a}, {b}", node)
