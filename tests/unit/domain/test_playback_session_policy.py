"""A playing session under changed rules: it goes on under rules that take nothing away from
its own (``PolicyUpdated``) and refuses a tightening; stored sessions, old and new, read back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Mapper

from academy_video.adapters.eventstore.msgpack_codec import MsgpackTranscoder
from academy_video.domain.playback_session import (
    ClientEvent,
    PlaybackSession,
    PolicyTightened,
    SessionInactive,
)
from academy_video.domain.policy import GrantRules, Limits, Rule, VideoDefaults, effective_policy
from academy_video.domain.policy_change import PolicyChange
from tests.unit.domain.builders import T0
from tests.unit.domain.test_playback_session import (
    QUIET,
    RULE,
    SEEK,
    STRICT,
    new_session,
)

PROMOTED = effective_policy(
    VideoDefaults(), GrantRules(rule=Rule.ONCE), completed=True, limits=Limits(2, 2)
)
LATER = T0 + timedelta(seconds=30)


def follow(session: PlaybackSession, policy: dict[str, Any] | None, grant: int = 3) -> Any:
    return session.follow_policy(policy, policy_version=1, grant_version=grant, now=LATER)


def test_a_loosening_is_recorded() -> None:
    session = new_session()
    assert follow(session, PROMOTED) == PolicyChange.LOOSENED
    assert session.policy == PROMOTED
    assert session.versions == (1, 3)
    event = session.collect_events()[-1]
    assert type(event).__name__ == "PolicyUpdated"
    assert event.change == "loosened"  # type: ignore[attr-defined]


def test_events_after_a_loosening_are_judged_under_the_new_policy() -> None:
    skippable = VideoDefaults(allow_skip=True)
    once = GrantRules(rule=Rule.ONCE)
    session = new_session(effective_policy(skippable, once, completed=False, limits=Limits(2, 2)))
    batch = [SEEK, QUIET, QUIET]  # one violation in three: not enough to revoke
    assert session.report_events(batch, now=LATER, rule=RULE).violated == 1
    follow(session, effective_policy(skippable, once, completed=True, limits=Limits(2, 2)))
    # A seek was a violation under ``once``; under the promoted rule it is not.
    assert session.report_events(batch, now=LATER, rule=RULE).violated == 0


def test_the_same_news_twice_records_once() -> None:
    session = new_session()
    follow(session, PROMOTED)
    version = session.version
    assert follow(session, PROMOTED) == PolicyChange.UNCHANGED
    assert session.version == version


def test_new_versions_with_the_same_policy_are_recorded_as_unchanged() -> None:
    session = new_session()
    assert follow(session, STRICT, grant=9) == PolicyChange.UNCHANGED
    assert session.versions == (1, 9)
    assert session.collect_events()[-1].change == "unchanged"  # type: ignore[attr-defined]


@pytest.mark.parametrize("policy", [None, {**PROMOTED, "allow_seek": True, "watermark": {}}])
def test_a_tightening_is_refused_and_nothing_is_recorded(policy: dict[str, Any] | None) -> None:
    session = new_session(PROMOTED)
    version = session.version
    with pytest.raises(PolicyTightened, match="policy_changed"):
        follow(session, policy if policy is None else STRICT)
    assert session.version == version
    assert session.policy == PROMOTED


def test_a_closed_session_refuses_a_tightening_first_then_its_status() -> None:
    session = new_session()
    session.end(now=LATER)
    with pytest.raises(PolicyTightened):
        follow(session, None)
    with pytest.raises(SessionInactive):
        follow(session, PROMOTED)


def test_sessions_stored_before_and_after_the_event_read_back() -> None:
    """A session stored before ``PolicyUpdated`` existed (Started, EventsReported) still reads
    back, and one that holds the new event reads back under the policy it adopted."""
    mapper: Mapper[UUID] = Mapper(transcoder=MsgpackTranscoder())
    old = new_session()
    old.report_events([ClientEvent("FOCUS_LOST")], now=LATER, rule=RULE)
    records = [mapper.to_stored_event(e) for e in old.collect_events()]
    copy = replay(mapper, records)
    assert (copy.policy, copy.versions) == (STRICT, (1, 2))
    follow(copy, PROMOTED)
    records += [mapper.to_stored_event(e) for e in copy.collect_events()]
    again = replay(mapper, records)
    assert (again.policy, again.versions) == (PROMOTED, (1, 3))
    # The start's policy stays in its Started event (the audit shows both).
    assert records[0].topic.endswith("Started")


def replay(mapper: Mapper[UUID], records: list[Any]) -> PlaybackSession:
    session = None
    for record in records:
        event = mapper.to_domain_event(record)
        assert isinstance(event, PlaybackSession.Event)
        session = event.mutate(session)
    assert isinstance(session, PlaybackSession)
    return session
