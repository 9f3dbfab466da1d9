"""No secret reaches a log line: the rule of ``adapters/redaction.py`` (``logs.configure`` applying
it to every line: tests/unit/adapters/test_logs.py)."""

from __future__ import annotations

import pytest

from academy_video.adapters.cdn.signing import HmacUrlSigner
from academy_video.adapters.http.auth import mint
from academy_video.adapters.redaction import REDACTED, Redactor
from academy_video.app.tokens import TokenCodec
from tests.unit.app.test_config_and_tokens import CLAIMS

SIG = "Zm9vYmFyYmF6cXV4cXV1eF9zaWduYXR1cmVfdmFsdWU"
AMZ_SIG = "5f1d2c3b4a5968778695a4b3c2d1e0f0a1b2c3d4e5f60718293a4b5c6d7e8f90"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEJr%2F%2F%2F%2F%2F%2F%2F%2F%2F%2FwEaCXVzLWVhc3QtMSJHMEUCIQ"
PRESIGNED = (
    "http://127.0.0.1:9000/bucket/uploads/demo/7/source.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_request"
    f"&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
    f"&X-Amz-Security-Token={SESSION_TOKEN}&X-Amz-Signature={AMZ_SIG}"
)
OLD_PRESIGNED = (
    "https://bucket.s3.amazonaws.com/key?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE"
    "&Signature=abcDEF%2Bghi%3D&Expires=1700000000"
)
JWT = mint("a-jwt-secret-of-at-least-32-bytes!!", role="student", tenant="demo", user_id=1001)
PLAYBACK = TokenCodec("p").encode(CLAIMS)
MEDIA = HmacUrlSigner(base_url="https://cdn.invalid", secret="cdn").sign(
    "/hls/demo/videos/7/master.m3u8", expires_at=2_000_000_000, user_id=1001
)
MEDIA_SIG = MEDIA.split("sig=")[1].split("&")[0]
redact = Redactor()  # the patterns alone

# Each line, and the secrets it must lose.
LEAKS = [
    (f"probe: unreadable source (Invalid data: '{PRESIGNED}')", [AMZ_SIG, SESSION_TOKEN, "AKIA"]),
    (f"GET {OLD_PRESIGNED} failed", ["abcDEF", "AKIAIOSFODNN7EXAMPLE"]),
    (f"play_url={MEDIA}", [MEDIA_SIG]),
    (f"upload to http://h/media/objects/k?exp=1&sig={SIG}", [SIG]),
    (f"next={MEDIA.replace('&', '%26').replace('=', '%3D')}", [MEDIA_SIG]),
    (f"headers: {{'Authorization': 'Bearer {JWT}'}}", [JWT]),
    (f"Authorization: Bearer {JWT}", [JWT]),
    (f"[(b'authorization', b'Bearer {JWT}')]", [JWT]),
    (f"token {JWT} refused", [JWT]),
    (f"bearer {SIG}", [SIG]),
    (f"playback token {PLAYBACK} expired", [PLAYBACK.split(".")[0], PLAYBACK.split(".")[1]]),
    (f"/api/v1/videos/{PLAYBACK}", [PLAYBACK.split(".")[1]]),
    ("X-Worker-Token: worker-secret-1", ["worker-secret-1"]),
    ("{'x-worker-token': 'worker-secret-1'}", ["worker-secret-1"]),
    ('{\\"x-worker-token\\": \\"worker-secret-1\\"}', ["worker-secret-1"]),
    ("X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240101", ["AKIAIOSFODNN7EXAMPLE"]),
    (f"x-amz-security-token: {SESSION_TOKEN}", [SESSION_TOKEN]),
    (
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/s3/"
        f"aws4_request, SignedHeaders=host, Signature={AMZ_SIG}",
        [AMZ_SIG, "AKIAIOSFODNN7EXAMPLE"],
    ),
]


@pytest.mark.parametrize(("line", "secrets"), LEAKS)
def test_a_secret_is_taken_out(line: str, secrets: list[str]) -> None:
    redacted = redact(line)
    assert REDACTED in redacted
    for secret in secrets:
        assert secret not in redacted


def test_the_parameter_names_stay_to_say_what_was_there() -> None:
    redacted = redact(PRESIGNED)
    assert f"X-Amz-Signature={REDACTED}" in redacted
    assert f"X-Amz-Security-Token={REDACTED}&" in redacted
    assert "X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600" in redacted  # not secrets
    assert redacted.startswith("http://127.0.0.1:9000/bucket/uploads/demo/7/source.mp4?")
    assert redact(MEDIA).endswith(f"sig={REDACTED}&kid=v1&uid=1001")


@pytest.mark.parametrize(
    "line",
    [
        "GET /api/v1/playback/heartbeat/ 200 1.2 ms",
        "POST /internal/video-worker/7/heartbeat/ 200 3.0 ms",
        "worker: video 7 failed: invalid_signature",
        "the design of signals and tokens",
        "an eyJ that is no token",
        "",
    ],
)
def test_a_line_without_secrets_is_left_as_it_is(line: str) -> None:
    assert redact(line) == line


def test_configured_secrets_are_taken_out_wherever_they_appear() -> None:
    redactor = Redactor(["worker-token-value", "", "short", "worker-token-value-longer"])
    assert redactor("a worker-token-value-longer b worker-token-value c short") == (
        f"a {REDACTED} b {REDACTED} c short"  # empty and short values are not secrets
    )
