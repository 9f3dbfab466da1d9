"""Compare an answer of this service with what the old app answered, field by field.

An expected shape is built from the seed's serializers and views (``seed_answers.py``):

- a dict: the same keys exactly (a missing or an extra key is named), each value compared;
- a one-element list: every item of the answer has that shape (an empty answer passes);
- a type (``int``, ``str``, ``bool``, ``dict``) or a tuple of types: the value's type exactly
  (``int`` is not ``float``: 8.011 where the old app said 8 fails; ``bool`` is not ``int``);
- ``NUMBER``: an int or a float (a JSON number the old app wrote either way, ``0`` or ``0.0``);
- ``Added(shape, why)``: a field this service adds (the old clients ignore it); ``why`` names
  the contract or docs line that adds it;
- ``Exactly(value)`` or any other value: equal to it.

A difference fails with the path of the field: ``students[0].parent_phone: expected str, got
None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NUMBER = (int, float)


@dataclass(frozen=True)
class Added:
    """A field the old app did not answer; this service adds it (``why``: where that is said)."""

    shape: Any
    why: str


@dataclass(frozen=True)
class Exactly:
    value: Any


def assert_same_shape(answer: Any, expected: Any) -> None:
    """Raise AssertionError naming the first field path where ``answer`` leaves ``expected``."""
    problem = difference(answer, expected, "")
    if problem:
        raise AssertionError(problem)


def difference(answer: Any, expected: Any, path: str) -> str | None:
    where = path or "(the answer)"
    if isinstance(expected, Added):
        return difference(answer, expected.shape, path)
    if isinstance(expected, Exactly):
        return (
            None
            if answer == expected.value
            else f"{where}: expected {expected.value!r}, got {answer!r}"
        )
    if isinstance(expected, dict):
        if not isinstance(answer, dict):
            return f"{where}: expected an object, got {_kind(answer)}"
        missing = sorted(set(expected) - set(answer))
        extra = sorted(set(answer) - set(expected))
        if missing:
            return f"{_join(path, missing[0])}: missing (the old app answered it)"
        if extra:
            return f"{_join(path, extra[0])}: not in the old app's answer (declare it Added)"
        for key, shape in expected.items():
            problem = difference(answer[key], shape, _join(path, key))
            if problem:
                return problem
        return None
    if isinstance(expected, list):
        if not isinstance(answer, list):
            return f"{where}: expected a list, got {_kind(answer)}"
        if len(expected) != 1:
            raise TypeError("an expected list holds one item shape")
        for index, item in enumerate(answer):
            problem = difference(item, expected[0], f"{path}[{index}]")
            if problem:
                return problem
        return None
    if isinstance(expected, type) or (
        isinstance(expected, tuple) and all(isinstance(t, type) for t in expected)
    ):
        types = expected if isinstance(expected, tuple) else (expected,)
        if type(answer) in types:
            return None
        names = " or ".join(_name(t) for t in types)
        return f"{where}: expected {names}, got {_kind(answer)} {answer!r}"[:300]
    return None if answer == expected else f"{where}: expected {expected!r}, got {answer!r}"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _name(t: type) -> str:
    return "None" if t is type(None) else t.__name__


def _kind(value: Any) -> str:
    return _name(type(value))
