"""Our signatures as a consumer checks them: with the Standard Webhooks project's own Python
library (``standardwebhooks`` from PyPI), never with our code."""

from __future__ import annotations

import base64
import time

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from academy_video.adapters.webhooks.signing import new_secret, secret_key, signed_headers

BODY = b'{"id":"msg_1","type":"video.ready","data":{"video_id":42}}'


def test_a_new_secret_is_32_random_bytes_behind_the_prefix() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret_key(secret) == base64.b64decode(secret[6:])
    assert len({new_secret() for _ in range(100)}) == 100


def test_a_delivery_verifies_with_the_standard_library() -> None:
    secret = new_secret()
    headers = signed_headers("msg_1", int(time.time()), BODY, [secret])
    assert headers["webhook-id"] == "msg_1"
    assert headers["content-type"] == "application/json"
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(secret).verify(BODY, headers) == {
        "id": "msg_1",
        "type": "video.ready",
        "data": {"video_id": 42},
    }


def test_during_a_rotation_both_secrets_verify() -> None:
    old, new = new_secret(), new_secret()
    headers = signed_headers("msg_2", int(time.time()), BODY, [new, old])
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(new).verify(BODY, headers)
    Webhook(old).verify(BODY, headers)


def test_a_wrong_secret_fails() -> None:
    headers = signed_headers("msg_3", int(time.time()), BODY, [new_secret()])
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)


def test_a_changed_body_fails() -> None:
    secret = new_secret()
    headers = signed_headers("msg_4", int(time.time()), BODY, [secret])
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"42", b"43"), headers)


def test_a_changed_id_or_timestamp_fails() -> None:
    secret = new_secret()
    now = int(time.time())
    headers = signed_headers("msg_5", now, BODY, [secret])
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, {**headers, "webhook-id": "msg_6"})
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, {**headers, "webhook-timestamp": str(now - 1)})


def test_an_old_timestamp_fails() -> None:
    secret = new_secret()
    headers = signed_headers("msg_7", int(time.time()) - 600, BODY, [secret])
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(BODY, headers)


def test_bytes_that_are_not_utf8_are_signed_as_sent() -> None:
    secret = new_secret()
    body = b"\xff\xfe"
    Webhook(secret).verify(
        body, signed_headers("m", int(time.time()), body, [secret]), json_parse=False
    )


@pytest.mark.parametrize(
    ("message_id", "secrets"),
    [("msg_1", []), ("", ["whsec_AAAA"]), ("msg 1", ["whsec_AAAA"]),
     ("msg\r\nx: y", ["whsec_AAAA"]), ("msg_1", ["AAAA"]), ("msg_1", ["whsec_not base64!"]),
     ("msg_1", ["whsec_"])],
)  # fmt: skip
def test_nothing_is_signed_without_a_usable_secret_and_id(
    message_id: str, secrets: list[str]
) -> None:
    with pytest.raises(ValueError, match=r"secret|webhook id"):
        signed_headers(message_id, 1, BODY, secrets)
