"""Which stored domain events become which public events, and what they carry (and never carry).

Each aggregate is driven through its real commands; its pending events are applied one by one to
a fresh aggregate, as the projector sees them, and each is mapped with the state after it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from hypothesis import given
from hypothesis import strategies as st

from academy_video.app.persistence import COMMON
from academy_video.domain.grant import PermissionGrant
from academy_video.domain.playback_session import ClientEvent, PlaybackSession, RevokeRule
from academy_video.domain.policy import GrantRules, Rule
from academy_video.domain.progress import Plausibility, Sample, WatchProgress
from academy_video.domain.video import Video
from academy_video.domain.webhook_catalogue import (
    EVENT_TYPES,
    PublicEvent,
    iso_utc,
    public_events,
    reason_code,
)
from tests.unit.domain.builders import NEW as HLS
from tests.unit.domain.builders import T0, at, new_grant, new_video, old_ready
from tests.unit.domain.builders import new_session as started

PROBE = {"duration": 61.5, "has_video": True, "codec": "h264"}
ETAG = "etag-5ecret-9f"
DEVICE = "device-fingerprint-abc"


def published(app_name: str, aggregate: Aggregate) -> list[PublicEvent]:
    """The public events of the aggregate's pending events, each given the state after it."""
    state: Any = None
    found: list[PublicEvent] = []
    for event in aggregate.collect_events():
        state = event.mutate(state)
        found += public_events(app_name, event, state)
    return found


def processing() -> Video:
    video = new_video()
    video.confirm_upload(size=1000, probe=PROBE, source_etag=ETAG)
    assert video.start_processing(worker_id="w1", now=T0, lease_seconds=60, max_attempts=3)
    return video


def ready() -> Video:
    video = processing()
    video.complete_processing(
        worker_id="w1",
        now=at(10),
        hls_path=f"{HLS}master.m3u8",
        thumbnail_key=f"{HLS}thumbnail.jpg",
        renditions=[{"name": "720p", "playlist": f"{HLS}720p/index.m3u8"}],
    )
    return video


def new_session() -> PlaybackSession:
    return started({"allow_seek": False}, device_id=DEVICE)


# Videos -----------------------------------------------------------------------------------


def test_a_video_sends_uploaded_then_ready_and_nothing_for_its_other_steps() -> None:
    video = ready()
    uploaded, is_ready = published("Videos", video)
    assert (uploaded.type, uploaded.tenant, uploaded.subject) == (
        "video.uploaded",
        "demo",
        "video:7",
    )
    assert uploaded.data == {"video_id": 7, "session_id": 10, "size": 1000, "duration": 61.5}
    assert (is_ready.type, is_ready.subject) == ("video.ready", "video:7")
    assert is_ready.data == {"video_id": 7, "session_id": 10, "duration": 61.5}
    assert is_ready.occurred_at > uploaded.occurred_at


def test_a_failed_video_sends_the_reasons_code_only() -> None:
    video = processing()
    video.fail_processing(worker_id="w1", now=at(5), reason="packaging_failed: x/y.ts is missing")
    _, failed = published("Videos", video)
    assert (failed.type, failed.subject) == ("video.failed", "video:7")
    assert failed.data == {"video_id": 7, "session_id": 10, "reason": "packaging_failed"}


def test_a_deleted_video_sends_deleted() -> None:
    video = ready()
    video.delete()
    *_, deleted = published("Videos", video)
    assert (deleted.type, deleted.data) == ("video.deleted", {"video_id": 7, "session_id": 10})


def test_a_re_encode_switching_a_ready_video_is_not_a_new_ready() -> None:
    video = old_ready()
    assert video.request_reencode("switchover")
    assert video.start_processing(worker_id="w1", now=T0, lease_seconds=60, max_attempts=3)
    video.complete_processing(worker_id="w1", now=at(5), hls_path=f"{HLS}master.m3u8")
    # Imported, ReencodeRequested, ProcessingStarted, Reencoded: none of them is news.
    assert published("Videos", video) == []


def test_reason_codes_are_a_leading_word_or_other() -> None:
    assert reason_code("max_attempts_exceeded") == "max_attempts_exceeded"
    assert reason_code("no_segments for 720p") == "no_segments"
    assert reason_code("transcoder_error: ValueError") == "transcoder_error"
    assert reason_code("/tmp/secret/path.mp4 failed") == "other"
    assert reason_code("decode error") == "decode"
    assert reason_code("x" * 65) == "other"
    assert reason_code(None) == "other"


# Grants ------------------------------------------------------------------------------------


def test_a_grants_rule_promotion_and_removal_each_send_permission_changed() -> None:
    grant = new_grant()
    grant.set_rules(
        GrantRules(rule=Rule.ONCE, max_speed_override=1.5, block_seek=True), is_override=True
    )
    grant.promote_to_free()
    grant.remove()
    set_, promoted, removed = published("Grants", grant)  # Created alone sends nothing
    assert {e.type for e in (set_, promoted, removed)} == {"permission.changed"}
    assert {e.subject for e in (set_, promoted, removed)} == {"permission:7:3"}
    assert set_.data == {
        "video_id": 7,
        "enrollment_id": 3,
        "permission_id": 11,
        "change": "set",
        "removed": False,
        "rule": "once",
        "is_override": True,
        "allow_skip_override": None,
        "max_speed_override": 1.5,
        "show_watermark_override": None,
        "block_seek": True,
        "block_speed_control": False,
    }
    assert (promoted.data["change"], promoted.data["rule"], promoted.data["is_override"]) == (
        "promoted_to_free",
        "free",
        False,
    )
    assert (removed.data["change"], removed.data["removed"]) == ("removed", True)
    assert type(set_.data["rule"]) is str


# Progress ----------------------------------------------------------------------------------


def test_completing_a_video_sends_progress_completed_once() -> None:
    progress = WatchProgress(video_id=7, enrollment_id=3, tenant="demo", progress_id=1)
    beats = [Sample("s1", float(n), at(n)) for n in range(0, 101, 10)]
    assert progress.record(
        beats, duration=100, plausibility=Plausibility(), completion_threshold=0.95
    )
    progress.correct(progress=1.0)  # staff corrections send nothing
    (completed,) = published("Progresses", progress)
    assert (completed.type, completed.subject) == ("progress.completed", "progress:7:3")
    assert completed.data == {
        "video_id": 7,
        "enrollment_id": 3,
        "progress": completed.data["progress"],
        "completed_at": iso_utc(completed.occurred_at),
    }
    assert completed.data["progress"] >= 0.95
    assert completed.data["completed_at"].endswith("Z")


# Playback sessions -------------------------------------------------------------------------


def test_a_session_revoked_for_violations_sends_the_counts() -> None:
    session = new_session()
    seek = ClientEvent("SEEK_ATTEMPT")
    outcome = session.report_events([seek] * 3, now=at(30), rule=RevokeRule(threshold=3))
    assert outcome.revoked
    (revoked,) = published("PlaybackSessions", session)
    assert (revoked.type, revoked.subject) == ("session.revoked", "session:s1")
    assert revoked.data == {
        "session_id": "s1",
        "video_id": 7,
        "enrollment_id": 3,
        "user_id": 42,
        "events_total": 3,
        "violations_total": 3,
        "started_at": iso_utc(T0),
        "reason": revoked.data["reason"],
        "revoked_at": iso_utc(at(30)),
    }
    assert revoked.data["reason"].startswith("violations")


def test_an_ended_and_an_expired_session_both_send_ended_with_the_reason() -> None:
    ended, expired = new_session(), new_session()
    ended.end(now=at(60))
    expired.expire(now=at(900))
    (by_student,) = published("PlaybackSessions", ended)
    (lapsed,) = published("PlaybackSessions", expired)
    assert (by_student.type, by_student.data["reason"]) == ("session.ended", "ended")
    assert (lapsed.type, lapsed.data["reason"]) == ("session.ended", "expired")
    assert by_student.data["ended_at"] == iso_utc(at(60))
    assert lapsed.data["events_total"] == 0


# What every mapping holds to ----------------------------------------------------------------


def every_public_event() -> list[PublicEvent]:
    failed = processing()
    failed.fail_processing(worker_id="w1", now=at(5), reason="decode error in videos/demo/x.mp4")
    deleted = ready()
    deleted.delete()
    grant = new_grant()
    grant.set_rules(GrantRules(rule=Rule.ONCE), is_override=False)
    grant.promote_to_free()
    grant.remove()
    progress = WatchProgress(video_id=7, enrollment_id=3, tenant="demo", progress_id=1)
    progress.record(
        [Sample("s1", float(n), at(n)) for n in range(0, 101, 10)],
        duration=100,
        plausibility=Plausibility(),
    )
    revoked, ended, expired = new_session(), new_session(), new_session()
    revoked.revoke(reason="staff", now=at(1))
    ended.end(now=at(2))
    expired.expire(now=at(3))
    return [
        *published("Videos", failed),
        *published("Videos", deleted),
        *published("Grants", grant),
        *published("Progresses", progress),
        *published("PlaybackSessions", revoked),
        *published("PlaybackSessions", ended),
        *published("PlaybackSessions", expired),
    ]


SECRET_WORDS = ("token", "key", "secret", "path", "url", "etag", "probe", "file", "device")
SECRET_VALUES = (ETAG, DEVICE, "videos/demo", HLS, "Limits", "720p")


def test_every_public_type_is_produced_and_each_type_is_in_the_catalogue() -> None:
    assert {e.type for e in every_public_event()} == set(EVENT_TYPES)


def test_no_public_event_carries_anything_that_looks_like_a_secret_or_a_storage_path() -> None:
    for public in every_public_event():
        for name, value in public.data.items():
            assert not any(word in name.lower() for word in SECRET_WORDS), (public.type, name)
            assert not any(secret in str(value) for secret in SECRET_VALUES), (public.type, name)
            assert "/" not in str(value), (public.type, name)
            assert value is None or isinstance(value, (str, int, float, bool)), (public.type, name)


def test_imported_history_sends_nothing() -> None:
    video = old_ready(
        status="FAILED", duration=None, hls_path="", thumbnail_key="", error_reason="boom"
    )
    grant = PermissionGrant.imported(
        video_id=7,
        enrollment_id=3,
        tenant="demo",
        permission_id=11,
        source="video_videopermission:11",
        rules=GrantRules(rule=Rule.FREE),
        is_override=True,
    )
    progress = WatchProgress.imported(
        video_id=7,
        enrollment_id=3,
        tenant="demo",
        progress_id=1,
        source="video_videoprogress:1",
        progress=1.0,
        last_position=100.0,
        completed=True,
    )
    session = PlaybackSession.imported(
        source="video_videoplaybacksession:1",
        status="ACTIVE",
        ended_at=None,
        session_id="s1",
        tenant="demo",
        video_id=7,
        enrollment_id=3,
        user_id=42,
        device_id=DEVICE,
        policy={},
        policy_version=1,
        grant_version=0,
        started_at=T0,
        expires_at=at(600),
    )
    items = [{"id": 1, "type": "SEEK_ATTEMPT", "violated": True, "reason": "seek"}]
    assert session.import_events(items, source="video_videoplaybackevent") == 1
    assert published("Videos", video) == []
    assert published("Grants", grant) == []
    assert published("Progresses", progress) == []
    assert published("PlaybackSessions", session) == []


def test_an_event_of_another_application_or_unknown_class_sends_nothing() -> None:
    grant = new_grant()
    grant.set_rules(GrantRules(), is_override=False)
    _, rule_set = grant.collect_events()
    assert public_events("Videos", rule_set, grant) == []  # the right class, the wrong app
    assert public_events("Grants", rule_set, object()) == []  # a state without a tenant
    assert public_events("Grants", object(), grant) == []


@given(st.text(max_size=30), st.sampled_from([None, 1, "x", object(), T0, [], {}]))
def test_any_unknown_input_sends_nothing_and_never_raises(app_name: str, thing: object) -> None:
    assert public_events(app_name, thing, thing) == []


def test_events_read_back_from_the_store_map_as_they_did_when_new() -> None:
    # The projector maps events decoded from stored notifications, not the pending objects.
    app = Application[UUID](env={**COMMON, "PERSISTENCE_MODULE": "eventsourcing.popo"})
    session = new_session()
    session.report_events([ClientEvent("SEEK_ATTEMPT")] * 3, now=at(30), rule=RevokeRule(3))
    expected = published("PlaybackSessions", session)
    session = new_session()
    session.report_events([ClientEvent("SEEK_ATTEMPT")] * 3, now=at(30), rule=RevokeRule(3))
    app.save(session)
    state: Any = None
    found: list[PublicEvent] = []
    for notification in app.recorder.select_notifications(start=1, limit=10):
        event: Any = app.mapper.to_domain_event(notification)
        state = event.mutate(state)
        found += public_events("PlaybackSessions", event, state)
    assert [(e.type, e.subject, e.data) for e in found] == [
        (e.type, e.subject, e.data) for e in expected
    ]
