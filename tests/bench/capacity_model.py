"""The capacity model: what an academy of a given number of concurrent students needs, from the
cost per unit the last bench run measured (``tests/bench/figures.py``) and stated assumptions
about how students behave. Pure arithmetic, no I/O: ``scripts/capacity`` reads the figures and
prints the tables; docs/scaling.md explains the model.

A resource's load is a rate (CPU µs per second, events per second); one unit of it (a core, a
Redis primary, a PostgreSQL cluster) is planned ``busy`` full at the peak, so it needs
``ceil(load / (capacity * busy))`` units. A figure the run did not measure is never guessed: the
row says which figure is missing and is left out of the limits.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SIZES = (10_000, 100_000, 1_000_000)
SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class Assumptions:
    """How students and instructors behave at the peak (each a flag of ``scripts/capacity``)."""

    heartbeat_seconds: float = 30.0  # a heartbeat per watching student this often
    events_batch_seconds: float = 60.0  # a batch of player events per student this often
    events_per_batch: float = 4.0  # client events in a batch (the reference player: a few a minute)
    progress_events_per_heartbeat: float = 1.0  # stored progress events per heartbeat
    progress_flush_seconds: float = 5.0  # each API process saves its progress buffer this often
    watch_hours_per_day: float = 6.0  # hours a day the peak concurrency lasts (disk growth)
    uploads_per_day_per_1000: float = 2.0  # uploads a day per 1,000 concurrent students
    source_minutes_per_upload: float = 60.0  # length of an uploaded lecture
    transcode_window_hours: float = 8.0  # a day's uploads transcoded within this many hours
    busy: float = 0.6  # planned share of a core, a Redis primary, a PostgreSQL at the peak


# Each input: the figures that can give it, best first (names other benches record may be
# missing from a run; the first present is used and named in the table).
CANDIDATES: dict[str, tuple[str, ...]] = {
    "heartbeat_cpu_us": ("playback.heartbeat_cpu_us",),
    "event_batch_cpu_us": ("playback.event_batch_cpu_us",),
    "progress_cpu_us": ("progress.cpu_per_heartbeat_ms",),
    "redis_cpu_us_heartbeat": ("redis.cpu_us_per_heartbeat",),
    "redis_cpu_us_batch": ("redis.cpu_us_per_event_batch",),
    "store_events_per_s": (
        "eventstore.events_per_s_4proc",
        "eventstore.events_per_s_2proc",
        "eventstore.events_per_s_1proc",
        "appends.events_per_s_100_per_save",
    ),
    "projector_events_per_s": ("rebuild.events_per_s",),
    "log_bytes_per_event": ("postgres.log_bytes_per_event",),
    "read_model_bytes_per_event": ("postgres.read_model_bytes_per_event",),
    "transcode_cpu_s_per_min": ("transcode.cpu_s_per_source_min",),
}
MILLI_TO_MICRO = {"progress.cpu_per_heartbeat_ms": 1000.0}  # recorded in ms, used in µs


def measured(figures: Mapping[str, Mapping[str, Any]], key: str) -> tuple[float, str] | None:
    """The value of input ``key`` (in the model's unit) and the figure it came from, or None."""
    for name in CANDIDATES[key]:
        figure = figures.get(name)
        if figure is not None and isinstance(figure.get("value"), int | float):
            return float(figure["value"]) * MILLI_TO_MICRO.get(name, 1.0), name
    return None


@dataclass(frozen=True)
class Row:
    """One resource at one size: its load, what one unit carries, the units needed."""

    resource: str
    load: float | None  # in ``unit`` per second (or per day for disk); None: not measured
    unit: str
    per_unit: float | None  # what one unit carries at ``busy``; None for a plain quantity
    needed: int | None  # units (None: not measured, or a quantity without units)
    rests_on: tuple[str, ...]  # figures used
    missing: tuple[str, ...]  # inputs not measured (the row is then left out of the limits)
    single: bool = False  # one of today's single-instance limits (Redis, PostgreSQL, projector)

    @property
    def share_of_one(self) -> float | None:
        """Load as a share of what one unit carries at ``busy``."""
        if self.load is None or not self.per_unit:
            return None
        return self.load / self.per_unit


@dataclass(frozen=True)
class Rates:
    """What ``students`` concurrent students send, per second."""

    heartbeats: float
    batches: float
    client_events: float
    stored_events: float
    busiest_log: float  # stored events/s of the busiest log (progress or playback sessions)


def rates(students: int, a: Assumptions) -> Rates:
    heartbeats = students / a.heartbeat_seconds
    batches = students / a.events_batch_seconds
    progress = heartbeats * a.progress_events_per_heartbeat
    # One stored event a batch, in the playback sessions' log; progress has its own log.
    return Rates(
        heartbeats,
        batches,
        batches * a.events_per_batch,
        progress + batches,
        max(progress, batches),
    )


def units(load: float, per_unit: float) -> int:
    return max(1, math.ceil(load / per_unit - 1e-9))


def plan(
    students: int, figures: Mapping[str, Mapping[str, Any]], a: Assumptions
) -> tuple[Rates, list[Row]]:
    """The rows of one academy size."""
    r = rates(students, a)
    inputs = {key: measured(figures, key) for key in CANDIDATES}

    def row(
        resource: str,
        keys: Sequence[str],
        load_of: Any,
        unit: str,
        per_unit_of: Any = None,
        *,
        single: bool = False,
    ) -> Row:
        missing = tuple(CANDIDATES[k][0] for k in keys if inputs[k] is None)
        if missing:
            return Row(resource, None, unit, None, None, (), missing, single)
        values = {k: v[0] for k in keys if (v := inputs[k]) is not None}
        names = tuple(v[1] for k in keys if (v := inputs[k]) is not None)
        load = float(load_of(values))
        per_unit = float(per_unit_of(values)) if per_unit_of is not None else None
        needed = units(load, per_unit) if per_unit else None
        return Row(resource, load, unit, per_unit, needed, names, (), single)

    core = 1e6 * a.busy  # CPU µs a core gives in a second at ``busy``

    def api_cpu(v: Mapping[str, float]) -> float:
        return r.heartbeats * v["heartbeat_cpu_us"] + r.batches * v["event_batch_cpu_us"]

    source_minutes_per_s = (
        students / 1000 * a.uploads_per_day_per_1000 * a.source_minutes_per_upload
    ) / (a.transcode_window_hours * SECONDS_PER_HOUR)
    day = a.watch_hours_per_day * SECONDS_PER_HOUR
    rows = [
        row(
            "API cores: heartbeats + event batches",
            ("heartbeat_cpu_us", "event_batch_cpu_us"),
            api_cpu,
            "CPU µs/s",
            lambda v: core,
        ),
        row(
            "API cores: progress writes",
            ("progress_cpu_us",),
            lambda v: r.heartbeats * v["progress_cpu_us"],
            "CPU µs/s",
            lambda v: core,
        ),
        row(
            "Redis primaries",
            ("redis_cpu_us_heartbeat", "redis_cpu_us_batch"),
            lambda v: (
                r.heartbeats * v["redis_cpu_us_heartbeat"] + r.batches * v["redis_cpu_us_batch"]
            ),
            "Redis CPU µs/s",
            lambda v: core,
            single=True,
        ),
        row(
            "PostgreSQL event store (appends)",
            ("store_events_per_s",),
            lambda v: r.stored_events,
            "events/s",
            lambda v: v["store_events_per_s"] * a.busy,
            single=True,
        ),
        # At most: group commit puts the batches that meet in one save, and the table lock
        # makes them meet the more saves wait; the events/s row above is the limit.
        row(
            "PostgreSQL saves (at most)",
            ("heartbeat_cpu_us", "event_batch_cpu_us"),
            lambda v: r.batches + units(api_cpu(v), core) / a.progress_flush_seconds,
            "saves/s",
        ),
        row(
            "projector (one writer per log: the busiest log)",
            ("projector_events_per_s",),
            lambda v: r.busiest_log,
            "events/s",
            lambda v: v["projector_events_per_s"] * a.busy,
            single=True,
        ),
        row(
            "PostgreSQL disk growth",
            ("log_bytes_per_event", "read_model_bytes_per_event"),
            lambda v: (
                r.stored_events * day * (v["log_bytes_per_event"] + v["read_model_bytes_per_event"])
            ),
            "bytes/day",
        ),
        row(
            "transcode worker cores",
            ("transcode_cpu_s_per_min",),
            lambda v: source_minutes_per_s * v["transcode_cpu_s_per_min"] * 1e6,
            "CPU µs/s",
            lambda v: core,
        ),
    ]
    return r, rows


def first_limit(rows: Sequence[Row]) -> Row | None:
    """Of today's single-instance limits, the one nearest (or furthest past) its one unit."""
    measured_rows = [row for row in rows if row.single and row.share_of_one is not None]
    return max(measured_rows, key=lambda row: row.share_of_one or 0.0, default=None)
