"""Content types of HTML attributes (attr.go)."""

from __future__ import annotations

from enum import IntEnum


class Content(IntEnum):
    Plain = 0
    CSS = 1
    HTML = 2
    HTMLAttr = 3
    JS = 4
    JSStr = 5
    URL = 6
    Srcset = 7
    Unsafe = 8


_P, _U, _URL = Content.Plain, Content.Unsafe, Content.URL
_ATTR_TYPES: dict[str, Content] = {
    **dict.fromkeys(
        [
            "accept",
            "alt",
            "autocomplete",
            "autofocus",
            "autoplay",
            "border",
            "checked",
            "class",
            "cols",
            "colspan",
            "contenteditable",
            "contextmenu",
            "controls",
            "coords",
            "datetime",
            "default",
            "dir",
            "dirname",
            "disabled",
            "draggable",
            "dropzone",
            "for",
            "formtarget",
            "headers",
            "height",
            "hidden",
            "high",
            "hreflang",
            "id",
            "ismap",
            "kind",
            "label",
            "lang",
            "list",
            "loop",
            "low",
            "max",
            "maxlength",
            "media",
            "mediagroup",
            "min",
            "multiple",
            "name",
            "open",
            "optimum",
            "placeholder",
            "preload",
            "pubdate",
            "radiogroup",
            "readonly",
            "required",
            "reversed",
            "rows",
            "rowspan",
            "spellcheck",
            "scope",
            "scoped",
            "seamless",
            "selected",
            "shape",
            "size",
            "sizes",
            "span",
            "srclang",
            "start",
            "step",
            "tabindex",
            "target",
            "title",
            "width",
            "wrap",
        ],
        _P,
    ),
    **dict.fromkeys(
        [
            "accept-charset",
            "async",
            "challenge",
            "charset",
            "content",
            "crossorigin",
            "defer",
            "enctype",
            "form",
            "formenctype",
            "formmethod",
            "formnovalidate",
            "http-equiv",
            "keytype",
            "language",
            "method",
            "novalidate",
            "pattern",
            "rel",
            "sandbox",
            "type",
            "value",
        ],
        _U,
    ),
    **dict.fromkeys(
        [
            "action",
            "archive",
            "background",
            "cite",
            "classid",
            "codebase",
            "data",
            "formaction",
            "href",
            "icon",
            "longdesc",
            "manifest",
            "poster",
            "profile",
            "src",
            "usemap",
            "xmlns",
        ],
        _URL,
    ),
    "srcdoc": Content.HTML,
    "srcset": Content.Srcset,
    "style": Content.CSS,
}


def attr_type(name: str) -> Content:
    """A conservative guess at the type of the lower-cased attribute ``name``."""
    if name.startswith("data-"):
        name = name[5:]
    elif ":" in name:
        prefix, _, short = name.partition(":")
        if prefix == "xmlns":
            return Content.URL
        name = short
    found = _ATTR_TYPES.get(name)
    if found is not None:
        return found
    if name.startswith("on"):
        return Content.JS
    if "src" in name or "uri" in name or "url" in name:
        return Content.URL
    return Content.Plain
