"""Per-student playback rules (admin/staff): CRUD and bulk_set. Any change stales only the
affected students' playback tokens (their grant version moves)."""

from __future__ import annotations

from typing import Any, cast

from litestar import HttpMethod, Router, delete, get, post, route
from litestar.params import JSONBody
from msgspec import UNSET, structs

from academy_video.app.errors import Invalid, NotFound
from academy_video.app.reads import Reads, Row
from academy_video.domain.grant import RuleChanges
from academy_video.domain.policy import GrantRules, Rule

from ..auth import STAFF, Caller, requires
from ..deps import ERRORS, AppDep, CallerDep, PathId, QueryId, ReadsDep
from ..schemas import BulkSetIn, PermissionFields, PermissionIn, PermissionOut
from ..views import permission_out


@get("/video-permissions", sync_to_thread=True, responses=ERRORS)
def list_permissions(
    caller: CallerDep, reads: ReadsDep, video: QueryId = None, enrollment: QueryId = None
) -> list[PermissionOut]:
    rows = reads.permissions(caller.tenant, video_id=video, enrollment_id=enrollment)
    return [permission_out(row) for row in rows]


@post("/video-permissions", sync_to_thread=True, responses=ERRORS)
def create_permission(
    caller: CallerDep, app: AppDep, reads: ReadsDep, data: JSONBody[PermissionIn]
) -> PermissionOut:
    """201; a second permission for the same video and student is 409 ``already_exists``."""
    grant = app.permissions.create(
        tenant=caller.tenant,
        video_id=data.video,
        enrollment_id=data.enrollment,
        rules=GrantRules(**_changes(data)),
        is_override=data.is_override,
    )
    return _permission(caller, reads, grant.permission_id)


@get("/video-permissions/{permission_id:int}", sync_to_thread=True, responses=ERRORS)
def permission_detail(caller: CallerDep, reads: ReadsDep, permission_id: PathId) -> PermissionOut:
    return _permission(caller, reads, permission_id)


@route(
    "/video-permissions/{permission_id:int}",
    http_method=[HttpMethod.PATCH, HttpMethod.PUT],
    sync_to_thread=True,
    responses=ERRORS,
)
def change_permission(
    caller: CallerDep,
    app: AppDep,
    reads: ReadsDep,
    permission_id: PathId,
    data: JSONBody[PermissionFields],
) -> PermissionOut:
    """Only the fields given change, on a PUT too: the seed's serializer kept what a PUT left
    out, and its clients send only what they change."""
    row = _row(caller, reads, permission_id)
    video_id, enrollment_id = row["video_id"], row["enrollment_id"]
    if data.video not in (UNSET, video_id) or data.enrollment not in (UNSET, enrollment_id):
        raise Invalid("immutable_fields", "video and enrollment cannot change")
    app.permissions.update(
        tenant=caller.tenant,
        video_id=video_id,
        enrollment_id=enrollment_id,
        changes=_changes(data),
    )
    return _permission(caller, reads, permission_id)


@delete("/video-permissions/{permission_id:int}", sync_to_thread=True, responses=ERRORS)
def delete_permission(
    caller: CallerDep, app: AppDep, reads: ReadsDep, permission_id: PathId
) -> None:
    row = _row(caller, reads, permission_id)
    app.permissions.remove(
        tenant=caller.tenant, video_id=row["video_id"], enrollment_id=row["enrollment_id"]
    )


@post("/video-permissions/bulk_set", sync_to_thread=True, responses=ERRORS, status_code=200)
def bulk_set(
    caller: CallerDep, app: AppDep, reads: ReadsDep, data: JSONBody[BulkSetIn]
) -> list[PermissionOut]:
    """One rule for many students, each as an instructor override."""
    grants = app.permissions.bulk_set(
        tenant=caller.tenant,
        video_id=data.video_id,
        enrollment_ids=list(data.enrollments),
        rule=Rule(data.rule),
    )
    return [_permission(caller, reads, grant.permission_id) for grant in grants]


def _changes(data: PermissionFields | PermissionIn) -> RuleChanges:
    """The rule fields the body gives (``is_override``, ``video`` and ``enrollment`` are not)."""
    given: dict[str, Any] = {
        name: value
        for name, value in structs.asdict(data).items()
        if name in RuleChanges.__optional_keys__ and value is not UNSET
    }
    if "rule" in given:
        given["rule"] = Rule(given["rule"])
    return cast(RuleChanges, given)


def _row(caller: Caller, reads: Reads, permission_id: int) -> Row:
    row = reads.permission(caller.tenant, permission_id)
    if row is None:
        raise NotFound()
    return row


def _permission(caller: Caller, reads: Reads, permission_id: int) -> PermissionOut:
    return permission_out(_row(caller, reads, permission_id))


router = Router(
    "/",
    route_handlers=[
        list_permissions,
        create_permission,
        permission_detail,
        change_permission,
        delete_permission,
        bulk_set,
    ],
    tags=["permissions"],
    guards=[requires(*STAFF)],
)
