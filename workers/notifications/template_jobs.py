"""`validate_template_parts` and `preview_template_parts`: the template editor's checks.

Each non-empty part (subject, html, text, sms) gets one `template_part_validation_results`
row, then the request is marked completed. All rows are staged with the job's completion,
so a retried job can never leave duplicate rows. Preview stores the rendered output in
`error_message` for valid parts, as `get_preview_results()` expects.
"""

from __future__ import annotations

from workers.errors import JobCancel
from workers.job import Job, JobContext
from workers.notifications import job_args
from workers.notifications.rendering import PARTS, entity_json
from workers.notifications.services import Services


def validate(services: Services, job: Job, ctx: JobContext) -> None:
    _run(services, job, ctx, preview=False)


def preview(services: Services, job: Job, ctx: JobContext) -> None:
    _run(services, job, ctx, preview=True)


def _run(services: Services, job: Job, ctx: JobContext, *, preview: bool) -> None:
    from workers.notifications.render import TemplateError, validate_part

    args = job_args.object_args(job)
    validation_id = job_args.uuid_text(args, "validation_id")
    if not ctx.query("validation_exists", validation_id=validation_id):
        raise JobCancel(f"template validation request {validation_id} does not exist")
    entity = entity_json(args.get("sample_entity_data")) if preview else None
    for part in PARTS:
        template = job_args.text(args, f"{part}_template")
        if not template:
            continue
        try:
            validate_part(template, html=part == "html")
        except TemplateError as exc:
            valid, message = False, f"invalid template syntax: {exc}"
        else:
            valid, message = True, ""
            if preview:
                try:
                    message = services.renderer.part(ctx, part, template, entity)
                except TemplateError as exc:
                    valid, message = False, f"Rendering error: {exc}"
        ctx.write(
            "validation_part", validation_id=validation_id, part=part, valid=valid, message=message
        )
    ctx.write("validation_done", validation_id=validation_id)
