"""The capacity model (``scripts/capacity``): its arithmetic on a figures file the test writes,
a missing figure named and skipped (never guessed), and hostile flags refused."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.bench import capacity
from tests.bench.capacity_model import Assumptions, first_limit, plan, rates

ROOT = Path(__file__).resolve().parents[2]

FIGURES: dict[str, float] = {
    "playback.heartbeat_cpu_us": 300.0,
    "playback.event_batch_cpu_us": 1200.0,
    "progress.cpu_per_heartbeat_ms": 0.1,  # ms: 100 µs
    "redis.cpu_us_per_heartbeat": 15.0,
    "redis.cpu_us_per_event_batch": 60.0,
    "eventstore.events_per_s_4proc": 20_000.0,
    "appends.events_per_s_100_per_save": 99_999.0,  # shadowed by the eventstore figure
    "rebuild.events_per_s": 10_000.0,
    "postgres.log_bytes_per_event": 300.0,
    "postgres.read_model_bytes_per_event": 200.0,
    "transcode.cpu_s_per_source_min": 20.0,
}


def figures_file(path: Path, values: dict[str, float]) -> Path:
    path.write_text(
        json.dumps(
            {
                name: {
                    "value": value,
                    "unit": "u",
                    "bench": "test",
                    "measured": "2026-12-05T10:00:00+00:00",
                    "note": "",
                }
                for name, value in values.items()
            }
        )
    )
    return path


def as_figures(values: dict[str, float]) -> dict[str, dict[str, Any]]:
    return {name: {"value": value, "unit": "u"} for name, value in values.items()}


def test_rates_follow_the_assumptions() -> None:
    # 60,000 students beating every 30 s and batching every 60 s.
    r = rates(60_000, Assumptions())
    assert (r.heartbeats, r.batches, r.client_events) == (2_000, 1_000, 4_000)
    assert r.stored_events == 3_000  # a progress event per beat + one event per batch
    assert r.busiest_log == 2_000  # the progress log


def test_each_row_is_load_over_what_one_unit_carries_at_the_planned_busy_share() -> None:
    # 60,000 students: 2,000 beats/s and 1,000 batches/s; units planned 60 % busy.
    _, rows = plan(60_000, as_figures(FIGURES), Assumptions())
    by = {row.resource: row for row in rows}

    api = by["API cores: heartbeats + event batches"]
    assert api.load == pytest.approx(2_000 * 300 + 1_000 * 1_200)  # 1.8 cores of CPU
    assert api.per_unit == pytest.approx(600_000)
    assert api.needed == 3

    progress = by["API cores: progress writes"]
    assert progress.load == pytest.approx(2_000 * 100)
    assert progress.needed == 1

    redis = by["Redis primaries"]
    assert redis.load == pytest.approx(2_000 * 15 + 1_000 * 60)
    assert redis.share_of_one == pytest.approx(90_000 / 600_000)

    store = by["PostgreSQL event store (appends)"]
    assert store.rests_on == ("eventstore.events_per_s_4proc",)  # the first candidate present
    assert store.load == 3_000
    assert store.share_of_one == pytest.approx(3_000 / 12_000)

    # 1,000 batches/s, and 3 API processes each saving its progress every 5 s.
    saves = by["PostgreSQL saves (at most)"]
    assert saves.load == pytest.approx(1_000 + 3 / 5)
    assert saves.needed is None

    projector = by["projector (one writer per log: the busiest log)"]
    assert projector.share_of_one == pytest.approx(2_000 / 6_000)

    disk = by["PostgreSQL disk growth"]
    assert disk.load == pytest.approx(3_000 * 6 * 3600 * 500)  # 6 watched hours a day
    assert disk.needed is None

    # 120 uploads a day of 60 minutes, 20 CPU s a minute, within 8 hours: 5 cores at 100 %.
    transcode = by["transcode worker cores"]
    assert transcode.load == pytest.approx(120 * 60 * 20 / (8 * 3600) * 1e6)
    assert transcode.needed == 9  # 5 / 0.6, rounded up


def test_the_first_limit_is_the_single_instance_nearest_past_its_one() -> None:
    # At a million students the projector's busiest log is 33,333 events/s against 6,000.
    _, rows = plan(1_000_000, as_figures(FIGURES), Assumptions())
    limit = first_limit(rows)
    assert limit is not None
    assert limit.resource.startswith("projector")
    assert limit.needed == 6


def test_a_missing_figure_is_named_and_its_row_skipped() -> None:
    # A run without the transcode bench.
    values = {k: v for k, v in FIGURES.items() if not k.startswith("transcode.")}
    _, rows = plan(10_000, as_figures(values), Assumptions())
    transcode = next(row for row in rows if row.resource == "transcode worker cores")
    assert transcode.missing == ("transcode.cpu_s_per_source_min",)
    assert transcode.load is None and transcode.needed is None
    assert "not measured (transcode.cpu_s_per_source_min)" in capacity.render_row(transcode)


def test_a_figure_that_is_not_a_number_counts_as_not_measured() -> None:
    # A hand-edited figures file.
    figures = as_figures(FIGURES)
    figures["rebuild.events_per_s"] = {"value": "fast", "unit": "u"}
    _, rows = plan(10_000, figures, Assumptions())
    projector = next(row for row in rows if row.resource.startswith("projector"))
    assert projector.missing == ("rebuild.events_per_s",)


def test_the_script_prints_the_three_sizes_from_a_figures_file(tmp_path: Path) -> None:
    # An operator runs the script on the figures of a run, with one assumption changed.
    path = figures_file(tmp_path / "figures.json", FIGURES)
    out = subprocess.run(
        [str(ROOT / "scripts" / "capacity"), "--figures", str(path), "--heartbeat-seconds", "15"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ).stdout
    assert "heartbeat_seconds=15" in out
    for size in ("10,000", "100,000", "1,000,000"):
        assert f"{size} concurrent students: " in out
    assert "66,667 heartbeats/s" in out  # a million students beating every 15 s
    assert "2026-12-05T10:00:00+00:00" in out  # each figure with the date it was measured


@pytest.mark.parametrize(
    "flags",
    [["--busy", "0"], ["--busy", "1.5"], ["--heartbeat-seconds", "-30"], ["--students", "0"]],
)
def test_nonsense_assumptions_are_refused(flags: list[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        capacity.parse(flags)
    assert refused.value.code == 2


def test_no_figures_file_is_said_plainly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert capacity.main(["--figures", str(tmp_path / "absent.json")]) == 2
    assert "no figures" in capsys.readouterr().err
