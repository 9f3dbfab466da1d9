"""A video's length: what the domain keeps, and what the old app's clients are shown.

The probe and the workers measure fractions of a second and the domain keeps them; the old app
stored whole seconds (``PositiveIntegerField``, its probe's ``int(float(…))``), and its clients
read ``duration`` as such: 8.011 s is ``8``.
"""

from __future__ import annotations

import math

MAX_DURATION_SECONDS = 1e7  # ~115 days: longer is no lecture, and nothing a player could seek in


def usable_duration(seconds: float | None) -> float | None:
    """A measured duration worth keeping: finite, 0 ≤ seconds ≤ ``MAX_DURATION_SECONDS``;
    anything else (negative, NaN, infinite, absurd) is no measurement at all."""
    if seconds is None or isinstance(seconds, bool):
        return None
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(value) or not 0 <= value <= MAX_DURATION_SECONDS:
        return None
    return value


def whole_seconds(seconds: float | None) -> int | None:
    """The old app's ``duration``: whole seconds, truncated (8.011 → 8, 0.9 → 0); None when
    there is no usable measurement (events stored before ``usable_duration`` included)."""
    value = usable_duration(seconds)
    return None if value is None else int(value)
