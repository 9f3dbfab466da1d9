"""An old database: a PostgreSQL schema (of the test services' server) or a SQLite file,
registered with Django under an alias of its own and given the old tables by Django's schema
editor from the old models (so every table, column, index and constraint is Django's own)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg
from django.apps import apps
from django.db import connections

from tests.legacy_django import settings


@dataclass(frozen=True)
class LegacyDatabase:
    """Where an old database is: ``url`` and ``schema`` are what the importer is given
    (``--dsn`` and ``--schema``); ``alias`` is Django's name for it."""

    alias: str
    url: str
    schema: str | None
    vendor: str  # "postgresql" or "sqlite"


def open_postgres(url: str, schema: str | None = None) -> LegacyDatabase:
    """A fresh schema on the server at ``url`` (``postgresql://user@host:port/db``) holding
    the old tables."""
    settings.setup()
    schema = schema or f"legacy_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    parts = urlsplit(url)
    alias = f"legacy_{schema}"
    _register(
        alias,
        {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": parts.path.lstrip("/"),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "OPTIONS": {"options": f"-c search_path={schema}"},
        },
    )
    database = LegacyDatabase(alias, url, schema, "postgresql")
    create_tables(database)
    return database


def open_sqlite(path: Path) -> LegacyDatabase:
    settings.setup()
    alias = f"legacy_{uuid.uuid4().hex[:10]}"
    _register(alias, {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)})
    database = LegacyDatabase(alias, f"sqlite:///{path}", None, "sqlite")
    create_tables(database)
    return database


def create_tables(database: LegacyDatabase) -> None:
    with connections[database.alias].schema_editor() as editor:
        for model in legacy_models():
            editor.create_model(model)


def legacy_models() -> list[type[Any]]:
    return [m for label in settings.APPS for m in apps.get_app_config(label).get_models()]


def close(database: LegacyDatabase) -> None:
    """Close Django's connection and drop the schema (PostgreSQL; a SQLite file is the
    caller's temporary directory's)."""
    connections[database.alias].close()
    del connections.settings[database.alias]
    if database.schema is not None:
        with psycopg.connect(database.url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{database.schema}" CASCADE')


def _register(alias: str, config: dict[str, object]) -> None:
    # Django fills each database's defaults (TIME_ZONE, OPTIONS, TEST, ...) when it reads its
    # settings; a database added after setup gets them the same way.
    filled = connections.configure_settings(
        {"default": connections.settings["default"], alias: config}
    )
    connections.settings[alias] = filled[alias]
