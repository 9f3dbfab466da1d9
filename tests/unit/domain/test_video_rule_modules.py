"""The rules ``Video``'s commands apply, in the modules beside it (``video_edits``,
``video_reports``, ``video_import``): each refusal and bound, called directly."""

import pytest

from academy_video.domain.errors import DomainError, InvalidValue
from academy_video.domain.policy import VideoDefaults
from academy_video.domain.video_edits import changed_defaults, check_edit
from academy_video.domain.video_import import check_imported, check_old_output
from academy_video.domain.video_reports import (
    MAX_REASON_LENGTH,
    check_reencode_output,
    failure_reason,
    reencode_failure,
    reencode_reason,
)

OWN = "hls/demo/videos/7/"
OLD = "media/hls/demo/videos/7/"


@pytest.mark.parametrize(
    ("title", "order", "code"), [("", 1, "title_required"), ("Limits", -1, "invalid_order")]
)
def test_an_edit_keeps_a_title_and_an_order_not_below_zero(
    title: str, order: int, code: str
) -> None:
    with pytest.raises(DomainError) as refused:
        check_edit(title, order)
    assert refused.value.code == code
    check_edit("Limits", 0)


def test_changed_defaults_replace_only_what_is_given_and_check_the_speed_cap() -> None:
    current = VideoDefaults(allow_skip=True, max_speed=2.0, show_watermark=False)
    assert changed_defaults(
        current, allow_skip=None, max_speed=1.5, show_watermark=None
    ) == VideoDefaults(True, 1.5, False)
    with pytest.raises(InvalidValue):
        changed_defaults(current, allow_skip=None, max_speed=17.0, show_watermark=None)


def test_reasons_are_bounded_and_never_empty() -> None:
    assert failure_reason("") == "unknown"
    assert len(failure_reason("x" * 5000)) == MAX_REASON_LENGTH
    assert reencode_reason("  ") == "requested"
    assert reencode_failure("decode") == "reencode_failed: decode"
    assert len(reencode_failure("x" * 5000)) == MAX_REASON_LENGTH


def test_a_re_encode_publishes_under_this_services_prefix_only() -> None:
    check_reencode_output("demo", 7, hls_path=f"{OWN}master.m3u8", thumbnail_key="")
    with pytest.raises(InvalidValue):
        check_reencode_output("demo", 7, hls_path=f"{OLD}master.m3u8", thumbnail_key="")
    with pytest.raises(InvalidValue):
        check_reencode_output("demo", 7, hls_path="hls/demo/videos/8/master.m3u8", thumbnail_key="")


def test_the_old_workers_output_is_its_own_and_names_a_playlist() -> None:
    check_old_output("demo", 7, hls_path=f"{OLD}master.m3u8", duration=1.0, thumbnail_key="")
    check_old_output("demo", 7, hls_path=f"{OWN}master.m3u8", duration=None, thumbnail_key="")
    for hls_path, duration, thumbnail in (
        ("", 1.0, ""),
        (f"{OLD}master.m3u8", -1.0, ""),
        ("media/hls/demo/videos/8/master.m3u8", 1.0, ""),
        (f"{OLD}master.m3u8", 1.0, "media/hls/other/t.jpg"),
    ):
        with pytest.raises(InvalidValue):
            check_old_output(
                "demo", 7, hls_path=hls_path, duration=duration, thumbnail_key=thumbnail
            )


def test_an_imported_state_keeps_the_speed_cap_in_bounds() -> None:
    check_imported({"max_speed": "1.5"})
    with pytest.raises(InvalidValue):
        check_imported({"max_speed": 0})
