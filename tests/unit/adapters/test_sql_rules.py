"""The analytics rules as SQL (adapters/sql/rules.py) answer exactly as the domain's rules
(domain/policy.py) on the same generated cases: any event type (known or not), violated or
not, with or without a reason, under both weight tables; every rule, completed or not.
On SQLite here; tests/integration/test_sql_rules_on_postgres.py runs the same on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    insert,
    select,
)

from academy_video.adapters.sql import rules
from academy_video.domain.policy import (
    ANALYTICS_WEIGHTS,
    LIST_WEIGHTS,
    ClientEventType,
    Rule,
    effective_rule,
    event_score,
    severity,
)

# One generated case per row: what a stored event and a student's grant and progress hold.
cases_table = Table(
    "rule_cases",
    MetaData(),
    Column("n", Integer, primary_key=True),
    Column("event_type", String),
    Column("violated", Boolean),
    Column("reason", String),
    Column("rule", String),
    Column("completed", Boolean),
    prefixes=["TEMPORARY"],
)

# Text either database stores as it is (PostgreSQL refuses NUL).
text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=24)
Case = tuple[str, bool, str, Rule, bool]
cases = st.lists(
    st.tuples(
        st.one_of(st.sampled_from([t.value for t in ClientEventType]), text),
        st.booleans(),
        st.one_of(st.just(""), st.sampled_from(["seek_blocked", "speed_blocked"]), text),
        st.sampled_from(Rule),
        st.booleans(),
    ),
    min_size=1,
    max_size=40,
)


@pytest.fixture(scope="module")
def connection() -> Iterator[Connection]:
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        yield conn
    engine.dispose()


def domain_answers(batch: list[Case]) -> list[tuple[object, ...]]:
    return [
        (
            event_score(kind, violated, reason, ANALYTICS_WEIGHTS),
            event_score(kind, violated, reason, LIST_WEIGHTS),
            severity(kind, violated),
            effective_rule(rule, completed),
        )
        for kind, violated, reason, rule, completed in batch
    ]


def sql_answers(conn: Connection, batch: list[Case]) -> list[tuple[object, ...]]:
    cases_table.create(conn, checkfirst=True)
    conn.execute(cases_table.delete())
    conn.execute(
        insert(cases_table),
        [
            {
                "n": n,
                "event_type": kind,
                "violated": violated,
                "reason": reason,
                "rule": rule.value,
                "completed": completed,
            }
            for n, (kind, violated, reason, rule, completed) in enumerate(batch)
        ],
    )
    c = cases_table.c
    query = select(
        rules.event_score(c.event_type, c.violated, c.reason, ANALYTICS_WEIGHTS),
        rules.event_score(c.event_type, c.violated, c.reason, LIST_WEIGHTS),
        rules.severity(c.event_type, c.violated),
        rules.effective_rule(c.rule, c.completed),
    ).order_by(c.n)
    return [tuple(row) for row in conn.execute(query)]


@settings(max_examples=200, deadline=None)
@given(cases)
def test_the_sql_rules_answer_as_the_domain_rules(
    connection: Connection, batch: list[Case]
) -> None:
    assert sql_answers(connection, batch) == domain_answers(batch)


def test_every_known_type_and_rule_is_covered(connection: Connection) -> None:
    """Not left to chance: every type × violated × reason, and every rule × completed."""
    batch: list[Case] = [
        (kind.value, violated, reason, rule, completed)
        for kind in ClientEventType
        for violated in (False, True)
        for reason in ("", "seek_blocked")
        for rule in Rule
        for completed in (False, True)
    ]
    assert sql_answers(connection, batch) == domain_answers(batch)
