"""A real S3 over HTTP for tests: moto's server app on 127.0.0.1 and a random free port.

The fixtures `s3`, `bucket` and `no_aws_env` (tests/conftest.py) are built on `moto_s3` and
`CHAIN_ENV`.

Moto accepts any presigned URL, so the server is put behind a small SigV4 verifier written
from AWS's documentation (not from botocore's signer): a presigned request passes only with
a valid signature, every signed header present, no unsigned `x-amz-*` header and an
unexpired URL — what AWS, MinIO and Spaces enforce on a browser's PUT.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, quote

import boto3
from botocore.config import Config
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

ACCESS_KEY, SECRET_KEY = "test-key", "test-secret"
SECRETS = {ACCESS_KEY: SECRET_KEY, "env-key": "env-secret"}


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def _enc(s: str) -> str:
    return quote(s, safe="-_.~")


def presign_problem(environ: dict[str, Any], secrets: dict[str, str]) -> str | None:
    """Why AWS would reject this query-signed request, or None if it is valid."""
    query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    p = dict(query)
    if p.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256":
        return "AuthorizationQueryParametersError: algorithm"
    key_id, scope = p["X-Amz-Credential"].split("/", 1)
    if key_id not in secrets:
        return "InvalidAccessKeyId"
    signed_at = datetime.strptime(p["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    if datetime.now(UTC) > signed_at + timedelta(seconds=int(p["X-Amz-Expires"])):
        return "AccessDenied: Request has expired"
    signed = p["X-Amz-SignedHeaders"].split(";")
    sent = {k[5:].lower().replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
    sent.update(
        {
            "content-type": environ.get("CONTENT_TYPE"),
            "content-length": environ.get("CONTENT_LENGTH"),
        }
    )
    sent = {h: v for h, v in sent.items() if v is not None}
    unsigned = sorted(h for h in sent if h.startswith("x-amz-") and h not in signed)
    if unsigned:
        return f"AccessDenied: There were headers present in the request which were not signed: {unsigned}"
    if any(sent.get(h) is None for h in signed):
        return "SignatureDoesNotMatch: a signed header is missing"
    path = environ.get("RAW_URI", quote(environ["PATH_INFO"], safe="/~")).split("?", 1)[0]
    canonical = "\n".join(
        [
            environ["REQUEST_METHOD"],
            path,
            "&".join(f"{_enc(k)}={_enc(v)}" for k, v in sorted(query) if k != "X-Amz-Signature"),
            "".join(f"{h}:{' '.join(sent[h].split())}\n" for h in signed),
            ";".join(signed),
            "UNSIGNED-PAYLOAD",
        ]
    )
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", p["X-Amz-Date"], scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = ("AWS4" + secrets[key_id]).encode()
    for part in scope.split("/"):
        key = _hmac(key, part)
    if not hmac.compare_digest(
        hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), p["X-Amz-Signature"]
    ):
        return "SignatureDoesNotMatch"
    return None


class PresignVerifier:
    """WSGI middleware answering 403 to presigned requests that AWS would reject."""

    def __init__(self, app: Callable[..., Iterable[bytes]], secrets: dict[str, str]) -> None:
        self.app, self.secrets = app, secrets

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if "X-Amz-Signature=" in environ.get("QUERY_STRING", ""):
            problem = presign_problem(environ, self.secrets)
            if problem:
                start_response("403 Forbidden", [("Content-Type", "text/plain")])
                return [problem.encode()]
        return self.app(environ, start_response)


def client(endpoint: str) -> Any:
    """A plain boto3 client for test setup and checks (path style, test credentials)."""
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(s3={"addressing_style": "path"}),
    )


def browser_put(
    url: str, body: bytes, headers: dict[str, str], content_type: str = "image/jpeg"
) -> int:
    """A browser's PUT of a File to a presigned URL: its type plus the given headers."""
    headers = {"Content-Type": content_type, **headers}
    req = urllib.request.Request(url, data=body, method="PUT", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def settings(endpoint: str, bucket: str, **overrides: Any) -> dict[str, Any]:
    """An `s3` settings section pointing at the test server."""
    return {
        "bucket": bucket,
        "region": "us-east-1",
        "access_key_id": ACCESS_KEY,
        "secret_access_key": SECRET_KEY,
        "endpoint": endpoint,
        "public_endpoint": "",
        "presign_expiry_seconds": 900,
        **overrides,
    }


@contextmanager
def moto_s3() -> Iterator[tuple[str, Any]]:
    """Start the server; yield (endpoint_url, boto3 client); stop it."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = PresignVerifier(DomainDispatcherApplication(create_backend_app), SECRETS)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_port}"
    try:
        yield endpoint, client(endpoint)
    finally:
        server.shutdown()
        thread.join()


CHAIN_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)
