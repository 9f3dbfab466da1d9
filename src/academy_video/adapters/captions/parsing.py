"""Caption files into cues: WebVTT or SubRip, split into blocks here (so each refusal names
its line), each cue block read by webvtt-py (timings, settings, text).

Bounded on untrusted input: the bytes before decoding (``decoding.py``), the number of lines
and the length of each before any block is read, the cues as they are read (one past the
bound stops it). Each block is parsed on its own, so the work is linear in the file and one
malformed block cannot hide among the others: webvtt-py skips a block it cannot read, and a
file of a thousand cues with one skipped would lose a line of a lecture without a word.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

from webvtt import WebVTT
from webvtt.errors import MalformedCaptionError, MalformedFileError
from webvtt.models import Caption

from academy_video.app.ports import ParsedCaptions
from academy_video.domain.caption_cues import Cue
from academy_video.domain.caption_rules import MAX_CUES, MAX_SOURCE_LINE_CHARS, MAX_SOURCE_LINES

from .decoding import decode, refused

Block = tuple[int, list[str]]  # the line (from 1) it starts on, and its lines
ReadCue = Callable[[int, list[str]], Cue]  # a block, and the line to name when refusing it
SKIPPED_VTT_BLOCKS = ("NOTE", "STYLE", "REGION")  # comments and styling: not carried over


class WebVttCaptionParser:
    """The ``CaptionParser``: webvtt-py reads each cue block."""

    def parse(self, data: bytes) -> ParsedCaptions:
        lines = split_lines(decode(data))
        if lines[0].startswith("WEBVTT") and lines[0][6:7] in ("", " ", "\t"):
            return read_blocks(vtt_cue_blocks(lines), read_vtt_cue)
        return read_blocks(blocks(lines, 1), read_srt_cue)


def split_lines(text: str) -> list[str]:
    """Lines without their ends (CRLF, CR or LF); ``Invalid`` for too many or too long."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.count("\n") >= MAX_SOURCE_LINES:
        raise refused(MAX_SOURCE_LINES + 1, f"more than {MAX_SOURCE_LINES} lines")
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        if len(line) > MAX_SOURCE_LINE_CHARS:
            raise refused(number, f"over {MAX_SOURCE_LINE_CHARS} characters")
    return lines


def blocks(lines: list[str], first_line: int) -> Iterator[Block]:
    """Runs of lines between blank ones (a line of spaces is blank too, as players read it)."""
    start, run = first_line, list[str]()
    for number, line in enumerate(lines, first_line):
        if line.strip():
            if not run:
                start = number
            run.append(line)
        elif run:
            yield start, run
            run = []
    if run:
        yield start, run


def vtt_cue_blocks(lines: list[str]) -> Iterator[Block]:
    """Every block after the header but comments, styles and regions."""
    body = iter(blocks(lines, 1))
    next(body)  # the header: WEBVTT and its metadata lines
    for start, block in body:
        first = block[0]
        if first.startswith(SKIPPED_VTT_BLOCKS) and "-->" not in first:
            continue
        yield start, block


def read_blocks(cue_blocks: Iterator[Block], read: ReadCue) -> ParsedCaptions:
    cues: list[Cue] = []
    lines: list[int] = []
    for start, block in cue_blocks:
        if len(cues) == MAX_CUES:
            raise refused(start, f"more than {MAX_CUES} cues")
        timings = _timings_line(start, block)
        cues.append(read(timings, block))
        lines.append(timings)
    if not cues:
        raise refused(1, "no cues: not a WebVTT or SubRip file")
    return ParsedCaptions(cues=cues, lines=lines)


def _timings_line(start: int, block: list[str]) -> int:
    """A cue's timings are its first line, or its second after an identifier or index."""
    for offset, line in enumerate(block[:2]):
        if "-->" in line:
            return start + offset
    raise refused(start, "not a cue: expected timings such as 00:00:01.000 --> 00:00:02.500")


def read_vtt_cue(line: int, block: list[str]) -> Cue:
    source = "WEBVTT\n\n" + "\n".join(block) + "\n"
    try:
        captions = WebVTT.from_buffer(io.StringIO(source), format="vtt", strict=True).captions
    except (MalformedCaptionError, MalformedFileError, ValueError) as error:
        raise refused(line, f"malformed cue ({error})") from None
    return _one_cue(line, captions)


def read_srt_cue(line: int, block: list[str]) -> Cue:
    if "-->" in block[0]:  # the index is often left out; webvtt-py wants one
        block = ["0", *block]
    elif not block[0].strip().isdigit():
        raise refused(line, "not a cue: expected an index, then timings")
    source = "\n".join(block) + "\n"
    try:
        captions = WebVTT.from_buffer(io.StringIO(source), format="srt").captions
    except (MalformedCaptionError, MalformedFileError, ValueError) as error:
        raise refused(line, f"malformed cue ({error})") from None
    return _one_cue(line, captions)


def _one_cue(line: int, captions: list[Caption]) -> Cue:
    if len(captions) != 1:
        raise refused(line, "malformed cue: timings not understood")
    caption = captions[0]
    return Cue(
        start_ms=caption.start_time.in_milliseconds(),
        end_ms=caption.end_time.in_milliseconds(),
        text="\n".join(caption.lines),
    )
