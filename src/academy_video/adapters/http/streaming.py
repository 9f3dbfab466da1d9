"""Streamed response bodies: a JSON array or CSV lines written a few hundred rows per chunk, so
a million rows never sit in memory, and a failure part-way aborts the response instead of
ending it quietly. CSV cells go through ``csv_cells`` (no formulas)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

import msgspec

from . import csv_cells

ROWS_PER_CHUNK = 500

Row = TypeVar("Row")


def aborting(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """A streamed body whose failure part-way aborts the response. Litestar reads a sync
    iterator in a thread and takes a ValueError from it for the end of the iteration: a
    database or encoding error would otherwise end a 200 quietly with a body cut short."""
    try:
        yield from chunks
    except ValueError as error:
        raise RuntimeError("streamed response failed part-way") from error


def json_array(rows: Iterable[Row], body: Callable[[Row], object]) -> Iterator[bytes]:
    """A JSON array of ``body(row)`` for each row."""
    encode = msgspec.json.Encoder().encode
    chunk = [b"["]
    for n, r in enumerate(rows):
        chunk.append(b"," + encode(body(r)) if n else encode(body(r)))
        if len(chunk) >= ROWS_PER_CHUNK:
            yield b"".join(chunk)
            chunk = []
    chunk.append(b"]")
    yield b"".join(chunk)


def csv_lines(header: list[str], rows: Iterable[list[object]]) -> Iterator[bytes]:
    """CSV lines: the header, then each row, every cell through ``csv_cells.row``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for n, cells in enumerate(rows, 1):
        writer.writerow(csv_cells.row(cells))
        if n % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
