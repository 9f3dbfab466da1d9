"""PermissionGrant: one student's playback rule for one video.

Every change bumps the grant's own version, which playback tokens carry: changing one student's
rule invalidates only that student's tokens (the seed bumped the whole video's version).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TypedDict
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from . import ids
from .errors import DomainError
from .policy import GrantRules, Rule, check_max_speed, effective_rule


class PermissionGrant(Aggregate):
    @staticmethod
    def create_id(video_id: int, enrollment_id: int) -> UUID:
        return ids.grant_id(video_id, enrollment_id)

    @event("Created")
    def __init__(self, video_id: int, enrollment_id: int, tenant: str, permission_id: int) -> None:
        self.video_id = video_id
        self.enrollment_id = enrollment_id
        self.tenant = tenant
        self.permission_id = permission_id
        self.active = False
        self.rules = GrantRules()
        self.is_override = False

    class Imported(Aggregate.Created):
        """The grant's history begins in the old app: ``source`` names its row there
        (``video_videopermission:5``); its rule and overrides come along."""

        video_id: int
        enrollment_id: int
        tenant: str
        permission_id: int
        source: str
        rule: str
        allow_skip_override: bool | None
        max_speed_override: float | None
        show_watermark_override: bool | None
        block_seek: bool
        block_speed_control: bool
        is_override: bool

        def apply(self, aggregate: Any) -> None:
            aggregate.active = True
            aggregate.rules = GrantRules(
                rule=Rule(self.rule),
                allow_skip_override=self.allow_skip_override,
                max_speed_override=self.max_speed_override,
                show_watermark_override=self.show_watermark_override,
                block_seek=self.block_seek,
                block_speed_control=self.block_speed_control,
            )
            aggregate.is_override = self.is_override

    @classmethod
    def imported(
        cls,
        *,
        video_id: int,
        enrollment_id: int,
        tenant: str,
        permission_id: int,
        source: str,
        rules: GrantRules,
        is_override: bool,
    ) -> PermissionGrant:
        if rules.max_speed_override is not None:
            check_max_speed(rules.max_speed_override)
        return cls._create(
            cls.Imported,
            id=cls.create_id(video_id, enrollment_id),
            video_id=video_id,
            enrollment_id=enrollment_id,
            tenant=tenant,
            permission_id=permission_id,
            source=source,
            rule=Rule(rules.rule).value,
            allow_skip_override=rules.allow_skip_override,
            max_speed_override=rules.max_speed_override,
            show_watermark_override=rules.show_watermark_override,
            block_seek=rules.block_seek,
            block_speed_control=rules.block_speed_control,
            is_override=is_override,
        )

    def set_rules(self, rules: GrantRules, *, is_override: bool) -> bool:
        """Set the rule and overrides; returns False (and records nothing) if nothing changed."""
        if rules.max_speed_override is not None:
            check_max_speed(rules.max_speed_override)
        if self.active and rules == self.rules and is_override == self.is_override:
            return False
        self._rule_set(
            rule=Rule(rules.rule).value,
            allow_skip_override=rules.allow_skip_override,
            max_speed_override=rules.max_speed_override,
            show_watermark_override=rules.show_watermark_override,
            block_seek=rules.block_seek,
            block_speed_control=rules.block_speed_control,
            is_override=is_override,
        )
        return True

    @event("RuleSet")
    def _rule_set(
        self,
        rule: str,
        allow_skip_override: bool | None,
        max_speed_override: float | None,
        show_watermark_override: bool | None,
        block_seek: bool,
        block_speed_control: bool,
        is_override: bool,
    ) -> None:
        self.active = True
        self.rules = GrantRules(
            rule=Rule(rule),
            allow_skip_override=allow_skip_override,
            max_speed_override=max_speed_override,
            show_watermark_override=show_watermark_override,
            block_seek=block_seek,
            block_speed_control=block_speed_control,
        )
        self.is_override = is_override

    def promote_to_free(self) -> bool:
        """Completion relaxes the rule as ``policy.effective_rule`` says (``once`` → ``free``);
        the grant is then no longer an instructor override."""
        if not self.active or effective_rule(self.rules.rule, completed=True) == self.rules.rule:
            return False
        self._promoted_to_free()
        return True

    @event("PromotedToFree")
    def _promoted_to_free(self) -> None:
        # A stored event means what its name says, whatever the rule decides later.
        self.rules = replace(self.rules, rule=Rule.FREE)
        self.is_override = False

    def remove(self) -> None:
        self.check_active()
        self._removed()

    @event("Removed")
    def _removed(self) -> None:
        self.active = False
        self.rules = GrantRules()
        self.is_override = False

    def check_active(self) -> None:
        if not self.active:
            raise GrantNotFound("not_found")


class GrantNotFound(DomainError):
    pass


class RuleChanges(TypedDict, total=False):
    """Some of a grant's rule fields: those a change names; the others stay as they are."""

    rule: Rule
    allow_skip_override: bool | None
    max_speed_override: float | None
    show_watermark_override: bool | None
    block_seek: bool
    block_speed_control: bool


def changed_rules(grant: PermissionGrant | None, changes: RuleChanges) -> GrantRules:
    """The grant's rules with ``changes`` applied; a student without a grant starts from the
    defaults. Every change of a grant's fields goes through here (a PATCH, a bulk set)."""
    base = grant.rules if grant is not None else GrantRules()
    return replace(base, **changes)
