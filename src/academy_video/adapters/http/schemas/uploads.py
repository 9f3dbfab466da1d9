"""Uploads: a single presigned PUT or a multipart upload. The multipart endpoints are this
service's own (the old app had none): their inputs refuse unknown fields (``StrictInput``)."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from .common import Id, Input, Speed, StrictInput
from .videos import VideoOut


class UploadInitIn(Input):
    # Optional here so that a missing one gets the contract's single message.
    session: Id | None = None
    title: Annotated[str, Meta(max_length=255)] | None = None
    filename: Annotated[str, Meta(max_length=255)] | None = None
    content_type: Annotated[str, Meta(max_length=100)] | None = None
    allow_skip: bool = False
    max_speed: Speed = 1.0
    show_watermark: bool = True


class UploadInitOut(Struct):
    video: VideoOut
    upload_url: str
    file_key: str
    content_type: str


class MultipartIn(StrictInput):
    size: Annotated[int, Meta(ge=1, le=2**50)]
    content_type: Annotated[str, Meta(max_length=100)] = "video/mp4"


class PartUrl(Struct):
    part_number: int
    url: str


class MultipartOut(Struct):
    upload_id: str
    file_key: str
    part_size: int
    parts: list[PartUrl]


class PartIn(StrictInput):
    part_number: Annotated[int, Meta(ge=1, le=10_000)]
    etag: Annotated[str, Meta(min_length=1, max_length=100)]


class MultipartCompleteIn(StrictInput):
    upload_id: Annotated[str, Meta(min_length=1, max_length=1024)]
    parts: Annotated[list[PartIn], Meta(min_length=1, max_length=10_000)]


class MultipartCompleteOut(Struct):
    file_key: str
    size: int


class MultipartAbortIn(StrictInput):
    upload_id: Annotated[str, Meta(min_length=1, max_length=1024)]


class RetryOut(Struct):
    """The old app's answer to a retry (its ``detail``), with the video as it now stands."""

    detail: str
    video: VideoOut
