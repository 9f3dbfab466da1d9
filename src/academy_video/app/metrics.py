"""The process's metrics, written in Prometheus' text exposition format 0.0.4.

Counters and histograms live in ``REGISTRY`` and are updated where things happen (the HTTP
middleware, the transcoding worker); gauges are computed when ``/metrics`` is scraped. The
standard library is enough for the few families we keep: one lock and a dict per family, so an
update costs about a microsecond (the heartbeat route is hit thousands of times a second).
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

# Litestar adds "; charset=utf-8" to text types.
CONTENT_TYPE = "text/plain; version=0.0.4"

# Seconds: from a cached heartbeat (the first bucket) to a slow CSV export.
HTTP_SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Seconds: a short clip on a fast preset to an hour-long lecture on a slow one.
TRANSCODE_SECONDS = (5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0, 7200.0)


def number(value: float) -> str:
    """Prometheus' spelling of a sample value (integral values without a fraction)."""
    value = float(value)  # an int (a count) has no is_integer() on Python 3.11
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(names: Sequence[str], values: Sequence[str]) -> str:
    if not names:
        return ""
    return "{" + ",".join(f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True)) + "}"


def _header(name: str, help_text: str, kind: str) -> list[str]:
    return [f"# HELP {name} {_escape(help_text)}", f"# TYPE {name} {kind}"]


class Counter:
    def __init__(self, name: str, help_text: str, labels: Sequence[str] = ()) -> None:
        self.name, self.help_text, self.label_names = name, help_text, tuple(labels)
        self._values: dict[tuple[str, ...], float] = {}
        self._lock = threading.Lock()

    def inc(self, *labels: str, amount: float = 1.0) -> None:
        with self._lock:
            self._values[labels] = self._values.get(labels, 0.0) + amount

    def value(self, *labels: str) -> float:
        with self._lock:
            return self._values.get(labels, 0.0)

    def render(self) -> list[str]:
        with self._lock:
            series = sorted(self._values.items())
        return _header(self.name, self.help_text, "counter") + [
            f"{self.name}{_labels(self.label_names, labels)} {number(value)}"
            for labels, value in series
        ]


class Histogram:
    def __init__(
        self, name: str, help_text: str, labels: Sequence[str], buckets: Sequence[float]
    ) -> None:
        self.name, self.help_text, self.label_names = name, help_text, tuple(labels)
        self.bounds = tuple(sorted(float(b) for b in buckets))
        # Per label set: a count per bucket (not cumulative: +Inf last), then the sum.
        self._series: dict[tuple[str, ...], list[float]] = {}
        self._lock = threading.Lock()

    def observe(self, value: float, *labels: str) -> None:
        slot = bisect_left(self.bounds, value)  # the first bound >= value (`le` is inclusive)
        with self._lock:
            series = self._series.get(labels)
            if series is None:
                series = self._series[labels] = [0.0] * (len(self.bounds) + 2)
            series[slot] += 1
            series[-1] += value

    def count(self, *labels: str) -> int:
        with self._lock:
            series = self._series.get(labels)
            return 0 if series is None else int(sum(series[:-1]))

    def render(self) -> list[str]:
        with self._lock:
            snapshot = sorted((labels, list(series)) for labels, series in self._series.items())
        lines = _header(self.name, self.help_text, "histogram")
        names = (*self.label_names, "le")
        for labels, series in snapshot:
            cumulative = 0.0
            for bound, observed in zip((*self.bounds, math.inf), series[:-1], strict=True):
                cumulative += observed
                le = "+Inf" if math.isinf(bound) else repr(bound)
                lines.append(
                    f"{self.name}_bucket{_labels(names, (*labels, le))} {number(cumulative)}"
                )
            plain = _labels(self.label_names, labels)
            lines.append(f"{self.name}_sum{plain} {number(series[-1])}")
            lines.append(f"{self.name}_count{plain} {number(cumulative)}")
        return lines


def gauge(
    name: str,
    help_text: str,
    samples: Iterable[tuple[Mapping[str, str], float]],
    kind: str = "gauge",
) -> list[str]:
    """A family computed now (at scrape time) from ``(labels, value)`` pairs: a gauge, or a
    ``counter`` whose count another object keeps (it only grows while the process lives)."""
    lines = _header(name, help_text, kind)
    for labels, value in samples:
        lines.append(f"{name}{_labels(tuple(labels), tuple(labels.values()))} {number(value)}")
    return lines


_F = TypeVar("_F", Counter, Histogram)


class Registry:
    def __init__(self) -> None:
        self.families: list[Counter | Histogram] = []

    def counter(self, name: str, help_text: str, labels: Sequence[str] = ()) -> Counter:
        return self._add(Counter(name, help_text, labels))

    def histogram(
        self, name: str, help_text: str, labels: Sequence[str], buckets: Sequence[float]
    ) -> Histogram:
        return self._add(Histogram(name, help_text, labels, buckets))

    def _add(self, family: _F) -> _F:
        if any(known.name == family.name for known in self.families):
            raise ValueError(f"metric {family.name} is already registered")
        self.families.append(family)
        return family

    def render(self) -> list[str]:
        return [line for family in self.families for line in family.render()]


# One per process: what /metrics shows of this process (a separate `academy-video worker`
# process has its own, which nothing scrapes).
REGISTRY = Registry()

TRANSCODE = REGISTRY.histogram(
    "academy_video_transcode_duration_seconds",
    "Time a worker in this process spent transcoding one job, by outcome (done or failed).",
    ("outcome",),
    TRANSCODE_SECONDS,
)
