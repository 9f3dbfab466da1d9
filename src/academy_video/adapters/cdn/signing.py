"""The seed's edge signature: ``sig = base64url(HMAC-SHA256(secret, "{path}|{exp}|{kid}|{uid}"))``.

Query ``exp, sig, kid, uid``; padding stripped. The edge (or the service on the embedded default)
recomputes it to accept a request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlencode


def signature(secret: str, path: str, expires_at: int, key_id: str, user_id: int | None) -> str:
    uid = "" if user_id is None else str(int(user_id))
    message = f"{path}|{int(expires_at)}|{key_id}|{uid}".encode()
    mac = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


class HmacUrlSigner:
    def __init__(self, *, base_url: str, secret: str, key_id: str = "v1") -> None:
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.key_id = key_id

    def sign(
        self, path: str, *, expires_at: int, user_id: int | None, session_id: str | None = None
    ) -> str:
        path = path if path.startswith("/") else f"/{path}"
        query = self.query(path, expires_at=expires_at, user_id=user_id, session_id=session_id)
        return f"{self.base_url}{path}" + (f"?{urlencode(query)}" if query else "")

    def query(
        self, path: str, *, expires_at: int, user_id: int | None, session_id: str | None = None
    ) -> dict[str, str]:
        """The query parameters that make ``path`` acceptable (none without a secret)."""
        if not self.secret:
            return {}
        query = {
            "exp": str(int(expires_at)),
            "sig": signature(self.secret, path, expires_at, self.key_id, user_id),
            "kid": self.key_id,
        }
        if user_id is not None:
            query["uid"] = str(int(user_id))
        if session_id:
            query["sid"] = session_id
        return query

    def verify(self, path: str, *, exp: str, sig: str, kid: str, uid: str, now: int) -> bool:
        """What the edge does: right key id, not expired, signature matches (constant time)."""
        if kid != self.key_id or not _number(exp) or int(exp) <= now:
            return False
        user_id = int(uid) if _number(uid) else None
        if uid and user_id is None:
            return False
        if not sig.isascii():  # compare_digest refuses non-ASCII text
            return False
        expected = signature(self.secret, path, int(exp), self.key_id, user_id)
        return hmac.compare_digest(expected, sig)


def _number(text: str) -> bool:
    """ASCII digits, as a signer writes them: ``str.isdigit`` also takes "²", which ``int``
    refuses, and a few thousand digits are more than ``int`` will parse."""
    return text.isascii() and text.isdigit() and len(text) <= 20
