"""The analytics rules' SQL against the domain's rules (tests/unit/adapters/test_sql_rules.py)
again on PostgreSQL: the same generated cases, the same answers (booleans, text comparison and
CASE types differ between the two databases)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection

from academy_video.adapters.sql.engine import postgres_engine
from tests.unit.adapters.test_sql_rules import (  # noqa: F401 (the tests themselves)
    test_every_known_type_and_rule_is_covered,
    test_the_sql_rules_answer_as_the_domain_rules,
)

from .conftest import DATABASE_URL, need_postgres

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def connection() -> Iterator[Connection]:
    need_postgres()
    engine = postgres_engine(DATABASE_URL, pool_size=1)
    with engine.connect() as conn:  # the cases' table is TEMPORARY: this session's own
        yield conn
        conn.rollback()
    engine.dispose()
