"""What every handler is given: the caller (from the bearer token), the use cases, the reads."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.params import PathParameter, QueryParameter, SkipValidation

from academy_video.app.reads import Reads
from academy_video.bootstrap import Container

from .auth import CALLER, Caller, read_bearer
from .schemas import MAX_ID, Problem


def caller_of(request: Request[Any, Any, Any]) -> Caller:
    """The caller a role guard already read, else the bearer's."""
    caller: Caller | None = request.scope["state"].get(CALLER)
    if caller is None:
        return read_bearer(request.headers.get("authorization"), request.app.state.jwt_secret)
    return caller


def _container(state: State) -> Container:
    container: Container = state.container
    return container


def _reads(state: State) -> Reads:
    reads: Reads = state.reads
    return reads


DEPENDENCIES = {
    "caller": Provide(caller_of, sync_to_thread=False),
    "app": Provide(_container, sync_to_thread=False),
    "reads": Provide(_reads, sync_to_thread=False),
}


# Path and query ids: positive, and small enough for a JSON number and a BIGINT.
PathId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]

# Handler parameters the dependencies above fill, marked so (Litestar 3 stops inferring them).
CallerDep = NamedDependency[Caller]
AppDep = NamedDependency[Container]
# A Protocol cannot be checked with isinstance: the value is the one ``_reads`` returns.
ReadsDep = NamedDependency[SkipValidation[Reads]]

# The error answers every API route may give, documented with the contract's body.
ERRORS = {
    status: ResponseSpec(Problem, description=description)
    for status, description in {
        400: "Bad input: `detail` names the first bad field, or the refusal",
        401: "`not_authenticated`: missing, malformed, forged or expired token",
        403: "`forbidden`: this role may not; or a playback denial",
        404: "`not_found`: missing, deleted, or another tenant's",
        409: "The state does not allow it (e.g. `already_exists`, `Invalid status: …`)",
    }.items()
}
