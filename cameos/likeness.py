"""The automated check of a ``self`` cameo's verification recording against its reference images.

What it does: it decodes a bounded, evenly spaced sample of the recording's frames and answers

- ``fail`` when the recording cannot be a usable take (too short, too few frames, too small, too long, or a
  still picture: frame-to-frame motion below a threshold), or when its frames look clearly unlike the
  references;
- ``pass`` when the frames look clearly like the references;
- ``inconclusive`` in between, for a moderator to decide.

"Look like" is measured without any face model: each picture is reduced to a descriptor of its centre
square (a grid of gradient-orientation histograms, which captures shapes and layout, plus a hue/saturation
colour histogram) and frames are compared with the closest reference. Head turns hide the face in part of
the recording, so the score is a high quantile over frames, not their mean.

What it cannot prove, plainly:

- It is not biometric identification. It compares pictures, not faces: the same person in another room,
  light or outfit can score low, and a different person in a similar setting and clothes can score high.
- It does not listen to the recording. There is no speech model here, so the spoken challenge phrase is
  not checked, and the requested head turns are only checked as "the picture moves". It cannot prove
  liveness: a phone filming a printed photo or a replayed video of the references may pass.
- Its thresholds were calibrated on synthetic people (see the constants below), not on real recordings.

That is why an uncertain result goes to a human moderator, why every result and its metrics are kept for
audit, and why the cameo's owner (or a moderator) can revoke the cameo and every use of it at any time.

Hostile input: the file's size, container signature, resolution, duration and frame count are all bounded
before or while decoding, only the demuxer the file's signature names ever touches the bytes (MP4/MOV, or
Matroska for the WebM a browser's MediaRecorder makes, whose video must then be VP8 or VP9), and at most
``MAX_SAMPLES`` small thumbnails are kept, so memory and work stay bounded whatever the header claims.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import av
import numpy as np
from PIL import Image

from sora_social.core.errors import InvalidInput, PayloadTooLarge, UnsupportedMedia

PASS = "pass"
INCONCLUSIVE = "inconclusive"
FAIL = "fail"

FIELD = "recording"

MAX_RECORDING_BYTES = 50 * 1024 * 1024
MAX_PIXELS = 1920 * 1920  # per frame: 1080p in either orientation fits, 4K does not
# The challenge (a phrase and a few head turns) takes 5-15 s; 30 s leaves room without paying to decode
# a minute of video. At most 60 frames a second over that time are decoded, whatever the header says.
MAX_DURATION_SECONDS = 30.0
MAX_DECODED_FRAMES = int(MAX_DURATION_SECONDS * 60)
MIN_DURATION_SECONDS = 2.0
MIN_FRAMES = 24
MIN_SIDE = 96  # below this the face is a few pixels wide: nothing to compare
MAX_SAMPLES = 48  # frames kept for comparison, evenly spaced over the recording

DESCRIPTOR_SIDE = 64  # pictures are compared as their centre square, downscaled to 64x64
_CELL = 8  # gradient histograms over 8x8 cells, pooled into overlapping 16x16 blocks
_ORIENTATIONS = 9
_HUES, _SATURATIONS, _GREYS = 12, 3, 4


def _centre_weights(centres: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian weights over a grid (``centres``: where its rows and columns lie, 0..1 across the picture),
    peaking a little above the middle where a selfie's face is: the face counts more than the background
    and clothes around it."""
    rows = np.exp(-(((centres - 0.42) / sigma) ** 2) / 2)
    columns = np.exp(-(((centres - 0.5) / sigma) ** 2) / 2)
    return (rows[:, None] * columns[None, :]).astype(np.float32)


_BLOCKS = DESCRIPTOR_SIDE // _CELL - 1  # overlapping blocks of 2x2 cells, one cell apart
_BLOCK_WEIGHTS = _centre_weights(np.arange(1, _BLOCKS + 1) / (_BLOCKS + 1), sigma=0.25)  # [7, 7]
_PIXEL_WEIGHTS = _centre_weights((np.arange(DESCRIPTOR_SIDE) + 0.5) / DESCRIPTOR_SIDE, sigma=0.2).ravel()

# Calibration. The constants below were chosen on synthetic people drawn by tests/cameos/recordings.py:
# people 0-39 to choose, then people 100-139, never looked at while choosing, to check. Each person has
# one H.264 recording (head turning +-0.9, tilting +-5 degrees, swaying, camera shake, sensor noise) and
# 3 JPEG reference portraits, framed and lit a little differently. Per set of 40 people:
# - positives, 440: recordings of the references' person, as is and lit 0.6x / 1.4x, subject 0.85x /
#   1.15x as large, 320x240 and portrait 120x160 instead of 160x120, x264 CRF 38 instead of 23,
#   references re-compressed to JPEG quality 30, 1 or 5 references instead of 3;
# - negatives, 200: a recording of one person against the references of another (80 differing in skin
#   tone and hair colour, 40 with the same skin tone, 40 the same hair colour, 40 both: look-alikes);
# - "same face, other setting", 40: the references' person filmed against another wall in other clothes.
# Scores seen (min / 1st / 5th / 50th / 95th percentile / max), the choosing set then the checking set:
#   positives     .831 / .865 / .908 / .960 / .981 / .990    .725 / .814 / .899 / .963 / .982 / .988
#   negatives     .302 / .325 / .377 / .568 / .723 / .877    .270 / .291 / .397 / .546 / .735 / .814
#   (look-alikes) .391 / .406 / .447 / .605 / .780 / .877    .441 / .442 / .459 / .590 / .776 / .783
#   other setting .412 / .431 / .463 / .670 / .778 / .822    .272 / .338 / .456 / .630 / .798 / .881
# Weighting the centre of the picture (where a selfie's face is) cost some separation between positives
# and negatives but kept most "same face, other setting" recordings out of the fail band: references need
# not be taken in the room the recording is made in. Synthetic people are not real people: these numbers
# show that the arithmetic behaves as intended, not how often a real impostor would get through.

# Weight of the shape score (gradient histograms) against the colour score; 0.3-0.6 performed alike.
SHAPE_WEIGHT = 0.5
# The score is this quantile of the per-frame scores: a quarter of the frames (head turned away) may look
# unlike the references without lowering it.
SCORE_QUANTILE = 0.75
# At or above it, pass: above every negative seen (max 0.877, a look-alike), which sends 4-5% of the
# positives to a moderator. A false pass gives someone's likeness to someone else, so the margin is here.
PASS_THRESHOLD = 0.90
# Below it, fail: no positive came near (lowest 0.725); about half of the negatives and a fifth of the
# "other setting" recordings fall below it. Everything between the two goes to a moderator.
FAIL_THRESHOLD = 0.55
# Median over the recording of the mean absolute grey-level change (0-255) between consecutive sampled
# thumbnails, below which the recording is a still picture. Seen: still pictures with sensor noise,
# H.264-encoded, 0.001-0.042; the moving positives 0.65-10.3 (5th percentile 1.5).
MOTION_THRESHOLD = 0.25


@dataclass(frozen=True)
class LikenessCheck:
    outcome: str  # PASS, INCONCLUSIVE or FAIL
    reason: str  # stable snake_case code
    detail: str  # one sentence for the user
    metrics: dict[str, float]  # for the audit record


@dataclass(frozen=True)
class _Sample:
    """What decoding keeps of a recording: a few thumbnails and the facts measured on the way."""

    thumbnails: list[np.ndarray]  # uint8 [DESCRIPTOR_SIDE, DESCRIPTOR_SIDE, 3] RGB, evenly spaced
    frames_decoded: int
    duration_seconds: float
    stopped_at_limit: bool


def check_recording(recording: bytes, references: Sequence[bytes]) -> LikenessCheck:
    """Decide whether ``recording`` is a usable take that resembles ``references`` (already-normalised
    JPEG/PNG images, at least one). Raises ``PayloadTooLarge``, ``UnsupportedMedia`` or ``InvalidInput``
    (code ``invalid_video``) for files that are too big, not an MP4, MOV or WebM video, or damaged."""
    if not references:
        raise ValueError("check_recording needs at least one reference image")
    if len(recording) > MAX_RECORDING_BYTES:
        raise PayloadTooLarge(
            f"The recording is larger than {MAX_RECORDING_BYTES // (1024 * 1024)} MB.",
            code="file_too_large",
            fields={FIELD: [f"At most {MAX_RECORDING_BYTES} bytes."]},
        )
    demuxer = recording_format(recording)
    if demuxer is None:
        raise UnsupportedMedia(NOT_A_VIDEO, fields={FIELD: [NOT_A_VIDEO_FIELD]})
    try:
        with av.open(io.BytesIO(recording), mode="r", format=demuxer, metadata_errors="ignore") as container:
            stream = _video_stream(container, demuxer)
            width, height = stream.codec_context.width, stream.codec_context.height
            metrics: dict[str, float] = {"width": float(width), "height": float(height)}
            if width * height > MAX_PIXELS:
                raise PayloadTooLarge(
                    f"The recording's frames are too large ({width}x{height}).",
                    code="video_too_large",
                    fields={FIELD: [f"At most {MAX_PIXELS} pixels a frame."]},
                )
            if min(width, height) < MIN_SIDE:
                return _fail(
                    "too_small",
                    f"The recording is too small ({width}x{height}); record at least {MIN_SIDE} pixels "
                    "on each side.",
                    metrics,
                )
            if stream.frames > MAX_DECODED_FRAMES:
                raise _too_many_frames()
            claimed = _claimed_duration(container, stream)
            if claimed > MAX_DURATION_SECONDS:
                metrics.update(duration_seconds=round(claimed, 3), frames_decoded=0.0)
                return _too_long(metrics)
            sample = _sample_frames(container, stream)
    except av.FFmpegError:
        raise _damaged("it could not be decoded") from None
    return _judge(sample, references, metrics)


def _judge(sample: _Sample, references: Sequence[bytes], metrics: dict[str, float]) -> LikenessCheck:
    metrics.update(
        duration_seconds=round(sample.duration_seconds, 3),
        frames_decoded=float(sample.frames_decoded),
        frames_sampled=float(len(sample.thumbnails)),
    )
    if sample.stopped_at_limit:
        return _too_long(metrics)
    if sample.duration_seconds < MIN_DURATION_SECONDS:
        return _fail(
            "too_short",
            f"The recording lasts {sample.duration_seconds:.1f} s; it must last at least "
            f"{MIN_DURATION_SECONDS:.0f} s.",
            metrics,
        )
    if sample.frames_decoded < MIN_FRAMES:
        return _fail(
            "too_few_frames",
            f"The recording has {sample.frames_decoded} frames; it needs at least {MIN_FRAMES}.",
            metrics,
        )

    greys = np.stack([_grey(t) for t in sample.thumbnails])  # [F, 64, 64]
    motion = float(np.median(np.abs(np.diff(greys, axis=0)).mean(axis=(1, 2))))
    metrics.update(motion=round(motion, 3), motion_threshold=MOTION_THRESHOLD)
    if motion < MOTION_THRESHOLD:
        return _fail(
            "static_recording",
            "The picture barely changes: record yourself live, turning your head as the challenge asks.",
            metrics,
        )

    frames = [_describe(t) for t in sample.thumbnails]
    refs = [_describe(_reference_thumbnail(r)) for r in references]
    shape = np.array([[f.shape @ r.shape for r in refs] for f in frames])  # [F, R] correlations
    colour = np.array([[f.colour @ r.colour for r in refs] for f in frames])  # [F, R] Bhattacharyya
    combined = SHAPE_WEIGHT * shape + (1 - SHAPE_WEIGHT) * colour
    best = combined.argmax(axis=1)
    rows = np.arange(len(frames))
    per_frame = combined[rows, best]  # [F] each frame against its closest reference
    score = float(np.quantile(per_frame, SCORE_QUANTILE))
    metrics.update(
        references=float(len(refs)),
        similarity=round(score, 4),
        similarity_median=round(float(np.median(per_frame)), 4),
        shape_similarity=round(float(np.quantile(shape[rows, best], SCORE_QUANTILE)), 4),
        colour_similarity=round(float(np.quantile(colour[rows, best], SCORE_QUANTILE)), 4),
        pass_threshold=PASS_THRESHOLD,
        fail_threshold=FAIL_THRESHOLD,
    )
    if score >= PASS_THRESHOLD:
        return LikenessCheck(
            PASS,
            "ok",
            "The recording matches your reference images (an automated comparison of pictures, not a "
            "confirmation of who you are).",
            metrics,
        )
    if score < FAIL_THRESHOLD:
        return _fail(
            "not_similar",
            "The person in the recording does not look like your reference images; record again facing "
            "the camera in good light, or upload references that show you as you appear now.",
            metrics,
        )
    return LikenessCheck(
        INCONCLUSIVE,
        "uncertain_similarity",
        "The automated check could not tell whether the recording matches your reference images, so a "
        "moderator will review it.",
        metrics,
    )


def _fail(reason: str, detail: str, metrics: dict[str, float]) -> LikenessCheck:
    return LikenessCheck(FAIL, reason, detail, metrics)


def _too_long(metrics: dict[str, float]) -> LikenessCheck:
    return _fail(
        "too_long",
        f"The recording is longer than {MAX_DURATION_SECONDS:.0f} s; record just the challenge.",
        metrics,
    )


def _too_many_frames() -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The recording has more than {MAX_DECODED_FRAMES} frames; record at most "
        f"{MAX_DURATION_SECONDS:.0f} s at up to 60 frames a second.",
        code="video_too_large",
        fields={FIELD: [f"At most {MAX_DECODED_FRAMES} frames."]},
    )


def _damaged(why: str) -> InvalidInput:
    return InvalidInput(
        f"The recording is damaged or truncated: {why}.",
        code="invalid_video",
        fields={FIELD: ["Damaged or truncated video."]},
    )


_MISSING_FRAMES_TOLERATED = 0.1
_MP4_FIRST_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot")
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
MP4 = "mp4"
MATROSKA = "matroska"
# What a browser records (MediaRecorder's WebM); any other codec in a Matroska file is refused undecoded.
MATROSKA_CODECS = frozenset({"vp8", "vp9"})
NOT_A_VIDEO = "The recording must be an MP4, MOV or WebM video."
NOT_A_VIDEO_FIELD = "Not an MP4, MOV or WebM video."
# The file extension a recording kept for a moderator is stored under, by demuxer.
EXTENSIONS = {MP4: "mp4", MATROSKA: "webm"}


def recording_format(data: bytes) -> str | None:
    """The demuxer for ``data`` by its signature, or None. MP4 and QuickTime files open with a box (4-byte
    size, 4-byte type), Matroska and WebM with the EBML magic number: sniffing lets only that one demuxer
    see the bytes, and tells a damaged video (400) from a file that is no video at all (415)."""
    if len(data) >= 8 and data[4:8] in _MP4_FIRST_BOXES:
        return MP4
    if data.startswith(_EBML_MAGIC):
        return MATROSKA
    return None


def _video_stream(container: av.container.InputContainer, demuxer: str) -> av.video.stream.VideoStream:
    """The recording's first video track, once it is one we decode (a Matroska file's must be VP8 or VP9)."""
    if not container.streams:
        raise _damaged("it has no readable streams")
    if not container.streams.video:
        raise UnsupportedMedia("The recording has no video track.", fields={FIELD: ["No video track."]})
    stream = container.streams.video[0]
    if stream.codec_context is None or stream.codec_context.width <= 0:
        raise _damaged("its video track has no readable description")
    if demuxer == MATROSKA and stream.codec_context.name not in MATROSKA_CODECS:
        raise UnsupportedMedia(
            "A WebM recording must be VP8 or VP9 video.", fields={FIELD: ["Not VP8 or VP9 video."]}
        )
    return stream


def _claimed_duration(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0


def _sample_frames(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> _Sample:
    """Decode frames in order, keeping thumbnails of every ``stride``-th one; whenever more than
    ``MAX_SAMPLES`` are kept, drop every other one and double the stride. The kept frames stay evenly
    spaced without trusting the header's frame count, and only small thumbnails are ever held. Decoding
    stops as soon as the frames span more than ``MAX_DURATION_SECONDS``, whatever the header claimed."""
    stream.codec_context.options = {"max_pixels": str(MAX_PIXELS)}  # the decoder refuses bigger frames
    stream.thread_type = "AUTO"
    kept: list[np.ndarray] = []
    stride = 1
    decoded = 0
    first = last = None
    stopped = False
    for frame in container.decode(stream):
        time = frame.time
        if time is None:
            raise _damaged("a frame has no timestamp")
        first = time if first is None else min(first, time)
        last = time if last is None else max(last, time)
        if last - first > MAX_DURATION_SECONDS:
            stopped = True
            break
        if decoded == MAX_DECODED_FRAMES:
            raise _too_many_frames()
        if decoded % stride == 0:
            kept.append(_frame_thumbnail(frame))
            if len(kept) > MAX_SAMPLES:
                kept = kept[::2]
                stride *= 2
        decoded += 1
    if decoded == 0 or first is None or last is None:
        raise _damaged("it has no frames")
    # A file cut short often decodes cleanly up to the cut: compare with the frames its index lists
    # (allowing for the few an edit list may hide at the start).
    if not stopped and decoded < stream.frames * (1 - _MISSING_FRAMES_TOLERATED) - 1:
        raise _damaged(f"it ends after {decoded} of its {stream.frames} frames")
    # n frames stamped first..last span n intervals, the last one lasting as long as the average
    duration = (last - first) * decoded / (decoded - 1) if decoded > 1 else 0.0
    return _Sample(kept, decoded, duration, stopped)


def _frame_thumbnail(frame: av.VideoFrame) -> np.ndarray:
    """The frame's centre square at DESCRIPTOR_SIDE, upright (phones store portrait video sideways)."""
    scale = DESCRIPTOR_SIDE / min(frame.width, frame.height)
    width = max(DESCRIPTOR_SIDE, round(frame.width * scale))
    height = max(DESCRIPTOR_SIDE, round(frame.height * scale))
    pixels = frame.reformat(width=width, height=height, format="rgb24", interpolation="AREA").to_ndarray()
    quarter_turns = round((frame.rotation or 0) / 90) % 4
    return _centre_square(np.rot90(pixels, k=quarter_turns))


def _reference_thumbnail(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (DESCRIPTOR_SIDE * 2, DESCRIPTOR_SIDE * 2))  # JPEG: decode at a reduced scale
        picture = image.convert("RGB")
    side = min(picture.size)
    left, top = (picture.width - side) // 2, (picture.height - side) // 2
    square = picture.crop((left, top, left + side, top + side))
    return np.asarray(square.resize((DESCRIPTOR_SIDE, DESCRIPTOR_SIDE), Image.Resampling.BOX))


def _centre_square(pixels: np.ndarray) -> np.ndarray:
    height, width = pixels.shape[:2]
    top, left = (height - DESCRIPTOR_SIDE) // 2, (width - DESCRIPTOR_SIDE) // 2
    return np.ascontiguousarray(pixels[top : top + DESCRIPTOR_SIDE, left : left + DESCRIPTOR_SIDE])


def _grey(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


@dataclass(frozen=True)
class _Descriptor:
    shape: np.ndarray  # zero-mean, unit-norm: a dot product is a correlation in [-1, 1]
    colour: np.ndarray  # square roots of a histogram: a dot product is the Bhattacharyya coefficient


def _describe(rgb: np.ndarray) -> _Descriptor:
    return _Descriptor(_shape_vector(_grey(rgb)), _colour_vector(rgb))


def _shape_vector(grey: np.ndarray) -> np.ndarray:
    """HOG-like: unsigned gradient orientations in 9 bins (votes split between the two nearest bins),
    summed over 8x8 cells, pooled into overlapping 2x2-cell blocks (tolerates small shifts), each block
    normalised against the picture's typical contrast (flat blocks stay small instead of amplifying noise)."""
    gy, gx = np.gradient(grey)  # [64, 64] each
    magnitude = np.hypot(gx, gy)
    position = np.mod(np.arctan2(gy, gx), np.pi) / np.pi * _ORIENTATIONS  # [0, 9)
    low = np.floor(position).astype(np.intp) % _ORIENTATIONS
    high = (low + 1) % _ORIENTATIONS
    upper_share = position - np.floor(position)
    votes = np.zeros((_ORIENTATIONS, *grey.shape), dtype=np.float32)  # [9, 64, 64]
    for b in range(_ORIENTATIONS):
        votes[b] = magnitude * ((low == b) * (1 - upper_share) + (high == b) * upper_share)
    n = grey.shape[0] // _CELL
    cells = votes.reshape(_ORIENTATIONS, n, _CELL, n, _CELL).sum(axis=(2, 4))  # [9, 8, 8]
    blocks = cells[:, :-1, :-1] + cells[:, 1:, :-1] + cells[:, :-1, 1:] + cells[:, 1:, 1:]  # [9, 7, 7]
    norms = np.sqrt((blocks**2).sum(axis=0))  # [7, 7]
    blocks = blocks / np.sqrt(norms**2 + (0.5 * norms.mean() + 1e-6) ** 2) * _BLOCK_WEIGHTS
    vector = blocks.ravel() - blocks.mean()
    return vector / (np.linalg.norm(vector) + 1e-9)


def _colour_vector(rgb: np.ndarray) -> np.ndarray:
    """A histogram of hue (12 bins, votes split between neighbours) x saturation (3 bins) over coloured
    pixels, plus 4 brightness bins for greyish or dark ones, where hue means nothing."""
    hsv = np.asarray(Image.fromarray(rgb).convert("HSV"), dtype=np.float32) / 255  # [64, 64, 3]
    hue, saturation, value = hsv[..., 0].ravel(), hsv[..., 1].ravel(), hsv[..., 2].ravel()
    coloured = ((saturation >= 0.2) & (value >= 0.2)) * _PIXEL_WEIGHTS
    position = hue * _HUES - 0.5
    low = np.floor(position)
    upper_share = position - low
    low_bin = low.astype(np.intp) % _HUES
    high_bin = (low_bin + 1) % _HUES
    sat_bin = np.clip(((saturation - 0.2) / 0.8 * _SATURATIONS).astype(np.intp), 0, _SATURATIONS - 1)
    grey_bin = np.minimum((value * _GREYS).astype(np.intp), _GREYS - 1)
    size = _HUES * _SATURATIONS + _GREYS
    histogram = (
        np.bincount(low_bin * _SATURATIONS + sat_bin, weights=coloured * (1 - upper_share), minlength=size)
        + np.bincount(high_bin * _SATURATIONS + sat_bin, weights=coloured * upper_share, minlength=size)
        + np.bincount(_HUES * _SATURATIONS + grey_bin, weights=_PIXEL_WEIGHTS - coloured, minlength=size)
    )
    return np.sqrt(histogram / histogram.sum())
