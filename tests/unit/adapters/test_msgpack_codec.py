from datetime import UTC, datetime
from uuid import uuid4

import pytest

from academy_video.adapters.eventstore.msgpack_codec import MsgpackTranscoder


def test_event_fields_round_trip_with_their_types() -> None:
    transcoder = MsgpackTranscoder()
    state = {
        "timestamp": datetime(2026, 11, 27, 8, 30, 15, 123456, tzinfo=UTC),
        "policy": {"seek": {"mode": "blocked", "forward_limit": None}, "rate": 1.5},
        "watched": [[0.0, 10.5], [20.0, 30.0]],
        "items": [{"type": "FOCUS_LOST", "violated": False, "payload": {}}],
        "count": 3,
        "title": "Lecture — 1",
    }
    decoded = transcoder.decode(transcoder.encode(state))
    assert decoded == state
    assert decoded["timestamp"].tzinfo is not None


@pytest.mark.parametrize("value", [uuid4(), datetime(2026, 1, 1), {1, 2}])
def test_values_that_would_not_read_back_the_same_are_refused(value: object) -> None:
    with pytest.raises(TypeError, match="cannot store"):
        MsgpackTranscoder().encode({"field": value})
