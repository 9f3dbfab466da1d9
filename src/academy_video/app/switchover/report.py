"""What an import did: counts per old table, and every row it skipped with its key and why."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_PROBLEMS_KEPT = 1000  # the report lists this many; the counts cover them all


@dataclass(frozen=True)
class Problem:
    table: str
    key: int | str
    reason: str

    def describe(self) -> str:
        return f"skipped {self.table} {self.key}: {self.reason}"


@dataclass
class TableCounts:
    imported: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: int = 0


@dataclass
class ImportReport:
    dry_run: bool = False
    tables: dict[str, TableCounts] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def counts(self, table: str) -> TableCounts:
        return self.tables.setdefault(table, TableCounts())

    def skip(self, table: str, key: int | str, reason: str) -> None:
        self.counts(table).skipped += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(Problem(table, key, reason))

    @property
    def skipped(self) -> int:
        return sum(c.skipped for c in self.tables.values())

    def lines(self) -> list[str]:
        out = [p.describe() for p in self.problems]
        if self.skipped > len(self.problems):
            out.append(f"… and {self.skipped - len(self.problems)} more skipped rows")
        verb = "would import" if self.dry_run else "imported"
        out.append(f"{'table':32} {verb:>12} {'changed':>8} {'unchanged':>10} {'skipped':>8}")
        for table, c in self.tables.items():
            out.append(
                f"{table:32} {c.imported:>12} {c.changed:>8} {c.unchanged:>10} {c.skipped:>8}"
            )
        return out
