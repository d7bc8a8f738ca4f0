"""html/template: contextual auto-escaping layered on the text/template engine.

:func:`escape_templates` rewrites parsed trees so every action's output passes through the
escapers its HTML context needs, and raises :class:`TemplateExecError` for templates Go refuses
to execute (ambiguous or inconsistent contexts), as Go does on the first Execute.
"""

from __future__ import annotations

from ..errors import TemplateExecError, line_col
from ..funcs import ANY, GoFunc, variadic
from ..parser import Tree
from .content import eval_args
from .context import Context
from .css import css_escaper, css_value_filter
from .escaper import escape_templates as _escape
from .html import (
    attr_escaper,
    comment_escaper,
    html_escaper,
    html_name_filter,
    html_nospace_escaper,
    rcdata_escaper,
)
from .js import js_regexp_escaper, js_str_escaper, js_tmpl_lit_escaper, js_val_escaper
from .url import srcset_escaper, url_escaper, url_filter, url_normalizer

_ESCAPERS = {
    "_html_template_attrescaper": attr_escaper,
    "_html_template_commentescaper": comment_escaper,
    "_html_template_cssescaper": css_escaper,
    "_html_template_cssvaluefilter": css_value_filter,
    "_html_template_htmlnamefilter": html_name_filter,
    "_html_template_htmlescaper": html_escaper,
    "_html_template_jsregexpescaper": js_regexp_escaper,
    "_html_template_jsstrescaper": js_str_escaper,
    "_html_template_jstmpllitescaper": js_tmpl_lit_escaper,
    "_html_template_jsvalescaper": js_val_escaper,
    "_html_template_nospaceescaper": html_nospace_escaper,
    "_html_template_rcdataescaper": rcdata_escaper,
    "_html_template_srcsetescaper": srcset_escaper,
    "_html_template_urlescaper": url_escaper,
    "_html_template_urlfilter": url_filter,
    "_html_template_urlnormalizer": url_normalizer,
    "_eval_args_": eval_args,
}
ESCAPER_FUNCS: dict[str, GoFunc] = {name: variadic(name, fn, ANY) for name, fn in _ESCAPERS.items()}


def _describe(c: Context, name: str, source: str) -> str:
    err = c.err
    assert err is not None
    if err.node is not None and hasattr(err.node, "pos"):
        line, col = line_col(source, err.node.pos)
        return f"html/template:{name}:{line}:{col}: {err.description}"
    if err.line:
        return f"html/template:{name}:{err.line}: {err.description}"
    return f"html/template:{name}: {err.description}"


def escape_templates(trees: dict[str, Tree], name: str, source: str) -> dict[str, Tree]:
    """Escaped, executable trees for template ``name``; raises TemplateExecError."""
    escaped, error = _escape(trees, name)
    if error is not None:
        raise TemplateExecError(_describe(error, name, source))
    return escaped


__all__ = ["ESCAPER_FUNCS", "escape_templates"]
