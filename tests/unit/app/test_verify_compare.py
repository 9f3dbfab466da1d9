"""How ``verify`` compares two answers: equal values, documented differences, keyed rows and
rankings whose ties may come in another order."""

from __future__ import annotations

from datetime import UTC, datetime

from academy_video.app.switchover.compare import TIES, Comparison, Difference, same


def collect() -> tuple[Comparison, list[Difference]]:
    found: list[Difference] = []
    return Comparison(7, found.append), found


def test_same_treats_empty_text_as_none_floats_within_noise_and_naive_times_as_utc() -> None:
    assert same(None, "")
    assert same(0.1 + 0.2, 0.3)
    assert same(datetime(2026, 1, 1, 9), datetime(2026, 1, 1, 9, tzinfo=UTC))
    assert same(True, 1) and not same(True, 0)
    assert not same(0.5, 0.25)
    assert same({"a": 1, "b": None}, {"a": 1.0})


def test_a_difference_a_documented_rule_predicts_is_explained_by_it() -> None:
    check, found = collect()
    check.value("summary", "total_students", 12, 10, alternatives={"active_only": 10})
    check.value("summary", "completed_count", 4, 3, alternatives={"active_only": 2})
    assert found == [
        Difference(7, "summary", "total_students", 12, 10, "active_only"),
        Difference(7, "summary", "completed_count", 4, 3, ""),
    ]
    assert found[1].describe() == "video 7: summary.completed_count: old 4, new 3"


def test_keyed_rows_report_each_field_and_each_row_found_on_one_side() -> None:
    check, found = collect()
    old = [{"id": 1, "rule": "once"}, {"id": 2, "rule": "free"}]
    check.keyed("permissions", "", old, {1: {"rule": "blocked"}, 3: {"rule": "free"}}, key="id")
    assert [(d.path, d.old, d.new) for d in found] == [
        ("[id=1].rule", "once", "blocked"),
        ("[id=2]", "present", None),
        ("[id=3]", None, "present"),
    ]


def rows(*pairs: tuple[int, int]) -> list[dict[str, object]]:
    return [{"enrollment_id": e, "score": s} for e, s in pairs]


def test_a_ranking_whose_ties_come_in_another_order_is_explained() -> None:
    check, found = collect()
    check.ranking(
        "risk",
        "",
        rows((1, 9), (2, 5), (3, 5)),
        rows((1, 9), (3, 5), (2, 5)),
        key="enrollment_id",
        order=("score",),
    )
    assert [(d.path, d.explanation) for d in found] == [(".order", TIES)]


def test_a_ranking_cut_across_a_tie_may_name_another_student() -> None:
    check, found = collect()
    check.ranking(
        "summary",
        "top",
        rows((1, 9), (2, 5)),
        rows((1, 9), (3, 5)),
        key="enrollment_id",
        order=("score",),
        cut=True,
    )
    assert found and all(d.explanation == TIES for d in found)


def test_a_ranking_in_another_order_of_scores_is_a_difference() -> None:
    check, found = collect()
    check.ranking(
        "risk",
        "",
        rows((1, 9), (2, 5)),
        rows((1, 9), (2, 6)),
        key="enrollment_id",
        order=("score",),
    )
    unexplained = [(d.path, d.old, d.new) for d in found if not d.explanation]
    assert unexplained == [
        (".order[1]", {"enrollment_id": 2, "score": 5}, {"enrollment_id": 2, "score": 6}),
        ("[enrollment_id=2].score", 5, 6),
    ]
