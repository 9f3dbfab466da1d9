from dataclasses import replace
from typing import Any
from uuid import UUID

import pytest

from academy_video.app.errors import AlreadyExists, Invalid, NotFound
from academy_video.domain.grant import GrantNotFound, PermissionGrant
from academy_video.domain.policy import GrantRules, Rule

from .conftest import ALICE, BOB, CAROL, TENANT, World


def test_a_permission_is_unique_per_video_and_student(world: World) -> None:
    video = world.ready_video()
    grant = world.app.permissions.create(
        tenant=TENANT, video_id=video, enrollment_id=ALICE, rules=GrantRules(rule=Rule.BLOCKED)
    )
    assert grant.permission_id > 0
    assert not grant.is_override  # the old model's default
    with pytest.raises(AlreadyExists):
        world.app.permissions.create(
            tenant=TENANT, video_id=video, enrollment_id=ALICE, rules=GrantRules()
        )


def test_permissions_refuse_other_tenants_and_strangers(world: World) -> None:
    video = world.ready_video()
    with pytest.raises(NotFound):
        world.app.permissions.create(
            tenant="other", video_id=video, enrollment_id=ALICE, rules=GrantRules()
        )
    with pytest.raises(Invalid, match="unknown_enrollment"):
        world.app.permissions.create(
            tenant=TENANT, video_id=video, enrollment_id=999, rules=GrantRules()
        )


def test_bulk_set_changes_only_the_named_students_grant_versions(world: World) -> None:
    video = world.ready_video()
    grants = world.app.grants
    before = {e: grants.version(video, e) for e in (ALICE, BOB, CAROL)}
    policy_version = world.app.videos.get(video).policy_version
    result = world.app.permissions.bulk_set(
        tenant=TENANT, video_id=video, enrollment_ids=[ALICE, BOB, ALICE], rule=Rule.BLOCKED
    )
    assert [g.enrollment_id for g in result] == [ALICE, BOB]
    assert all(g.is_override and g.rules.rule == Rule.BLOCKED for g in result)
    assert grants.version(video, ALICE) > before[ALICE]
    assert grants.version(video, BOB) > before[BOB]
    assert grants.version(video, CAROL) == before[CAROL]
    # Unlike the seed, the video's own policy version is untouched.
    assert world.app.videos.get(video).policy_version == policy_version


def test_bulk_set_keeps_each_students_other_overrides(world: World) -> None:
    video = world.ready_video()
    world.app.permissions.create(
        tenant=TENANT,
        video_id=video,
        enrollment_id=ALICE,
        rules=GrantRules(rule=Rule.FREE, block_seek=True, max_speed_override=1.5),
    )
    (grant,) = world.app.permissions.bulk_set(
        tenant=TENANT, video_id=video, enrollment_ids=[ALICE], rule=Rule.ONCE
    )
    assert grant.rules == GrantRules(rule=Rule.ONCE, block_seek=True, max_speed_override=1.5)


def test_update_and_remove(world: World) -> None:
    video = world.ready_video()
    world.app.permissions.create(
        tenant=TENANT, video_id=video, enrollment_id=ALICE, rules=GrantRules()
    )
    grant = world.app.permissions.update(
        tenant=TENANT, video_id=video, enrollment_id=ALICE, changes={"rule": Rule.FREE}
    )
    assert grant.rules.rule == Rule.FREE
    world.app.permissions.remove(tenant=TENANT, video_id=video, enrollment_id=ALICE)
    assert world.app.grants.get(video, ALICE) is None
    with pytest.raises(GrantNotFound):
        world.app.permissions.update(tenant=TENANT, video_id=video, enrollment_id=ALICE, changes={})
    # After removal a new grant may be created again.
    world.app.permissions.create(
        tenant=TENANT, video_id=video, enrollment_id=ALICE, rules=GrantRules()
    )


def test_update_changes_only_the_fields_it_names(world: World) -> None:
    video = world.ready_video()
    world.app.permissions.create(
        tenant=TENANT,
        video_id=video,
        enrollment_id=ALICE,
        rules=GrantRules(rule=Rule.FREE, block_seek=True, max_speed_override=1.5),
        is_override=True,
    )
    grant = world.app.permissions.update(
        tenant=TENANT,
        video_id=video,
        enrollment_id=ALICE,
        changes={"max_speed_override": None, "block_speed_control": True},
    )
    assert grant.rules == GrantRules(rule=Rule.FREE, block_seek=True, block_speed_control=True)
    assert grant.is_override  # kept: an update does not change it


def test_a_change_merged_during_a_concurrent_write_keeps_both(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process changes the grant between this update's load and its save: the retry
    merges this update's fields onto that change, and neither is lost."""
    video = world.ready_video()
    world.app.permissions.create(
        tenant=TENANT, video_id=video, enrollment_id=ALICE, rules=GrantRules(rule=Rule.FREE)
    )
    grants = world.app.grants
    real_load = grants.load
    raced: list[bool] = []

    def load_then_race(aggregate_id: UUID, cls: type[Any]) -> Any:
        stale = real_load(aggregate_id, cls)
        if not raced:
            raced.append(True)
            theirs = real_load(aggregate_id, PermissionGrant)
            theirs.set_rules(replace(theirs.rules, block_seek=True), is_override=True)
            grants.save(theirs)  # as another process would: not through this one's lock
        return stale

    monkeypatch.setattr(grants, "load", load_then_race)
    grant = world.app.permissions.update(
        tenant=TENANT, video_id=video, enrollment_id=ALICE, changes={"max_speed_override": 1.5}
    )
    assert raced
    assert grant.rules == GrantRules(rule=Rule.FREE, block_seek=True, max_speed_override=1.5)
    saved = world.app.grants.get(video, ALICE)
    assert saved is not None and saved.rules == grant.rules
