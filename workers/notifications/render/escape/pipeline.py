"""Appending escaper calls to action pipelines (escape.go's ensurePipelineContains)."""

from __future__ import annotations

from ..nodes import CommandNode, IdentifierNode, PipeNode

PREDEFINED_ESCAPERS = frozenset({"html", "urlquery"})

# Contextual escapers that the predefined ones may stand in for.
_EQUIV = {
    "_html_template_attrescaper": "html",
    "_html_template_htmlescaper": "html",
    "_html_template_rcdataescaper": "html",
    "_html_template_urlescaper": "urlquery",
    "_html_template_urlnormalizer": "urlquery",
}

# _REDUNDANT[a] holds b when b(a(x)) == a(x) for all x.
_REDUNDANT = {
    "_html_template_commentescaper": {"_html_template_attrescaper", "_html_template_htmlescaper"},
    "_html_template_cssescaper": {"_html_template_attrescaper"},
    "_html_template_jsregexpescaper": {"_html_template_attrescaper"},
    "_html_template_jsstrescaper": {"_html_template_attrescaper"},
    "_html_template_jstmpllitescaper": {"_html_template_attrescaper"},
    "_html_template_urlescaper": {"_html_template_urlnormalizer"},
}


def _normalize(name: str) -> str:
    return _EQUIV.get(name, name)


def _ident(cmd: CommandNode) -> str | None:
    first = cmd.args[0]
    return first.ident if isinstance(first, IdentifierNode) else None


def _append(cmds: list[CommandNode], cmd: CommandNode) -> None:
    if cmds:
        last, nxt = _ident(cmds[-1]), _ident(cmd)
        if last is not None and nxt is not None and nxt in _REDUNDANT.get(last, ()):
            return
    cmds.append(cmd)


def _ident_cmd(name: str, pos: int) -> CommandNode:
    return CommandNode(pos, [IdentifierNode(pos, name)])


def ensure_pipeline_contains(pipe: PipeNode, escapers: list[str]) -> None:
    """Make the pipeline end with ``escapers``, merging a trailing ``html``/``urlquery``."""
    if not escapers:
        return
    escapers = list(escapers)
    length = len(pipe.cmds)
    if length:
        last = pipe.cmds[-1]
        esc = _ident(last)
        if esc in PREDEFINED_ESCAPERS:
            assert esc is not None
            if len(pipe.cmds) == 1 and len(last.args) > 1:
                # {{html a b}} -> {{_eval_args_ a b | html}}
                last.args[0] = IdentifierNode(last.args[0].pos, "_eval_args_")
                _append(pipe.cmds, _ident_cmd(esc, pipe.pos))
                length += 1
            dup = False
            for i, name in enumerate(escapers):
                if _normalize(esc) == _normalize(name):
                    escapers[i] = esc
                    dup = True
            if dup:
                length -= 1
    new = pipe.cmds[:length]
    inserted = {_normalize(i) for i in (_ident(c) for c in new) if i is not None}
    for name in escapers:
        if _normalize(name) not in inserted:
            _append(new, _ident_cmd(name, pipe.pos))
    pipe.cmds = new
