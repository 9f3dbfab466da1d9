"""Field-by-field comparison of the old app's answers with this service's, for ``verify``:
single values, rows keyed by an id, and rankings. A mismatch that a documented difference
predicts is handed on with that difference's name (``explanation``); any other is a plain
difference."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

Row = dict[str, Any]
TIES = "tied_students_in_another_order"  # the old app left ties in its events' arrival order


@dataclass(frozen=True)
class Difference:
    """One answer that differs: ``what`` (permissions, stats, summary, achievement, risk,
    video), where in it (``path``), the old app's value and this service's."""

    video_id: int
    what: str
    path: str
    old: Any
    new: Any
    explanation: str = ""  # the documented difference that predicts it; "" if none does

    def describe(self) -> str:
        joint = "" if self.path.startswith("[") or not self.path else "."
        where = f"{self.what}{joint}{self.path}"
        return f"video {self.video_id}: {where}: old {self.old!r}, new {self.new!r}"


def same(old: Any, new: Any) -> bool:
    """Equal as answers: an empty text is no text, numbers within float noise, datetimes as
    instants (SQLite hands them back naive, in UTC)."""
    if old in (None, "") and new in (None, ""):
        return True
    if isinstance(old, bool) or isinstance(new, bool):
        return (
            isinstance(old, (bool, int)) and isinstance(new, (bool, int)) and bool(old) == bool(new)
        )
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return math.isclose(old, new, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(old, datetime) and isinstance(new, datetime):
        return _aware(old) == _aware(new)
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        keys = set(old) | set(new)
        return all(same(old.get(k), new.get(k)) for k in keys)
    return bool(old == new)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Comparison:
    """The comparisons of one video; each mismatch goes to ``found``."""

    def __init__(self, video_id: int, found: Callable[[Difference], None]) -> None:
        self.video_id = video_id
        self.found = found

    def value(
        self,
        what: str,
        path: str,
        old: Any,
        new: Any,
        *,
        alternatives: Mapping[str, Any] | None = None,
    ) -> None:
        """``old`` against ``new``; ``alternatives`` are what each documented difference says
        this service answers instead."""
        if same(old, new):
            return
        explanation = next(
            (name for name, value in (alternatives or {}).items() if same(value, new)), ""
        )
        self.found(Difference(self.video_id, what, path, old, new, explanation))

    def keyed(
        self,
        what: str,
        path: str,
        old: Sequence[Row],
        new: Mapping[Any, Row],
        *,
        key: str,
        pairs: Mapping[str, str] | None = None,
        absent: str = "",
    ) -> None:
        """Rows matched by ``key``: each old field against the new row's. A field named in
        ``pairs`` holds (old value, what the named difference predicts). ``absent`` explains a
        row found on one side only."""
        seen = set()
        for row in old:
            ident = row[key]
            seen.add(ident)
            at = f"{path}[{key}={ident}]"
            other = new.get(ident)
            if other is None:
                self.found(Difference(self.video_id, what, at, "present", None, absent))
                continue
            for name, value in row.items():
                if name == key:
                    continue
                if pairs and name in pairs:
                    value, alternative = value
                    self.value(
                        what,
                        f"{at}.{name}",
                        value,
                        other.get(name),
                        alternatives={pairs[name]: alternative},
                    )
                else:
                    self.value(what, f"{at}.{name}", value, other.get(name))
        for ident in new:
            if ident not in seen:
                at = f"{path}[{key}={ident}]"
                self.found(Difference(self.video_id, what, at, None, "present", absent))

    def ranking(
        self,
        what: str,
        path: str,
        old: Sequence[Row],
        new: Sequence[Row],
        *,
        key: str,
        order: Sequence[str],
        pairs: Mapping[str, str] | None = None,
        top: int | None = None,
        cut: bool = False,
    ) -> None:
        """Two rankings: the same rows, in the same order. Rows that tie on every ``order``
        field may come in another order: the old app ordered ties by its events' arrival, this
        service by enrollment. ``top``: also compare the first ``top``; ``cut``: both lists
        were cut there, so a tie across the cut may name another row."""
        old_ranks = [tuple(_plain(r[f]) for f in order) for r in old]
        new_ranks = [tuple(_plain(r[f]) for f in order) for r in new]
        old_keys, new_keys = [r[key] for r in old], [r[key] for r in new]
        tied_only = old_ranks == new_ranks
        if not tied_only:
            at = next(
                (i for i, (a, b) in enumerate(zip(old_ranks, new_ranks, strict=False)) if a != b),
                min(len(old), len(new)),
            )
            old_at, new_at = _at(old, at, key, order), _at(new, at, key, order)
            self.found(Difference(self.video_id, what, f"{path}.order[{at}]", old_at, new_at))
        elif old_keys != new_keys:
            self.found(Difference(self.video_id, what, f"{path}.order", old_keys, new_keys, TIES))
        if top is not None and tied_only and old_keys[:top] != new_keys[:top]:
            cut_at = f"{path}.top{top}"
            self.found(
                Difference(self.video_id, what, cut_at, old_keys[:top], new_keys[:top], TIES)
            )
        absent = TIES if cut and tied_only else ""
        news = {r[key]: r for r in new}
        self.keyed(what, path, old, news, key=key, pairs=pairs, absent=absent)


def _plain(value: Any) -> Any:
    return int(value) if isinstance(value, (int, float)) and float(value).is_integer() else value


def _at(rows: Sequence[Row], index: int, key: str, order: Sequence[str]) -> Any:
    if index >= len(rows):
        return None
    row = rows[index]
    return {key: row[key], **{f: _plain(row[f]) for f in order}}
