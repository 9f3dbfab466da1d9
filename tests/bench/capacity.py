"""``scripts/capacity``: the capacity model's tables for academies of 10,000, 100,000 and
1,000,000 concurrent students, from the figures of the last bench run (``docs/bench-figures.json``
or ``--figures``). No services: arithmetic over recorded figures (``capacity_model.py``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from tests.bench import figures as recorded
from tests.bench.capacity_model import SIZES, Assumptions, Rates, Row, first_limit, plan

HELP = {
    "heartbeat_seconds": "seconds between a student's heartbeats",
    "events_batch_seconds": "seconds between a student's batches of player events",
    "events_per_batch": "client events in a batch",
    "progress_events_per_heartbeat": "stored progress events per heartbeat",
    "progress_flush_seconds": "seconds between an API process's progress saves",
    "watch_hours_per_day": "hours a day at the peak concurrency (disk growth)",
    "uploads_per_day_per_1000": "uploads a day per 1,000 concurrent students",
    "source_minutes_per_upload": "minutes of video per upload",
    "transcode_window_hours": "hours within which a day's uploads are transcoded",
    "busy": "planned share of a core / Redis / PostgreSQL busy at the peak (0-1]",
}


def parse(argv: Sequence[str]) -> tuple[Assumptions, Path, list[int]]:
    parser = argparse.ArgumentParser(prog="scripts/capacity", description=__doc__)
    defaults = Assumptions()
    for field in fields(Assumptions):
        flag = "--" + field.name.replace("_", "-")
        default = getattr(defaults, field.name)
        parser.add_argument(
            flag, type=float, default=default, help=f"{HELP[field.name]} ({default})"
        )
    parser.add_argument(
        "--figures", type=Path, default=None, help="figures file (default: the last run's)"
    )
    parser.add_argument(
        "--students", type=int, nargs="+", default=list(SIZES), help="academy sizes"
    )
    args = parser.parse_args(argv)
    values = {field.name: getattr(args, field.name) for field in fields(Assumptions)}
    if any(value <= 0 for value in values.values()) or values["busy"] > 1:
        parser.error("every assumption must be > 0, and --busy at most 1")
    if any(size <= 0 for size in args.students):
        parser.error("--students must be > 0")
    return Assumptions(**values), args.figures or recorded.figures_path(), args.students


def quantity(value: float, unit: str) -> str:
    if unit == "bytes/day":
        return f"{value / 1e9:,.1f} GB/day"
    if unit.startswith("CPU µs") or unit.startswith("Redis CPU µs"):
        return f"{value / 1e6:,.2f} cores"
    return f"{value:,.0f} {unit}"


def render_row(row: Row) -> str:
    if row.missing:
        return f"  {row.resource:48} not measured ({', '.join(row.missing)}): row skipped"
    assert row.load is not None
    load = quantity(row.load, row.unit)
    if row.needed is None or row.per_unit is None:
        return f"  {row.resource:48} {load:>20}  {'':>30}  [{', '.join(row.rests_on)}]"
    one = quantity(row.per_unit, row.unit)
    need = f"{row.needed:,} ({row.share_of_one:.2f} of one at {one})"
    return f"  {row.resource:48} {load:>20}  {need:>30}  [{', '.join(row.rests_on)}]"


def render(students: int, r: Rates, rows: Sequence[Row]) -> list[str]:
    lines = [
        f"{students:,} concurrent students: {r.heartbeats:,.0f} heartbeats/s, "
        f"{r.batches:,.0f} event batches/s ({r.client_events:,.0f} client events/s), "
        f"{r.stored_events:,.0f} stored events/s",
        f"  {'resource':48} {'load':>20}  {'units needed':>30}  [figures]",
    ]
    lines += [render_row(row) for row in rows]
    limit = first_limit(rows)
    if limit is None:
        lines.append("  first limit: not measured (no single-instance figure in this run)")
    elif (limit.share_of_one or 0.0) > 1:
        lines.append(
            f"  first limit: {limit.resource}, {limit.share_of_one:.1f}x what one carries: "
            f"needs {limit.needed} (today: one)"
        )
    else:
        lines.append(
            f"  first limit: none reached; nearest is {limit.resource} at "
            f"{limit.share_of_one:.0%} of one"
        )
    return lines


def number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def dates(rows: Sequence[Row], figures: Mapping[str, Mapping[str, Any]]) -> list[str]:
    used = sorted({name for row in rows for name in row.rests_on})
    return [
        f"  {name} = {number(figures[name]['value'])} {figures[name]['unit']} "
        f"({figures[name]['measured']}, {figures[name]['bench']})"
        for name in used
    ]


def main(argv: Sequence[str] | None = None) -> int:
    assumptions, path, sizes = parse(sys.argv[1:] if argv is None else argv)
    if not path.exists():
        print(f"{path}: no figures (run `make bench` first)", file=sys.stderr)
        return 2
    figures = recorded.load_from(path)
    print(f"figures: {path}")
    print("assumptions: " + ", ".join(f"{k}={v:g}" for k, v in asdict(assumptions).items()))
    plans = [(students, *plan(students, figures, assumptions)) for students in sizes]
    for students, r, rows in plans:
        print()
        print("\n".join(render(students, r, rows)))
    print()
    print("measured figures used:")
    print("\n".join(dates(plans[-1][2], figures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
