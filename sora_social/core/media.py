"""Video files: probing an MP4's real properties by decoding it, and a JPEG poster from a frame. Used by every
layer that makes or checks videos (the encoder is ``toolkit.mp4``'s)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import av
import numpy as np
from PIL import Image

from sora_social.core.errors import InvalidInput, UnsupportedMedia


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    duration_seconds: float
    frame_count: int


def probe_video(data: bytes, *, field: str = "video") -> VideoInfo:
    """The real properties of an MP4, by decoding every frame (a header can lie)."""
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if "mp4" not in container.format.name or not container.streams.video:
                raise UnsupportedMedia(
                    f"{field} must be an MP4 video.", fields={field: ["Not an MP4 video."]}
                )
            stream = container.streams.video[0]
            frame_count = sum(1 for _ in container.decode(stream))
            fps = float(stream.average_rate or 0)
            width, height = stream.width, stream.height
    except av.FFmpegError:
        raise UnsupportedMedia(
            f"{field} is not a video we can read.", fields={field: ["Unreadable video."]}
        ) from None
    if frame_count == 0 or fps <= 0:
        raise InvalidInput(f"{field} has no frames.", code="invalid_video", fields={field: ["No frames."]})
    return VideoInfo(width, height, fps, round(frame_count / fps, 3), frame_count)


def poster_jpeg(frame: np.ndarray, *, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def test_pattern(*, frames: int = 16, width: int = 64, height: int = 48, seed: int = 0) -> np.ndarray:
    """A small moving pattern (a coloured square crossing a gradient) for demos and tests."""
    rng = np.random.default_rng(seed)
    colour = rng.integers(60, 255, size=3, dtype=np.uint8)
    y, x = np.mgrid[0:height, 0:width]
    background = np.stack(
        [x * 255 // max(1, width - 1), y * 255 // max(1, height - 1), np.full_like(x, 90)], -1
    )
    video = np.repeat(background[None].astype(np.uint8), frames, axis=0)
    side = max(4, min(width, height) // 4)
    for t in range(frames):
        left = (t * (width - side)) // max(1, frames - 1)
        top = (height - side) // 2
        video[t, top : top + side, left : left + side] = colour
    return video
