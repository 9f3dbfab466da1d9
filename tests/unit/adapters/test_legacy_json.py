"""The old JSON columns are decoded by msgspec; what it refuses, the standard library reads,
so an odd old payload reads as it did before (and as ``json.loads`` reads it)."""

from __future__ import annotations

import json
import math

import pytest

from academy_video.adapters.legacy.reader import json_loads


@pytest.mark.parametrize(
    "text",
    [
        '{"to": 433, "position": 3474}',
        b'{"rate": 2.0, "list": [1, null, "\\u00e9"]}',
        "1" + "0" * 40,  # past 64 bits
        '"plain"',
        "[]",
    ],
)
def test_a_payload_reads_as_the_standard_library_reads_it(text: str | bytes) -> None:
    assert json_loads(text) == json.loads(text)


def test_what_msgspec_refuses_still_reads() -> None:
    assert math.isnan(json_loads('{"a": NaN}')["a"])
    assert json_loads('{"a": Infinity}') == {"a": math.inf}


def test_a_broken_payload_is_still_an_error() -> None:
    with pytest.raises(ValueError, match="Expecting"):
        json_loads('{"a": ')
