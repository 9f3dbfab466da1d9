"""Settings: every ``ACADEMY_VIDEO_*`` variable, parsed once (see docs/configuration.md)."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from academy_video.domain.progress import DEFAULT_COMPLETION_THRESHOLD
from academy_video.domain.webhook_retention import DEFAULT_KEEP_DAYS, KeepTooShort, check_keep_days

PREFIX = "ACADEMY_VIDEO_"
# The transcoder's rate controls (adapters/media/ladder.py applies them), the default first.
RATE_CONTROLS = ("quality", "fixed")


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("./var")
    database_url: str = ""
    cipher_key: str = ""  # base64 AES key: encrypts stored event payloads (student data at rest)
    # HMAC key of the audit chain that seals the event log (docs/audit.md); empty: not sealed.
    audit_key: str = ""
    redis_url: str = ""
    # The URL names a node of a Redis Cluster (its slot map is read from there), not one Redis.
    redis_cluster: bool = False
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = ""
    # Where clients reach this service (its signed upload/media URLs on the embedded default);
    # empty: http://<host>:<port> that serve listens on.
    public_url: str = ""
    max_upload_bytes: int = 20 * 1024**3
    upload_ttl_hours: int = 24
    worker_instance_id: str = ""  # EC2 instance started when there is work (empty: none)
    aws_region: str = ""
    jwt_secret: str = ""
    worker_token: str = ""
    playback_token_secret: str = ""
    playback_ttl_seconds: int = 600
    # Lifetime of media URLs (play_url, media_query, the URLs in playlists): what a revoked
    # session keeps of its media; the player refreshes before it ends. At most the token's TTL.
    media_url_seconds: int = 120
    max_sessions: int = 9999
    max_devices: int = 9999
    event_batch_max: int = 200
    # What a student may send (domain/event_budget.py; 0: no limit): each event's payload as
    # its JSON is stored, events in any minute and any day (all the student's sessions
    # together), events in one session's whole life.
    event_payload_max_bytes: int = 2048
    event_rate_per_minute: int = 1200
    event_session_max: int = 10_000
    event_student_day_max: int = 20_000
    violation_revoke_threshold: int = 3
    violation_revoke_ratio: float = 0.5
    worker_lease_seconds: int = 60
    max_attempts: int = 3
    # Share watched that completes a video; also where achievement's ``completed`` band starts.
    completion_threshold: float = DEFAULT_COMPLETION_THRESHOLD
    progress_grace_seconds: float = 2.0
    progress_flush_seconds: float = 5.0  # heartbeats written together this often (0: at once)
    start_rate_per_minute: int = 30  # playback starts a user may make per minute (0: no limit)
    log_format: str = "json"  # `serve`'s log lines: "json" (one object per line) or "text"
    cdn_base_url: str = ""
    cdn_signing_secret: str = ""
    cdn_signing_key_id: str = "v1"
    embedded_worker: bool = True
    # AES-128 packaging with a fresh key per video: revocation and rule changes then bite at the
    # key endpoint, not only when media URLs lapse.
    hls_encrypt: bool = True
    transcode_preset: str = "veryfast"  # x264 preset
    # How each rung spends bits (docs/encoding.md): "quality" (capped constant quality) or
    # "fixed" (the bits-per-pixel average bitrate whatever the picture, as before issue 23).
    rate_control: str = "quality"
    hls_segment_seconds: int = 4
    # Media is decoded in a sandboxed child (docs/security.md): the longest source accepted, a
    # probe's wall time, and a transcode's memory and wall time per second of video.
    max_source_seconds: int = 8 * 3600
    probe_seconds: float = 60.0
    transcode_memory_mb: int = 4096
    transcode_time_factor: float = 3.0
    # Auto-captions (docs/captions.md): serve runs a caption worker beside the transcoding
    # worker; each transcription's limits (the recogniser's sandboxed child); a worker holds a
    # track this long between heartbeats, and one whose workers died this many times is FAILED.
    embedded_captions: bool = True
    speech_max_audio_seconds: float = 4 * 3600
    speech_base_seconds: float = 120.0
    speech_time_factor: float = 1.5
    speech_memory_mb: int = 3072
    caption_lease_seconds: int = 120
    caption_max_attempts: int = 3
    # A language tag (e.g. "ko"): every video's first READY queues auto-captions in it ("": off).
    auto_captions_after_transcode: str = ""
    # Webhooks (docs/webhooks.md): delivered by serve's own process unless this is off (then by
    # `academy-video webhooks deliver` processes); `http://` targets only when allowed; the
    # addresses otherwise refused (private, loopback, link-local, metadata, …) that the
    # operator allows: comma-separated networks and host names.
    embedded_webhooks: bool = True
    webhook_allow_http: bool = False
    webhook_allow_list: str = ""
    webhook_concurrency: int = 16  # a delivery process's attempts in flight at once
    webhook_per_host: int = 4  # of which at most this many to one target host
    webhook_connect_seconds: float = 5.0
    webhook_total_seconds: float = 15.0  # one attempt, from connecting to the answer read
    # How long a delivery process holds what it leased: one that dies leaves its deliveries to
    # the others after this.
    webhook_lease_seconds: float = 60.0
    # Days of webhook history kept (messages, finished deliveries and their attempts; the feed
    # and replays reach this far back): more than the 31-day replay window.
    webhook_keep_days: int = DEFAULT_KEEP_DAYS

    def __post_init__(self) -> None:
        if self.rate_control not in RATE_CONTROLS:
            raise ValueError(f"{PREFIX}RATE_CONTROL: must be one of {', '.join(RATE_CONTROLS)}")
        for name in (
            "event_payload_max_bytes",
            "event_rate_per_minute",
            "event_session_max",
            "event_student_day_max",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{PREFIX}{name.upper()}: must be 0 (no limit) or more")
        for name in (
            "speech_max_audio_seconds",
            "speech_base_seconds",
            "speech_time_factor",
            "speech_memory_mb",
            "caption_lease_seconds",
            "caption_max_attempts",
            "webhook_concurrency",
            "webhook_per_host",
            "webhook_connect_seconds",
            "webhook_total_seconds",
        ):
            if not getattr(self, name) > 0:
                raise ValueError(f"{PREFIX}{name.upper()}: must be more than 0")
        if self.webhook_lease_seconds <= 2 * self.webhook_total_seconds:
            # A delivery is sent only while its lease has a whole attempt left.
            raise ValueError(
                f"{PREFIX}WEBHOOK_LEASE_SECONDS: must be more than twice "
                f"{PREFIX}WEBHOOK_TOTAL_SECONDS ({2 * self.webhook_total_seconds:g} s)"
            )
        try:
            check_keep_days(self.webhook_keep_days)
        except KeepTooShort as refused:
            raise ValueError(f"{PREFIX}WEBHOOK_KEEP_DAYS: {refused}") from None
        for name in ("event_rate_per_minute", "event_student_day_max"):
            if 0 < getattr(self, name) < self.event_batch_max:
                # A full batch would never fit: a player would wait for ever.
                raise ValueError(
                    f"{PREFIX}{name.upper()}: must be 0 (no limit) or at least "
                    f"{PREFIX}EVENT_BATCH_MAX ({self.event_batch_max})"
                )

    def with_local_secrets(self) -> Settings:
        """Fill an unset JWT, playback-token or (when the service serves its own media) media
        signing secret, and on the embedded default the audit key, from
        ``<data dir>/secrets.json``, created on first use (mode 600), so the embedded default
        runs with nothing configured and ``academy-video token`` mints tokens the local service
        accepts. Set them in production. The audit key is never made up for PostgreSQL: every
        process there must seal with the same key, which a per-host file cannot promise."""
        serves_media = not self.s3_bucket  # the embedded default checks its own media URLs
        seals_locally = not self.database_url
        if (
            self.jwt_secret
            and self.playback_token_secret
            and (self.cdn_signing_secret or not serves_media)
            and (self.audit_key or not seals_locally)
        ):
            return self
        path = self.data_dir / "secrets.json"
        stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        names = {"jwt_secret", "playback_token_secret", "cdn_signing_secret", "audit_key"}
        if not names <= stored.keys():
            stored = {name: secrets.token_urlsafe(32) for name in names} | stored
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as file:
                json.dump(stored, file)
        return replace(
            self,
            jwt_secret=self.jwt_secret or stored["jwt_secret"],
            playback_token_secret=self.playback_token_secret or stored["playback_token_secret"],
            cdn_signing_secret=self.cdn_signing_secret
            or (stored["cdn_signing_secret"] if serves_media else ""),
            audit_key=self.audit_key or (stored["audit_key"] if seals_locally else ""),
        )

    def secret_values(self) -> tuple[str, ...]:
        """The configured secrets (empty ones included), which no log line may show."""
        return (
            self.jwt_secret,
            self.worker_token,
            self.playback_token_secret,
            self.cdn_signing_secret,
            self.audit_key,
            self.cipher_key,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ``ACADEMY_VIDEO_<FIELD>``; a value that does not parse is a startup error."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f.name, raw, type(getattr(cls(), f.name)))
        return cls(**values)


def _parse(name: str, raw: str, kind: type) -> Any:
    try:
        if kind is bool:
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        return kind(raw)
    except ValueError:
        raise ValueError(
            f"{PREFIX}{name.upper()}: cannot read {raw!r} as {kind.__name__}"
        ) from None
