"""A screen recording and a whiteboard, drawn with Pillow: two of the corpus's scenes.

Screen: a dark code editor in which code (with Korean comments) is typed a few characters a
second, the cursor blinks, and the view scrolls smoothly when the typing reaches the bottom:
small changes on most frames, a whole-screen shift now and then. Whiteboard: a white board on
which diagrams and handwriting-sized text appear stroke by stroke, with pauses while the
lecturer talks, and the board wiped clean every 20–60 s of lecture time.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random

from PIL import Image, ImageDraw

from .fonts import font

CODE = '''def derivative(f, x, h=1e-6):
    # 중앙 차분으로 도함수를 근사합니다
    return (f(x + h) - f(x - h)) / (2 * h)


class HashTable:
    """Open addressing with linear probing."""

    def __init__(self, capacity=8):
        self.slots = [None] * capacity  # 빈 슬롯
        self.count = 0

    def put(self, key, value):
        if self.count * 2 >= len(self.slots):
            self._grow()  # 적재율이 절반을 넘으면 두 배로
        index = hash(key) % len(self.slots)
        while self.slots[index] is not None:
            if self.slots[index][0] == key:
                break
            index = (index + 1) % len(self.slots)
        else:
            self.count += 1
        self.slots[index] = (key, value)

    def get(self, key):
        index = hash(key) % len(self.slots)
        while (slot := self.slots[index]) is not None:
            if slot[0] == key:
                return slot[1]
            index = (index + 1) % len(self.slots)
        raise KeyError(key)  # 키가 없습니다
'''.splitlines()


class CodeEditor:
    """Typing code at ``chars_per_second``; ``frame(t)`` is the screen at ``t`` seconds."""

    def __init__(self, size: tuple[int, int], chars_per_second: float = 14.0) -> None:
        self.size = size
        width, height = size
        self.unit = height / 720
        self.line_height = max(8, int(26 * self.unit))
        self.font = font("NanumGothicCoding", int(20 * self.unit))
        self.rows = (height - int(60 * self.unit)) // self.line_height
        self.chars_per_second = chars_per_second
        lines = CODE * 8
        self.lines = lines
        self.starts = [0]
        for line in lines:
            self.starts.append(self.starts[-1] + len(line) + 1)
        # The whole file drawn once; a frame is a window onto it with the untyped part covered.
        self.page = Image.new("RGB", (width, self.line_height * (len(lines) + 1)), (30, 31, 36))
        draw = ImageDraw.Draw(self.page)
        for row, line in enumerate(lines):
            y = row * self.line_height
            draw.text((8, y), f"{row + 1:4}", font=self.font, fill=(110, 115, 125))
            color = (110, 160, 110) if line.lstrip().startswith("#") else (215, 218, 224)
            draw.text((int(70 * self.unit), y), line, font=self.font, fill=color)
        self.last: tuple[int, int, bool] | None = None
        self.image: Image.Image | None = None

    def frame(self, t: float) -> Image.Image:
        typed = int(t * self.chars_per_second)
        row = min(bisect.bisect_right(self.starts, typed) - 1, len(self.lines) - 1)
        column = min(typed - self.starts[row], len(self.lines[row]))
        # Scroll a third of the screen at a time, over half a second, as an editor does.
        step = max(1, self.rows // 3)
        target = max(0, row - self.rows + 2)
        target = math.ceil(target / step) * step
        # The scroll to ``target`` started when the first row that needs it began.
        first_row = min(len(self.lines) - 1, target - step + self.rows - 1) if target else 0
        typed_at = self.starts[first_row] / self.chars_per_second
        progress = min(1.0, max(0.0, (t - typed_at) / 0.5))
        previous = max(0, target - step) if target else 0
        scroll = int((previous + (target - previous) * progress) * self.line_height)
        cursor_on = int(t * 2) % 2 == 0
        state = (typed, scroll, cursor_on)
        if state == self.last and self.image is not None:
            return self.image
        self.last = state
        width, height = self.size
        image = Image.new("RGB", self.size, (30, 31, 36))
        image.paste(
            self.page.crop((0, scroll, width, scroll + height - int(30 * self.unit))), (0, 0)
        )
        draw = ImageDraw.Draw(image)
        y = row * self.line_height - scroll
        x = int(70 * self.unit) + int(self.font.getlength(self.lines[row][:column]))
        draw.rectangle((x, y, width, y + self.line_height), fill=(30, 31, 36))
        draw.rectangle((0, y + self.line_height, width, height), fill=(30, 31, 36))
        if cursor_on:
            draw.rectangle(
                (x, y + 2, x + max(1, int(2 * self.unit)), y + self.line_height - 2),
                fill=(240, 240, 240),
            )
        status = f"  hashing.py   Ln {row + 1}, Col {column + 1}   UTF-8   Python"
        draw.rectangle((0, height - int(30 * self.unit), width, height), fill=(0, 95, 170))
        draw.text((0, height - int(27 * self.unit)), status, font=self.font, fill="white")
        self.image = image
        return image


class Whiteboard:
    """A board drawn on stroke by stroke; ``frame(t)`` is the board at ``t`` seconds (called
    with increasing ``t``: the board keeps what was drawn)."""

    def __init__(self, size: tuple[int, int], wipe_seconds: list[float], seed: int = 3) -> None:
        self.size = size
        self.unit = size[1] / 720
        self.wipes = list(wipe_seconds)
        self.rng = random.Random(seed)
        self.board = Image.new("RGB", size, (252, 252, 250))
        self.draw = ImageDraw.Draw(self.board)
        self.strokes: list[list[tuple[float, float]]] = []
        self.pen = (20, 40, 140)
        self.cursor = 0.0  # the time up to which strokes have been drawn
        self.points_drawn = 0
        self.pause_until = self.rng.uniform(0.5, 1.5)  # says something before writing
        self.written_row = 0
        self.shown: Image.Image | None = None

    def frame(self, t: float) -> Image.Image:
        """The board at ``t``: the same image object as the last call when nothing was drawn."""
        if self.wipes and t >= self.wipes[0]:
            self.wipes.pop(0)
            self.draw.rectangle((0, 0, *self.size), fill=(252, 252, 250))
            self.strokes, self.points_drawn, self.written_row = [], 0, 0
            self.pause_until = t + self.rng.uniform(0.5, 1.5)
        elif t < self.pause_until and self.shown is not None:
            return self.shown
        self._draw_on(t)
        self.shown = self.board.copy()
        return self.shown

    def _draw_on(self, t: float) -> None:
        if not self.strokes:
            self._plan()
        stroke = self.strokes[0]
        # A hand draws about three stroke points a frame: each frame adds a short segment.
        end = min(len(stroke), self.points_drawn + 3)
        if end - self.points_drawn >= 1 and self.points_drawn > 0:
            self.draw.line(
                stroke[self.points_drawn - 1 : end],
                fill=self.pen,
                width=max(1, int(4 * self.unit)),
                joint="curve",
            )
        self.points_drawn = end
        if end >= len(stroke):
            self.strokes.pop(0)
            self.points_drawn = 0
            # The lecturer stops to explain after each figure, and now and then mid-way.
            if not self.strokes or self.rng.random() < 0.15:
                self.pause_until = t + self.rng.uniform(1.0, 4.0)

    def _plan(self) -> None:
        """The next figure: a line of handwriting (loops along a baseline) or a boxed diagram."""
        width = self.size[0]
        rows = 7
        row = self.written_row % rows
        self.written_row += 1
        y = (60 + row * 90) * self.unit
        self.pen = ((20, 40, 140), (170, 30, 30), (20, 110, 50))[self.rng.randrange(3)]
        if self.rng.random() < 0.7:
            x = 50 * self.unit
            while x < width * self.rng.uniform(0.5, 0.9):
                letter_w = self.rng.uniform(22, 40) * self.unit
                loops = self.rng.randint(1, 3)
                points = [
                    (
                        x + letter_w * s / 24 + 6 * self.unit * math.cos(s * loops * math.pi / 12),
                        y
                        - 32
                        * self.unit
                        * abs(math.sin(s * loops * math.pi / 24))
                        * self.rng.uniform(0.6, 1.2),
                    )
                    for s in range(25)
                ]
                self.strokes.append(points)
                x += letter_w + self.rng.uniform(4, 20) * self.unit
        else:
            x0 = self.rng.uniform(50, width / self.unit - 400) * self.unit
            x1, y1 = x0 + 300 * self.unit, y + 70 * self.unit
            corners = [(x0, y), (x1, y), (x1, y1), (x0, y1), (x0, y)]
            for a, b in itertools.pairwise(corners):
                self.strokes.append(
                    [
                        (a[0] + (b[0] - a[0]) * k / 12, a[1] + (b[1] - a[1]) * k / 12)
                        for k in range(13)
                    ]
                )
