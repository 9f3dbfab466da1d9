import pytest

from academy_video.domain.errors import InvalidValue
from academy_video.domain.grant import GrantNotFound, PermissionGrant
from academy_video.domain.ids import grant_id
from academy_video.domain.policy import GrantRules, Rule


def new_grant() -> PermissionGrant:
    return PermissionGrant(video_id=7, enrollment_id=3, tenant="demo", permission_id=11)


def test_a_grant_is_named_by_video_and_enrollment() -> None:
    assert new_grant().id == grant_id(7, 3) == PermissionGrant.create_id(7, 3)
    assert grant_id(7, 3) != grant_id(3, 7)


def test_setting_rules_activates_the_grant_and_bumps_its_version() -> None:
    grant = new_grant()
    assert not grant.active
    before = grant.version
    assert grant.set_rules(GrantRules(rule=Rule.BLOCKED, block_seek=True), is_override=True)
    assert grant.active
    assert grant.rules.rule == Rule.BLOCKED
    assert grant.rules.block_seek
    assert grant.version == before + 1


def test_setting_the_same_rules_again_changes_nothing() -> None:
    grant = new_grant()
    grant.set_rules(GrantRules(rule=Rule.FREE), is_override=True)
    version = grant.version
    assert not grant.set_rules(GrantRules(rule=Rule.FREE), is_override=True)
    assert grant.version == version


def test_an_override_speed_out_of_range_is_refused() -> None:
    with pytest.raises(InvalidValue):
        new_grant().set_rules(GrantRules(max_speed_override=0), is_override=True)


def test_completion_promotes_once_to_free_and_clears_the_override_flag() -> None:
    grant = new_grant()
    grant.set_rules(GrantRules(rule=Rule.ONCE, block_speed_control=True), is_override=True)
    version = grant.version
    assert grant.promote_to_free()
    assert grant.rules == GrantRules(rule=Rule.FREE, block_speed_control=True)
    assert grant.is_override is False
    assert grant.version == version + 1


@pytest.mark.parametrize("rule", [Rule.FREE, Rule.BLOCKED])
def test_only_once_is_promoted(rule: Rule) -> None:
    grant = new_grant()
    grant.set_rules(GrantRules(rule=rule), is_override=True)
    assert not grant.promote_to_free()
    assert grant.rules.rule == rule


def test_a_removed_grant_is_inactive_can_be_set_again_and_never_reuses_a_version() -> None:
    grant = new_grant()
    grant.set_rules(GrantRules(rule=Rule.BLOCKED), is_override=True)
    grant.remove()
    assert not grant.active
    assert not grant.promote_to_free()
    with pytest.raises(GrantNotFound):
        grant.remove()
    removed_at = grant.version
    grant.set_rules(GrantRules(rule=Rule.BLOCKED), is_override=True)
    assert grant.active
    assert grant.version == removed_at + 1
