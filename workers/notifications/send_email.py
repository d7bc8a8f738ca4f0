"""`send_email`: one templated email to explicit TO/CC addresses (no notifications row).

Produced by `metadata.send_email()`. A bulk template goes to exactly one recipient per job
(the newsletter pattern), so each can carry its own unsubscribe token. Failures that can
never succeed cancel the job with the reason; transient ones raise so River retries.
"""

from __future__ import annotations

from workers.errors import JobCancel
from workers.job import Job, JobContext
from workers.notifications import job_args
from workers.notifications.message import Content
from workers.notifications.services import Services
from workers.notifications.tracking import Suppressed
from workers.notifications.transient import DeliveryError


def handle(services: Services, job: Job, ctx: JobContext) -> None:
    from workers.notifications.render import TemplateError

    args = job_args.object_args(job)
    to = job_args.text_list(args, "to")
    cc = job_args.text_list(args, "cc")
    template_name = job_args.text(args, "template_name", required=True)
    reply_to = job_args.text(args, "reply_to")
    if not to:
        raise JobCancel("args.to must list at least one address")
    rows = ctx.query("template", template_name=template_name)
    if not rows:
        raise JobCancel(f"Template error: template '{template_name}' not found")
    template = rows[0]
    if template["is_bulk"] and len(to) + len(cc) > 1:
        raise JobCancel(
            f"bulk template '{template_name}' must be sent to one recipient per job, "
            f"got {len(to) + len(cc)} (call send_email once per recipient)"
        )
    entity = args.get("entity_data")
    try:
        rendered = services.renderer.render(ctx, template, {} if entity in (None, "") else entity)
    except TemplateError as exc:
        raise JobCancel(f"Rendering error: {exc}") from None
    html, headers = rendered.html, {}
    if template["is_bulk"] and services.tracking is not None:
        try:
            tracked = services.tracking.inject(
                ctx,
                recipient=to[0],
                template=template_name,
                entity_type=job_args.optional_text(args, "entity_type"),
                entity_id=job_args.optional_text(args, "entity_id"),
                entity_data=entity,
                html_body=html,
            )
        except Suppressed as exc:
            ctx.log.info("bulk email not sent: %s", exc)
            return
        if tracked is not None:
            html, headers = tracked.html, tracked.headers
    content = Content(rendered.subject, rendered.text, html)
    try:
        services.mailer.send(to=to, cc=cc, content=content, reply_to=reply_to, headers=headers)
    except DeliveryError as exc:
        if exc.transient:
            raise
        raise JobCancel(str(exc)) from None
