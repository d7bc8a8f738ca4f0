"""`send_notification`: one `metadata.notifications` row delivered by email and/or SMS.

The row's final state is staged with the job's outcome (committed together by the parent):
`sent` when any channel delivered, `failed` with the reason otherwise. Input that can never
succeed (unknown template, render error, no usable channel, permanent delivery errors) ends
the row `failed` and cancels the job; only transient delivery failures are retried.
DeliveryGuard makes sure a row is never delivered twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, NoReturn

from workers.errors import JobCancel
from workers.job import Job, JobContext
from workers.notifications import channels as delivery
from workers.notifications import job_args, recipients
from workers.notifications.delivery_guard import DeliveryGuard
from workers.notifications.rendering import Rendered
from workers.notifications.services import Services
from workers.notifications.tracking import Suppressed


class TransientDeliveryFailure(Exception):  # noqa: N818 - the name is in the job's recorded error
    """All channels failed, at least one for a reason a retry may fix."""


def handle(services: Services, job: Job, ctx: JobContext) -> None:
    args = job_args.object_args(job)
    nid = job_args.bigint_text(args, "notification_id")
    user_id = job_args.uuid_text(args, "user_id")
    template_name = job_args.text(args, "template_name", required=True)
    requested = job_args.text_list(args, "channels") or ["email"]

    def fail(error: str, failed: list[str] | None = None) -> NoReturn:
        ctx.write("notification_failed", id=nid, failed=failed, error=error)
        raise JobCancel(error)

    guard = DeliveryGuard(ctx, nid, requested)
    if not guard.may_deliver():
        return
    rows = ctx.query("template", template_name=template_name)
    if not rows:
        fail(f"Template error: template '{template_name}' not found")
    template = rows[0]
    rendered = _render(services, ctx, template, args.get("entity_data"), fail)
    who = recipients.load(ctx, user_id)
    use, skipped = delivery.usable(requested, who, rendered, services.sms)
    if not use:
        fail("No channel could be used: " + "; ".join(skipped))
    headers: dict[str, str] = {}
    if template["is_bulk"] and "email" in use and services.tracking is not None:
        try:
            tracked = services.tracking.inject(
                ctx,
                recipient=who.email,
                template=template_name,
                entity_type=job_args.optional_text(args, "entity_type"),
                entity_id=job_args.optional_text(args, "entity_id"),
                entity_data=args.get("entity_data"),
                html_body=rendered.html,
            )
        except Suppressed as exc:
            ctx.log.info("bulk notification %s suppressed: %s", nid, exc)
            ctx.write("notification_sent", id=nid, sent=[], failed=[], error=f"Not sent: {exc}")
            return
        if tracked is not None:
            rendered = dataclasses.replace(rendered, html=tracked.html)
            headers = tracked.headers
    if not guard.claim():
        return
    results = delivery.deliver(
        ctx,
        channels=use,
        who=who,
        rendered=rendered,
        mailer=services.mailer,
        sms=services.sms,
        headers=headers,
        guard=guard,
        user_id=user_id,
    )
    errors = "; ".join(results.errors)
    if results.sent:
        failed = results.failed or None
        ctx.write(
            "notification_sent", id=nid, sent=results.sent, failed=failed, error=errors or None
        )
        return
    error = f"All channels failed: {errors}"
    if results.transient:
        guard.release_failed(results.failed, error)
        raise TransientDeliveryFailure(error)
    fail(error, results.failed)


def _render(
    services: Services,
    ctx: JobContext,
    template: dict[str, Any],
    entity: Any,
    fail: Callable[[str], NoReturn],
) -> Rendered:
    from workers.notifications.render import TemplateError

    try:
        return services.renderer.render(ctx, template, entity)
    except TemplateError as exc:
        fail(f"Rendering error: {exc}")
        raise  # unreachable: fail() raises
