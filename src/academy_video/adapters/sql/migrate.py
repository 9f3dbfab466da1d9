"""Schema migrations for the read models (Alembic), run by ``academy-video db upgrade``.

Safe to run from several processes at once: on PostgreSQL an advisory lock makes them take
turns; on SQLite the writer engine's ``BEGIN IMMEDIATE`` does.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from .engine import is_sqlite
from .tables import metadata

MIGRATIONS = Path(__file__).parent / "migrations"
ADVISORY_LOCK = 0x61636164  # any fixed number; "acad"


# Made by a migration in one dialect's own terms, not declared in ``tables.py``: the transcript
# index's trigram and bigram indexes (PostgreSQL; SQLite's FTS5 tables are not ours by name).
UNDECLARED_INDEXES = frozenset({"trgm_transcript_cues_text", "tsv_transcript_cues_bigrams"})


def ours(name: str | None, type_: str, parent_names: object) -> bool:
    """Only our tables: the event store's tables share the database but are not ours."""
    if type_ == "index":
        return name not in UNDECLARED_INDEXES
    return type_ != "table" or name in metadata.tables


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as conn:
        if not is_sqlite(engine):
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
        command.upgrade(_config(conn), revision)


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def revision(engine: Engine, message: str) -> None:
    """Write a new migration from the difference between ``tables.py`` and the database."""
    with engine.begin() as conn:
        command.revision(_config(conn), message=message, autogenerate=True)
