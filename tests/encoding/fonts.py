"""The fonts the corpus draws with, from Debian's packages: Nanum (fonts-nanum, which
scripts/services installs) for Hangul and for code (NanumGothicCoding: Latin and Hangul on one
grid), DejaVu (fonts-dejavu-core, which fontconfig pulls in) for Latin text."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path

from PIL import ImageFont

# Where Debian puts them; fc-match answers first when fontconfig is there.
KNOWN = {
    "NanumGothic": "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
    "NanumGothicBold": "/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf",
    "NanumGothicCoding": "/usr/share/fonts/truetype/nanum/NanumGothicCoding.ttf",
    "DejaVuSans": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
}


@cache
def font_path(name: str) -> Path:
    known = Path(KNOWN[name])
    if known.exists():
        return known
    if shutil.which("fc-match"):
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", name], capture_output=True, text=True, check=False
        ).stdout.strip()
        if found and Path(found).stem.replace(" ", "") == name:
            return Path(found)
    raise FileNotFoundError(f"font {name} not found: apt-get install fonts-nanum fonts-dejavu-core")


@cache
def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(name)), max(6, size))
