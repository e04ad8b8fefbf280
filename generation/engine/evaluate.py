"""How well do clips simulate the world? ``python -m generation.engine.evaluate`` measures generated clips
against the physics simulator that makes the training data (``world``), by colour segmentation of the frames.

Every clip source goes through the same code: the simulator's own clips (the *ceiling*: what a perfect model
scores under these detectors), a trained checkpoint's clips, and an untrained model's clips (the *floor*: a
flat grey clip). ``measure(frames, clip)`` gets frames and the ``WorldClip`` whose caption and cameo
reference prompted them, and nothing else: it cannot tell where the frames came from.

The evaluation set. ``evaluation_scenes`` draws ``clips_per_group`` scenes for each of two groups: *seen*
(``split="train"``, seeds ``2**31 + 900_000_000 + 100_000 * seed + i``, beyond training's: new instances of
the colour x shape combinations and identities that training shows) and *unseen* (``split="heldout"``, seeds
50 000 further on: every clip shows a ``HELDOUT_PAIRS`` combination, and its character, if any, is a held-out
identity); the aspect ratio cycles through the three, at the config's native frame size and fps. A model gets
the scene's caption as the prompt, the scene's character reference (if any) as a cameo, and the scene's seed.

What is detected in every frame (``analyse_frame``):
- objects: ``world.classify`` names each pixel's colour; 8-connected blobs of one object colour of at least
  3 px are found, and a colour's *detection* is its largest blob (what ``world.detect`` returns).
- the character: the largest blob of character tones (``world.detect_character``'s rule), leaving out tone
  pixels next to an object colour's (a blurred red edge reads as rose, and would stand in for a hidden
  character).
- occluders, from the frames, not from the scene: columns with at least 12 % of the frame height of neutral
  grey pixels (channel spread <= 12) of grey level 133 to 205, which in this world only the occluders' faces
  have (the background is <= 115, the room's walls <= 131, the floor <= 91), each covered from its top to
  its bottom such pixel, grown by 1 px for the darker rims. So a model is credited for hiding things
  behind the occluders it draws, not behind ones it forgot (and a grey bar it invents does excuse it).
- the floor line, once per clip: where the per-row median grey level of the neutral pixels (median over
  frames) crosses the midpoint from the room's level (rows 35-60 % down) to the floor's (the last 3 rows),
  less 0.85 px for the floor's bright top edge (within +-0.6 px on the simulator's clips). When the two
  levels are under 15 apart (no floor shows), the scene's floor line stands in.

The metrics. An *entity* is a prompted object or the character; ``H`` is the frame height in pixels.

Persistence.
  (a) ``persistence``: the share of frames in which every entity is *accounted for*: detected, or undetected
  but *explained*: its anchor detection (the last one before, or the first one after while it has not been
  seen yet), grown by ``max(2, 0.04 H)`` px plus its measured speed, touches an occluder (in the anchor's
  frame or this one) or the frame's edge. Objects behind a pillar or a low wall, and objects carried out of
  view by a pan or their own motion, are not failures; an entity never detected fails every frame. An
  object is not accounted for in a frame that shows more object-sized blobs of its colour than the prompt
  has objects of that colour: a clip that scatters copies of every prompted colour (what an undertrained
  model makes, and what noise makes) does not show the objects persisting, though each colour's largest
  blob is always there. (No frame of the simulator's clips has such an extra copy.) Target >= 95 %.
  (b) events per entity-second: an *appearance* (undetected -> detected) or a *vanishing* (detected ->
  undetected) that no occluder or edge explains, and a *teleport*: consecutive detections ``k`` frames apart
  further apart than ``k * v_max + 0.1 H``, where ``v_max`` is the fastest this world moves anything in
  this view: a fall from the top of the view to the floor, combined with the fastest slide (1.2 view
  heights/s) plus the pan. Loose on purpose (about 0.4 H per frame at 8 fps, 0.7 H at 4 fps): it catches
  jumps, not wrong speeds.
Physics.
  (a) gravity: for each *object* the ground truth says falls, its free-fall runs (the ``free_fall`` frames
  plus the frame before each run, already on the flight path), kept where the scene shows it >= 90 %
  visible (a part-hidden blob's centroid is biased). The fall is *eligible* when one run keeps >= 4
  frames. The detected centroids' y on those frames are fitted by least squares, one parabola per run
  sharing one acceleration (needs >= 4 detections, one run of 3); the fall passes within 15 % of
  ``gravity``. A clip passes when all its eligible falls do (one too poorly detected to fit fails).
  Reported: the share of clips with eligible falls that pass (target >= 80 %) and the median relative
  error over fitted falls. Limits: the frames are the scene's free-fall frames, so an object that falls at
  another time is fitted over the wrong frames; characters' jumps are left out (their blob's centroid
  wobbles with the pose by a few tenths of a pixel, too much for three- to five-frame arcs).
  (b) restitution: at each floor bounce between two fitted runs (the ground truth comes down at the end of
  one and goes up from the floor at the start of the next, at most 2 frames later), the two parabolas are
  intersected (the contact time) and the restitution is the speed just after over the speed just before.
  Reported: its mean over bounces, next to the simulator's restitution of the same objects (the ceiling
  measures within 0.01 of it, median).
  (c) floor passing: the share of detections whose bottom edge is more than 1.5 px below the floor line.
Prompt adherence: per clip with prompted objects, pass or fail, for the seen and the unseen group apart.
  colour: every prompted object colour is detected in at least half the frames where the scene shows that
  object at least half visible, and no unprompted object colour shows an object-sized blob (a quarter of the
  smallest object the world makes) in 2 frames or 10 % of them. Targets >= 90 % seen, >= 75 % unseen.
  shape: each prompted object's object-sized blobs are classified from their masks, one vote per frame: a
  *triangle* when the top third of its rows is under 0.6 times as wide as the bottom third (apex up: about
  0.2), else a *box* when it covers at least half of its bounding box's corner cells (cells a fifth of its
  smaller side: a box covers them, a disc hardly) or fills at least 0.91 of the box (an anti-aliased box
  may lose just its corner pixels, 0.94 at 8 px; a disc fills 0.785, and at most 0.89 at 6 px), else a
  *ball*. A blob within a pixel of the frame's edge or an occluder may be cut off there: cut at the top or
  bottom (or on both sides) it does not vote, cut on one side only the other side's corners count and the
  fill does not. The majority vote must be the prompted shape (an object with no votes fails). Targets as
  colour. On the simulator's demo clips 0.5 % of objects get the wrong shape; at ``tiny`` sizes (objects
  3-5 px across) shapes are barely drawn and about 20 % do.
  count: per colour, the largest ``k`` such that 2 frames (or 10 %) show ``k`` object-sized blobs of it;
  the sum over the six colours must equal the number of prompted objects (duplicates and extras count).
  The colour and shape rates of the held-out pairs' objects alone are reported too.
Cameo identity.
  In each frame where the scene shows the character at least half visible: the pixels of its blob, binned by
  character tone (the six ``CHARACTER_COLOURS``) within three bands of its height (head: top 5/12, torso:
  next 5/12, legs), weighted by ``(1 - d / 110)²`` for a pixel ``d`` RGB away from its tone (so blended edge
  pixels count little), make an 18-bin histogram; the reference image's sprite (its largest blob of
  character tones) makes another, and the frame scores their cosine similarity (0 if the character is not
  detected). The clip's figure is the mean over those frames, and a row's figure the mean over clips with a
  character, reported with its ratio to the simulator's own figure (about 0.95: the small anti-aliased
  sprite never matches a crisp reference exactly). Target >= 0.8 of it. Limits: the histogram sees which
  tones are where, not the sprite's glyph or hat shape, so identities with the same two tones in the same
  places look alike, and another identity with the same body tone still scores about 0.8.

Shared limits: these are colour blobs, not objects. An object of the right colour in the wrong place passes
adherence, and a model whose colours drift off the palette (over 110 RGB from every named colour, or greyer
than coloured) loses its objects outright, in every metric at once.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from generation.engine.config import ASPECT_RATIOS, CONFIGS, DEFAULT_CONFIG, EngineConfig, get_config
from generation.engine.world import (
    CHARACTER_COLOURS,
    CHARACTER_GREY_MARGIN,
    CHARACTER_MIN_AREA,
    COLOURS,
    HELDOUT_PAIRS,
    MAX_SLIDE,
    MIN_AREA,
    OBJECT_HALF,
    TOLERANCE,
    WorldClip,
    centroid,
    classify,
    components,
    make_clip,
    object_components,
)

if TYPE_CHECKING:
    from generation.engine.pipeline import Engine

# The figures that have targets: what training logs and the sweep compares.
KEY_METRICS = (
    "persistence", "gravity_pass", "gravity_error", "colour_seen", "colour_unseen", "shape_seen",
    "shape_unseen", "identity_ratio",
)  # fmt: skip
EVAL_SEED_BASE = 2**31 + 900_000_000  # above every seed training draws (it draws below 2**31)
SEED_STRIDE = 100_000  # per --seed
GROUP_OFFSET = 50_000  # the unseen group's seeds start this far after the seen group's
GROUPS: tuple[str, ...] = ("seen", "unseen")
SPLIT_OF_GROUP: dict[str, str] = {"seen": "train", "unseen": "heldout"}

GRAVITY_TOLERANCE = 0.15
FLOOR_SLACK = 1.5  # px
FLOOR_EDGE_BIAS = 0.85  # px: the floor's bright top edge moves the midpoint crossing down by this much
SMALLEST_OBJECT = 0.5 * (2 * OBJECT_HALF[0]) ** 2  # view heights²: the smallest triangle make_scene makes
TRIANGLE_TAPER = 0.6
BOX_CORNERS = 0.5
BOX_FILL = 0.91

SIMULATOR = "simulator (ceiling)"
FLOOR = "untrained (floor)"

_TONES = len(CHARACTER_COLOURS)
_TONE_RGB = np.array(list(CHARACTER_COLOURS.values()), dtype=np.float32)

Box = tuple[float, float, float, float]


# ------------------------------------------------------------------------------------------------------------
# The evaluation set
# ------------------------------------------------------------------------------------------------------------


def scene_seed(index: int, group: str, seed: int = 0) -> int:
    return EVAL_SEED_BASE + SEED_STRIDE * seed + (GROUP_OFFSET if group == "unseen" else 0) + index


def evaluation_scenes(
    config: EngineConfig | str, clips_per_group: int = 24, duration: int = 4, seed: int = 0
) -> list[WorldClip]:
    """``clips_per_group`` seen scenes, then as many unseen ones, cycling through the aspect ratios, at the
    config's native frame sizes and fps. Deterministic in the arguments."""
    config = get_config(config) if isinstance(config, str) else config
    if duration not in config.durations:
        raise ValueError(f"duration must be one of {config.durations} for {config.name!r}, not {duration}")
    if not 0 < clips_per_group <= GROUP_OFFSET:
        raise ValueError(f"clips_per_group must be from 1 to {GROUP_OFFSET}")
    if seed < 0:
        raise ValueError("seed must not be negative")
    scenes = []
    for group in GROUPS:
        for i in range(clips_per_group):
            height, width = config.frame_size(ASPECT_RATIOS[i % len(ASPECT_RATIOS)])
            scenes.append(
                make_clip(
                    scene_seed(i, group, seed),
                    height=height,
                    width=width,
                    frames=config.frame_count(duration),
                    fps=config.fps,
                    split=SPLIT_OF_GROUP[group],
                )
            )
    return scenes


def group_of(clip: WorldClip) -> str:
    return "unseen" if clip.split == "heldout" else "seen"


def aspect_of(clip: WorldClip, config: EngineConfig | None = None) -> str:
    """The name of a clip's aspect ratio: the one with its frame size in ``config`` (or in any config), else
    by its shape."""
    size = tuple(clip.frames.shape[1:3])
    for candidate in [config] if config is not None else list(CONFIGS.values()):
        for name, frame_size in candidate.frame_sizes.items():
            if frame_size == size:
                return name
    height, width = size
    return "square" if height == width else ("portrait" if height > width else "landscape")


# ------------------------------------------------------------------------------------------------------------
# What a frame shows
# ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Blob:
    """An 8-connected blob of one named colour, in continuous pixel coordinates (``world``'s convention:
    pixel column ``j`` spans ``[j, j + 1)``)."""

    x: float  # centroid
    y: float
    area: float  # px
    box: Box  # x0, y0, x1, y1
    fill: float  # area / its bounding box's area
    taper: float  # mean width of the top third of its rows / that of the bottom third
    corners: tuple[float, float, float, float]  # how much of each corner cell of its bounding box it covers
    # (top left, top right, bottom left, bottom right; cells a fifth of its smaller side)

    @property
    def bottom(self) -> float:
        return self.box[3]


@dataclass
class FrameDetections:
    blobs: dict[str, list[Blob]]  # object colour -> its blobs of >= MIN_AREA px, largest first
    character: Blob | None
    character_histogram: np.ndarray | None  # float [18]: see ``identity_histogram``
    occluders: np.ndarray  # bool [H, W]: the occluder region
    profile: np.ndarray  # float [H]: each row's median grey level of neutral pixels (nan: too few)

    def detection(self, colour: str) -> Blob | None:
        """``world.detect``'s answer: the colour's largest blob."""
        found = self.blobs.get(colour)
        return found[0] if found else None


def blob(rows: np.ndarray, cols: np.ndarray) -> Blob:
    """The measurements of a blob given by its pixels."""
    r0, r1, c0, c1 = int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max())
    height, width = r1 - r0 + 1, c1 - c0 + 1
    widths = np.bincount(rows - r0, minlength=height).astype(np.float64)
    third = max(1, height // 3)
    bottom = float(widths[-third:].mean())
    taper = float(widths[:third].mean()) / bottom if height >= 3 and bottom > 0 else 1.0
    mask = np.zeros((height, width), dtype=bool)
    mask[rows - r0, cols - c0] = True
    c = max(1, min(height, width) // 5)
    x, y, area = centroid(rows, cols)
    return Blob(
        x=x,
        y=y,
        area=area,
        box=(float(c0), float(r0), float(c1 + 1), float(r1 + 1)),
        fill=len(rows) / float(height * width),
        taper=taper,
        corners=(
            float(mask[:c, :c].mean()),
            float(mask[:c, -c:].mean()),
            float(mask[-c:, :c].mean()),
            float(mask[-c:, -c:].mean()),
        ),
    )


Sides = tuple[bool, bool, bool, bool]  # left, top, right, bottom
WHOLE: Sides = (False, False, False, False)


def cut_sides(found: Blob, occluders: np.ndarray) -> Sides:
    """Which sides of a blob may be cut off: those within a pixel of the frame's edge or of an occluder."""
    height, width = occluders.shape
    x0, y0, x1, y1 = (int(v) for v in found.box)
    return (
        x0 <= 1 or bool(occluders[y0:y1, max(0, x0 - 2) : x0].any()),
        y0 <= 1 or bool(occluders[max(0, y0 - 2) : y0, x0:x1].any()),
        x1 >= width - 1 or bool(occluders[y0:y1, x1 : x1 + 2].any()),
        y1 >= height - 1 or bool(occluders[y1 : y1 + 2, x0:x1].any()),
    )


def shape_of(found: Blob, cut: Sides = WHOLE) -> str | None:
    """ball, box or triangle from a blob's mask, or None when cut at the top or bottom, or on both the left
    and the right, where the mask cannot tell (see the module docstring)."""
    left, top, right, bottom = cut
    if top or bottom or (left and right):
        return None
    if found.taper < TRIANGLE_TAPER:
        return "triangle"
    if not (left or right) and found.fill >= BOX_FILL:
        return "box"  # an anti-aliased box may lose just its corner pixels; a disc leaves a fifth empty
    top_left, top_right, bottom_left, bottom_right = found.corners
    kept = ([] if left else [top_left, bottom_left]) + ([] if right else [top_right, bottom_right])
    return "box" if float(np.mean(kept)) >= BOX_CORNERS else "ball"


def identity_histogram(
    rows: np.ndarray, cols: np.ndarray, tones: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """float [18]: a character blob's pixels (``tones``: indices into ``CHARACTER_COLOURS``) summed with
    ``weights`` per tone within three bands of its height (head: top 5/12, torso: next 5/12, legs: the rest,
    as the 12-cell sprites are laid out), normalised to sum 1."""
    r0 = rows.min()
    relative = (rows - r0 + 0.5) / (rows.max() - r0 + 1)
    band = np.where(relative < 5 / 12, 0, np.where(relative < 10 / 12, 1, 2))
    histogram = np.bincount(band * _TONES + tones, weights=weights, minlength=3 * _TONES)
    return histogram / max(float(histogram.sum()), 1e-9)


def character_of(image: np.ndarray) -> tuple[Blob, np.ndarray] | None:
    """The largest blob of character tones in an image (``world.detect_character``'s rule, less the tone
    pixels touching an object colour's: a blurred red edge reads as rose) and its identity histogram, or
    None."""
    tones = classify(image, grey_margin=CHARACTER_GREY_MARGIN) - len(COLOURS)
    objects = np.pad((tones < 0) & (tones >= -len(COLOURS)), 1)
    height, width = tones.shape
    near = np.zeros((height, width), dtype=bool)
    for dy in range(3):
        for dx in range(3):
            near |= objects[dy : dy + height, dx : dx + width]
    found = components(np.where((tones >= 0) & ~near, 0, -1), CHARACTER_MIN_AREA)
    if not found:
        return None
    _, rows, cols = found[0]
    tone = tones[rows, cols]
    distance = np.linalg.norm(image[rows, cols].astype(np.float32) - _TONE_RGB[tone], axis=1)
    weights = np.clip(1.0 - distance / TOLERANCE, 0.0, 1.0) ** 2
    return blob(rows, cols), identity_histogram(rows, cols, tone, weights)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / norm if norm > 0 else 0.0


def _occluder_region(frame: np.ndarray) -> np.ndarray:
    pixels = frame.astype(np.int16)
    level = pixels.mean(-1)
    grey = ((pixels.max(-1) - pixels.min(-1)) <= 12) & (level >= 133) & (level <= 205)
    height = frame.shape[0]
    columns = grey.sum(0) >= max(3.0, 0.12 * height)
    if not columns.any():
        return np.zeros(grey.shape, dtype=bool)
    top = np.argmax(grey, axis=0)
    bottom = height - 1 - np.argmax(grey[::-1], axis=0)
    rows = np.arange(height)[:, None]
    region = np.pad((rows >= top[None]) & (rows <= bottom[None]) & columns[None], 1)
    # Grown by a pixel each way: the occluders' darker rims belong to them.
    return region[1:-1, 1:-1] | region[:-2, 1:-1] | region[2:, 1:-1] | region[1:-1, :-2] | region[1:-1, 2:]


def _row_profile(frame: np.ndarray) -> np.ndarray:
    pixels = frame.astype(np.float32)
    neutral = (pixels.max(-1) - pixels.min(-1)) <= 12
    enough = neutral.mean(1) >= 0.3
    profile = np.full(frame.shape[0], np.nan)
    if enough.any():
        level = np.where(neutral, pixels.mean(-1), np.nan)
        profile[enough] = np.nanmedian(level[enough], axis=1)
    return profile


def analyse_frame(frame: np.ndarray) -> FrameDetections:
    """Everything ``measure`` detects in one uint8 [H, W, 3] frame."""
    classes = classify(frame)
    blobs = {
        colour: [blob(rows, cols) for rows, cols in parts]
        for colour, parts in object_components(classes, MIN_AREA).items()
    }
    character = character_of(frame)
    return FrameDetections(
        blobs=blobs,
        character=None if character is None else character[0],
        character_histogram=None if character is None else character[1],
        occluders=_occluder_region(frame),
        profile=_row_profile(frame),
    )


def analyse_frames(frames: np.ndarray) -> list[FrameDetections]:
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"expected uint8 frames [T, H, W, 3], got {frames.dtype} {frames.shape}")
    return [analyse_frame(frame) for frame in frames]


def floor_line(found: Sequence[FrameDetections]) -> float | None:
    """The floor's top edge (y in px) from the frames' row profiles, or None when no floor shows."""
    stack = np.stack([f.profile for f in found])
    usable = ~np.isnan(stack).all(0)
    height = stack.shape[1]
    if usable.sum() < max(6, height // 4):
        return None
    rows = np.arange(height)
    profile = np.interp(rows, rows[usable], np.nanmedian(stack[:, usable], axis=0))
    floor = float(np.median(profile[-3:]))
    room = float(np.median(profile[int(0.35 * height) : int(0.6 * height)]))
    if room - floor < 15:
        return None
    threshold = (room + floor) / 2
    r = height - 2
    while r > height // 2 and profile[r] < threshold:
        r -= 1
    if r <= height // 2:
        return None
    above, below = profile[r], profile[r + 1]
    # Row r's centre (r + 0.5) is above the midpoint, row r + 1's below.
    crossing = r + 0.5 + (above - threshold) / max(above - below, 1e-6)
    return float(crossing - FLOOR_EDGE_BIAS)


# ------------------------------------------------------------------------------------------------------------
# The metrics of one clip
# ------------------------------------------------------------------------------------------------------------


@dataclass
class ClipMetrics:
    """What ``measure`` found in one clip, against the scene that prompted it (``None``: not applicable)."""

    seed: int
    group: str  # seen or unseen
    aspect_ratio: str
    caption: str
    frames: int
    seconds: float
    entities: int  # prompted objects plus the character
    objects: int
    # Persistence
    frames_accounted: int = 0  # frames in which every entity is detected or explained
    appearances: int = 0
    vanishings: int = 0
    teleports: int = 0
    # Physics
    gravity: float = 0.0  # the scene's, px/frame²
    falls_eligible: int = 0
    falls_passed: int = 0
    gravity_fits: list[float] = field(default_factory=list)  # px/frame², per fitted fall
    gravity_errors: list[float] = field(default_factory=list)  # relative, per fitted fall
    restitutions: list[float] = field(default_factory=list)  # measured, per bounce
    restitution_truth: list[float] = field(default_factory=list)  # the simulator's, same bounces
    detections: int = 0
    below_floor: int = 0
    floor_y: float | None = None  # the measured floor line (None: none showed)
    floor_truth: float = 0.0
    # Prompt adherence
    colour_ok: bool | None = None  # None (all three): no object prompted
    shape_ok: bool | None = None
    count_ok: bool | None = None
    colours_found: dict[str, bool] = field(default_factory=dict)  # prompted colour -> found
    shapes_found: dict[str, str | None] = field(default_factory=dict)  # prompted colour -> shape seen
    shapes_prompted: dict[str, str] = field(default_factory=dict)
    heldout_colours: list[str] = field(default_factory=list)  # the colours of held-out pairs' objects
    unprompted: list[str] = field(default_factory=list)
    count: int = 0
    # Cameo identity
    identity: float | None = None

    @property
    def persistence(self) -> float:
        return self.frames_accounted / self.frames if self.frames else 0.0

    @property
    def gravity_pass(self) -> bool | None:
        return None if not self.falls_eligible else self.falls_passed == self.falls_eligible


def speed_limit(clip: WorldClip) -> float:
    """px per frame: the fastest this world moves anything in this view (a fall from the top of the view to
    the floor, combined with the fastest slide plus the pan)."""
    fall = math.sqrt(2.0 * clip.gravity * max(clip.floor_y, 1.0))
    across = MAX_SLIDE * clip.frames.shape[1] / clip.fps + abs(clip.pan)
    return math.hypot(fall, across)


def object_area(height: int) -> float:
    """px: a quarter of the smallest object the world draws in a view ``height`` px tall, the least a blob
    covers to count as an object (for the count, the unprompted colours and the shapes)."""
    return max(MIN_AREA, 0.25 * SMALLEST_OBJECT * height * height)


def _touches(box: Box, margin: float, region: np.ndarray) -> bool:
    height, width = region.shape
    x0, y0 = max(0, math.floor(box[0] - margin)), max(0, math.floor(box[1] - margin))
    x1, y1 = min(width, math.ceil(box[2] + margin)), min(height, math.ceil(box[3] + margin))
    return x1 > x0 and y1 > y0 and bool(region[y0:y1, x0:x1].any())


def _at_edge(box: Box, margin: float, height: int, width: int) -> bool:
    return (
        box[0] - margin <= 0 or box[1] - margin <= 0 or box[2] + margin >= width or box[3] + margin >= height
    )


Track = list[Blob | None]


def _tracks(found: Sequence[FrameDetections], clip: WorldClip) -> list[Track]:
    """Each entity's detection in each frame."""
    return [
        [f.character for f in found]
        if info.kind == "character"
        else [f.detection(info.colour) for f in found]
        for info in clip.objects
    ]


@dataclass(frozen=True)
class _Continuity:
    """How far a clip's entities may move between detections, and what explains one appearing or vanishing."""

    found: Sequence[FrameDetections]
    limit: float  # px per frame: the fastest the world moves anything in this view
    slack: float  # px a jump may exceed ``limit`` by
    margin: float  # px around a blob within which an edge or an occluder explains it
    height: int
    width: int

    def speed(self, track: Track, t: int, step: int) -> float:
        """px per frame from detection ``t`` to the next detection in direction ``step`` (0 if none)."""
        frames = len(self.found)
        k = t + step
        while 0 <= k < frames and track[k] is None:
            k += step
        a, b = track[t], track[k] if 0 <= k < frames else None
        if a is None or b is None:
            return 0.0
        return min(math.dist((a.x, a.y), (b.x, b.y)) / abs(k - t), self.limit)

    def explained(self, anchor: Blob, grow: float, times: tuple[int, int]) -> bool:
        """Whether a frame edge, or an occluder in one of the frames ``times``, lies next to ``anchor``."""
        m = self.margin + grow
        return _at_edge(anchor.box, m, self.height, self.width) or any(
            _touches(anchor.box, m, self.found[t].occluders) for t in times
        )


def _persistence(
    found: Sequence[FrameDetections], clip: WorldClip, tracks: list[Track], out: ClipMetrics
) -> None:
    """Counts into ``out`` the frames accounted for, teleports, and unexplained appearances and vanishings."""
    frames = len(found)
    height, width = clip.frames.shape[1:3]
    continuity = _Continuity(
        found=found,
        limit=speed_limit(clip),
        slack=0.1 * height,
        margin=max(2.0, 0.04 * height),
        height=height,
        width=width,
    )
    accounted = np.ones(frames, dtype=bool)
    big = object_area(height)
    prompted = Counter(info.colour for info in clip.objects if info.kind == "object")
    for colour, n in prompted.items():
        copies = np.array([sum(b.area >= big for b in f.blobs.get(colour, ())) for f in found])
        accounted &= copies <= n
    for track in tracks:
        _track_persistence(track, continuity, accounted, out)
    out.frames_accounted = int(accounted.sum())


def _track_persistence(
    track: Track, continuity: _Continuity, accounted: np.ndarray, out: ClipMetrics
) -> None:
    """Counts an entity's teleports, appearances and vanishings into ``out``; clears unexplained frames."""
    frames = len(continuity.found)
    seen = [t for t in range(frames) if track[t] is not None]
    if not seen:
        accounted[:] = False
        return
    last: int | None = None
    for t in range(frames):
        current = track[t]
        if current is not None:
            previous = track[last] if last is not None else None
            if last is not None and previous is not None:
                jump = math.dist((current.x, current.y), (previous.x, previous.y))
                out.teleports += jump > continuity.limit * (t - last) + continuity.slack
            if (
                t > 0
                and track[t - 1] is None
                and not continuity.explained(current, continuity.speed(track, t, +1), (t - 1, t))
            ):
                out.appearances += 1
            last = t
            continue
        anchor = last if last is not None else seen[0]
        anchor_blob = track[anchor]
        assert anchor_blob is not None
        ok = continuity.explained(
            anchor_blob, continuity.speed(track, anchor, -1 if last is not None else +1), (anchor, t)
        )
        accounted[t] &= ok
        if not ok and last == t - 1:
            out.vanishings += 1


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) of every run of True."""
    runs = []
    start = None
    for t, flag in enumerate(flags):
        if flag and start is None:
            start = t
        elif not flag and start is not None:
            runs.append((start, t - 1))
            start = None
    if start is not None:
        runs.append((start, len(flags) - 1))
    return runs


def eligible_falls(clip: WorldClip) -> list[tuple[int, list[list[int]]]]:
    """(entity, frames of each free-fall run) of every eligible fall of a scene (see the module docstring)."""
    falls = []
    for n, info in enumerate(clip.objects):
        if info.kind != "object" or not clip.falling[n]:
            continue
        runs = []
        for start, end in _runs(clip.free_fall[:, n]):
            kept = [t for t in range(max(start - 1, 0), end + 1) if clip.visible_fraction[t, n] >= 0.9]
            if kept:
                runs.append(kept)
        if max((len(run) for run in runs), default=0) >= 4:
            falls.append((n, runs))
    return falls


Line = tuple[float, float, int]  # a, b, t0 of y = a + b (t - t0) + g (t - t0)² / 2


def fit_fall(runs: Sequence[Sequence[tuple[int, float]]]) -> tuple[float, list[Line]] | None:
    """Least squares over runs of (frame, y) points: one parabola ``y = a + b (t - t0) + g (t - t0)² / 2``
    per run (``t0`` its first frame), all sharing ``g``. Runs of fewer than 2 points are dropped. Returns
    ``(g, [(a, b, t0) per kept run])``, or None with fewer than 4 points, no run of 3, or more unknowns
    than points."""
    kept = [list(run) for run in runs if len(run) >= 2]
    points = sum(len(run) for run in kept)
    if points < max(4, 2 * len(kept) + 1) or max((len(run) for run in kept), default=0) < 3:
        return None
    design = np.zeros((points, 2 * len(kept) + 1))
    target = np.zeros(points)
    row = 0
    for k, run in enumerate(kept):
        for t, y in run:
            tau = t - run[0][0]
            design[row, 2 * k : 2 * k + 2] = 1.0, tau
            design[row, -1] = 0.5 * tau * tau
            target[row] = y
            row += 1
    solution, _, rank, _ = np.linalg.lstsq(design, target, rcond=None)
    if rank < design.shape[1]:
        return None
    lines = [(float(solution[2 * k]), float(solution[2 * k + 1]), run[0][0]) for k, run in enumerate(kept)]
    return float(solution[-1]), lines


def bounce(before: Line, after: Line, g: float) -> tuple[float, float] | None:
    """(contact time, restitution) where a flight coming down meets the next one going up, or None."""
    (a0, a1, s), (b0, b1, u) = before, after
    # With a shared g the difference of the two parabolas is linear in t.
    slope = a1 - b1 - g * s + g * u
    offset = a0 - a1 * s + 0.5 * g * s * s - (b0 - b1 * u + 0.5 * g * u * u)
    if abs(slope) < 1e-9:
        return None
    t = -offset / slope
    down, up = a1 + g * (t - s), b1 + g * (t - u)
    if down <= 0 or up >= 0:
        return None
    return t, -up / down


def _physics(clip: WorldClip, tracks: list[Track], out: ClipMetrics) -> None:
    g = clip.gravity
    for n, eligible in eligible_falls(clip):
        out.falls_eligible += 1
        track = tracks[n]
        runs = [[(t, found.y) for t in run if (found := track[t]) is not None] for run in eligible]
        fitted = fit_fall(runs)
        if fitted is None:
            continue
        g_fit, lines = fitted
        error = abs(g_fit - g) / g
        out.gravity_fits.append(g_fit)
        out.gravity_errors.append(error)
        out.falls_passed += error <= GRAVITY_TOLERANCE
        # Floor bounces between consecutive fitted runs: the ground truth comes down at the end of the first
        # and goes up from the floor at the start of the second.
        kept = [run for run in runs if len(run) >= 2]
        for k in range(len(kept) - 1):
            end, start = kept[k][-1][0], kept[k + 1][0][0]
            if start - end > 2 or clip.free_fall[end + 1 : start + 1, n].all():
                continue
            down, up = float(clip.velocities[end, n, 1]), float(clip.velocities[start, n, 1])
            if down <= 0 or up >= 0 or abs(float(clip.boxes[start, n, 3]) - clip.floor_y) > 0.5 - up:
                continue
            contact = bounce(lines[k], lines[k + 1], g_fit)
            if contact is not None and end - 0.5 <= contact[0] <= start + 0.5:
                out.restitutions.append(contact[1])
                out.restitution_truth.append(float(clip.restitution[n]))


def _floor(found: Sequence[FrameDetections], clip: WorldClip, tracks: list[Track], out: ClipMetrics) -> None:
    out.floor_y = floor_line(found)
    line = clip.floor_y if out.floor_y is None else out.floor_y
    for track in tracks:
        for detection in track:
            if detection is not None:
                out.detections += 1
                out.below_floor += detection.bottom > line + FLOOR_SLACK


def _adherence(
    found: Sequence[FrameDetections], clip: WorldClip, tracks: list[Track], out: ClipMetrics
) -> None:
    frames = len(found)
    big = object_area(clip.frames.shape[1])
    for n, info in enumerate(clip.objects):
        if info.kind != "object":
            continue
        track = tracks[n]
        promised = clip.visible_fraction[:, n] >= 0.5
        shown = sum(track[t] is not None for t in np.nonzero(promised)[0])
        out.colours_found[info.colour] = bool(promised.any()) and shown >= 0.5 * promised.sum()
        out.shapes_prompted[info.colour] = info.shape
        if (info.colour, info.shape) in HELDOUT_PAIRS:
            out.heldout_colours.append(info.colour)
        votes: dict[str, int] = {}
        for t, b in enumerate(track):
            shape = shape_of(b, cut_sides(b, found[t].occluders)) if b is not None and b.area >= big else None
            if shape is not None:
                votes[shape] = votes.get(shape, 0) + 1
        out.shapes_found[info.colour] = max(votes, key=lambda shape: votes[shape]) if votes else None
    prompted = set(out.shapes_prompted)
    persistent = max(2, math.ceil(0.1 * frames))
    for colour in COLOURS:
        per_frame = np.array([sum(b.area >= big for b in f.blobs.get(colour, ())) for f in found])
        k = 0
        while (per_frame > k).sum() >= persistent:
            k += 1
        out.count += k
        if k and colour not in prompted:
            out.unprompted.append(colour)
    if out.shapes_prompted:
        out.colour_ok = all(out.colours_found.values()) and not out.unprompted
        out.shape_ok = all(out.shapes_found[c] == shape for c, shape in out.shapes_prompted.items())
        out.count_ok = out.count == out.objects


def _identity(found: Sequence[FrameDetections], clip: WorldClip) -> float | None:
    n = next((n for n, info in enumerate(clip.objects) if info.kind == "character"), None)
    if n is None or clip.reference is None:
        return None
    reference = character_of(clip.reference)
    promised = [int(t) for t in np.nonzero(clip.visible_fraction[:, n] >= 0.5)[0]]
    if reference is None or not promised:
        return None
    scores = [
        0.0 if (histogram := found[t].character_histogram) is None else similarity(histogram, reference[1])
        for t in promised
    ]
    return float(np.mean(scores))


def measure(frames: np.ndarray, clip: WorldClip, *, config: EngineConfig | None = None) -> ClipMetrics:
    """Every metric of ``frames`` (uint8 [T, H, W, 3]) against the scene ``clip`` that prompted them. The
    frames must have the scene's shape (generate at the config's native size, for the scene's duration)."""
    if frames.shape != clip.frames.shape:
        raise ValueError(f"frames {frames.shape} do not match the scene's {clip.frames.shape}")
    found = analyse_frames(frames)
    tracks = _tracks(found, clip)
    out = ClipMetrics(
        seed=clip.seed,
        group=group_of(clip),
        aspect_ratio=aspect_of(clip, config),
        caption=clip.caption,
        frames=len(frames),
        seconds=len(frames) / clip.fps,
        entities=len(clip.objects),
        objects=sum(info.kind == "object" for info in clip.objects),
        gravity=clip.gravity,
        floor_truth=clip.floor_y,
    )
    _persistence(found, clip, tracks, out)
    _physics(clip, tracks, out)
    _floor(found, clip, tracks, out)
    _adherence(found, clip, tracks, out)
    out.identity = _identity(found, clip)
    return out


# ------------------------------------------------------------------------------------------------------------
# Summaries
# ------------------------------------------------------------------------------------------------------------

Summary = dict[str, float | int | None]


def _share(flags: Sequence[bool]) -> float | None:
    return float(np.mean(flags)) if flags else None


def summarise(metrics: Sequence[ClipMetrics]) -> Summary:
    """The figures of a row from its clips' metrics (None where no clip applies)."""
    entity_seconds = sum(m.entities * m.seconds for m in metrics)
    frames = sum(m.frames for m in metrics)
    errors = [e for m in metrics for e in m.gravity_errors]
    measured = [r for m in metrics for r in m.restitutions]
    truth = [r for m in metrics for r in m.restitution_truth]
    detections = sum(m.detections for m in metrics)
    falling = [m for m in metrics if m.falls_eligible]
    identities = [m.identity for m in metrics if m.identity is not None]
    summary: Summary = {
        "clips": len(metrics),
        "persistence": sum(m.frames_accounted for m in metrics) / frames if frames else None,
        "appear_rate": sum(m.appearances for m in metrics) / entity_seconds if entity_seconds else None,
        "vanish_rate": sum(m.vanishings for m in metrics) / entity_seconds if entity_seconds else None,
        "teleport_rate": sum(m.teleports for m in metrics) / entity_seconds if entity_seconds else None,
        "gravity_clips": len(falling),
        "gravity_pass": _share([bool(m.gravity_pass) for m in falling]),
        "gravity_fitted": len(errors),
        "gravity_falls": sum(m.falls_eligible for m in metrics),
        "gravity_error": float(np.median(errors)) if errors else None,
        "bounces": len(measured),
        "restitution": float(np.mean(measured)) if measured else None,
        "restitution_truth": float(np.mean(truth)) if truth else None,
        "detections": detections,
        "floor_passing": sum(m.below_floor for m in metrics) / detections if detections else None,
        "identity_clips": len(identities),
        "identity": float(np.mean(identities)) if identities else None,
    }
    for group in (*GROUPS, "all"):
        chosen = [m for m in metrics if group in ("all", m.group)]
        suffix = "" if group == "all" else f"_{group}"
        for key in ("colour", "shape", "count"):
            flags = [getattr(m, f"{key}_ok") for m in chosen]
            summary[f"{key}{suffix}"] = _share([flag for flag in flags if flag is not None])
    heldout = [(m, c) for m in metrics for c in m.heldout_colours]
    summary["colour_heldout_pairs"] = _share([m.colours_found[c] for m, c in heldout])
    summary["shape_heldout_pairs"] = _share([m.shapes_found[c] == m.shapes_prompted[c] for m, c in heldout])
    return summary


# ------------------------------------------------------------------------------------------------------------
# Running models on the evaluation set
# ------------------------------------------------------------------------------------------------------------


@dataclass
class Run:
    """One row of the report: a clip source's frames and metrics on every scene."""

    name: str
    metrics: list[ClipMetrics]
    frames: list[np.ndarray]  # per scene (empty when not kept)
    generate_s: float  # seconds spent making the clips (0 for the simulator's)
    measure_s: float

    @property
    def summary(self) -> Summary:
        return summarise(self.metrics)

    @property
    def seconds_per_clip(self) -> float:
        return (self.generate_s + self.measure_s) / max(len(self.metrics), 1)


def generate_for(engine: Engine, clip: WorldClip, *, steps: int | None = None) -> np.ndarray:
    """The engine's clip for a scene: its caption as the prompt, its character reference (if any) as a
    cameo, its seed, its duration and aspect ratio."""
    from generation.engine.requests import CameoReference, GenerationRequest

    config = engine.config
    frames, height, width = clip.frames.shape[:3]
    if clip.fps != config.fps or frames % config.fps or (height, width) not in config.frame_sizes.values():
        raise ValueError(
            f"a {frames}-frame {height}x{width} scene at {clip.fps} fps is not a native clip of "
            f"{config.name!r}"
        )
    request = GenerationRequest(
        prompt=clip.caption,
        duration_seconds=frames // config.fps,
        aspect_ratio=aspect_of(clip, config),
        seed=clip.seed,
        steps=steps,
        cameos=[CameoReference(image=clip.reference)] if clip.reference is not None else [],
    )
    return engine.generate(request).frames


def evaluate(
    engine: Engine | None,
    scenes: Sequence[WorldClip],
    *,
    name: str | None = None,
    steps: int | None = None,
    progress: bool = True,
    keep_frames: bool = True,
) -> Run:
    """Measure a clip source on every scene: ``engine``'s clips, or with ``engine=None`` the simulator's."""
    from tqdm import tqdm

    name = name or (SIMULATOR if engine is None else "model")
    metrics, kept = [], []
    generate_s = measure_s = 0.0
    for clip in tqdm(scenes, desc=name, unit="clip", disable=not progress, file=sys.stderr):
        started = time.perf_counter()
        frames = clip.frames if engine is None else generate_for(engine, clip, steps=steps)
        generated = time.perf_counter()
        metrics.append(measure(frames, clip, config=None if engine is None else engine.config))
        generate_s += generated - started
        measure_s += time.perf_counter() - generated
        if keep_frames:
            kept.append(frames)
    return Run(name=name, metrics=metrics, frames=kept, generate_s=generate_s, measure_s=measure_s)


# ------------------------------------------------------------------------------------------------------------
# The report
# ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    label: str
    key: str
    kind: str  # "share", "rate", "number" or "count"
    target: float | None = None  # the least acceptable value (all targets are lower bounds)


ROWS: tuple[Row, ...] = (
    Row("persistence: frames with every entity accounted for", "persistence", "share", 0.95),
    Row("appearances per entity-second", "appear_rate", "rate"),
    Row("vanishings per entity-second", "vanish_rate", "rate"),
    Row("teleports per entity-second", "teleport_rate", "rate"),
    Row("gravity within 15 %: share of falling-object clips", "gravity_pass", "share", 0.80),
    Row("gravity: median relative error of fitted falls", "gravity_error", "share"),
    Row("gravity: falls fitted / eligible", "gravity_fitted", "count"),
    Row("restitution at floor bounces, mean (simulator's value)", "restitution", "number"),
    Row("floor passing: detections > 1.5 px below the floor", "floor_passing", "share"),
    Row("colour adherence, seen", "colour_seen", "share", 0.90),
    Row("colour adherence, unseen", "colour_unseen", "share", 0.75),
    Row("shape adherence, seen", "shape_seen", "share", 0.90),
    Row("shape adherence, unseen", "shape_unseen", "share", 0.75),
    Row("count adherence, seen", "count_seen", "share"),
    Row("count adherence, unseen", "count_unseen", "share"),
    Row("held-out pairs' objects: colour found", "colour_heldout_pairs", "share"),
    Row("held-out pairs' objects: shape right", "shape_heldout_pairs", "share"),
    Row("cameo identity: histogram similarity", "identity", "number"),
    Row("cameo identity / the simulator's", "identity_ratio", "number", 0.80),
    Row("seconds per clip (generate + measure)", "seconds_per_clip", "number"),
)


def _cell(row: Row, summary: Summary) -> str:
    value = summary.get(row.key)
    if row.key == "gravity_fitted":
        return f"{summary['gravity_fitted']} / {summary['gravity_falls']}"
    if value is None:
        return "n/a"
    if row.kind == "share":
        text = f"{100 * value:.1f} %"
    elif row.kind == "rate":
        text = f"{value:.3f}"
    elif row.kind == "count":
        text = str(value)
    else:
        text = f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    if row.key == "restitution" and summary.get("restitution_truth") is not None:
        text += f" ({summary['restitution_truth']:.3f})"
    if row.target is not None:
        text += " met" if value >= row.target - 1e-12 else " MISSED"
    return text


def _target(row: Row) -> str:
    if row.target is None:
        return ""
    return f">= {100 * row.target:.0f} %" if row.kind == "share" else f">= {row.target:g}"


def report_summaries(runs: Sequence[Run]) -> list[Summary]:
    """Each run's summary, plus its identity ratio to the simulator's run (if one is among them) and its
    seconds per clip."""
    summaries = [dict(run.summary) for run in runs]
    simulator = next((s for run, s in zip(runs, summaries, strict=True) if run.name == SIMULATOR), None)
    reference = simulator.get("identity") if simulator else None
    for run, summary in zip(runs, summaries, strict=True):
        identity = summary.get("identity")
        summary["identity_ratio"] = (
            identity / reference
            if identity is not None and isinstance(reference, float) and reference
            else None
        )
        summary["seconds_per_clip"] = run.seconds_per_clip
    return summaries


def markdown_table(runs: Sequence[Run]) -> str:
    """Metrics as rows, clip sources as columns, with the targets and whether each row meets them."""
    summaries = report_summaries(runs)
    lines = [
        "| metric | target | " + " | ".join(run.name for run in runs) + " |",
        "|---|---|" + "---|" * len(runs),
    ]
    for row in ROWS:
        cells = [_cell(row, summary) for summary in summaries]
        lines.append(f"| {row.label} | {_target(row)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_report(
    runs: Sequence[Run],
    out: str | Path,
    *,
    config: EngineConfig,
    duration: int,
    clips_per_group: int,
    steps: int | None = None,
    seed: int = 0,
    device: str | None = None,
    sheet: str | None = "sheet.png",
) -> Path:
    """Writes ``report.md`` (and ``summary.json``, every figure of every row) into ``out``; returns the
    report's path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    summaries = report_summaries(runs)
    scenes = runs[0].metrics if runs else []
    falling = summaries[0].get("gravity_clips") if summaries else 0
    characters = summaries[0].get("identity_clips") if summaries else 0
    text = [
        "# World-simulation evaluation",
        "",
        f"Config `{config.name}` ({config.fps} fps, native sizes), {duration} s clips, "
        f"{clips_per_group} scenes per group ({len(scenes)} in all: seen combinations and held-out ones), "
        f"scene seeds from {scene_seed(0, 'seen', seed)}"
        + (f", {steps or config.steps} sampling steps" if any(run.name != SIMULATOR for run in runs) else "")
        + (f", device `{device}`" if device else "")
        + f". {falling} scenes have a fall to fit, {characters} a character.",
        "",
        markdown_table(runs),
        "",
        "Metric definitions are in `generation/engine/evaluate.py`'s docstring. In short: persistence counts "
        "frames where every prompted object and character is detected or hidden behind an occluder or out "
        "of the frame; gravity fits a shared-acceleration parabola to the detected free-fall frames; "
        "adherence checks the prompted colours, shapes and counts in the frames; identity compares "
        "character-tone histograms with the cameo reference.",
    ]
    if sheet:
        text += ["", f"![real frames next to generated ones]({sheet})"]
    path = out / "report.md"
    path.write_text("\n".join(text) + "\n")
    (out / "summary.json").write_text(
        json.dumps(
            {run.name: summary for run, summary in zip(runs, summaries, strict=True)},
            indent=2,
            sort_keys=True,
        )
        + "\n"
    )
    return path


def _font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=11)  # a scalable font where Pillow has FreeType
    except (TypeError, OSError, ImportError):
        return ImageFont.load_default()


def contact_sheet(
    scenes: Sequence[WorldClip],
    runs: Sequence[Run],
    path: str | Path,
    *,
    count: int = 4,
    every: int | None = None,
) -> Path:
    """A PNG grid: for ``count`` scenes spread over the set, the caption, then one row of every ``every``-th
    frame (default: 8 frames a row) per run (the simulator's real frames, then each model's)."""
    if not scenes:
        raise ValueError("a contact sheet needs scenes")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    shown = [int(i) for i in np.unique(np.linspace(0, len(scenes) - 1, min(count, len(scenes))).round())]
    runs = [run for run in runs if len(run.frames) == len(scenes)]
    frames = max(clip.frames.shape[0] for clip in scenes)
    every = every or max(1, frames // 8)
    picks = list(range(0, frames, every))
    cell_h = max(clip.frames.shape[1] for clip in scenes)
    cell_w = max(clip.frames.shape[2] for clip in scenes)
    scale = max(1, round(128 / max(cell_h, cell_w)))
    cell_h, cell_w = cell_h * scale, cell_w * scale
    label_w, gap, text_h = 150, 4, 12
    width = label_w + len(picks) * (cell_w + gap) + gap
    chars = max(20, (width - 8) // 6)
    captions = {
        i: textwrap.wrap(f"{scenes[i].seed} ({group_of(scenes[i])}): {scenes[i].caption}", chars)[:3]
        for i in shown
    }
    height = gap + sum(len(captions[i]) * text_h + gap + len(runs) * (cell_h + gap) + 2 * gap for i in shown)
    sheet = Image.new("RGB", (width, max(height, 1)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    font = _font()
    y = gap
    for i in shown:
        for line in captions[i]:
            draw.text((4, y), line, fill=(0, 0, 0), font=font)
            y += text_h
        y += gap
        for run in runs:
            draw.text((4, y + cell_h // 2 - 6), textwrap.shorten(run.name, 24), fill=(0, 0, 0), font=font)
            clip_frames = run.frames[i]
            for k, t in enumerate(picks):
                if t >= len(clip_frames):
                    continue
                image = Image.fromarray(clip_frames[t])
                image = image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)
                x = label_w + gap + k * (cell_w + gap)
                sheet.paste(image, (x + (cell_w - image.width) // 2, y + (cell_h - image.height) // 2))
            y += cell_h + gap
        draw.line([(0, y + gap // 2), (width, y + gap // 2)], fill=(200, 200, 200))
        y += 2 * gap
    sheet.save(path)
    return path


# ------------------------------------------------------------------------------------------------------------
# The command
# ------------------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m generation.engine.evaluate", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument(
        "--checkpoint", type=Path, help="the checkpoint to evaluate (default: the shipped one)"
    )
    parser.add_argument(
        "--config", default=None, help=f"one of {', '.join(CONFIGS)} (default: {DEFAULT_CONFIG})"
    )
    parser.add_argument("--clips", type=int, default=24, help="scenes per group (seen, unseen)")
    parser.add_argument("--duration", type=int, default=4, help="seconds per clip")
    parser.add_argument("--steps", type=int, help="sampling steps (default: the config's)")
    parser.add_argument("--out", type=Path, default=Path("eval"), help="where report.md and sheet.png go")
    parser.add_argument("--device", help="cpu or cuda (default: cuda when there is one)")
    parser.add_argument("--no-floor", action="store_true", help="skip the untrained model's row")
    parser.add_argument(
        "--simulator-only", action="store_true", help="only the simulator's row (loads no model)"
    )
    parser.add_argument("--seed", type=int, default=0, help="picks another set of scenes")
    parser.add_argument("--sheet-scenes", type=int, default=4, help="scenes on the contact sheet")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from generation.engine.errors import EngineError

    try:
        started = time.perf_counter()
        engines: list[tuple[str, Engine]] = []
        if args.simulator_only:
            config = get_config(args.config or DEFAULT_CONFIG)
        else:
            from generation.engine.model import VideoDiT
            from generation.engine.pipeline import Engine

            trained = Engine.load(args.checkpoint, config=args.config, device=args.device)
            config = trained.config
            if getattr(trained, "trained", True):
                stem = args.checkpoint.stem if args.checkpoint else f"shipped {config.name}"
                engines.append((f"{stem} (trained)", trained))
            else:
                print(
                    f"warning: no trained checkpoint ships for {config.name!r}: only the simulator's row"
                    + ("" if args.no_floor else " and the untrained model's"),
                    file=sys.stderr,
                )
            if not args.no_floor:
                floor = trained if not getattr(trained, "trained", True) else None
                engines.append((FLOOR, floor or Engine(VideoDiT(config), device=trained.device)))
        scenes = evaluation_scenes(config, args.clips, args.duration, args.seed)
        runs = [evaluate(None, scenes, name=SIMULATOR, progress=not args.quiet)]
        for name, engine in engines:
            runs.append(evaluate(engine, scenes, name=name, steps=args.steps, progress=not args.quiet))
        device = str(engines[0][1].device) if engines else None
        sheet = contact_sheet(scenes, runs, args.out / "sheet.png", count=args.sheet_scenes)
        report = write_report(
            runs,
            args.out,
            config=config,
            duration=args.duration,
            clips_per_group=args.clips,
            steps=args.steps,
            seed=args.seed,
            device=device,
            sheet=sheet.name,
        )
    except (EngineError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.read_text())
    print(f"wrote {report} and {sheet} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
