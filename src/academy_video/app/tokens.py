"""Playback tokens: signed, expiring, bound to one user of one tenant, carrying the versions they
were cut for.

Format: ``base64url(json payload) "." base64url(HMAC-SHA256(secret, payload part))``. Opaque to
players; only this service reads them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass

from .errors import Denied


@dataclass(frozen=True)
class PlaybackClaims:
    tenant: str
    user_id: int
    video_id: int
    enrollment_id: int
    session_id: str
    policy_version: int
    grant_version: int
    expires_at: int
    # What a heartbeat needs without loading anything: how long, how fast (whose: the tenant).
    duration: float = 0.0
    max_rate: float = 1.0

    @property
    def versions(self) -> tuple[int, int]:
        """The (policy, grant) versions the token was issued under."""
        return self.policy_version, self.grant_version


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenCodec:
    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("a playback token secret is required")
        self._key = secret.encode()

    def encode(self, claims: PlaybackClaims) -> str:
        body = _b64(json.dumps(asdict(claims), separators=(",", ":")).encode())
        return f"{body}.{self._mac(body)}"

    def decode(self, token: str, *, tenant: str, user_id: int, now: float) -> PlaybackClaims:
        """Verified claims, or Denied with the contract's reason. ``tenant`` and ``user_id`` are
        the caller's: user ids are the tenants' own, so the same id in another tenant is
        another student."""
        if not token:
            raise Denied("token_required")
        body, _, mac = token.partition(".")
        # compare_digest refuses non-ASCII text: such a token is not ours anyway.
        if not token.isascii() or not mac or not hmac.compare_digest(mac, self._mac(body)):
            raise Denied("invalid_token")
        try:
            claims = PlaybackClaims(**json.loads(_unb64(body)))
        except (ValueError, TypeError):
            raise Denied("invalid_token") from None
        # Bound to its student: someone else's token is as good as a forged one.
        if claims.tenant != tenant or claims.user_id != user_id:
            raise Denied("invalid_token")
        if claims.expires_at <= now:
            raise Denied("token_expired")
        return claims

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())
