"""Permission use cases: per-student rules, set one at a time or in bulk, tenant-checked."""

from __future__ import annotations

from academy_video.domain.grant import PermissionGrant, RuleChanges, changed_rules
from academy_video.domain.policy import GrantRules, Rule

from .errors import Invalid
from .grants import Grants
from .ports import Directory, IdAllocator
from .videos import Videos


class PermissionService:
    def __init__(
        self, *, videos: Videos, grants: Grants, directory: Directory, ids: IdAllocator
    ) -> None:
        self.videos = videos
        self.grants = grants
        self.directory = directory
        self.ids = ids

    def create(
        self,
        *,
        tenant: str,
        video_id: int,
        enrollment_id: int,
        rules: GrantRules,
        is_override: bool = False,
    ) -> PermissionGrant:
        """A new grant; ``is_override`` as the client says (default false, as the old model's)."""
        self._check(tenant, video_id, enrollment_id)
        return self.grants.create(
            video_id=video_id,
            enrollment_id=enrollment_id,
            tenant=tenant,
            rules=rules,
            is_override=is_override,
            allocate_id=self._allocate,
        )

    def update(
        self, *, tenant: str, video_id: int, enrollment_id: int, changes: RuleChanges
    ) -> PermissionGrant:
        """Change the fields named in ``changes``; the others keep their values."""
        self._check_video(tenant, video_id)
        return self.grants.change(video_id, enrollment_id, changes)

    def bulk_set(
        self, *, tenant: str, video_id: int, enrollment_ids: list[int], rule: Rule
    ) -> list[PermissionGrant]:
        """Set one rule for many students; each becomes an instructor override.

        Only these students' grants change, so only their playback tokens go stale.
        """
        for enrollment_id in enrollment_ids:
            self._check(tenant, video_id, enrollment_id)
        result = []
        for enrollment_id in dict.fromkeys(enrollment_ids):
            current = self.grants.get(video_id, enrollment_id)
            result.append(
                self.grants.set(
                    video_id=video_id,
                    enrollment_id=enrollment_id,
                    tenant=tenant,
                    rules=changed_rules(current, {"rule": Rule(rule)}),
                    is_override=True,
                    allocate_id=self._allocate,
                )
            )
        return result

    def remove(self, *, tenant: str, video_id: int, enrollment_id: int) -> None:
        self._check_video(tenant, video_id)
        self.grants.remove(video_id, enrollment_id)

    def _allocate(self) -> int:
        return self.ids.next_id("permissions")

    def _check_video(self, tenant: str, video_id: int) -> None:
        self.videos.get(video_id, tenant=tenant)

    def _check(self, tenant: str, video_id: int, enrollment_id: int) -> None:
        video = self.videos.get(video_id, tenant=tenant)
        enrollment = self.directory.enrollment(enrollment_id)
        session = self.directory.session(video.session_id)
        if (
            enrollment is None
            or enrollment.tenant != tenant
            or session is None
            or enrollment.lecture_id != session.lecture_id
        ):
            raise Invalid("unknown_enrollment")
