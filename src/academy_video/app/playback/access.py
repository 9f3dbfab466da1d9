"""Who may play a video: one answer for starting playback and for a student's list of a
session's videos (``can_play`` and ``reason``).

The student plays as one of their ACTIVE enrollments in the video's lecture, as the directory
has them (``Directory.active_enrollments``): start names which (one that is not theirs, not
ACTIVE or of another lecture is refused), the list takes the lowest that has access to the
session (the one the student's sessions list hands the player), else the lowest. Then
``access_denial`` (domain/policy.py) gives the first reason in the seed's order, with the
video's readiness from ``Video.check_playable`` and the rule of the student's grant. The two
answers differ only in how "not enrolled" is spelled, as the contract has it:
``enrollment_mismatch`` for start, ``not_enrolled`` in the list."""

from __future__ import annotations

from dataclasses import dataclass

from academy_video.domain.grant import PermissionGrant
from academy_video.domain.policy import access_denial
from academy_video.domain.video import NotReady, Video, VideoDeleted

from ..errors import Denied
from ..grants import Grants
from ..ports import Directory


@dataclass(frozen=True)
class Standing:
    """A student's standing in one lecture session."""

    enrollment_id: int | None  # the enrollment they play as; None: not enrolled
    session_access: bool


@dataclass(frozen=True)
class StudentVideos:
    """The list's answer: the enrollment the student plays as, and per video why not (None:
    it plays)."""

    enrollment_id: int | None
    denials: dict[int, str | None]


class PlaybackAccess:
    def __init__(self, directory: Directory, grants: Grants) -> None:
        self.directory = directory
        self.grants = grants

    def check_start(
        self, video: Video, *, tenant: str, user_id: int, enrollment_id: int
    ) -> PermissionGrant | None:
        """Raise ``Denied`` with the first reason the student may not start the video as
        ``enrollment_id``; else the grant the session plays under (None: the ``free`` rule)."""
        standing = self.standing(
            tenant=tenant, user_id=user_id, session_id=video.session_id, chosen=enrollment_id
        )
        grant = self.grants.get(video.video_id, enrollment_id)
        denial = _denial(standing, _playable(video), grant, not_enrolled="enrollment_mismatch")
        if denial:
            raise Denied(denial)
        return grant

    def student_videos(
        self, *, tenant: str, user_id: int, session_id: int, ready_videos: list[int]
    ) -> StudentVideos:
        """Why the student may not play each of the session's READY videos (None: they may)."""
        standing = self.standing(tenant=tenant, user_id=user_id, session_id=session_id)
        enrollment = standing.enrollment_id
        denials = {
            video_id: _denial(
                standing,
                True,
                # A grant decides only once enrollment and access allow: none is read otherwise.
                self.grants.get(video_id, enrollment)
                if enrollment is not None and standing.session_access
                else None,
                not_enrolled="not_enrolled",
            )
            for video_id in ready_videos
        }
        return StudentVideos(enrollment, denials)

    def standing(
        self, *, tenant: str, user_id: int, session_id: int, chosen: int | None = None
    ) -> Standing:
        """Which of the student's ACTIVE enrollments in the session's lecture they play as, and
        whether it has access to the session: ``chosen`` if it is one of them; without it, the
        lowest with access (the one the student's sessions list offers), else the lowest."""
        session = self.directory.session(session_id)
        enrolled = (
            []
            if session is None
            else self.directory.active_enrollments(tenant, user_id, session.lecture_id)
        )
        if chosen is not None:
            enrolled = [chosen] if chosen in enrolled else []
        for enrollment in enrolled:
            if self.directory.has_session_access(session_id, enrollment):
                return Standing(enrollment, True)
        return Standing(enrolled[0] if enrolled else None, False)


def _denial(
    standing: Standing, ready: bool, grant: PermissionGrant | None, *, not_enrolled: str
) -> str | None:
    return access_denial(
        enrolled=standing.enrollment_id is not None,
        session_access=standing.session_access,
        ready=ready,
        rule=None if grant is None else grant.rules.rule,
        not_enrolled=not_enrolled,
    )


def _playable(video: Video) -> bool:
    """``Video.check_playable`` as a flag: ``access_denial`` orders it among the other reasons."""
    try:
        video.check_playable()
    except (NotReady, VideoDeleted):
        return False
    return True
