"""Each item of the events list as the seed answered it: an integer ``id`` in JavaScript's
safe range that a rebuild keeps, the ``policy_snapshot`` the event was judged against,
``occurred_at`` the server's time (the player's beside it, ``client_occurred_at``), and the
seed's retrieve, ``GET /video-playback-events/{id}/``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from academy_video.domain.playback_session import ClientEvent, RevokeRule

from .conftest import Api
from .test_playback import play, start

ALICE, BOB = 101, 102
LIST = "/api/v1/video-playback-events/"
JS_SAFE = 2**53 - 1
NEVER_REVOKE = RevokeRule(threshold=10**6, ratio=2.0)


def listed(api: Api, **params: Any) -> list[dict[str, Any]]:
    response = api.call("GET", LIST, params=params)
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()
    return events


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def watched(api: Api) -> tuple[int, dict[str, Any], dict[str, Any]]:
    """Alice (``once``: seeking is a violation) and Bob (free) each send a batch; the video and
    each one's start answer."""
    video = api.ready_video()
    body = {"video": video, "enrollment": ALICE, "rule": "once"}
    assert api.call("POST", "/api/v1/video-permissions/", json=body).status_code == 201
    alice, bob = start(api, video).json(), start(api, video, BOB).json()
    batch = [{"type": "SEEK_ATTEMPT"}, {"type": "FOCUS_LOST"}]
    assert play(api, "events", alice["token"], events=batch).status_code == 201
    assert play(api, "events", bob["token"], BOB, events=[{"type": "SEEK_ATTEMPT"}]).status_code
    return video, alice, bob


def test_each_event_carries_the_policy_its_session_was_judged_against(api: Api) -> None:
    video, alice, bob = watched(api)
    events = listed(api, video=video)
    by_student = {e["enrollment_id"]: e for e in events}
    assert by_student[ALICE]["policy_snapshot"] == alice["policy"]
    assert by_student[ALICE]["policy_snapshot"]["seek"]["mode"] == "bounded_forward"
    assert by_student[ALICE]["violation_reason"] == "seek_bounded_forward"
    assert by_student[BOB]["policy_snapshot"] == bob["policy"]
    assert by_student[BOB]["policy_snapshot"]["seek"]["mode"] == "free"


def test_ids_count_the_stored_events_within_javascripts_safe_range(api: Api) -> None:
    video, _, _ = watched(api)
    ids = [e["id"] for e in listed(api, video=video)]
    assert sorted(ids) == [1, 2, 3]  # in the order they were stored, as the seed's
    assert ids == sorted(ids, reverse=True)  # newest first: the later batch first
    assert all(isinstance(i, int) and 0 < i <= JS_SAFE for i in ids)


def test_ids_and_items_are_the_same_after_a_rebuild(api: Api) -> None:
    video, _, _ = watched(api)
    more = start(api, video, BOB, device="d2").json()["token"]
    batch = [{"type": "FOCUS_GAINED", "payload": {"n": n}} for n in range(50)]
    assert play(api, "events", more, BOB, events=batch).status_code == 201
    before = listed(api, video=video)
    assert api.app.projector is not None
    api.app.projector.rebuild()
    after = listed(api, video=video)
    assert after == before
    assert len({e["id"] for e in after}) == len(after) == 53


def test_occurred_at_is_the_servers_time_and_the_players_is_kept_beside_it(api: Api) -> None:
    video = api.ready_video()
    session = start(api, video).json()
    sent = datetime.now(UTC)
    backdated = (sent - timedelta(days=30)).timestamp()  # a player clock a month behind
    batch = [{"type": "FOCUS_LOST", "occurred_at": backdated}, {"type": "FOCUS_GAINED"}]
    assert play(api, "events", session["token"], events=batch).status_code == 201
    events = listed(api, video=video)  # the default range, 24 h: the backdated one is in it
    assert len(events) == 2
    for event in events:
        assert event["occurred_at"] == event["received_at"]
        assert abs(when(event["occurred_at"]) - sent) < timedelta(seconds=30)
        # Kept within the session's life: no earlier than its start, no later than receipt.
        assert when(event["client_occurred_at"]) <= when(event["occurred_at"])
        assert when(event["client_occurred_at"]) >= sent - timedelta(seconds=30)


def test_ranges_and_order_go_by_the_servers_time(api: Api) -> None:
    """A batch the server received two days ago is outside 24 h, whatever its player said, and
    the list runs newest first by receipt."""
    video = api.ready_video()
    session = start(api, video).json()["session_id"]
    now = datetime.now(UTC)
    future = (now + timedelta(days=5)).timestamp()  # the player's clock says "later"
    for received, kind in ((now - timedelta(days=2), "FOCUS_LOST"), (now, "FOCUS_GAINED")):
        batch = [ClientEvent(kind, future if kind == "FOCUS_LOST" else None)]
        api.app.sessions.report(session, batch, now=received, rule=NEVER_REVOKE)
    assert [e["event_type"] for e in listed(api, video=video)] == ["FOCUS_GAINED"]
    every = listed(api, video=video, range="all")
    assert [e["event_type"] for e in every] == ["FOCUS_GAINED", "FOCUS_LOST"]
    risk = api.call("GET", f"{LIST}risk/", params={"video": video}).json()
    assert [(r["enrollment_id"], r["info"], r["warn"]) for r in risk] == [(ALICE, 1, 0)]


def test_one_event_by_its_id(api: Api) -> None:
    video, _, _ = watched(api)
    events = listed(api, video=video)
    for event in events:
        for path in (f"{LIST}{event['id']}/", f"{LIST}{event['id']}"):
            for role in ("admin", "staff"):
                one = api.call("GET", path, role=role)
                assert (one.status_code, one.json()) == (200, event), path
    first = events[0]["id"]
    student = api.call("GET", f"{LIST}{first}/", role="student")
    assert (student.status_code, student.json()) == (403, {"detail": "forbidden"})
    other = api.call("GET", f"{LIST}{first}/", tenant="other")
    assert (other.status_code, other.json()) == (404, {"detail": "not_found"})
    missing = api.call("GET", f"{LIST}{first + 100}/")
    assert (missing.status_code, missing.json()) == (404, {"detail": "not_found"})
    # The routes beside it still answer.
    assert api.call("GET", f"{LIST}risk/", params={"video": video}).status_code == 200
    assert api.call("GET", f"{LIST}filters/").status_code == 200


def test_a_bad_id_is_refused_as_every_path_id_is(api: Api) -> None:
    for path in ("abc", "1.5", "1e3"):  # not an integer: no such route, as the seed's 404
        answer = api.call("GET", f"{LIST}{path}/")
        assert (answer.status_code, answer.json()) == (404, {"detail": "not_found"}), path
    for number, problem in ((0, ">= 1"), (2**53 + 1, "<= 9007199254740992"), (2**70, "<=")):
        answer = api.call("GET", f"{LIST}{number}/")
        assert answer.status_code == 400, number
        assert answer.json()["detail"].startswith(f"event_id: Expected `int` {problem}")


def test_the_retrieve_looks_in_the_list_its_filters_give_as_the_seeds(api: Api) -> None:
    """DRF's retrieve found the event within the list's queryset: the list's filters apply,
    and its default range (24 h), so an older event needs ``range=all`` (or ``7d``)."""
    video = api.ready_video()
    session = start(api, video).json()["session_id"]
    received = datetime.now(UTC) - timedelta(days=2)
    api.app.sessions.report(session, [ClientEvent("FOCUS_LOST")], now=received, rule=NEVER_REVOKE)
    [old] = listed(api, video=video, range="all")
    path = f"{LIST}{old['id']}/"
    assert api.call("GET", path).status_code == 404
    for params in ({"range": "all"}, {"range": "7d", "video": video}):
        found = api.call("GET", path, params=params)
        assert (found.status_code, found.json()) == (200, old), params
    other_video = api.call("GET", path, params={"range": "all", "video": video + 1})
    assert other_video.status_code == 404
    unknown = api.call("GET", path, params={"range": "1y"})
    assert (unknown.status_code, unknown.json()) == (400, {"detail": "range"})
