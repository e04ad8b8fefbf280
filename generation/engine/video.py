"""Frames in and out of the engine: resizing images and clips to a config's frame size, upscaling output to
its display size with a Lanczos filter, decoding a video through PyAV, a poster image, and the lossless raw
clip kept beside a video's media so that a remix starts from the frames the engine made, not from a decoded,
upscaled and watermarked MP4. No Django here (the MP4 encoder is ``toolkit.mp4``'s)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import av
import numpy as np
from PIL import Image


def fit_image(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` uint8 ``[h, w, 3]`` centre-cropped to the aspect of ``size`` (height, width) and resized."""
    height, width = size
    h, w = image.shape[:2]
    if h * width > w * height:  # too tall: crop rows
        keep = max(1, round(w * height / width))
        top = (h - keep) // 2
        image = image[top : top + keep]
    elif h * width < w * height:  # too wide: crop columns
        keep = max(1, round(h * width / height))
        left = (w - keep) // 2
        image = image[:, left : left + keep]
    if image.shape[:2] == (height, width):
        return np.ascontiguousarray(image)
    resized = Image.fromarray(np.ascontiguousarray(image)).resize((width, height), Image.Resampling.LANCZOS)
    return np.asarray(resized)


def fit_clip(frames: np.ndarray, count: int, size: tuple[int, int]) -> np.ndarray:
    """A clip resampled to ``count`` frames (nearest in time) and ``size``; unchanged when it already fits."""
    if frames.shape[0] != count:
        index = np.minimum((np.arange(count) * frames.shape[0]) // count, frames.shape[0] - 1)
        frames = frames[index]
    if frames.shape[1:3] == tuple(size):
        return np.ascontiguousarray(frames)
    return np.stack([fit_image(frame, size) for frame in frames])


def upscale(frames: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Frames resized to ``size`` (height, width) with a Lanczos filter."""
    if frames.shape[1:3] == tuple(size):
        return frames
    height, width = size
    return np.stack(
        [
            np.asarray(Image.fromarray(frame).resize((width, height), Image.Resampling.LANCZOS))
            for frame in frames
        ]
    )


def read_video(source: str | Path | bytes, *, max_frames: int = 1024) -> tuple[np.ndarray, float]:
    """Decoded RGB frames ``[T, H, W, 3]`` and the frame rate of a video file or its bytes."""
    handle = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    with av.open(handle, mode="r") as container:
        stream = container.streams.video[0]
        frames = []
        for frame in container.decode(stream):
            frames.append(frame.to_ndarray(format="rgb24"))
            if len(frames) >= max_frames:
                break
        fps = float(stream.average_rate or 0) or 1.0
    if not frames:
        raise ValueError("the video has no frames")
    return np.stack(frames), fps


def poster_frame(frames: np.ndarray) -> np.ndarray:
    """The frame that stands for the clip: the middle one (the first is often still settling)."""
    return frames[len(frames) // 2]


def image_bytes(image: np.ndarray, *, format: str = "JPEG", quality: int = 88) -> bytes:
    buffer = io.BytesIO()
    options = {"quality": quality} if format.upper() == "JPEG" else {}
    Image.fromarray(image).save(buffer, format=format, **options)
    return buffer.getvalue()


# The raw clip: a NumPy ``.npz`` archive (zlib) of ``frames`` (uint8 [T, H, W, 3] at the engine's native size)
# and ``fps``. Read without pickle and with a cap on the decompressed size.
MAX_RAW_CLIP_BYTES = 64 * 1024 * 1024


def raw_clip_bytes(frames: np.ndarray, fps: int) -> bytes:
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"expected uint8 [T, H, W, 3] frames, got {frames.dtype} {frames.shape}")
    buffer = io.BytesIO()
    np.savez_compressed(buffer, frames=np.ascontiguousarray(frames), fps=np.int32(fps))
    return buffer.getvalue()


def read_raw_clip(data: bytes) -> tuple[np.ndarray, int]:
    """The frames and frame rate of ``raw_clip_bytes``'s output; ``ValueError`` for anything else."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_RAW_CLIP_BYTES:
                raise ValueError("the raw clip is too large")
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            frames, fps = archive["frames"], int(archive["fps"])
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as error:
        raise ValueError(f"not a raw clip: {error}") from None
    if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3 or not len(frames) or fps < 1:
        raise ValueError(f"not a raw clip: {frames.dtype} {frames.shape} at {fps} fps")
    return frames, fps
