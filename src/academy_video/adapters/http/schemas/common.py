"""What every body shares: id and text bounds, the rule and status names, unknown fields ignored
(the old app's bodies) or refused (the directory's), NUL characters refused, the error body and
the plain acknowledgements."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

MAX_ID = 2**53  # ids fit a JSON number and a BIGINT
Id = Annotated[int, Meta(ge=1, le=MAX_ID)]
Title = Annotated[str, Meta(min_length=1, max_length=255)]
Text = Annotated[str, Meta(max_length=255)]
Short = Annotated[str, Meta(max_length=32)]
Speed = Annotated[float, Meta(gt=0, le=16)]
RuleName = Literal["free", "once", "blocked"]
Status = Literal["PENDING", "UPLOADED", "PROCESSING", "READY", "FAILED"]


class Input(Struct):
    """A request body of the old app's resources. Fields it does not declare are ignored, as
    DRF's serializers did: the old clients send a whole object back (``id``, ``created_at``,
    ``student_name``, ``status``, …) and read-only or unknown fields must neither fail the call
    nor change anything. A declared field of the wrong type is still a 400 naming it, and the
    body limit (``MAX_BODY_BYTES``) bounds what is skipped."""

    def __post_init__(self) -> None:
        # NUL is no character of any valid text and PostgreSQL refuses it: a 400 now, rather
        # than an event stored that its read model can never hold.
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if isinstance(value, str) and "\x00" in value:
                raise ValueError(f"{name}: NUL characters are not allowed")


class StrictInput(Input, forbid_unknown_fields=True):
    """A body of this service's own APIs (the directory sync): an unknown field is a 400, so a
    typo (``parent_phne``) or a field it will not take (``tenant``) is not silently dropped."""


class Health(Struct):
    status: str
    version: str
    event_store: str
    projections_behind: int


class Problem(Struct):
    """Every error: ``{"detail": "<code or message>"}`` (see the contract's error strings)."""

    detail: str


class Ok(Struct):
    ok: bool = True


class Stored(Struct):
    stored: int
