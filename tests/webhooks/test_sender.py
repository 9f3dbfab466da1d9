"""The HTTP sender against real receivers on 127.0.0.1, reached only through the operator's
allow-list; signatures checked by the Standard Webhooks library on the receiving side."""

from __future__ import annotations

import ipaddress
import json
import logging
import ssl
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from academy_video.adapters.webhooks.lookups import Resolver
from academy_video.adapters.webhooks.sender import HttpWebhookSender, Timeouts
from academy_video.adapters.webhooks.signing import new_secret, signed_headers
from academy_video.app.ports.webhooks import MAX_RESPONSE_CHARS, WebhookRequest
from academy_video.domain.webhook_targets import AllowList, IPAddress

from .receivers import (
    Answer,
    failing,
    hanging,
    huge,
    receiving,
    redirecting,
    trickling,
    verifying,
)

LOOPBACK = AllowList.parse("127.0.0.1/32")
BODY = json.dumps({"id": "msg_1", "type": "video.ready", "data": {"video_id": 7}}).encode()


def no_dns(host: str, port: int) -> list[IPAddress]:
    raise AssertionError(f"nothing should be resolved here: {host}")


def names(table: dict[str, list[str]]) -> Resolver:
    def resolve(host: str, port: int) -> list[IPAddress]:
        return [ipaddress.ip_address(a) for a in table[host]]

    return resolve


@pytest.fixture
def sender() -> Iterator[HttpWebhookSender]:
    sender = HttpWebhookSender(allow=LOOPBACK, allow_http=True, resolver=no_dns)
    yield sender
    sender.close()


def signed(url: str, secret: str, message_id: str = "msg_1") -> WebhookRequest:
    return WebhookRequest(url, BODY, signed_headers(message_id, int(time.time()), BODY, [secret]))


def test_a_signed_delivery_is_verified_by_the_receiver(sender: HttpWebhookSender) -> None:
    secret = new_secret()
    with verifying(secret) as receiver:
        result = sender.send(signed(receiver.url("/in?x=1"), secret))
    assert result.ok and result.status == 204 and result.error == ""
    assert receiver.state["verified"] == ["msg_1"]
    got = receiver.requests[0]
    assert got.path == "/in?x=1"
    assert got.headers["content-type"] == "application/json"
    assert got.headers["host"] == f"127.0.0.1:{receiver.port}"
    assert "cookie" not in got.headers


def test_a_wrong_signature_is_the_receivers_400_kept_with_its_answer(
    sender: HttpWebhookSender,
) -> None:
    with verifying(new_secret()) as receiver:
        result = sender.send(signed(receiver.url(), new_secret()))
    assert result.status == 400 and not result.ok
    assert result.response == "bad signature"


def test_a_receiver_failing_twice_gets_it_the_third_time(sender: HttpWebhookSender) -> None:
    with failing(2) as receiver:
        results = [sender.send(signed(receiver.url(), new_secret())) for _ in range(3)]
    assert [(r.status, r.response) for r in results] == [
        (500, "not now"),
        (500, "not now"),
        (200, "ok"),
    ]
    assert [r.ok for r in results] == [False, False, True]


def test_a_receiver_that_never_answers_is_a_timeout_within_the_total() -> None:
    sender = HttpWebhookSender(
        allow=LOOPBACK, allow_http=True, timeouts=Timeouts(connect=0.5, total=0.5)
    )
    with hanging() as receiver:
        result = sender.send(signed(receiver.url(), new_secret()))
        assert receiver.arrived.is_set()
    sender.close()
    assert result.status is None and result.error == "timeout"
    assert 450 <= result.duration_ms < 2000


def test_a_redirect_is_a_failed_attempt_never_followed(sender: HttpWebhookSender) -> None:
    with receiving(lambda r, got: Answer(200)) as elsewhere:
        for location in ("http://169.254.169.254/latest/meta-data/", elsewhere.url()):
            with redirecting(location) as receiver:
                result = sender.send(signed(receiver.url(), new_secret()))
            assert result.status == 302 and not result.ok
        assert elsewhere.connections == 0


def test_a_huge_answer_is_read_only_up_to_the_bound(sender: HttpWebhookSender) -> None:
    with huge(10 * 1024 * 1024) as receiver:
        result = sender.send(signed(receiver.url(), new_secret()))
        assert receiver.answered.wait(5)
    assert result.status == 200
    assert result.response == "x" * MAX_RESPONSE_CHARS
    # The rest was never taken: the connection was dropped with most of it unsent.
    assert receiver.state["written"] < 10 * 1024 * 1024


def test_loopback_without_the_allow_list_is_refused_before_any_connection() -> None:
    sender = HttpWebhookSender(allow=AllowList(), allow_http=True, resolver=no_dns)
    with verifying(new_secret()) as receiver:
        result = sender.send(signed(receiver.url(), new_secret()))
        mapped = sender.send(signed(receiver.url(host="[::ffff:127.0.0.1]"), new_secret()))
    sender.close()
    assert result.status is None and result.error == "refused_address: loopback"
    assert mapped.error == "refused_address: loopback"
    assert receiver.connections == 0


def test_a_name_is_refused_if_any_of_its_addresses_is() -> None:
    # A resolver that answers a public and a private address: the private one could be chosen.
    resolver = names({"hooks.example": ["93.184.215.14", "127.0.0.1"]})
    sender = HttpWebhookSender(allow=AllowList(), allow_http=True, resolver=resolver)
    result = sender.send(signed("https://hooks.example/", new_secret()))
    sender.close()
    assert result.error == "dns"  # as an unknown name: see the next test


def test_an_internal_name_and_an_unknown_name_look_the_same(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A subscriber must not learn from the delivery log which internal names exist.
    def resolve(host: str, port: int) -> list[IPAddress]:
        if host == "db.internal":
            return [ipaddress.ip_address("10.0.0.5")]
        raise OSError("no such name")

    sender = HttpWebhookSender(allow=AllowList(), allow_http=True, resolver=resolve)
    with caplog.at_level(logging.INFO):
        internal = sender.send(signed("https://db.internal/", new_secret()))
        unknown = sender.send(signed("https://nothing.example/", new_secret()))
    sender.close()
    assert (internal.status, internal.error) == (unknown.status, unknown.error) == (None, "dns")
    assert "db.internal resolves to a refused address (private)" in caplog.text


def test_a_lookup_that_never_answers_is_a_dns_failure_within_the_connect_timeout() -> None:
    answer = threading.Event()

    def stuck(host: str, port: int) -> list[IPAddress]:
        answer.wait(10)
        raise OSError("gave up")

    sender = HttpWebhookSender(
        allow=LOOPBACK, allow_http=True, resolver=stuck, timeouts=Timeouts(connect=0.3, total=5)
    )
    result = sender.send(signed("https://hooks.example/", new_secret()))
    answer.set()
    sender.close()
    assert (result.status, result.error) == (None, "dns")
    assert result.duration_ms < 2000


@pytest.mark.parametrize(
    ("first", "then"),
    [
        (b"HTTP/1.1 200 OK\r\n", b"x-slow: a\r\n"),  # headers that never end
        (b"HTTP/1.1 102 Processing\r\n\r\n", b"HTTP/1.1 102 Processing\r\n\r\n"),
    ],
    ids=["headers", "1xx"],
)
def test_a_trickling_receiver_is_cut_off_at_the_attempts_deadline(
    first: bytes, then: bytes
) -> None:
    # Each piece arrives well within a per-read timeout: only a deadline for the whole attempt
    # ends it.
    sender = HttpWebhookSender(
        allow=LOOPBACK, allow_http=True, timeouts=Timeouts(connect=0.5, total=0.6)
    )
    with trickling(first, then, every=0.05) as receiver:
        result = sender.send(signed(receiver.url(), new_secret()))
    sender.close()
    assert (result.status, result.error) == (None, "timeout")
    assert 550 <= result.duration_ms < 2000


def test_the_checked_address_is_the_one_connected_to(sender: HttpWebhookSender) -> None:
    # The name is resolved once: the request goes to that address with the name as Host.
    answers = iter(["127.0.0.1", "169.254.169.254"])  # a rebinding resolver's second answer

    def rebinding(host: str, port: int) -> list[IPAddress]:
        return [ipaddress.ip_address(next(answers))]

    sender = HttpWebhookSender(allow=LOOPBACK, allow_http=True, resolver=rebinding)
    with verifying(secret := new_secret()) as receiver:
        result = sender.send(signed(receiver.url(host="hooks.example"), secret))
    sender.close()
    assert result.status == 204
    assert receiver.requests[0].headers["host"] == f"hooks.example:{receiver.port}"


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://hooks.example/", "invalid_url: scheme"),
        ("https://user@hooks.example/", "invalid_url: userinfo"),
        ("https://2130706433/", "invalid_url: ambiguous_ipv4"),
        ("https://0x7f.1/", "invalid_url: ambiguous_ipv4"),
        ("https://169.254.169.254/latest/meta-data/", "refused_address: metadata"),
        ("https://[fd00:ec2::254]/", "refused_address: metadata"),
        ("https://10.0.0.1/", "refused_address: private"),
    ],
)
def test_targets_refused_by_the_rule_are_results_not_exceptions(url: str, error: str) -> None:
    sender = HttpWebhookSender(allow=LOOPBACK, allow_http=False, resolver=no_dns)
    result = sender.send(signed(url, new_secret()))
    sender.close()
    assert (result.status, result.error) == (None, error)


def test_a_name_that_does_not_resolve_is_a_dns_failure() -> None:
    def nothing(host: str, port: int) -> list[IPAddress]:
        raise OSError("no such name")

    sender = HttpWebhookSender(allow=LOOPBACK, allow_http=True, resolver=nothing)
    assert sender.send(signed("https://hooks.example/", new_secret())).error == "dns"
    sender.close()


def test_nothing_listening_is_a_connect_failure(sender: HttpWebhookSender) -> None:
    with receiving(lambda r, got: Answer(200)) as receiver:
        url = receiver.url()
    assert sender.send(signed(url, new_secret())).error == "connect"


# --- https: the address connected to, the name checked --------------------------------------


def certificate_for(name: str, directory: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate naming ``name`` only: the receiver's context, and a client's
    that trusts it."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    (directory / "cert.pem").write_bytes(pem)
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(directory / "cert.pem", directory / "key.pem")
    client = ssl.create_default_context(cadata=pem.decode())
    return server, client


def test_https_goes_to_the_checked_address_and_checks_the_certificate_against_the_name(
    tmp_path: Path,
) -> None:
    server_tls, client_tls = certificate_for("hooks.test", tmp_path)
    resolver = names({"hooks.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
    sender = HttpWebhookSender(
        allow=LOOPBACK, allow_http=False, resolver=resolver, verify=client_tls
    )
    secret = new_secret()
    with verifying(secret, tls=server_tls) as receiver:
        result = sender.send(signed(receiver.url(host="hooks.test"), secret))
        # Another name at the same address: its certificate does not name it.
        other = sender.send(signed(receiver.url(host="other.test"), secret))
    sender.close()
    assert (result.status, result.error) == (204, "")
    assert receiver.requests[0].headers["host"] == f"hooks.test:{receiver.port}"
    assert (other.status, other.error) == (None, "tls")
    assert len(receiver.requests) == 1


def test_nothing_of_the_body_headers_or_secret_is_logged(
    sender: HttpWebhookSender, caplog: pytest.LogCaptureFixture
) -> None:
    secret = new_secret()
    with caplog.at_level(logging.DEBUG), verifying(secret) as receiver:
        request = signed(receiver.url(), secret)
        assert sender.send(request).ok
    logged = caplog.text
    assert caplog.records  # httpx and httpcore did log, at DEBUG
    for kept in (secret, request.headers["webhook-signature"], "video.ready", "msg_1"):
        assert kept not in logged


def test_a_targets_cookie_is_never_sent_back(sender: HttpWebhookSender) -> None:
    answer = Answer(200, {"set-cookie": "session=abc; Path=/"})
    with receiving(lambda r, got: answer) as receiver:
        for _ in range(2):
            assert sender.send(signed(receiver.url(), new_secret())).ok
    assert [got.headers.get("cookie") for got in receiver.requests] == [None, None]


def test_one_tenants_hung_lookups_never_hold_back_anothers() -> None:
    # A tenant whose names' servers never answer: each of its lookups outlives its attempt.
    hung = threading.Event()

    def resolve(host: str, port: int) -> list[IPAddress]:
        if host.endswith(".stuck.example"):
            hung.wait(30)
            raise OSError("no answer")
        return [ipaddress.ip_address("127.0.0.1")]

    sender = HttpWebhookSender(
        allow=LOOPBACK, allow_http=True, resolver=resolve, timeouts=Timeouts(connect=0.2, total=5)
    )
    try:
        with verifying(secret := new_secret()) as receiver:
            hostile = [
                sender.send(
                    WebhookRequest(f"http://h{n}.stuck.example/", BODY, {}, tenant="hostile")
                )
                for n in range(10)
            ]
            request = signed(receiver.url(host="hooks.example"), secret)
            innocent = sender.send(
                WebhookRequest(request.url, request.body, request.headers, tenant="innocent")
            )
        assert {r.error for r in hostile} == {"dns"}
        # Past its own share of lookups the hostile tenant's fail at once, not after a wait.
        assert sum(r.duration_ms == 0 for r in hostile) == len(hostile)
        assert (innocent.status, innocent.error) == (204, "")
    finally:
        hung.set()
        sender.close()
