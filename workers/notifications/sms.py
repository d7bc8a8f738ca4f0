"""SMS through a Telnyx-compatible HTTP API, with E.164 normalisation and error classes.

Only built when SMS is enabled: with SMS_ENABLED=false the caller skips the channel instead
of reporting it sent (the Go worker's quirk). Fake mode logs the message and counts as sent.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request

from workers.notifications.transient import DeliveryError

log = logging.getLogger(__name__)
_OPTED_OUT = {"opted_out", "90126", "40300"}  # 40300: Telnyx "blocked due to STOP message"
_PERMANENT = {"40002", "invalid_phone_number", "40007", "invalid_parameter"}


def to_e164(phone: str) -> str:
    """`(555) 123-4567` -> `+15551234567`; a `+` number passes through; else a permanent error."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 10:
        return "+1" + digits
    if len(digits) == 11 and digits.startswith("1"):
        return "+" + digits
    kept = re.sub(r"[^\d+]", "", phone)
    if kept.startswith("+") and kept.count("+") == 1 and 7 <= len(digits) <= 15:
        return kept
    raise DeliveryError(f"invalid phone number: {phone!r}", transient=False)


class SmsSender:
    def __init__(
        self, *, api_key: str, from_number: str, base_url: str, fake: bool, timeout: float = 10.0
    ) -> None:
        self._api_key, self._from, self._fake, self._timeout = api_key, from_number, fake, timeout
        self._url = base_url.rstrip("/") + "/v2/messages"

    def send(self, phone: str, text: str) -> None:
        """Send `text`; raises DeliveryError (opted_out set on an opt-out answer)."""
        to = to_e164(phone)
        if self._fake:
            preview = text.encode()[:37].decode("utf-8", "ignore")
            log.info("FAKE SMS (not sent) to=%s from=%s text=%r", to, self._from, preview)
            return
        body = json.dumps({"from": self._from, "to": to, "text": text}).encode()
        request = urllib.request.Request(self._url, data=body, method="POST")
        request.add_header("Authorization", f"Bearer {self._api_key}")
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            raise _classify(exc.code, exc.read()) from None
        except (OSError, TimeoutError) as exc:
            raise DeliveryError(f"Telnyx request failed: {exc}", transient=True) from None


def _classify(status: int, raw: bytes) -> DeliveryError:
    """Error code first (opt-out, invalid number/parameter), then the HTTP status."""
    codes, detail = _error_codes(raw)
    message = f"Telnyx HTTP {status}: {detail or raw[:200].decode('utf-8', 'replace')}"
    if codes & _OPTED_OUT:
        return DeliveryError(message, transient=False, opted_out=True)
    if codes & _PERMANENT:
        return DeliveryError(message, transient=False)
    return DeliveryError(message, transient=status == 429 or status >= 500)


def _error_codes(raw: bytes) -> tuple[set[str], str]:
    try:
        errors = json.loads(raw).get("errors") or []
    except (ValueError, AttributeError):
        return set(), ""
    if not isinstance(errors, list):
        return set(), ""
    entries = [e for e in errors if isinstance(e, dict)]
    codes = {str(e.get("code", "")) for e in entries}
    detail = "; ".join(str(e.get("detail") or e.get("title") or e.get("code")) for e in entries)
    return codes, detail
