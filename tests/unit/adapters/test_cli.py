import pytest

from academy_video.adapters.cli import main


def test_serve_says_there_is_no_http_adapter_yet_and_exits_cleanly(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["serve", "--port", "0"]) == 0
    assert "no HTTP adapter yet" in capsys.readouterr().out


def test_an_unknown_command_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exited:
        main(["fly"])
    assert exited.value.code == 2
