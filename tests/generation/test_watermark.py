"""The visible watermark: a moving "sora_social @handle" label burned into every frame."""

from __future__ import annotations

import numpy as np
import pytest

from generation.watermark import burn_watermark

# Imported as a module: a bare ``test_pattern`` would be collected as a test.
from sora_social.core import media

# (height, width) of the clips the service makes, and the extremes it accepts.
SIZES = [(96, 128), (128, 96), (128, 128), (288, 480), (480, 288), (384, 384), (1080, 1920)]


def changed(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """[T, H, W] bool: where the watermark touched each frame."""
    return np.any(before != after, axis=-1)


def centroid(mask: np.ndarray) -> np.ndarray:
    rows, cols = np.nonzero(mask)
    return np.array([rows.mean(), cols.mean()])


def clip(frames: int = 64, height: int = 288, width: int = 480) -> np.ndarray:
    return media.test_pattern(frames=frames, width=width, height=height, seed=3)


def test_returns_a_new_array_of_the_same_shape_and_leaves_the_input_alone():
    frames = clip()
    original = frames.copy()

    out = burn_watermark(frames, handle="@alice", fps=8)

    assert out.shape == frames.shape and out.dtype == np.uint8
    assert out is not frames and not np.shares_memory(out, frames)
    assert np.array_equal(frames, original)


def test_every_frame_carries_a_compact_label_and_the_rest_of_the_frame_is_untouched():
    frames = clip()

    mask = changed(frames, burn_watermark(frames, handle="alice", fps=8))

    for frame_mask in mask:
        rows, cols = np.nonzero(frame_mask)
        assert len(rows) > 200, "the label is visible in every frame"
        # Everything outside the label's bounding box is bit-identical, and that box is a small part of
        # the frame.
        box_area = (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)
        assert box_area < 0.2 * frame_mask.size
        outside = np.ones_like(frame_mask)
        outside[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1] = False
        assert not frame_mask[outside].any()


def test_the_label_is_readable_on_light_and_dark_backgrounds():
    for level in (0, 255):
        frames = np.full((1, 288, 480, 3), level, dtype=np.uint8)

        out = burn_watermark(frames, handle="alice", fps=8)

        # Light text with a dark outline: both directions of contrast appear on any background.
        assert out.max() - out.min() > 120


def test_the_label_moves_across_the_frame_over_the_clip():
    frames = clip()

    mask = changed(frames, burn_watermark(frames, handle="alice", fps=8))

    first, last = centroid(mask[0]), centroid(mask[-1])
    assert np.linalg.norm(last - first) > 0.4 * min(frames.shape[1:3])
    # It glides: consecutive frames are never far apart.
    steps = [np.linalg.norm(centroid(mask[i + 1]) - centroid(mask[i])) for i in range(len(mask) - 1)]
    assert max(steps) < 0.15 * max(frames.shape[1:3])
    # Over the clip it visits more than one side of the frame, so no single cropped corner holds it.
    height, width = frames.shape[1:3]
    quadrants = {(row > height / 2, col > width / 2) for row, col in map(centroid, mask)}
    assert len(quadrants) >= 3


def test_the_same_input_gives_the_same_pixels():
    frames = clip()

    assert np.array_equal(
        burn_watermark(frames, handle="alice", fps=8), burn_watermark(frames, handle="alice", fps=8)
    )


def test_different_handles_give_different_pixels():
    frames = clip(frames=8)

    assert not np.array_equal(
        burn_watermark(frames, handle="alice", fps=8), burn_watermark(frames, handle="bob", fps=8)
    )


def test_a_leading_at_sign_is_optional_and_absurd_handles_are_clipped():
    frames = clip(frames=4)

    assert np.array_equal(
        burn_watermark(frames, handle="@alice", fps=8), burn_watermark(frames, handle="alice", fps=8)
    )
    prefix = "x" * 40
    assert np.array_equal(
        burn_watermark(frames, handle=prefix + "a" * 200, fps=8),
        burn_watermark(frames, handle=prefix + "b" * 500, fps=8),
    )


@pytest.mark.parametrize(("height", "width"), SIZES)
def test_works_on_every_clip_size(height, width):
    frames = clip(frames=3, height=height, width=width)

    out = burn_watermark(frames, handle="@a_rather_long_handle_name", fps=8)

    assert out.shape == frames.shape
    mask = changed(frames, out)
    assert mask.all(axis=0).sum() < mask.any(axis=0).sum()  # it moved
    for frame_mask in mask:
        assert 0.002 * frame_mask.size < frame_mask.sum() < 0.25 * frame_mask.size


def test_a_single_frame_clip_is_watermarked():
    frames = clip(frames=1)

    assert changed(frames, burn_watermark(frames, handle="alice", fps=8)).any()


@pytest.mark.parametrize(
    "frames",
    [
        np.zeros((4, 48, 64, 3), dtype=np.float32),
        np.zeros((48, 64, 3), dtype=np.uint8),
        np.zeros((4, 48, 64, 4), dtype=np.uint8),
        np.zeros((0, 48, 64, 3), dtype=np.uint8),
        [[[[0, 0, 0]]]],
    ],
    ids=["float", "one-frame-without-time-axis", "rgba", "empty", "not-an-array"],
)
def test_bad_frames_are_refused(frames):
    with pytest.raises(ValueError):
        burn_watermark(frames, handle="alice", fps=8)


def test_a_non_positive_frame_rate_is_refused():
    with pytest.raises(ValueError):
        burn_watermark(clip(frames=2), handle="alice", fps=0)
