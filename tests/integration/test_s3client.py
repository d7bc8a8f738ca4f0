"""S3 client construction: credentials, settings validation and checksum behaviour, on moto."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.s3_server import browser_put
from tests.support.s3_server import settings as s3_settings
from workers.s3client import S3Settings, internal_client, presign_client


def presigned_put(client: Any, bucket: str, key: str) -> str:
    params = {"Bucket": bucket, "Key": key, "ACL": "public-read"}
    return client.generate_presigned_url("put_object", Params=params, HttpMethod="PUT")


def test_default_credential_chain_is_used_without_static_keys(
    s3: Any, bucket: str, no_aws_env: pytest.MonkeyPatch
) -> None:
    no_aws_env.setenv("AWS_ACCESS_KEY_ID", "env-key")
    no_aws_env.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    settings = S3Settings.from_mapping(
        s3_settings(s3[0], bucket, access_key_id="", secret_access_key="")
    )
    url = presigned_put(presign_client(settings), bucket, "a/b/original.jpg")
    assert "X-Amz-Credential=env-key%2F" in url
    assert browser_put(url, b"x", {"x-amz-acl": "public-read"}) == 200
    internal_client(settings).put_object(Bucket=bucket, Key="a/b/thumb.jpg", Body=b"y")


def test_no_credentials_anywhere_is_a_startup_error(no_aws_env: pytest.MonkeyPatch) -> None:
    settings = S3Settings.from_mapping({"access_key_id": "", "secret_access_key": ""})
    with pytest.raises(RuntimeError, match="no S3 credentials"):
        internal_client(settings)


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"secret_access_key": ""}, "set both"),
        ({"bucket": ""}, "must not be empty"),
        ({"endpoint": "minio:9000"}, "must start with http"),
        ({"presign_expiry_seconds": 0}, "presign_expiry_seconds"),
    ],
)
def test_bad_s3_settings_are_rejected(override: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        S3Settings.from_mapping({**s3_settings("http://127.0.0.1:9", "b"), **override})


def test_missing_keys_take_the_documented_defaults() -> None:
    s = S3Settings.from_mapping({"access_key_id": "k", "secret_access_key": "s"})
    assert (s.bucket, s.region, s.endpoint, s.presign_expiry_seconds) == (
        "civic-os-files",
        "us-east-1",
        "",
        900,
    )


def test_uploads_carry_no_checksum_headers(s3: Any, bucket: str) -> None:
    """boto3 >= 1.36 adds CRC32 headers by default, which some MinIO/Spaces versions reject."""
    client = internal_client(S3Settings.from_mapping(s3_settings(s3[0], bucket)))
    sent: list[str] = []
    client.meta.events.register(
        "before-send.s3.PutObject", lambda request, **_: sent.extend(request.headers.keys())
    )
    client.put_object(Bucket=bucket, Key="k", Body=b"thumbnail", ACL="public-read")
    assert "x-amz-acl" in {h.lower() for h in sent}
    assert not [h for h in sent if "checksum" in h.lower()]
    assert s3[1].get_object(Bucket=bucket, Key="k")["Body"].read() == b"thumbnail"


def test_session_token_goes_with_static_keys(s3: Any, bucket: str) -> None:
    settings = S3Settings.from_mapping(s3_settings(s3[0], bucket, session_token="tok"))
    assert "X-Amz-Security-Token=tok" in presigned_put(presign_client(settings), bucket, "k")
