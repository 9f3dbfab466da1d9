"""The directory's tables: a replica of the academy's roster, pushed by the platform (not
event-sourced; ``tables.py`` re-exports them beside the projections)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table

from .schema import NAME, SHORT, metadata, tenant_column

_tenant = tenant_column


# Directory ---------------------------------------------------------------------------------

lectures = Table(
    "lectures",
    metadata,
    Column("lecture_id", BigInteger, primary_key=True, autoincrement=False),
    _tenant(),
    Column("title", String(NAME), nullable=False, default=""),
)

lecture_sessions = Table(
    "lecture_sessions",
    metadata,
    Column("session_id", BigInteger, primary_key=True, autoincrement=False),
    _tenant(),
    Column("lecture_id", BigInteger, nullable=False, index=True),
    Column("title", String(NAME), nullable=False, default=""),
)

students = Table(
    "students",
    metadata,
    Column("student_id", BigInteger, primary_key=True, autoincrement=False),
    _tenant(),
    Column("user_id", BigInteger, nullable=False, index=True),
    Column("name", String(NAME), nullable=False, default=""),
    Column("phone", String(SHORT), nullable=False, default=""),
    Column("parent_phone", String(SHORT), nullable=False, default=""),
    Column("school", String(NAME), nullable=False, default=""),
    Column("grade", String(SHORT), nullable=False, default=""),
)

enrollments = Table(
    "enrollments",
    metadata,
    Column("enrollment_id", BigInteger, primary_key=True, autoincrement=False),
    _tenant(),
    Column("student_id", BigInteger, nullable=False, index=True),
    Column("lecture_id", BigInteger, nullable=False, index=True),
    Column("status", String(SHORT), nullable=False),
)

session_access = Table(
    "session_access",
    metadata,
    Column("session_id", BigInteger, primary_key=True, autoincrement=False),
    Column("enrollment_id", BigInteger, primary_key=True, autoincrement=False),
    _tenant(),
)

attendance = Table(
    "attendance",
    metadata,
    Column("session_id", BigInteger, primary_key=True, autoincrement=False),
    Column("enrollment_id", BigInteger, primary_key=True, autoincrement=False),
    _tenant(),
    Column("status", String(SHORT), nullable=False),
)
