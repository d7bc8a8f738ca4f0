"""Amazon SES delivery of the same raw MIME bytes the SMTP transport sends.

One boto3 client per child: boto3 clients are thread-safe and keep their own connection
pool. Credentials are the SES keys from settings when both are set, otherwise boto3's
default chain (IAM role, instance profile), which the Go worker could not use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from workers.notifications.transient import from_ses


class SesTransport:
    def __init__(
        self,
        *,
        region: str,
        access_key_id: str = "",
        secret_access_key: str = "",
        endpoint: str = "",
        timeout: float = 30.0,
        max_connections: int = 10,
    ) -> None:
        import boto3
        from botocore.config import Config

        credentials: dict[str, Any] = {}
        if access_key_id and secret_access_key:
            credentials = {
                "aws_access_key_id": access_key_id,
                "aws_secret_access_key": secret_access_key,
            }
        config = Config(
            connect_timeout=timeout,
            read_timeout=timeout,
            retries={"total_max_attempts": 1},  # the job retries; see transient.from_ses
            max_pool_connections=max_connections,
        )
        self._client = boto3.session.Session().client(
            "ses", region_name=region, endpoint_url=endpoint or None, config=config, **credentials
        )

    def send(self, envelope_from: str, recipients: Sequence[str], raw: bytes) -> dict[str, str]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.send_raw_email(
                Source=envelope_from, Destinations=list(recipients), RawMessage={"Data": raw}
            )
        except (BotoCoreError, ClientError) as exc:
            raise from_ses(exc) from exc
        return {}

    def close(self) -> None:
        self._client.close()
