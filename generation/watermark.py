"""The visible watermark burned into every generated video: "sora_social" and the creator's handle.

The label is drawn once with Pillow and then alpha-composited into each frame with NumPy, so a clip costs
one text render plus a small blend per frame. It glides from corner to corner over the clip, like Sora's
own watermark, so that cropping one corner away does not remove it; the corner it starts in and the
order it visits them are derived from the handle, so the same input always gives the same pixels.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

SERVICE_NAME = "sora_social"
MAX_HANDLE_CHARS = 30
# Opacity of the whole label: readable, while the video stays visible through it.
OPACITY = 0.72
# Seconds the label takes to glide from one corner to the next: slow enough to read while it moves.
SECONDS_PER_LEG = 2.5
# The service name's font size relative to the frame's short side, and the bounds that keep it legible
# on a 96-pixel clip and unobtrusive on a 1080p one.
FONT_SCALE = 0.065
MIN_FONT_SIZE = 8
MAX_FONT_SIZE = 56
# The label never takes more than this share of the frame's width or height.
MAX_WIDTH_SHARE = 0.6
MAX_HEIGHT_SHARE = 0.3
TEXT_RGB = np.array([255, 255, 255], dtype=np.float32)
OUTLINE_RGB = np.array([16, 16, 16], dtype=np.float32)


@dataclass(frozen=True)
class _Label:
    """The rendered label, ready to blend: ``out = frame * keep + premultiplied``."""

    premultiplied: np.ndarray  # float32 [h, w, 3]: colour times alpha
    keep: np.ndarray  # float32 [h, w, 1]: 1 - alpha

    @property
    def height(self) -> int:
        return int(self.keep.shape[0])

    @property
    def width(self) -> int:
        return int(self.keep.shape[1])


def burn_watermark(frames: np.ndarray, *, handle: str, fps: int) -> np.ndarray:
    """Returns a copy of ``frames`` (uint8 ``[T, H, W, 3]`` RGB) with the moving label burned in."""
    if not isinstance(frames, np.ndarray) or frames.dtype != np.uint8:
        raise ValueError(f"expected a uint8 array, got {getattr(frames, 'dtype', type(frames))}")
    if frames.ndim != 4 or frames.shape[-1] != 3 or 0 in frames.shape:
        raise ValueError(f"expected non-empty [T, H, W, 3] frames, got shape {frames.shape}")
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    count, height, width, _ = frames.shape
    name = _display_handle(handle)
    label = _render_label(name, frame_width=width, frame_height=height)
    positions = _positions(
        count, fps=fps, frame_width=width, frame_height=height, label=label, seed=zlib.crc32(name.encode())
    )
    out = frames.copy()
    for index, (left, top) in enumerate(positions):
        region = out[index, top : top + label.height, left : left + label.width]
        region[...] = np.rint(region * label.keep + label.premultiplied).astype(np.uint8)
    return out


def _display_handle(handle: str) -> str:
    """The handle as the label shows it: without a leading "@", clipped when absurdly long."""
    name = handle.strip().lstrip("@")
    if len(name) > MAX_HANDLE_CHARS:
        name = name[: MAX_HANDLE_CHARS - 1] + "…"
    return name


def _render_label(handle: str, *, frame_width: int, frame_height: int) -> _Label:
    lines = [SERVICE_NAME, f"@{handle}"] if handle else [SERVICE_NAME]
    size = min(MAX_FONT_SIZE, max(MIN_FONT_SIZE, round(min(frame_width, frame_height) * FONT_SCALE)))
    box = (int(frame_width * MAX_WIDTH_SHARE), int(frame_height * MAX_HEIGHT_SHARE))
    outline, fill = _draw_masks(lines, size)
    # A long handle shrinks the font rather than running off a narrow frame.
    while size > MIN_FONT_SIZE and (outline.width > box[0] or outline.height > box[1]):
        size -= 1
        outline, fill = _draw_masks(lines, size)
    # Only a frame far smaller than any we generate can still be too small: the label is cut to fit.
    crop = (0, 0, min(outline.width, frame_width), min(outline.height, frame_height))
    alpha = np.asarray(outline.crop(crop), dtype=np.float32)[..., None] / 255 * OPACITY
    inside = np.asarray(fill.crop(crop), dtype=np.float32)[..., None] / 255
    colour = OUTLINE_RGB + (TEXT_RGB - OUTLINE_RGB) * inside
    return _Label(premultiplied=colour * alpha, keep=1 - alpha)


def _draw_masks(lines: list[str], size: int) -> tuple[Image.Image, Image.Image]:
    """Coverage masks of the text with its dark outline, and of the text alone, the same size.

    Drawing coverage in "L" images (rather than colour on a transparent RGBA image) keeps the
    anti-aliased edges exact when the two are combined into colour and alpha.
    """
    # The handle line is a little smaller than the service name, as in a byline.
    fonts = [
        ImageFont.load_default(size=size if row == 0 else max(MIN_FONT_SIZE, size * 4 // 5))
        for row in range(len(lines))
    ]
    stroke = max(1, round(size / 10))
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    # FreeType boxes are whole pixels; Pillow types them as floats.
    boxes = [
        tuple(round(edge) for edge in probe.textbbox((0, 0), line, font=font, stroke_width=stroke))
        for line, font in zip(lines, fonts, strict=True)
    ]
    gap = max(1, size // 8)
    width = max(right - left for left, _, right, _ in boxes)
    height = sum(bottom - top for _, top, _, bottom in boxes) + gap * (len(lines) - 1)
    outline = Image.new("L", (width, height))
    fill = Image.new("L", (width, height))
    outline_draw, fill_draw = ImageDraw.Draw(outline), ImageDraw.Draw(fill)
    y = 0
    for line, font, (left, top, _, bottom) in zip(lines, fonts, boxes, strict=True):
        origin = (-left, y - top)
        outline_draw.text(origin, line, font=font, fill=255, stroke_width=stroke, stroke_fill=255)
        fill_draw.text(origin, line, font=font, fill=255)
        y += bottom - top + gap
    return outline, fill


def _positions(
    count: int, *, fps: int, frame_width: int, frame_height: int, label: _Label, seed: int
) -> list[tuple[int, int]]:
    """The label's top-left corner in each frame: a glide from corner to corner, eased at each corner.

    The number of legs follows the clip's duration, but never brings the label back to where it
    started, so the first and last frames always show it in different corners.
    """
    margin = max(2, round(min(frame_width, frame_height) * 0.03))
    right = max(0, frame_width - label.width - margin)
    bottom = max(0, frame_height - label.height - margin)
    left, top = min(margin, right), min(margin, bottom)
    corners = [(left, top), (right, top), (right, bottom), (left, bottom)]
    start, step = seed % 4, (1, 3)[(seed >> 2) % 2]  # clockwise or anticlockwise
    duration = (count - 1) / fps
    legs = max(1, round(duration / SECONDS_PER_LEG))
    if legs % 4 == 0:
        legs += 1
    positions = []
    for index in range(count):
        progress = legs * index / max(1, count - 1)  # in legs travelled
        leg = min(int(progress), legs - 1)
        t = progress - leg
        eased = t * t * (3 - 2 * t)
        (x0, y0), (x1, y1) = corners[(start + leg * step) % 4], corners[(start + (leg + 1) * step) % 4]
        positions.append((round(x0 + (x1 - x0) * eased), round(y0 + (y1 - y0) * eased)))
    return positions
