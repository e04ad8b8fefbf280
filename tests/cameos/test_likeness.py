"""The automated check of a self cameo's verification recording: what a user recording themselves gets
back, and how it treats files that are not honest recordings."""

from __future__ import annotations

import itertools
import json

import pytest

from cameos import likeness
from cameos.likeness import FAIL, INCONCLUSIVE, PASS, check_recording
from sora_social.core.errors import InvalidInput, PayloadTooLarge, UnsupportedMedia
from tests.cameos.recordings import (
    UNLIKE_EACH_OTHER,
    corrupt_recording,
    huge_frame_recording,
    not_a_video,
    recording_of,
    reference_images,
    sideways_recording_of,
    sparse_recording,
    webm_recording_of,
    with_claimed_duration,
)


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the check starts decoding frames."""

    def refuse(*args: object) -> None:
        raise AssertionError("the recording was decoded")

    monkeypatch.setattr(likeness, "_sample_frames", refuse)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_recording_of_the_person_in_the_references_passes(seed: int) -> None:
    result = check_recording(recording_of(seed), reference_images(seed))

    assert (result.outcome, result.reason) == (PASS, "ok")
    assert "not a confirmation of who you are" in result.detail
    assert result.metrics["similarity"] >= likeness.PASS_THRESHOLD
    assert result.metrics["frames_decoded"] == 36
    assert result.metrics["duration_seconds"] == pytest.approx(3.0)


@pytest.mark.parametrize("codec", ["libvpx", "libvpx-vp9"])
def test_a_browser_recording_in_webm_is_judged_like_an_mp4(codec: str) -> None:
    """MediaRecorder in a browser saves VP8 or VP9 in WebM: the same take gives the same answer."""
    data = webm_recording_of(0, codec=codec)
    assert data[:4] == b"\x1a\x45\xdf\xa3"

    result = check_recording(data, reference_images(0))

    assert (result.outcome, result.reason) == (PASS, "ok")
    assert result.metrics["frames_decoded"] == 36
    assert result.metrics["duration_seconds"] == pytest.approx(3.0)
    assert check_recording(webm_recording_of(1, codec=codec), reference_images(0)).outcome == FAIL


def test_matroska_with_a_codec_no_browser_records_is_unsupported(no_decoding: None) -> None:
    with pytest.raises(UnsupportedMedia) as caught:
        check_recording(webm_recording_of(0, codec="libx264"), reference_images(0))

    assert caught.value.status_code == 415
    assert caught.value.fields == {"recording": ["Not VP8 or VP9 video."]}


def test_a_truncated_webm_is_invalid() -> None:
    data = webm_recording_of(0)
    with pytest.raises(InvalidInput) as caught:
        check_recording(data[:60], reference_images(0))

    assert caught.value.code == "invalid_video"


def test_the_metrics_are_plain_floats_for_the_audit_record() -> None:
    metrics = check_recording(recording_of(1), reference_images(1)).metrics

    assert all(type(value) is float for value in metrics.values())
    assert json.loads(json.dumps(metrics)) == metrics
    assert {"motion", "similarity", "pass_threshold", "fail_threshold", "references"} <= metrics.keys()


def test_the_person_may_be_lit_framed_and_encoded_differently() -> None:
    references = reference_images(4, count=1)
    for recording in (
        recording_of(4, light=0.7, zoom=1.1),
        recording_of(4, size=(120, 160), fps=24, crf=35),
    ):
        assert check_recording(recording, references).outcome == PASS


def test_a_portrait_recording_stored_sideways_is_turned_upright_first() -> None:
    result = check_recording(sideways_recording_of(2), reference_images(2))

    assert result.outcome == PASS
    assert (result.metrics["width"], result.metrics["height"]) == (160.0, 120.0)


@pytest.mark.parametrize(("recorded", "referenced"), list(itertools.permutations(UNLIKE_EACH_OTHER, 2)))
def test_someone_else_fails_as_not_similar(recorded: int, referenced: int) -> None:
    result = check_recording(recording_of(recorded), reference_images(referenced))

    assert (result.outcome, result.reason) == (FAIL, "not_similar")
    assert result.metrics["similarity"] < likeness.FAIL_THRESHOLD
    assert "does not look like your reference images" in result.detail


def test_the_same_face_in_another_room_and_outfit_goes_to_a_moderator() -> None:
    result = check_recording(recording_of(4, setting=5), reference_images(4))

    assert (result.outcome, result.reason) == (INCONCLUSIVE, "uncertain_similarity")
    assert likeness.FAIL_THRESHOLD <= result.metrics["similarity"] < likeness.PASS_THRESHOLD
    assert "moderator" in result.detail


def test_a_still_picture_fails_whoever_it_shows() -> None:
    result = check_recording(recording_of(1, still=True), reference_images(1))

    assert (result.outcome, result.reason) == (FAIL, "static_recording")
    assert result.metrics["motion"] < likeness.MOTION_THRESHOLD
    assert "similarity" not in result.metrics


def test_a_recording_under_two_seconds_is_too_short() -> None:
    result = check_recording(recording_of(1, seconds=1.5), reference_images(1))

    assert (result.outcome, result.reason) == (FAIL, "too_short")
    assert result.metrics["duration_seconds"] == pytest.approx(1.5)


def test_a_recording_with_few_frames_fails_even_when_long_enough() -> None:
    result = check_recording(recording_of(1, seconds=3.0, fps=6), reference_images(1))

    assert (result.outcome, result.reason) == (FAIL, "too_few_frames")
    assert result.metrics["frames_decoded"] == 18


def test_a_tiny_recording_fails_without_being_decoded(no_decoding: None) -> None:
    result = check_recording(recording_of(1, size=(80, 60)), reference_images(1))

    assert (result.outcome, result.reason) == (FAIL, "too_small")


def test_a_long_recording_is_sampled_not_kept_whole() -> None:
    result = check_recording(recording_of(1, seconds=10.0, fps=12), reference_images(1))

    assert result.outcome == PASS
    assert result.metrics["frames_decoded"] == 120
    assert result.metrics["frames_sampled"] <= likeness.MAX_SAMPLES


def test_a_recording_over_the_time_limit_fails_without_being_decoded(no_decoding: None) -> None:
    recording = sparse_recording(frames=16, seconds_apart=4.0)  # 64 s of video in 16 frames

    result = check_recording(recording, reference_images(0))

    assert (result.outcome, result.reason) == (FAIL, "too_long")
    assert result.metrics["frames_decoded"] == 0
    assert result.metrics["duration_seconds"] > likeness.MAX_DURATION_SECONDS


def test_decoding_stops_at_the_time_limit_when_the_header_claims_less() -> None:
    recording = with_claimed_duration(sparse_recording(frames=16, seconds_apart=4.0), 3.0)

    result = check_recording(recording, reference_images(0))

    assert (result.outcome, result.reason) == (FAIL, "too_long")
    assert result.metrics["frames_decoded"] < 16


def test_frames_over_the_pixel_limit_are_refused_without_being_decoded(no_decoding: None) -> None:
    with pytest.raises(PayloadTooLarge) as caught:
        check_recording(huge_frame_recording(2048, 2048), reference_images(0))

    assert caught.value.code == "video_too_large"
    assert "recording" in (caught.value.fields or {})


def test_a_file_over_the_size_limit_is_refused_before_anything_else(no_decoding: None) -> None:
    with pytest.raises(PayloadTooLarge) as caught:
        check_recording(b"\0" * (likeness.MAX_RECORDING_BYTES + 1), reference_images(0))

    assert caught.value.status_code == 413
    assert "recording" in (caught.value.fields or {})


def test_a_truncated_recording_is_invalid() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_recording(corrupt_recording(), reference_images(0))

    assert caught.value.code == "invalid_video"
    assert "recording" in (caught.value.fields or {})


@pytest.mark.parametrize("keep_bytes", [40, 400])
def test_a_recording_cut_inside_its_header_is_invalid(keep_bytes: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_recording(recording_of(0)[:keep_bytes], reference_images(0))

    assert caught.value.code == "invalid_video"


@pytest.mark.parametrize("data", [not_a_video(), b"", reference_images(0)[0]])
def test_a_file_that_is_not_a_video_is_unsupported(data: bytes) -> None:
    with pytest.raises(UnsupportedMedia) as caught:
        check_recording(data, reference_images(0))

    assert caught.value.status_code == 415
    assert "recording" in (caught.value.fields or {})


def test_references_are_required() -> None:
    with pytest.raises(ValueError):
        check_recording(recording_of(0), [])
