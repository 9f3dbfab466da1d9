"""The domain's analytics rules as SQL expressions, built from ``domain/policy.py``'s data (the
weight tables, factors, severities and the rule relaxed on completion), so the database
aggregates with the rule itself and no number is written here. Each builder takes its columns,
so a property test can feed the same generated cases to it and to the Python rule
(tests/unit/adapters/test_sql_rules.py; on PostgreSQL: tests/integration).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, case, literal

from academy_video.domain.policy import (
    REASON_BONUS,
    RELAXED_ON_COMPLETION,
    UNLISTED_WEIGHT,
    VIOLATION_FACTOR,
    WARN_TYPES,
    Severity,
)


def event_score(
    event_type: ColumnElement[Any],
    violated: ColumnElement[Any],
    reason: ColumnElement[Any],
    weights: dict[str, int],
) -> ColumnElement[int]:
    """``policy.event_score``: the type's weight, × the factor if violated, + the bonus if
    there is a reason."""
    weight = case(weights, value=event_type, else_=UNLISTED_WEIGHT)
    weighted = weight * case((violated, VIOLATION_FACTOR), else_=1)
    return weighted + case((reason != "", REASON_BONUS), else_=0)


def severity(event_type: ColumnElement[Any], violated: ColumnElement[Any]) -> ColumnElement[str]:
    """``policy.severity``."""
    return case(
        (violated, literal(Severity.DANGER.value)),
        (event_type.in_(sorted(WARN_TYPES)), literal(Severity.WARN.value)),
        else_=literal(Severity.INFO.value),
    )


def effective_rule(rule: ColumnElement[Any], completed: ColumnElement[Any]) -> ColumnElement[str]:
    """``policy.effective_rule``: the rule, relaxed as RELAXED_ON_COMPLETION says once the video
    is completed."""
    relaxed = [
        (and_(rule == before.value, completed), literal(after.value))
        for before, after in RELAXED_ON_COMPLETION.items()
    ]
    return case(*relaxed, else_=rule)
