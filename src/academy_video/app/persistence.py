"""Which event store each Application uses, from the settings.

- ``ACADEMY_VIDEO_DATABASE_URL=postgresql://…``: eventsourcing's ``postgres`` module (psycopg 3);
  each Application has its own ``<name>_events`` table, so writers of one context do not queue
  behind another's table lock.
- otherwise the embedded default: one SQLite file per Application under ``<data dir>/events/``
  (the SQLite recorder has one fixed table name, so Applications cannot share a file).

Stored event payloads are MessagePack (``adapters/eventstore/msgpack_codec.py``), zlib-compressed
either way, and AES-GCM encrypted when
``ACADEMY_VIDEO_CIPHER_KEY`` is set (make one with ``academy-video cipher-key``).
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from urllib.parse import unquote, urlparse

from eventsourcing.cryptography import AESCipher

from .config import Settings

# Plug-ins named by topic (the library resolves them; see adapters/eventstore/).
COMMON = {
    "TRANSCODER_TOPIC": "academy_video.adapters.eventstore.msgpack_codec:MsgpackTranscoder",
    "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor",
}
POSTGRES_RECORDER = "academy_video.adapters.eventstore.postgres:PostgresEventRecorder"


def event_store_env(settings: Settings, app_name: str) -> dict[str, str]:
    common = {**COMMON, **cipher_env(settings.cipher_key)}
    if settings.database_url:
        return {**common, **postgres_env(settings.database_url)}
    directory = settings.data_dir / "events"
    directory.mkdir(parents=True, exist_ok=True)
    return {
        **common,
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(directory / f"{app_name.lower()}.sqlite3"),
    }


def cipher_env(key: str) -> dict[str, str]:
    """eventsourcing's AES-GCM cipher (the ``cryptography`` package), if a key is given."""
    if not key:
        return {}
    try:
        AESCipher.check_key_size(len(b64decode(key, validate=True)))
    except (ValueError, binascii.Error):
        raise ValueError(
            "ACADEMY_VIDEO_CIPHER_KEY must be 16, 24 or 32 bytes in base64 "
            "(make one with `academy-video cipher-key`)"
        ) from None
    return {"CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher", "CIPHER_KEY": key}


def new_cipher_key() -> str:
    return AESCipher.create_key(32)


def postgres_env(url: str) -> dict[str, str]:
    """``postgresql://user:password@host:port/dbname`` → eventsourcing's POSTGRES_* settings."""
    parts = urlparse(url)
    if parts.scheme not in ("postgresql", "postgres") or not parts.path.strip("/"):
        raise ValueError("ACADEMY_VIDEO_DATABASE_URL must look like postgresql://user@host:port/db")
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "APPLICATION_RECORDER_TOPIC": POSTGRES_RECORDER,
        "POSTGRES_DBNAME": unquote(parts.path.strip("/")),
        "POSTGRES_HOST": parts.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_PRE_PING": "y",
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "CREATE_TABLE": "y",
    }
