import re
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from academy_video.app.config import Settings
from academy_video.app.errors import Denied
from academy_video.app.tokens import PlaybackClaims, TokenCodec

CLAIMS = PlaybackClaims(
    tenant="demo",
    user_id=1,
    video_id=2,
    enrollment_id=3,
    session_id="s",
    policy_version=1,
    grant_version=4,
    expires_at=2000,
)


def test_settings_read_the_prefixed_environment_and_keep_defaults_for_empty_values() -> None:
    settings = Settings.from_env(
        {
            "ACADEMY_VIDEO_MAX_SESSIONS": "2",
            "ACADEMY_VIDEO_VIOLATION_REVOKE_RATIO": "0.25",
            "ACADEMY_VIDEO_EMBEDDED_WORKER": "off",
            "ACADEMY_VIDEO_DATA_DIR": "/tmp/av",
            "ACADEMY_VIDEO_CDN_SIGNING_KEY_ID": "",
        }
    )
    assert settings.max_sessions == 2
    assert settings.violation_revoke_ratio == 0.25
    assert settings.embedded_worker is False
    assert settings.data_dir == Path("/tmp/av")
    assert settings.cdn_signing_key_id == "v1"
    assert settings.playback_ttl_seconds == 600


@pytest.mark.parametrize(
    ("name", "value"), [("MAX_ATTEMPTS", "three"), ("EMBEDDED_WORKER", "maybe")]
)
def test_a_value_that_does_not_parse_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"ACADEMY_VIDEO_{name}"):
        Settings.from_env({f"ACADEMY_VIDEO_{name}": value})


def test_a_token_round_trips_for_its_user_before_expiry() -> None:
    codec = TokenCodec("k")
    assert codec.decode(codec.encode(CLAIMS), tenant="demo", user_id=1, now=1999) == CLAIMS


@pytest.mark.parametrize(
    ("mangle", "tenant", "user", "now", "reason"),
    [
        (lambda t: t, "demo", 1, 2000, "token_expired"),
        (lambda t: t, "demo", 2, 1000, "invalid_token"),
        # User ids are each tenant's own: user 1 of another tenant is another student.
        (lambda t: t, "other", 1, 1000, "invalid_token"),
        (lambda t: "", "demo", 1, 1000, "token_required"),
        (lambda t: t.split(".")[0], "demo", 1, 1000, "invalid_token"),
        (lambda t: "e30" + t[3:], "demo", 1, 1000, "invalid_token"),
        (lambda t: TokenCodec("other").encode(CLAIMS), "demo", 1, 1000, "invalid_token"),
    ],
    ids=[
        "expired",
        "other user",
        "other tenant",
        "empty",
        "unsigned",
        "edited payload",
        "other key",
    ],
)
def test_bad_tokens_are_denied_with_the_contracts_reason(mangle, tenant, user, now, reason) -> None:  # type: ignore[no-untyped-def]
    codec = TokenCodec("k")
    with pytest.raises(Denied, match=reason):
        codec.decode(mangle(codec.encode(CLAIMS)), tenant=tenant, user_id=user, now=now)


def test_a_well_signed_token_with_a_broken_payload_is_invalid() -> None:
    codec = TokenCodec("k")
    body = "bm90LWpzb24"  # "not-json"
    forged = f"{body}.{codec._mac(body)}"
    with pytest.raises(Denied, match="invalid_token"):
        codec.decode(forged, tenant="demo", user_id=1, now=0)


def test_a_codec_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="secret"):
        TokenCodec("")


@pytest.mark.parametrize("token", ["é.é", "x.\udabf", "abc.ß"])
def test_a_token_with_non_ascii_text_is_invalid_not_an_error(token: str) -> None:
    with pytest.raises(Denied, match="invalid_token"):
        TokenCodec("k").decode(token, tenant="demo", user_id=1, now=0)


def test_every_secret_setting_is_one_the_logs_take_out() -> None:
    """A new secret setting (a name ending in secret, token or key) must join
    ``secret_values``, or the log lines could show it."""
    values = {field.name: f"value-of-{field.name}" for field in fields(Settings)}
    # Every text setting by name, found at run time: mypy cannot tie these names to fields.
    texts: dict[str, Any] = {
        n: v for n, v in values.items() if isinstance(getattr(Settings(), n), str)
    }
    texts["rate_control"] = "fixed"  # a validated choice, not free text
    settings = Settings(**texts)
    secret = {n for n in values if re.search(r"(secret|token|key)$", n)}
    assert secret == {
        "cipher_key",
        "audit_key",
        "jwt_secret",
        "worker_token",
        "playback_token_secret",
        "cdn_signing_secret",
    }
    assert set(settings.secret_values()) == {values[n] for n in secret}


def test_the_rate_control_is_quality_unless_fixed_is_chosen_and_nothing_else() -> None:
    assert Settings.from_env({}).rate_control == "quality"
    assert Settings.from_env({"ACADEMY_VIDEO_RATE_CONTROL": "fixed"}).rate_control == "fixed"
    for bad in ("cbr", "Quality"):
        with pytest.raises(ValueError, match="ACADEMY_VIDEO_RATE_CONTROL: must be one of"):
            Settings.from_env({"ACADEMY_VIDEO_RATE_CONTROL": bad})
