"""Slides and a talking head, drawn with Pillow: two of the corpus's scenes (``lecture_corpus.py``).

A slide is drawn once and held until the next (every 20–60 s of lecture time), so nearly every
frame repeats the one before, as in a recorded slide deck. The talking head is an inset in the
bottom-right corner with motion everywhere in it: a blurred random texture behind the speaker
drifts as a hand-held camera would, the head sways, blinks and talks, and every frame carries
light sensor noise, so no two inset frames are alike (the bits a real webcam costs).
"""

from __future__ import annotations

import math
import random

from PIL import Image, ImageDraw, ImageFilter, ImageOps

from .fonts import font

TITLES = (
    ("미분의 정의와 극한", "The derivative as a limit"),
    ("함수의 그래프와 접선", "Graphs and tangent lines"),
    ("자료 구조: 해시 테이블", "Data structures: hash tables"),
    ("확률과 통계 기초", "Probability and statistics"),
    ("네트워크 계층 모델", "The layered network model"),
    ("정렬 알고리즘 비교", "Comparing sorting algorithms"),
)
BULLETS = (
    "평균 변화율은 두 점을 잇는 직선의 기울기입니다",
    "Average rate of change: the slope of a secant line",
    "극한이 존재하면 그 값을 순간 변화율이라 합니다",
    "If the limit exists it is the instantaneous rate",
    "충돌은 체이닝 또는 개방 주소법으로 해결합니다",
    "Collisions: chaining or open addressing",
    "표본 평균의 분포는 정규 분포에 가까워집니다",
    "The sample mean tends to a normal distribution",
    "퀵 정렬의 평균 시간 복잡도는 O(n log n)",
    "Merge sort is stable; heap sort sorts in place",
)
PALETTE = ((31, 78, 121), (192, 80, 77), (79, 129, 189), (155, 187, 89), (128, 100, 162))


def draw_slide(number: int, size: tuple[int, int]) -> Image.Image:
    """Slide ``number``: a Korean title with its English subtitle, bullets in both languages and
    a diagram (boxes and arrows, a bar chart or a plotted curve)."""
    width, height = size
    rng = random.Random(number)
    unit = height / 720
    image = Image.new("RGB", size, (250, 250, 247))
    draw = ImageDraw.Draw(image)
    accent = PALETTE[number % len(PALETTE)]
    draw.rectangle((0, 0, width, int(110 * unit)), fill=accent)
    korean, english = TITLES[number % len(TITLES)]
    draw.text(
        (40 * unit, 18 * unit), korean, font=font("NanumGothicBold", int(44 * unit)), fill="white"
    )
    draw.text(
        (42 * unit, 72 * unit),
        english,
        font=font("DejaVuSans", int(24 * unit)),
        fill=(235, 235, 235),
    )
    for row in range(5):
        text = BULLETS[(number * 3 + row) % len(BULLETS)]
        name = "NanumGothic" if ord(text[0]) > 0x1100 else "DejaVuSans"
        y = (150 + row * 62) * unit
        draw.ellipse((44 * unit, y + 10 * unit, 56 * unit, y + 22 * unit), fill=accent)
        draw.text((70 * unit, y), text, font=font(name, int(25 * unit)), fill=(30, 30, 30))
    box = (int(40 * unit), int(470 * unit), int(width - 40 * unit), int(height - 30 * unit))
    (_boxes_and_arrows, _bar_chart, _curve)[number % 3](draw, box, rng, unit)
    draw.text(
        (width - 90 * unit, height - 28 * unit),
        f"{number + 1} / 24",
        font=font("DejaVuSans", int(16 * unit)),
        fill=(120, 120, 120),
    )
    return image


def _boxes_and_arrows(
    draw: ImageDraw.ImageDraw, box: tuple[int, ...], rng: random.Random, unit: float
) -> None:
    left, top, right, bottom = box
    labels = ("입력 Input", "처리 Process", "저장 Store", "출력 Output")
    step = (right - left) // len(labels)
    for i, label in enumerate(labels):
        x0, x1 = left + i * step + int(10 * unit), left + (i + 1) * step - int(50 * unit)
        y0, y1 = top + rng.randint(0, int(30 * unit)), bottom - int(40 * unit)
        draw.rounded_rectangle(
            (x0, y0, x1, y1), radius=int(12 * unit), outline=PALETTE[i], width=max(1, int(4 * unit))
        )
        draw.text(
            (x0 + 14 * unit, (y0 + y1) / 2 - 14 * unit),
            label,
            font=font("NanumGothic", int(22 * unit)),
            fill=(40, 40, 40),
        )
        if i < len(labels) - 1:
            mid = (y0 + y1) // 2
            draw.line(
                (x1, mid, x1 + int(55 * unit), mid), fill=(80, 80, 80), width=max(1, int(3 * unit))
            )
            tip = x1 + int(55 * unit)
            draw.polygon(
                ((tip, mid), (tip - 12 * unit, mid - 8 * unit), (tip - 12 * unit, mid + 8 * unit)),
                fill=(80, 80, 80),
            )


def _bar_chart(
    draw: ImageDraw.ImageDraw, box: tuple[int, ...], rng: random.Random, unit: float
) -> None:
    left, top, right, bottom = box
    draw.line((left, bottom, right, bottom), fill=(60, 60, 60), width=max(1, int(2 * unit)))
    bars = 8
    step = (right - left) / bars
    for i in range(bars):
        level = rng.uniform(0.2, 1.0)
        x0 = left + i * step + step * 0.2
        draw.rectangle(
            (x0, bottom - level * (bottom - top), x0 + step * 0.6, bottom),
            fill=PALETTE[i % len(PALETTE)],
        )
        draw.text(
            (x0, bottom - level * (bottom - top) - 22 * unit),
            f"{level * 100:.0f}%",
            font=font("DejaVuSans", int(16 * unit)),
            fill=(50, 50, 50),
        )


def _curve(
    draw: ImageDraw.ImageDraw, box: tuple[int, ...], rng: random.Random, unit: float
) -> None:
    left, top, right, bottom = box
    mid = (top + bottom) / 2
    draw.line((left, mid, right, mid), fill=(150, 150, 150), width=1)
    draw.line((left + 20 * unit, top, left + 20 * unit, bottom), fill=(150, 150, 150), width=1)
    a, b = rng.uniform(1, 3), rng.uniform(0.5, 2)
    points = [
        (
            left + t,
            mid
            - (bottom - top)
            * 0.4
            * math.sin(a * t / (right - left) * 2 * math.pi)
            * math.exp(-b * t / (right - left)),
        )
        for t in range(0, right - left, 2)
    ]
    draw.line(points, fill=PALETTE[0], width=max(1, int(3 * unit)))
    draw.text(
        (right - 160 * unit, top),
        "f(x) = e^(-bx) sin(ax)",
        font=font("DejaVuSans", int(18 * unit)),
        fill=(40, 40, 40),
    )


class TalkingHead:
    """A speaker in a ``size`` inset: every call to ``frame`` gives the next picture."""

    def __init__(self, size: tuple[int, int], fps: float, seed: int = 7) -> None:
        self.size = size
        self.fps = fps
        width, height = size
        self.rng = random.Random(seed)  # the same pictures every run: a baseline to compare
        noise = _noise(self.rng, (width * 2, height * 2))
        noise = noise.filter(ImageFilter.GaussianBlur(max(1, width // 60)))
        self.texture = ImageOps.colorize(
            ImageOps.autocontrast(noise), (40, 60, 70), (190, 200, 170)
        )
        self.index = 0

    def frame(self) -> Image.Image:
        width, height = self.size
        t = self.index / self.fps
        self.index += 1
        # The camera drifts over the background; the head sways a little against it.
        dx = int((0.5 + 0.45 * math.sin(t * 0.7)) * width)
        dy = int((0.5 + 0.45 * math.sin(t * 0.53 + 1)) * height)
        picture = self.texture.crop((dx, dy, dx + width, dy + height))
        draw = ImageDraw.Draw(picture)
        cx = width / 2 + width * 0.06 * math.sin(t * 1.3)
        cy = height * 0.55 + height * 0.02 * math.sin(t * 2.1)
        rx, ry = width * 0.16, height * 0.3
        draw.ellipse(
            (cx - rx * 2.2, cy + ry * 0.9, cx + rx * 2.2, cy + ry * 3), fill=(50, 60, 90)
        )  # shoulders
        draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=(224, 182, 150))
        draw.chord(
            (cx - rx * 1.05, cy - ry * 1.1, cx + rx * 1.05, cy + ry * 0.3),
            180,
            360,
            fill=(45, 35, 30),
        )
        blink = (t % 3.7) < 0.12
        for side in (-1, 1):
            ex, ey = cx + side * rx * 0.4, cy - ry * 0.05
            eye_h = 1 if blink else ry * 0.08
            draw.ellipse(
                (ex - rx * 0.12, ey - eye_h, ex + rx * 0.12, ey + eye_h), fill=(30, 30, 30)
            )
        opening = ry * 0.12 * abs(math.sin(t * 9.0) * math.sin(t * 2.3))
        draw.ellipse(
            (cx - rx * 0.3, cy + ry * 0.45 - opening, cx + rx * 0.3, cy + ry * 0.45 + opening + 1),
            fill=(120, 40, 40),
        )
        sensor = _noise(self.rng, self.size).convert("RGB")
        return Image.blend(picture, sensor, 0.04)


def _noise(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """Uniform grey noise from ``rng`` (Pillow's own noise cannot be seeded)."""
    return Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))
