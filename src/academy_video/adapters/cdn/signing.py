"""Media URL signatures, checked by the edge (or the service on the embedded default).

Two kinds (docs/cdn.md):

- **per path**, the seed's: ``sig = base64url(HMAC-SHA256(secret, "{path}|{exp}|{kid}|{uid}"))``,
  query ``exp, sig, kid, uid``; good for that one path. ``play_url`` is signed so.
- **scoped** to a prefix (an ACL, as CloudFront's and Akamai's tokens): query ``exp, acl, sig,
  kid, uid``, ``sig`` the HMAC of ``"acl={acl}|{exp}|{kid}|{uid}"``; good for every path under
  ``acl``. The URLs inside rewritten playlists, and ``media_query``, are signed so: a player
  swaps a fresh one into every request and keeps playing across refreshes. The ``acl=`` prefix
  keeps the two kinds apart: no per-path signature is ever a scoped one (paths start with ``/``).

Padding is stripped; ``sid`` rides along unsigned (the key endpoint's session).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import urlencode

PARAMS = ("exp", "acl", "sig", "kid", "uid", "sid")  # what an edge reads and passes along


def signature(secret: str, path: str, expires_at: int, key_id: str, user_id: int | None) -> str:
    uid = "" if user_id is None else str(int(user_id))
    message = f"{path}|{int(expires_at)}|{key_id}|{uid}".encode()
    mac = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def scoped_signature(secret: str, acl: str, expires_at: int, key_id: str, user_id: int) -> str:
    return signature(secret, f"acl={acl}", expires_at, key_id, user_id)


def canonical(path: str) -> bool:
    """An absolute path as the service writes them: ASCII, printable, nothing left encoded
    (``%``), no backslash, and no empty, ``.`` or ``..`` segment (a trailing ``/`` allowed). What
    a prefix is compared with must mean what it says: ``/a/b/../../keys/x`` starts with
    ``/a/b/``."""
    if not (path.startswith("/") and path.isascii() and path.isprintable()):
        return False
    if any(c in path for c in "%\\|?#"):
        return False
    segments = path[1:].split("/")
    if path.endswith("/"):
        segments.pop()
    return all(s not in ("", ".", "..") for s in segments)


def covers(acl: str, path: str) -> bool:
    """Whether a signature scoped to ``acl`` (a prefix ending in ``/``) reaches ``path``."""
    return is_scope(acl) and canonical(path) and path.startswith(acl) and path != acl


def is_scope(acl: str) -> bool:
    return acl.endswith("/") and acl != "/" and canonical(acl)


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

    def scope(
        self, acl: str, *, expires_at: int, user_id: int, session_id: str | None = None
    ) -> str:
        """The query (no ``?``) that makes every path under ``acl`` acceptable until
        ``expires_at`` for ``user_id``; empty without a secret. A scope is always a user's."""
        if not is_scope(acl):
            raise ValueError(f"not a scope: {acl!r}")
        if not self.secret:
            return ""
        query = {
            "exp": str(int(expires_at)),
            "acl": acl,
            "sig": scoped_signature(self.secret, acl, expires_at, self.key_id, user_id),
            "kid": self.key_id,
            "uid": str(int(user_id)),
        }
        if session_id:
            query["sid"] = session_id
        return urlencode(query)

    def verify(self, path: str, *, exp: str, sig: str, kid: str, uid: str, now: int) -> bool:
        """What the edge does: right key id, not expired, signature matches (constant time)."""
        if kid != self.key_id or not _number(exp) or int(exp) <= now:
            return False
        user_id = int(uid) if _number(uid) else None
        if uid and user_id is None:
            return False
        return _same(signature(self.secret, path, int(exp), self.key_id, user_id), sig)

    def verify_scope(self, acl: str, *, exp: str, sig: str, kid: str, uid: str, now: int) -> bool:
        """A scoped signature good for ``acl``: a scope, a user, the key id, not expired."""
        if kid != self.key_id or not _number(exp) or int(exp) <= now:
            return False
        if not is_scope(acl) or not _number(uid):
            return False
        expected = scoped_signature(self.secret, acl, int(exp), self.key_id, int(uid))
        return _same(expected, sig)

    def accepts(self, path: str, query: Mapping[str, str], now: int) -> bool:
        """The edge's whole check of a request for ``path``: scoped when the query has an
        ``acl`` (then ``path`` must lie under it), else signed for ``path`` itself."""
        if "acl" in query:
            acl = self.valid_scope(query, now)
            return acl is not None and covers(acl, path)
        q = {name: query.get(name, "") for name in PARAMS}
        return self.verify(path, exp=q["exp"], sig=q["sig"], kid=q["kid"], uid=q["uid"], now=now)

    def valid_scope(self, query: Mapping[str, str], now: int) -> str | None:
        """The scope (``acl``) a valid scoped signature in ``query`` is good for, else None."""
        q = {name: query.get(name, "") for name in PARAMS}
        good = self.verify_scope(
            q["acl"], exp=q["exp"], sig=q["sig"], kid=q["kid"], uid=q["uid"], now=now
        )
        return q["acl"] if good else None


def _same(expected: str, sig: str) -> bool:
    """Constant time; ``compare_digest`` refuses non-ASCII text."""
    return sig.isascii() and hmac.compare_digest(expected, sig)


def _number(text: str) -> bool:
    """ASCII digits, as a signer writes them: ``str.isdigit`` also takes "²", which ``int``
    refuses, and a few thousand digits are more than ``int`` will parse."""
    return text.isascii() and text.isdigit() and len(text) <= 20
