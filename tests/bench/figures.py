"""The figures a bench run measured, kept for the capacity model (``scripts/capacity``).

Each bench records its own figures by name; a run replaces the figures it measured and leaves the
others as the last run that measured them left them, each with the date it was measured. The file
is committed (``docs/bench-figures.json``) so that ``scripts/capacity`` and ``docs/scaling.md``
rest on the same numbers; ``ACADEMY_VIDEO_BENCH_FIGURES`` points a run elsewhere.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "docs" / "bench-figures.json"


def figures_path() -> Path:
    return Path(os.environ.get("ACADEMY_VIDEO_BENCH_FIGURES") or DEFAULT_PATH)


def load() -> dict[str, dict[str, Any]]:
    """Every recorded figure by name: ``{"value", "unit", "bench", "measured", "note"}``."""
    return load_from(figures_path())


def load_from(path: Path) -> dict[str, dict[str, Any]]:
    """``load`` of the figures file at ``path`` (none: no figures)."""
    if not path.exists():
        return {}
    loaded: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def record(name: str, value: float, unit: str, *, bench: str, note: str = "") -> None:
    """Keep one measured figure (``name``: dotted, e.g. ``progress.flush_cpu_per_student``)."""
    figures = load()
    figures[name] = {
        "value": value,
        "unit": unit,
        "bench": bench,
        "measured": datetime.now(UTC).isoformat(timespec="seconds"),
        "note": note,
    }
    path = figures_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)
