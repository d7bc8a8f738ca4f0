"""The long-lived clients one notifications child builds once and its threads share."""

from __future__ import annotations

from dataclasses import dataclass

from workers.notifications.mailer import Mailer
from workers.notifications.rendering import Renderer
from workers.notifications.sms import SmsSender
from workers.notifications.tracking import TrackingInjector


@dataclass
class Services:
    mailer: Mailer
    renderer: Renderer
    sms: SmsSender | None
    """None when SMS_ENABLED=false: the SMS channel is then skipped."""
    tracking: TrackingInjector | None
    """None when NOTIFICATION_TRACKING_ENABLED=false."""

    def close(self) -> None:
        self.mailer.close()
