"""Caption files the tests make: valid and broken, WebVTT and SubRip, UTF-8 (with and without a
byte order mark) and CP949/EUC-KR, LF and CRLF, small and 10,000 cues."""

from __future__ import annotations

from collections.abc import Sequence

KOREAN = ["안녕하세요, 여러분.", "오늘은 극한을 배웁니다.", "질문이 있으면 손을 드세요."]
ENGLISH = ["Hello, everyone.", "Today: limits.", "Raise your hand for questions."]


def ts(ms: int, *, sep: str = ".") -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{sep}{millis:03d}"


Timed = tuple[int, int, str]  # start ms, end ms, text


def timed(texts: Sequence[str], *, every_ms: int = 2000, length_ms: int = 1500) -> list[Timed]:
    return [(i * every_ms, i * every_ms + length_ms, text) for i, text in enumerate(texts)]


def srt(cues: Sequence[Timed], *, newline: str = "\n") -> str:
    blocks = [
        f"{n}\n{ts(start, sep=',')} --> {ts(end, sep=',')}\n{text}\n"
        for n, (start, end, text) in enumerate(cues, 1)
    ]
    return "\n".join(blocks).replace("\n", newline)


def vtt(cues: Sequence[Timed], *, newline: str = "\n", header: str = "WEBVTT") -> str:
    blocks = [f"{ts(start)} --> {ts(end)}\n{text}\n" for start, end, text in cues]
    return f"{header}\n\n" + "\n".join(blocks).replace("\n", newline)


def many(count: int, *, every_ms: int = 1000, length_ms: int = 900) -> list[Timed]:
    """``count`` cues of two Korean lines each, one every ``every_ms``."""
    return [
        (i * every_ms, i * every_ms + length_ms, f"{KOREAN[i % 3]}\n{i}번째 자막")
        for i in range(count)
    ]


def korean_srt(encoding: str = "cp949", *, newline: str = "\r\n") -> bytes:
    """What Korean Windows tools write: CP949 (or EUC-KR), CRLF."""
    return srt(timed(KOREAN), newline=newline).encode(encoding)


def with_bom(text: str) -> bytes:
    return b"\xef\xbb\xbf" + text.encode("utf-8")
