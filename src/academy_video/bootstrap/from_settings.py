"""The adapter the settings choose, one function per port (the stored build, and the commands
that need one adapter without the whole container)."""

from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Engine

from academy_video.adapters.aws.ec2 import Ec2WorkerWaker
from academy_video.adapters.media.probe import PROBE_LIMITS, PyAvProbe
from academy_video.adapters.media.transcoder import PyAvTranscoder, TranscodeLimits
from academy_video.adapters.memory.basics import NoopWorkerWaker
from academy_video.adapters.speech.vosk_recogniser import VoskRecogniser
from academy_video.adapters.sql.engine import postgres_engine, sqlite_engine
from academy_video.adapters.sql.ids import PostgresIdAllocator, SQLiteIdAllocator
from academy_video.adapters.storage.local import LocalDiskStorage
from academy_video.adapters.storage.s3 import S3ObjectStorage
from academy_video.app.config import Settings
from academy_video.app.ports import (
    IdAllocator,
    MediaProbe,
    ObjectStorage,
    SpeechLimits,
    SpeechRecogniser,
    Transcoder,
    WorkerWaker,
)


def id_allocator(settings: Settings) -> IdAllocator:
    """Public ids from the same database as the events: a sequence per kind, or a SQLite counter."""
    if settings.database_url:
        return PostgresIdAllocator(settings.database_url)
    return SQLiteIdAllocator(settings.data_dir / "ids.sqlite3")


def read_engine(settings: Settings) -> Engine:
    """Read models in the events' PostgreSQL database, or in ``<data dir>/read.sqlite3``."""
    if settings.database_url:
        return postgres_engine(settings.database_url)
    return sqlite_engine(settings.data_dir / "read.sqlite3")


def reader_engine(engine: Engine) -> Engine:
    """The engine for queries: on SQLite one whose transactions do not take the write lock
    (the writer's BEGIN IMMEDIATE would queue every read behind the writes); PostgreSQL's
    readers never wait for writers, so the same engine serves."""
    if engine.dialect.name != "sqlite":
        return engine
    assert engine.url.database is not None
    return sqlite_engine(Path(engine.url.database), writer=False)


def object_storage(settings: Settings) -> ObjectStorage:
    """S3 when a bucket is set, else the local disk under ``<data dir>/objects``."""
    if settings.s3_bucket:
        return S3ObjectStorage(
            settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url or None,
            region=settings.s3_region or settings.aws_region or None,
        )
    return LocalDiskStorage(
        settings.data_dir / "objects",
        base_url=settings.public_url or "http://127.0.0.1:8000",
        secret=settings.playback_token_secret or secrets.token_urlsafe(32),
        max_bytes=settings.max_upload_bytes,
    )


def media_probe(settings: Settings) -> MediaProbe:
    limits = replace(PROBE_LIMITS, wall_seconds=settings.probe_seconds)
    return PyAvProbe(max_seconds=settings.max_source_seconds, limits=limits)


def transcoder_for(settings: Settings, storage: ObjectStorage) -> Transcoder:
    return PyAvTranscoder(
        storage,
        preset=settings.transcode_preset,
        rate_control=settings.rate_control,
        segment_seconds=settings.hls_segment_seconds,
        encrypt=settings.hls_encrypt,
        max_seconds=settings.max_source_seconds,
        limits=TranscodeLimits(
            memory_bytes=settings.transcode_memory_mb * 1024 * 1024,
            time_factor=settings.transcode_time_factor,
        ),
    )


def speech_recogniser(settings: Settings, storage: ObjectStorage) -> SpeechRecogniser:
    """Vosk with the packaged Korean model (its absence is the reason
    ``recogniser_unavailable``, per track, not a start-up error)."""
    limits = SpeechLimits(
        max_audio_seconds=settings.speech_max_audio_seconds,
        base_seconds=settings.speech_base_seconds,
        time_factor=settings.speech_time_factor,
    )
    return VoskRecogniser(
        storage, limits=limits, memory_bytes=settings.speech_memory_mb * 1024 * 1024
    )


def worker_waker(settings: Settings) -> WorkerWaker:
    if settings.worker_instance_id:
        return Ec2WorkerWaker(settings.worker_instance_id, region=settings.aws_region or None)
    return NoopWorkerWaker()
