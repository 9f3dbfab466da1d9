import json
from pathlib import Path

import jwt
import pytest

from academy_video.adapters.cli import main
from academy_video.adapters.http.auth import mint


def test_token_mints_a_jwt_the_local_service_accepts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ACADEMY_VIDEO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ACADEMY_VIDEO_JWT_SECRET", raising=False)
    assert main(["token", "--role", "staff", "--tenant", "demo", "--user", "7"]) == 0
    token = capsys.readouterr().out.strip()
    secret = json.loads((tmp_path / "secrets.json").read_text())["jwt_secret"]
    claims = jwt.decode(token, secret, algorithms=["HS256"])
    assert (claims["sub"], claims["role"], claims["tenant"]) == ("7", "staff", "demo")
    # An explicit secret wins over the local file.
    monkeypatch.setenv("ACADEMY_VIDEO_JWT_SECRET", "s" * 32)
    assert main(["token", "--role", "admin", "--tenant", "t", "--user", "1", "--ttl", "60"]) == 0
    assert (
        jwt.decode(capsys.readouterr().out.strip(), "s" * 32, algorithms=["HS256"])["role"]
        == "admin"
    )


def test_token_refuses_a_bad_user(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACADEMY_VIDEO_DATA_DIR", str(tmp_path))
    assert main(["token", "--role", "admin", "--tenant", "t", "--user", "0"]) == 2
    with pytest.raises(SystemExit):
        main(["token", "--role", "root", "--tenant", "t", "--user", "1"])


@pytest.mark.parametrize("tenant", ["a/b", "..", "Demo", "dém", "-x", "_x", "d" * 64, "", "a\x00"])
def test_token_refuses_a_tenant_that_is_not_a_slug(
    tenant: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACADEMY_VIDEO_DATA_DIR", str(tmp_path))
    assert main(["token", "--role", "admin", f"--tenant={tenant}", "--user", "1"]) == 2
    out = capsys.readouterr()
    assert out.out == "" and "--tenant must be a tenant code" in out.err
    with pytest.raises(ValueError, match="tenant code"):
        mint("s" * 32, role="admin", tenant=tenant, user_id=1)


def test_a_bad_setting_stops_the_command_with_its_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ACADEMY_VIDEO_MAX_ATTEMPTS", "many")
    assert main(["cipher-key"]) == 2
    assert "ACADEMY_VIDEO_MAX_ATTEMPTS" in capsys.readouterr().err


def test_cipher_key_prints_a_usable_key(capsys: pytest.CaptureFixture[str]) -> None:
    from academy_video.app.persistence import cipher_env

    assert main(["cipher-key"]) == 0
    assert cipher_env(capsys.readouterr().out.strip())["CIPHER_KEY"]


def test_an_unknown_command_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exited:
        main(["fly"])
    assert exited.value.code == 2


def test_serve_refuses_an_unknown_log_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ACADEMY_VIDEO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ACADEMY_VIDEO_LOG_FORMAT", "xml")
    assert main(["serve"]) == 2  # before building anything or listening
    assert "ACADEMY_VIDEO_LOG_FORMAT: 'xml' is not one of json, text" in capsys.readouterr().err
    assert not (tmp_path / "read.sqlite3").exists()


def test_stopping_a_periodic_task_waits_for_the_run_in_progress() -> None:
    """Serve's shutdown stops the flush thread, then flushes once more and closes the
    container: neither may race a run still writing."""
    import threading

    from academy_video.adapters.cli.runtime import every

    running, release, finished = threading.Event(), threading.Event(), []

    def task() -> None:
        running.set()
        release.wait(10)
        finished.append(True)

    stop = every(0.001, task, "test")
    assert running.wait(10)
    threading.Timer(0.05, release.set).start()
    stop()
    assert finished  # the run in progress ended before stop returned
