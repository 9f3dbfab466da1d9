"""An uploaded caption file's bytes as text: UTF-8 (with or without a byte order mark), or
CP949 (Korean Windows' code page, a superset of EUC-KR) when charset-normalizer finds the
bytes read as Korean text in it, as Korean SubRip files often are. Nothing else is guessed:
a file in another code page would be shown to students as mojibake, so it is refused, naming
the first line that is not UTF-8."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from academy_video.app.errors import Invalid
from academy_video.domain.caption_rules import MAX_CAPTION_FILE_BYTES

KOREAN = "cp949"  # EUC-KR's bytes read the same in it
# Short text in another code page can decode as CP949 too (Latin-1's "çà" reads as a Hanja):
# of what is not ASCII, at least this share must be Hangul for the file to be taken as Korean.
MIN_HANGUL_SHARE = 0.5


def refused(line: int, reason: str) -> Invalid:
    return Invalid("invalid_caption", f"invalid_caption: line {line}: {reason}")


def decode(data: bytes) -> str:
    """The file's text, without a byte order mark; ``Invalid`` naming the line otherwise."""
    if len(data) > MAX_CAPTION_FILE_BYTES:
        raise Invalid(
            "caption_too_large", f"caption_too_large: over {MAX_CAPTION_FILE_BYTES} bytes"
        )
    if not data.strip():
        raise refused(1, "the file is empty")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise refused(1, "UTF-16 is not accepted: save the file as UTF-8")
    if data.startswith(codecs.BOM_UTF8):
        return _utf8(data[len(codecs.BOM_UTF8) :], bom=True)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        first_bad = error.start
    # charset-normalizer reads samples of the file, so a large one costs no more than a small.
    if from_bytes(data, cp_isolation=[KOREAN]).best() is not None:
        try:
            text = data.decode(KOREAN)
        except UnicodeDecodeError:
            text = ""
        if reads_as_korean(text):
            return text
    raise refused(
        line_of(data, first_bad), "the encoding is neither UTF-8 nor CP949/EUC-KR (save as UTF-8)"
    )


def _utf8(data: bytes, *, bom: bool) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        what = "the file starts with UTF-8's byte order mark but " if bom else ""
        raise refused(line_of(data, error.start), f"{what}is not UTF-8") from None


def line_of(data: bytes, offset: int) -> int:
    """The line (from 1) of the byte at ``offset``, whatever the line ends (CRLF, LF or CR)."""
    head = data[:offset]
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1


def reads_as_korean(text: str) -> bool:
    """Most of what is not ASCII is Hangul (syllables, or jamo)."""
    wide = [ch for ch in text if ord(ch) > 127]
    hangul = sum(1 for ch in wide if "\uac00" <= ch <= "\ud7a3" or "\u3131" <= ch <= "\u318e")
    return bool(wide) and hangul >= MIN_HANGUL_SHARE * len(wide)
