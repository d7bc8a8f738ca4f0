"""The SMTP transport against a real SMTP server (aiosmtpd): TLS, AUTH, reuse, failures."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.smtp_server import PASSWORD, USER, Cert, free_port, make_cert, smtp_server
from workers.notifications.smtp_transport import SmtpTransport
from workers.notifications.transient import DeliveryError

RAW = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nbody\r\n"


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> Cert:
    return make_cert(tmp_path_factory.mktemp("tls"))


def transport(port: int, host: str = "127.0.0.1", **kwargs) -> SmtpTransport:
    return SmtpTransport(host=host, port=port, timeout=2.0, **kwargs)


def test_plain_delivery_reuses_one_connection() -> None:
    with smtp_server() as server:
        smtp = transport(server.port)
        for _ in range(3):
            assert smtp.send("a@example.org", ["b@example.org", "c@example.org"], RAW) == {}
        smtp.close()
    assert len(server.messages) == 3
    assert server.messages[0].mail_from == "a@example.org"
    assert server.messages[0].rcpt_tos == ["b@example.org", "c@example.org"]
    assert b"Subject: hi" in server.messages[0].raw
    assert len(server.recorder.sessions) == 1


def test_starttls_with_verified_certificate_then_auth(cert: Cert) -> None:
    with smtp_server(starttls=cert, auth=True) as server:
        smtp = transport(server.port, username=USER, password=PASSWORD, ca_file=cert.cert_file)
        smtp.send("a@example.org", ["b@example.org"], RAW)
    assert len(server.messages) == 1 and server.recorder.authenticated


def test_untrusted_certificate_is_refused(cert: Cert) -> None:
    with smtp_server(starttls=cert) as server, pytest.raises(DeliveryError, match="STARTTLS"):
        transport(server.port).send("a@example.org", ["b@example.org"], RAW)
    assert server.messages == []


def test_wrong_password_is_permanent(cert: Cert) -> None:
    with smtp_server(starttls=cert, auth=True) as server:
        smtp = transport(server.port, username=USER, password="wrong", ca_file=cert.cert_file)
        with pytest.raises(DeliveryError, match="authentication failed") as caught:
            smtp.send("a@example.org", ["b@example.org"], RAW)
    assert not caught.value.transient and server.messages == []


def test_auth_over_plaintext_only_to_localhost() -> None:
    with smtp_server(auth=True, auth_require_tls=False) as server:
        transport(server.port, username=USER, password=PASSWORD).send(
            "a@example.org", ["b@example.org"], RAW
        )
    assert len(server.messages) == 1 and server.recorder.authenticated
    with smtp_server(host="127.0.0.2", auth=True, auth_require_tls=False) as remote:
        smtp = transport(remote.port, host="127.0.0.2", username=USER, password=PASSWORD)
        with pytest.raises(DeliveryError, match="without TLS") as caught:
            smtp.send("a@example.org", ["b@example.org"], RAW)
    assert not caught.value.transient
    assert remote.messages == [] and remote.recorder.authenticated == []


def test_no_auth_without_both_credentials() -> None:
    with smtp_server(auth=True, auth_require_tls=False) as server:
        transport(server.port, username=USER).send("a@example.org", ["b@example.org"], RAW)
    assert len(server.messages) == 1 and server.recorder.authenticated == []


def test_implicit_tls_on_port_465(cert: Cert) -> None:
    try:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 465))
    except OSError:
        pytest.skip("port 465 is not bindable here")
    with smtp_server(port=465, implicit_tls=cert) as server:
        transport(465, ca_file=cert.cert_file).send("a@example.org", ["b@example.org"], RAW)
    assert len(server.messages) == 1


@pytest.mark.parametrize(
    ("reply", "transient"), [("550 5.1.1 no such user", False), ("451 4.3.0 busy", True)]
)
def test_rejected_recipient_classified_by_code(reply: str, transient: bool) -> None:
    with smtp_server(rcpt_reply=reply) as server:
        smtp = transport(server.port)
        with pytest.raises(DeliveryError, match=reply.split()[0]) as caught:
            smtp.send("a@example.org", ["b@example.org"], RAW)
        assert caught.value.transient is transient
        # The session was reset and the connection kept: a later message reuses it.
        server.recorder.rcpt_reply = None
        smtp.send("a@example.org", ["b@example.org"], RAW)
    assert len(server.messages) == 1 and len(server.recorder.sessions) == 1


def test_server_down_is_transient_and_recovers() -> None:
    port = free_port()
    smtp = transport(port)
    with pytest.raises(DeliveryError, match="connect") as caught:
        smtp.send("a@example.org", ["b@example.org"], RAW)
    assert caught.value.transient
    with smtp_server(port=port) as server:
        smtp.send("a@example.org", ["b@example.org"], RAW)
    assert len(server.messages) == 1


def test_reconnects_when_the_server_dropped_an_idle_connection() -> None:
    with smtp_server(idle_timeout=0.3) as server:
        smtp = transport(server.port)
        smtp.send("a@example.org", ["b@example.org"], RAW)
        time.sleep(0.8)  # the server closes the idle session
        smtp.send("a@example.org", ["b@example.org"], RAW)
    assert len(server.messages) == 2 and len(server.recorder.sessions) == 2


def test_silent_server_times_out() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    started = time.monotonic()
    try:
        smtp = SmtpTransport(host="127.0.0.1", port=listener.getsockname()[1], timeout=0.5)
        with pytest.raises(DeliveryError) as caught:
            smtp.send("a@example.org", ["b@example.org"], RAW)
    finally:
        listener.close()
        for conn in accepted:
            conn.close()
    assert caught.value.transient and time.monotonic() - started < 3


def test_threads_share_a_bounded_pool() -> None:
    with smtp_server() as server:
        smtp = transport(server.port, pool_size=3)
        with ThreadPoolExecutor(10) as pool:
            list(
                pool.map(
                    lambda i: smtp.send("a@example.org", [f"u{i}@example.org"], RAW), range(40)
                )
            )
        smtp.close()
    assert len(server.messages) == 40
    assert sorted(m.rcpt_tos[0] for m in server.messages) == sorted(
        f"u{i}@example.org" for i in range(40)
    )
    assert len(server.recorder.sessions) <= 3


def test_connection_lost_after_data_is_never_retried() -> None:
    with (
        smtp_server(drop_after_data=True) as server,
        pytest.raises(DeliveryError, match="may have accepted") as caught,
    ):
        transport(server.port).send("a@example.org", ["b@example.org"], RAW)
    assert not caught.value.transient and len(server.messages) == 1
