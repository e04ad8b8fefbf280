"""Clips: a simulated, rendered and captioned scene with its per-frame ground truth (``WorldClip``).

Ground truth. ``WorldClip.positions`` is each entity's *visual centroid* (the centre of its painted area, what
colour segmentation measures): for a ball or a box the centre, for a triangle (apex up) one third of the
half-extent below its bounding box's centre, for a character the centroid of its body- and trim-coloured
cells in that frame's pose. ``boxes`` holds the bounding boxes, ``free_fall`` the frames reached without any
contact (so positions there follow ``gravity`` exactly), ``bounces`` the simulated floor rebounds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from generation.engine.world.captions import _Captioner
from generation.engine.world.palette import _SPLIT_CODE, HELDOUT_PAIRS
from generation.engine.world.physics import _simulate, _Trace
from generation.engine.world.render import _camera, _offsets, _render, _shares
from generation.engine.world.scene import Scene, make_scene
from generation.engine.world.sprites import render_reference


@dataclass(frozen=True)
class ObjectInfo:
    colour: str  # a COLOURS name; a character's body colour (a CHARACTER_COLOURS name)
    shape: str  # a SHAPES entry, or "character"
    kind: str  # "object" or "character"
    handle: str | None  # the character's handle, else None


@dataclass
class WorldClip:
    frames: np.ndarray  # uint8 [T, H, W, 3]
    fps: int
    caption: str
    objects: list[ObjectInfo]  # N entries, in the order of the arrays below
    positions: np.ndarray  # float32 [T, N, 2]: visual centroid (x, y) in frame pixels, after the camera
    velocities: np.ndarray  # float32 [T, N, 2]: pixels per frame (instantaneous, after the camera)
    sizes: np.ndarray  # float32 [N]: radius / half-extent in pixels (a character: half its height)
    in_view: np.ndarray  # bool [T, N]: the centroid is inside the frame
    occluded: np.ndarray  # bool [T, N]: at least half of its bounding box is behind an occluder
    visible: np.ndarray  # bool [T, N]: in_view and not occluded
    gravity: float  # px per frame² (downwards positive) at this clip's size and fps
    floor_y: float  # the floor's top edge, in pixels
    bounces: np.ndarray  # int [N]: floor bounces (rebounds of at least MIN_BOUNCE) in the clip
    falling: np.ndarray  # bool [N]: in free fall for at least 3 consecutive frames
    reference: np.ndarray | None  # uint8 [S, S, 3]: the character's reference image
    handle: str | None
    split: str
    seed: int
    # Additions.
    boxes: np.ndarray  # float32 [T, N, 4]: bounding box (x0, y0, x1, y1) in pixels
    free_fall: np.ndarray  # bool [T, N]: no contact or push since the previous frame (t = 0: unsupported)
    visible_fraction: np.ndarray  # float32 [T, N]: share of the bounding box inside the frame and unoccluded
    restitution: np.ndarray  # float32 [N]
    motions: list[str]  # per entity: drop, toss, slide, rest, walk, jump, jump_over
    camera_x: np.ndarray  # float32 [T]: the view's left edge in world pixels (world x * pixels per unit)
    pan: float  # px per frame; positive: the camera moves right (static things move left in the frame)
    occluder_boxes: np.ndarray  # float32 [T, K, 4]: occluders (x0, y0, x1, y1) in pixels of the frame
    scene: Scene


def _runs(flags: np.ndarray) -> int:
    """The longest run of True in a 1D bool array."""
    best = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


def _assemble(scene: Scene, trace: _Trace, *, height: int, width: int, fps: int) -> WorldClip:
    frames = trace.pos.shape[0]
    s = float(height)
    camera = _camera(scene, frames, fps)
    offsets = _offsets(scene, trace.pose)
    occluded_share, visible_share, in_view = _shares(scene, trace.pos, offsets, camera)
    occluded = occluded_share >= 0.5
    video, occluder_boxes = _render(scene, trace, height, width, fps, camera)
    bodies = scene.bodies
    n = len(bodies)
    positions = (trace.pos + offsets) * s
    positions[..., 0] -= camera[:, None] * s
    velocities = trace.vel * (s / fps)
    velocities[..., 0] -= scene.camera_speed * s / fps
    half = np.array([[b.half_w, b.half_h] for b in bodies]).reshape(n, 2) * s
    centres = trace.pos * s
    centres[..., 0] -= camera[:, None] * s
    boxes = np.concatenate([centres - half[None], centres + half[None]], axis=-1)
    sizes = np.array([b.half_h if b.shape == "character" else b.half_w for b in bodies]) * s
    rng = np.random.default_rng([scene.seed & 0xFFFFFFFFFFFFFFFF, _SPLIT_CODE.get(scene.split, 0), 0xCA9])
    caption = _Captioner(scene, trace, occluded, in_view, rng).caption()
    handle = next((b.handle for b in bodies if b.shape == "character"), None)
    reference = (
        render_reference(handle, max(height, width), variant=scene.reference_variant)
        if handle is not None
        else None
    )
    objects = [
        ObjectInfo(
            colour=b.colour,
            shape=b.shape,
            kind="character" if b.shape == "character" else "object",
            handle=b.handle,
        )
        for b in bodies
    ]
    return WorldClip(
        frames=video,
        fps=fps,
        caption=caption,
        objects=objects,
        positions=positions.astype(np.float32),
        velocities=velocities.astype(np.float32),
        sizes=sizes.astype(np.float32),
        in_view=in_view,
        occluded=occluded,
        visible=in_view & ~occluded,
        gravity=float(scene.gravity * s / fps**2),
        floor_y=float(scene.floor * s),
        bounces=np.array(trace.bounces, dtype=np.int64),
        falling=np.array([_runs(trace.free[:, i]) >= 3 for i in range(n)], dtype=bool),
        reference=reference,
        handle=handle,
        split=scene.split,
        seed=scene.seed,
        boxes=boxes.astype(np.float32),
        free_fall=trace.free.copy(),
        visible_fraction=visible_share.astype(np.float32),
        restitution=np.array([b.restitution for b in bodies], dtype=np.float32),
        motions=[b.motion for b in bodies],
        camera_x=(camera * s).astype(np.float32),
        pan=float(scene.camera_speed * s / fps),
        occluder_boxes=occluder_boxes,
        scene=scene,
    )


def _check_size(height: int, width: int, frames: int, fps: int) -> None:
    if height < 8 or width < 8 or frames < 1 or fps < 1:
        raise ValueError(f"bad clip shape: {frames} frames of {height}x{width} at {fps} fps")


def render_scene(scene: Scene, *, height: int, width: int, frames: int, fps: int) -> WorldClip:
    """Simulate and render a scene (for hand-made scenes; ``make_clip`` makes random ones)."""
    _check_size(height, width, frames, fps)
    return _assemble(scene, _simulate(scene, frames, fps), height=height, width=width, fps=fps)


def make_clip(
    seed: int, *, height: int, width: int, frames: int, fps: int, split: str = "train"
) -> WorldClip:
    """A random captioned clip of ``frames`` frames of ``height`` x ``width`` at ``fps``. Deterministic per
    (seed, split, shape, fps); the scene depends on the aspect ratio and duration only, so one seed renders
    the same scene at every resolution. Every entity is visible in at least a quarter of the frames (scenes
    that would hide something longer are redrawn, a few times at most)."""
    _check_size(height, width, frames, fps)
    aspect, seconds = width / height, frames / fps
    attempt = 0
    while True:
        scene = make_scene(seed, aspect=aspect, seconds=seconds, split=split, attempt=attempt)
        attempt += 1
        if split == "heldout" and not any((b.colour, b.shape) in HELDOUT_PAIRS for b in scene.bodies):
            if attempt > 200:  # never seen: the held-out object always finds room within a few draws
                raise RuntimeError(f"no room for a held-out object in a {width}x{height} clip (seed {seed})")
            continue  # the held-out object found no room: always redraw
        trace = _simulate(scene, frames, fps)
        camera = _camera(scene, frames, fps)
        occluded_share, _, in_view = _shares(scene, trace.pos, _offsets(scene, trace.pose), camera)
        shown = (in_view & (occluded_share < 0.5)).mean(axis=0)
        if shown.min(initial=1.0) >= 0.25 or attempt >= 8:
            return _assemble(scene, trace, height=height, width=width, fps=fps)


def clip_stream(
    seed: int, *, shapes: list[tuple[int, int, int]], fps: int, split: str = "train"
) -> Iterator[WorldClip]:
    """Endless clips; each takes a random (frames, height, width) from `shapes`; deterministic for a seed."""
    if not shapes:
        raise ValueError("shapes is empty")
    rng = np.random.default_rng([seed & 0xFFFFFFFFFFFFFFFF, 0x57EA])
    while True:
        frames, height, width = shapes[int(rng.integers(len(shapes)))]
        clip_seed = int(rng.integers(0, 2**62))
        yield make_clip(clip_seed, height=height, width=width, frames=frames, fps=fps, split=split)


def config_shapes(config: Any) -> list[tuple[int, int, int]]:
    """(frames, height, width) for every duration and aspect ratio of an engine config (duck-typed: anything
    with ``fps``, ``durations`` and ``frame_sizes``), for ``clip_stream``."""
    return [
        (seconds * config.fps, height, width)
        for seconds in config.durations
        for height, width in config.frame_sizes.values()
    ]
