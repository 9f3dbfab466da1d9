import pytest

from academy_video.app.errors import AlreadyExists, Invalid, NotFound
from academy_video.domain.grant import GrantNotFound
from academy_video.domain.policy import GrantRules, Rule

from .conftest import ALICE, BOB, CAROL, TENANT, World


def test_a_permission_is_unique_per_video_and_student(world: World) -> None:
    video = world.ready_video()
    grant = world.app.permissions.create(
        tenant=TENANT, video_id=video, enrollment_id=ALICE, rules=GrantRules(rule=Rule.BLOCKED)
    )
    assert grant.permission_id > 0
    assert grant.is_override
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
    )
    grant = world.app.permissions.update(
        tenant=TENANT,
        video_id=video,
        enrollment_id=ALICE,
        changes={"max_speed_override": None, "block_speed_control": True},
    )
    assert grant.rules == GrantRules(rule=Rule.FREE, block_seek=True, block_speed_control=True)
    assert grant.is_override
