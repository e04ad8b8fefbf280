"""Synthetic verification material for cameo tests: reference photos and selfie recordings of procedurally
drawn people (a head-and-shoulders figure in front of a patterned wall), one person per seed.

Different seeds give different people: another wall, outfit and face; skin tone and hair colour cycle
through 6 and 7 values with the seed. The same seed gives the same person whatever the pose, framing,
light or encoding.
As with real people, some pairs look alike enough that the check sends them to a moderator; the people in
``UNLIKE_EACH_OTHER`` look clearly unlike each other: a recording of one fails against another's
references (tests/cameos/test_likeness.py holds this true).
"""

from __future__ import annotations

import functools
import io
import math
from dataclasses import dataclass, replace
from fractions import Fraction

import av
import numpy as np
from PIL import Image, ImageDraw

from toolkit.mp4 import encode_mp4

RGB = tuple[int, int, int]

_SKIN_TONES: tuple[RGB, ...] = (
    (255, 224, 196),
    (241, 194, 160),
    (224, 172, 125),
    (198, 134, 92),
    (141, 85, 54),
    (92, 56, 38),
)
_HAIR_COLOURS: tuple[RGB, ...] = (
    (20, 18, 16),
    (90, 56, 30),
    (222, 190, 120),
    (168, 72, 28),
    (170, 170, 175),
    (40, 90, 200),
    (220, 70, 150),
)
_SUPERSAMPLE = 2

UNLIKE_EACH_OTHER = (0, 1, 5, 6)


@dataclass(frozen=True)
class Person:
    wall: tuple[RGB, RGB]
    wall_stripe_angle: float
    wall_stripe_period: float  # in subject-box units
    shirt: RGB
    shirt_stripes: RGB | None
    skin: RGB
    hair: RGB
    hair_height: float  # how far the hair rises above the head, in head heights
    long_hair: bool
    head_width: float  # in subject-box units
    head_height: float
    eye_spacing: float  # in head widths
    eye_height: float  # from the head's centre, in head heights (negative: above it)
    eye_size: float
    mouth_width: float
    glasses: bool
    beard: bool


@dataclass(frozen=True)
class Pose:
    yaw: float = 0.0  # -1 (turned fully left) .. 1 (turned fully right)
    tilt_degrees: float = 0.0
    shift: tuple[float, float] = (0.0, 0.0)  # subject offset in subject-box units
    zoom: float = 1.0  # subject box side relative to the picture's shorter side
    light: float = 1.0  # brightness gain


def _colour(rng: np.random.Generator, low: int = 20, high: int = 235) -> RGB:
    r, g, b = (int(v) for v in rng.integers(low, high, size=3))
    return (r, g, b)


@functools.cache
def person(seed: int) -> Person:
    rng = np.random.default_rng([seed, 7919])
    striped_shirt = bool(rng.integers(0, 2))
    return Person(
        wall=(_colour(rng), _colour(rng)),
        wall_stripe_angle=float(rng.uniform(0, math.pi)),
        wall_stripe_period=float(rng.uniform(0.08, 0.3)),
        shirt=_colour(rng),
        shirt_stripes=_colour(rng) if striped_shirt else None,
        skin=_SKIN_TONES[seed % len(_SKIN_TONES)],
        hair=_HAIR_COLOURS[seed % len(_HAIR_COLOURS)],
        hair_height=float(rng.uniform(0.05, 0.3)),
        long_hair=bool(rng.integers(0, 2)),
        head_width=float(rng.uniform(0.26, 0.36)),
        head_height=float(rng.uniform(0.36, 0.46)),
        eye_spacing=float(rng.uniform(0.28, 0.42)),
        eye_height=float(rng.uniform(-0.16, -0.04)),
        eye_size=float(rng.uniform(0.07, 0.12)),
        mouth_width=float(rng.uniform(0.25, 0.5)),
        glasses=bool(rng.random() < 0.35),
        beard=bool(rng.random() < 0.25),
    )


def _wall(who: Person, width: int, height: int, box: float, light: float) -> Image.Image:
    y, x = np.mgrid[0:height, 0:width].astype(np.float32) / box
    along = x * math.cos(who.wall_stripe_angle) + y * math.sin(who.wall_stripe_angle)
    mix = 0.5 + 0.3 * np.sin(2 * math.pi * along / who.wall_stripe_period)
    a, b = np.array(who.wall, dtype=np.float32)
    pixels = a * mix[..., None] + b * (1 - mix[..., None])
    return Image.fromarray(np.clip(pixels * light, 0, 255).astype(np.uint8))


def _scaled(colour: RGB, light: float) -> RGB:
    r, g, b = (min(255, round(c * light)) for c in colour)
    return (r, g, b)


def render(who: Person, pose: Pose, width: int, height: int) -> np.ndarray:
    """One picture of ``who``: uint8 ``[height, width, 3]`` RGB."""
    ss = _SUPERSAMPLE
    w, h = width * ss, height * ss
    box = min(w, h) * pose.zoom
    # subject-box coordinates (0..1, the box centred on the picture) to pixels
    left = (w - box) / 2 + pose.shift[0] * box
    top = (h - box) / 2 + pose.shift[1] * box

    def px(u: float, v: float) -> tuple[float, float]:
        return left + u * box, top + v * box

    light = pose.light
    picture = _wall(who, w, h, box, light)
    draw = ImageDraw.Draw(picture)

    shirt = _scaled(who.shirt, light)
    draw.ellipse([*px(0.08, 0.78), *px(0.92, 1.4)], fill=shirt)
    if who.shirt_stripes is not None:
        stripe = _scaled(who.shirt_stripes, light)
        for k in range(6):
            v = 0.84 + 0.06 * k
            draw.line([px(0.12, v), px(0.88, v)], fill=stripe, width=max(1, round(0.02 * box)))
    skin = _scaled(who.skin, light)
    draw.rectangle([*px(0.44, 0.6), *px(0.56, 0.82)], fill=skin)

    # The head on its own layer, so that it can tilt around the neck.
    head = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    hd = ImageDraw.Draw(head)
    hair = _scaled(who.hair, light)
    cx, cy = 0.5, 0.42
    half_w = who.head_width / 2 * (1 - 0.15 * abs(pose.yaw))
    half_h = who.head_height / 2
    turn = pose.yaw * half_w * 0.55  # how far the features slide towards the side the face turns to
    if who.long_hair:
        hd.rectangle(
            [*px(cx - half_w * 1.1, cy - half_h * 0.4), *px(cx + half_w * 1.1, cy + half_h * 1.1)], fill=hair
        )
    hd.ellipse(
        [
            *px(cx - half_w * 1.05, cy - half_h - who.hair_height * half_h * 2),
            *px(cx + half_w * 1.05, cy + half_h * 0.2),
        ],
        fill=hair,
    )
    ear_side = -1 if pose.yaw > 0 else 1
    ear_x = cx + ear_side * half_w * 0.95
    hd.ellipse([*px(ear_x - 0.03, cy - 0.04), *px(ear_x + 0.03, cy + 0.05)], fill=skin)
    hd.ellipse([*px(cx - half_w, cy - half_h * 0.85), *px(cx + half_w, cy + half_h)], fill=skin)
    if who.beard:
        hd.chord([*px(cx - half_w, cy - half_h * 0.2), *px(cx + half_w, cy + half_h)], 0, 180, fill=hair)

    eye_y = cy + who.eye_height * who.head_height
    eye_r = who.eye_size * who.head_width / 2
    for side in (-1, 1):
        ex = cx + turn + side * who.eye_spacing * half_w * (1 - 0.3 * pose.yaw * side)
        hd.ellipse(
            [*px(ex - eye_r * 1.6, eye_y - eye_r), *px(ex + eye_r * 1.6, eye_y + eye_r)], fill=(250, 250, 250)
        )
        hd.ellipse(
            [
                *px(ex - eye_r * 0.8 + turn * 0.2, eye_y - eye_r * 0.8),
                *px(ex + eye_r * 0.8 + turn * 0.2, eye_y + eye_r * 0.8),
            ],
            fill=(30, 30, 40),
        )
        hd.line(
            [px(ex - eye_r * 2, eye_y - eye_r * 2.2), px(ex + eye_r * 2, eye_y - eye_r * 2.4)],
            fill=hair,
            width=max(1, round(0.012 * box)),
        )
        if who.glasses:
            hd.ellipse(
                [*px(ex - eye_r * 2.6, eye_y - eye_r * 2), *px(ex + eye_r * 2.6, eye_y + eye_r * 2)],
                outline=(25, 25, 25),
                width=max(1, round(0.01 * box)),
            )
    nose_x = cx + turn * 1.3
    hd.polygon(
        [
            px(nose_x, eye_y + 0.01),
            px(nose_x - 0.02 - 0.02 * pose.yaw, cy + 0.07),
            px(nose_x + 0.02 - 0.02 * pose.yaw, cy + 0.07),
        ],
        fill=_scaled((150, 90, 80), light),
    )
    mouth_half = who.mouth_width * half_w / 2
    mouth_y = cy + 0.11
    hd.chord(
        [*px(cx + turn - mouth_half, mouth_y - 0.02), *px(cx + turn + mouth_half, mouth_y + 0.03)],
        0,
        180,
        fill=_scaled((170, 50, 60), light),
    )

    neck = px(0.5, 0.62)
    head = head.rotate(pose.tilt_degrees, resample=Image.Resampling.BILINEAR, center=neck)
    picture.paste(head, (0, 0), head)
    return np.asarray(picture.resize((width, height), Image.Resampling.BOX))


def _jpeg(pixels: np.ndarray, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def reference_images(seed: int, count: int = 3) -> list[bytes]:
    """JPEG portraits (240x320) of person ``seed``, each framed and lit a little differently."""
    return list(_reference_images(seed, count))


@functools.cache
def _reference_images(seed: int, count: int) -> tuple[bytes, ...]:
    who = person(seed)
    rng = np.random.default_rng([seed, 101])
    images = []
    for _ in range(count):
        pose = Pose(
            yaw=float(rng.uniform(-0.15, 0.15)),
            tilt_degrees=float(rng.uniform(-4, 4)),
            shift=(float(rng.uniform(-0.04, 0.04)), float(rng.uniform(-0.04, 0.04))),
            zoom=float(rng.uniform(0.92, 1.05)),
            light=float(rng.uniform(0.9, 1.1)),
        )
        images.append(_jpeg(render(who, pose, 240, 320)))
    return tuple(images)


def recording_frames(
    seed: int,
    *,
    seconds: float = 3.0,
    fps: int = 12,
    still: bool = False,
    size: tuple[int, int] = (160, 120),
    light: float = 1.0,
    zoom: float = 1.0,
    setting: int | None = None,
) -> np.ndarray:
    """uint8 ``[T, H, W, 3]``: person ``seed`` turning their head left then right, swaying a little, with a
    hand-held camera's shake and sensor noise. ``still``: a photo of them, filmed without any movement.
    ``light``, ``zoom``: brightness gain and subject size. ``setting``: film them in front of person
    ``setting``'s wall, wearing that person's clothes (the same face in another room and outfit)."""
    who = person(seed)
    if setting is not None:
        other = person(setting)
        who = replace(
            who,
            wall=other.wall,
            wall_stripe_angle=other.wall_stripe_angle,
            wall_stripe_period=other.wall_stripe_period,
            shirt=other.shirt,
            shirt_stripes=other.shirt_stripes,
        )
    width, height = size
    rng = np.random.default_rng([seed, 202])
    count = max(1, round(seconds * fps))
    frames = np.empty((count, height, width, 3), dtype=np.uint8)
    still_frame = render(who, Pose(zoom=zoom, light=light), width, height) if still else None
    for i in range(count):
        if still_frame is not None:
            picture = still_frame
        else:
            t = i / max(1, count - 1)
            shake = rng.normal(0, 0.006, size=2)
            pose = Pose(
                yaw=0.9 * math.sin(2 * math.pi * t),
                tilt_degrees=5 * math.sin(3 * math.pi * t),
                shift=(
                    0.03 * math.sin(1.4 * math.pi * t) + shake[0],
                    0.015 * math.sin(2.2 * math.pi * t) + shake[1],
                ),
                zoom=zoom * (1 + 0.03 * math.sin(math.pi * t)),
                light=light * (1 + 0.04 * math.sin(2 * math.pi * t)),
            )
            picture = render(who, pose, width, height)
        noise = rng.normal(0, 2.0, size=picture.shape)
        frames[i] = np.clip(picture + noise, 0, 255).astype(np.uint8)
    return frames


@functools.cache
def recording_of(
    seed: int,
    *,
    seconds: float = 3.0,
    fps: int = 12,
    still: bool = False,
    size: tuple[int, int] = (160, 120),
    light: float = 1.0,
    zoom: float = 1.0,
    setting: int | None = None,
    crf: int = 23,
) -> bytes:
    """An H.264 MP4 of :func:`recording_frames`."""
    frames = recording_frames(
        seed, seconds=seconds, fps=fps, still=still, size=size, light=light, zoom=zoom, setting=setting
    )
    return encode_mp4(frames, fps=fps, crf=crf)


def sparse_recording(*, frames: int, seconds_apart: float, size: tuple[int, int] = (160, 120)) -> bytes:
    """A genuine MP4 whose few frames lie ``seconds_apart`` apart: a long video that is cheap to make."""
    pictures = recording_frames(0, seconds=frames, fps=1, size=size)
    return _mp4(pictures, frame_seconds=Fraction(seconds_apart).limit_denominator(1000))


def _mp4(frames: np.ndarray, *, frame_seconds: Fraction, display_rotation: int = 0) -> bytes:
    """Like ``encode_mp4``, with the two things it does not do: any frame duration, and a display matrix."""
    _, height, width, _ = frames.shape
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=1)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = stream.time_base = frame_seconds
        if display_rotation:
            stream.set_display_rotation(display_rotation)
        for i, pixels in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def huge_frame_recording(width: int, height: int) -> bytes:
    """A one-frame MP4 of a flat grey picture ``width`` x ``height``: tiny on disk, huge once decoded."""
    return encode_mp4(np.full((1, height, width, 3), 128, dtype=np.uint8), fps=1)


def corrupt_recording() -> bytes:
    """A real recording cut off half way, as an interrupted upload leaves it."""
    data = recording_of(0)
    return data[: len(data) // 2]


def not_a_video() -> bytes:
    return b"These are the words I was asked to say, typed out instead of recorded.\n" * 20


def with_claimed_duration(data: bytes, seconds: float) -> bytes:
    """``data`` (an MP4 from this module) with its headers (mvhd, tkhd, mdhd) rewritten to claim that it
    lasts ``seconds``; the frames and their timestamps are left as they are."""
    patched = bytearray(data)

    def walk(start: int, end: int, movie_timescale: int) -> None:
        offset = start
        while offset + 8 <= end:
            size = int.from_bytes(patched[offset : offset + 4], "big")
            kind = bytes(patched[offset + 4 : offset + 8])
            body = offset + 8
            if kind in (b"moov", b"trak", b"mdia"):
                walk(body, offset + size, movie_timescale)
            elif kind in (b"mvhd", b"mdhd"):
                assert patched[body] == 0, "version 0 boxes only"
                timescale = int.from_bytes(patched[body + 12 : body + 16], "big")
                if kind == b"mvhd":
                    movie_timescale = timescale
                patched[body + 16 : body + 20] = round(seconds * timescale).to_bytes(4, "big")
            elif kind == b"tkhd":
                patched[body + 20 : body + 24] = round(seconds * movie_timescale).to_bytes(4, "big")
            offset += size

    walk(0, len(patched), 1000)
    return bytes(patched)


def sideways_recording_of(seed: int, *, seconds: float = 3.0, fps: int = 12) -> bytes:
    """A portrait (120x160) recording of person ``seed`` stored the way phones store one: the frames lie
    on their side (160x120) and the file's display matrix says to turn them upright on playback."""
    upright = recording_frames(seed, seconds=seconds, fps=fps, size=(120, 160))
    sideways = np.ascontiguousarray(np.rot90(upright, k=-1, axes=(1, 2)))  # turned a quarter clockwise
    return _mp4(sideways, frame_seconds=Fraction(1, fps), display_rotation=90)  # 90: counter-clockwise


@functools.cache
def webm_recording_of(seed: int, *, codec: str = "libvpx-vp9", seconds: float = 3.0, fps: int = 12) -> bytes:
    """:func:`recording_frames` as a browser's MediaRecorder saves them: VP8 (``libvpx``) or VP9 in WebM.
    ``codec="libx264"`` puts H.264 in the same Matroska container instead, which no browser records."""
    frames = recording_frames(seed, seconds=seconds, fps=fps)
    _, height, width, _ = frames.shape
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="webm" if codec.startswith("libvpx") else "matroska") as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for pixels in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()
