"""Grants: the PermissionGrant aggregates' application (per-student playback rules)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from eventsourcing.persistence import IntegrityError

from academy_video.domain.grant import PermissionGrant, RuleChanges, changed_rules
from academy_video.domain.policy import GrantRules

from .applications import EventSourcedApp
from .errors import AlreadyExists, ConcurrencyConflict

T = TypeVar("T")


class Grants(EventSourcedApp):
    def get(self, video_id: int, enrollment_id: int) -> PermissionGrant | None:
        """The student's active grant, or None (no grant means the ``free`` rule)."""
        grant = self.find(PermissionGrant.create_id(video_id, enrollment_id), PermissionGrant)
        return grant if grant is not None and grant.active else None

    def version(self, video_id: int, enrollment_id: int) -> int:
        """The grant's version as carried by playback tokens (0 when it never existed)."""
        grant = self.find(PermissionGrant.create_id(video_id, enrollment_id), PermissionGrant)
        return 0 if grant is None else grant.version

    def create(
        self,
        *,
        video_id: int,
        enrollment_id: int,
        tenant: str,
        rules: GrantRules,
        is_override: bool,
        allocate_id: Callable[[], int],
    ) -> PermissionGrant:
        """A new grant; AlreadyExists if the student already has one for this video."""
        return self._put(video_id, enrollment_id, tenant, rules, is_override, allocate_id, True)

    def set(
        self,
        *,
        video_id: int,
        enrollment_id: int,
        tenant: str,
        rules: GrantRules,
        is_override: bool,
        allocate_id: Callable[[], int],
    ) -> PermissionGrant:
        """Create or replace the student's grant (bulk set)."""
        return self._put(video_id, enrollment_id, tenant, rules, is_override, allocate_id, False)

    def change(self, video_id: int, enrollment_id: int, changes: RuleChanges) -> PermissionGrant:
        """Change the fields named in ``changes`` of an existing grant (it keeps whether it is an
        instructor override). Merged onto the grant as saved: a retry after a concurrent change
        merges again, so neither change is lost."""

        def command(grant: PermissionGrant) -> PermissionGrant:
            grant.check_active()
            grant.set_rules(changed_rules(grant, changes), is_override=grant.is_override)
            return grant

        return self._do(video_id, enrollment_id, command)

    def promote_to_free(self, video_id: int, enrollment_id: int) -> bool:
        if self.get(video_id, enrollment_id) is None:
            return False
        return self._do(video_id, enrollment_id, PermissionGrant.promote_to_free)

    def remove(self, video_id: int, enrollment_id: int) -> None:
        self._do(video_id, enrollment_id, PermissionGrant.remove)

    def _do(self, video_id: int, enrollment_id: int, command: Callable[[PermissionGrant], T]) -> T:
        aggregate_id = PermissionGrant.create_id(video_id, enrollment_id)
        return self.apply(aggregate_id, PermissionGrant, command)

    def _put(
        self,
        video_id: int,
        enrollment_id: int,
        tenant: str,
        rules: GrantRules,
        is_override: bool,
        allocate_id: Callable[[], int],
        must_be_new: bool,
    ) -> PermissionGrant:
        aggregate_id = PermissionGrant.create_id(video_id, enrollment_id)
        for _ in range(2):
            grant = self.find(aggregate_id, PermissionGrant)
            if grant is None:
                grant = PermissionGrant(
                    video_id=video_id,
                    enrollment_id=enrollment_id,
                    tenant=tenant,
                    permission_id=allocate_id(),
                )
            elif must_be_new and grant.active:
                raise AlreadyExists()
            grant.set_rules(rules, is_override=is_override)
            try:
                self.save(grant)
            except IntegrityError:
                continue  # Created or changed concurrently: look again.
            return grant
        raise AlreadyExists() if must_be_new else ConcurrencyConflict()
