"""SessionStore in process: the embedded default, and the reference the Redis adapter matches.
Sessions are kept per student: a (tenant, user) pair, as user ids are each tenant's own."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

REVOKED_TTL = timedelta(hours=1)


@dataclass
class _UserSessions:
    expires: dict[str, datetime] = field(default_factory=dict)  # session → liveness deadline
    devices: dict[str, str] = field(default_factory=dict)  # session → device
    revoked: dict[str, datetime] = field(default_factory=dict)  # session → forget after
    adopted: dict[str, tuple[int, int]] = field(default_factory=dict)  # session → versions


class InMemorySessionStore:
    def __init__(self) -> None:
        self._users: dict[tuple[str, int], _UserSessions] = {}  # (tenant, user) → sessions
        self._lock = threading.Lock()  # One lock makes each operation atomic, as a Lua script.

    def start(
        self,
        *,
        tenant: str,
        user_id: int,
        session_id: str,
        device_id: str,
        now: datetime,
        ttl_seconds: int,
        max_sessions: int,
        max_devices: int,
    ) -> str | None:
        with self._lock:
            user = self._clean((tenant, user_id), now)
            if (
                device_id not in user.devices.values()
                and len(set(user.devices.values())) >= max_devices
            ):
                return "device_limit_exceeded"
            if len(user.expires) >= max_sessions:
                return "concurrency_limit_exceeded"
            user.expires[session_id] = now + timedelta(seconds=ttl_seconds)
            user.devices[session_id] = device_id
            return None

    def heartbeat(
        self, *, tenant: str, user_id: int, session_id: str, now: datetime, ttl_seconds: int
    ) -> bool:
        with self._lock:
            user = self._clean((tenant, user_id), now)
            if session_id in user.revoked or session_id not in user.expires:
                return False
            user.expires[session_id] = now + timedelta(seconds=ttl_seconds)
            return True

    def is_active(self, *, tenant: str, user_id: int, session_id: str, now: datetime) -> bool:
        with self._lock:
            user = self._clean((tenant, user_id), now)
            return session_id in user.expires and session_id not in user.revoked

    def end(self, *, tenant: str, user_id: int, session_id: str) -> None:
        with self._lock:
            user = self._users.get((tenant, user_id))
            if user is not None:
                user.expires.pop(session_id, None)
                user.devices.pop(session_id, None)
                user.adopted.pop(session_id, None)

    def adopt(
        self, *, tenant: str, user_id: int, session_id: str, versions: tuple[int, int]
    ) -> None:
        with self._lock:
            user = self._users.get((tenant, user_id))
            if user is not None and session_id in user.expires:
                user.adopted[session_id] = versions

    def adopted(self, *, tenant: str, user_id: int, session_id: str) -> tuple[int, int] | None:
        with self._lock:
            user = self._users.get((tenant, user_id))
            return None if user is None else user.adopted.get(session_id)

    def revoke(self, *, tenant: str, user_id: int, session_id: str, now: datetime) -> None:
        with self._lock:
            user = self._users.setdefault((tenant, user_id), _UserSessions())
            user.expires.pop(session_id, None)
            user.devices.pop(session_id, None)
            user.adopted.pop(session_id, None)
            user.revoked[session_id] = now + REVOKED_TTL

    def _clean(self, student: tuple[str, int], now: datetime) -> _UserSessions:
        """Drop lapsed sessions (and their devices) so nothing leaks, as key expiry would."""
        user = self._users.setdefault(student, _UserSessions())
        for sid in [s for s, deadline in user.expires.items() if deadline <= now]:
            del user.expires[sid]
            user.devices.pop(sid, None)
            user.adopted.pop(sid, None)
        for sid in [s for s, forget in user.revoked.items() if forget <= now]:
            del user.revoked[sid]
        return user
