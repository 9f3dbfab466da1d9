"""Standard Webhooks signatures (https://www.standardwebhooks.com/): a consumer verifies our
deliveries with any of that project's libraries.

The signed content is ``{webhook-id}.{webhook-timestamp}.{body}``, HMAC-SHA256 with the secret's
32 bytes; the header carries ``v1,<base64>`` for each valid secret, space separated, so that
during a rotation a consumer holding either the old or the new secret verifies.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets as random

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(random.token_bytes(SECRET_BYTES)).decode("ascii")


def signature(message_id: str, timestamp: int, body: bytes, secret: str) -> str:
    """One ``v1,<base64 HMAC-SHA256>`` entry of the ``webhook-signature`` header."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    mac = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode("ascii")


def signed_headers(
    message_id: str, timestamp: int, body: bytes, secrets: list[str]
) -> dict[str, str]:
    """The headers of one delivery attempt, signed with every secret valid now."""
    if not secrets:
        raise ValueError("a webhook is signed with at least one secret")
    if not message_id or not all("!" <= c <= "~" for c in message_id):
        raise ValueError("a webhook id is printable ASCII without spaces (a header value)")
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(message_id, timestamp, body, s) for s in secrets),
        "content-type": "application/json",
    }


def secret_key(secret: str) -> bytes:
    """The HMAC key a ``whsec_`` secret stands for."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("not a webhook secret")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error:
        raise ValueError("not a webhook secret") from None
    if not key:
        raise ValueError("not a webhook secret")
    return key
