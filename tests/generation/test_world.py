"""The procedural physics world that makes training clips: determinism, shapes, physics, occlusion, colour
segmentation, captions, the held-out split, cameo references and camera pans. Pure NumPy, no Django."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterable

import numpy as np
import pytest

from generation.engine.config import ASPECT_RATIOS, get_config
from generation.engine.world import (
    CHARACTER_COLOURS,
    COLOURS,
    HELDOUT_IDENTITIES,
    HELDOUT_PAIRS,
    IDENTITIES,
    MIN_BOUNCE,
    SHAPE_WORDS,
    SHAPES,
    Body,
    Occluder,
    Scene,
    WorldClip,
    classify,
    clip_stream,
    config_shapes,
    detect,
    detect_all,
    detect_character,
    dominant_character_colour,
    identity,
    make_clip,
    render_reference,
    render_scene,
)

DEMO = get_config("demo")


def demo_clip(seed: int, aspect: str = "square", seconds: int = 4, split: str = "train") -> WorldClip:
    height, width = DEMO.frame_size(aspect)
    return make_clip(seed, height=height, width=width, frames=seconds * DEMO.fps, fps=DEMO.fps, split=split)


def first_clip(predicate: Callable[[WorldClip], bool], seeds: Iterable[int] = range(400)) -> WorldClip:
    for seed in seeds:
        clip = demo_clip(seed)
        if predicate(clip):
            return clip
    raise AssertionError("no clip in the seed range has the wanted property")


def ball_scene(*, restitution: float = 0.7, y: float = 0.2, x: float = 0.5) -> Scene:
    """A red ball dropped in an empty square room."""
    ball = Body(
        shape="ball",
        colour="red",
        x=x,
        y=y,
        half_w=0.07,
        half_h=0.07,
        restitution=restitution,
        friction=0.02,
        motion="drop",
    )
    return Scene(aspect=1.0, seconds=4.0, world_width=1.0, floor=0.85, bodies=[ball], seed=1)


@pytest.fixture(scope="module")
def sample_clips() -> list[WorldClip]:
    """A varied set of demo clips across aspect ratios."""
    return [
        demo_clip(seed, aspect) for seed in range(24) for aspect in ASPECT_RATIOS[seed % 3 : seed % 3 + 1]
    ]


# ----------------------------------------------------------------------------------------------------------
# The palette and identities
# ----------------------------------------------------------------------------------------------------------


def test_palette_is_far_apart_and_far_from_neutral_scenery() -> None:
    objects = np.array(list(COLOURS.values()), dtype=float)
    characters = np.array(list(CHARACTER_COLOURS.values()), dtype=float)
    assert len(COLOURS) >= 6 and set(SHAPES) >= {"ball", "box", "triangle"}
    pairwise = np.linalg.norm(objects[:, None] - objects[None], axis=-1)
    assert pairwise[~np.eye(len(objects), dtype=bool)].min() >= 120
    assert np.linalg.norm(objects - objects.mean(1, keepdims=True), axis=1).min() >= 110  # far from greys
    assert np.linalg.norm(characters[:, None] - objects[None], axis=-1).min() >= 100
    # A room with nothing in it: every pixel is neutral and classifies as no colour.
    empty = Scene(aspect=1.0, seconds=1.0, world_width=1.0, floor=0.85, bodies=[], seed=0)
    empty.occluders.append(Occluder(0.3, 0.5, 0.0, 0.85, 160, "pillar"))
    clip = render_scene(empty, height=64, width=64, frames=2, fps=8)
    assert (clip.frames[..., 0] == clip.frames[..., 1]).all() and (
        clip.frames[..., 1] == clip.frames[..., 2]
    ).all()
    assert (classify(clip.frames[0]) == -1).all()


def test_identities_are_a_fixed_pool_with_a_fifth_held_out() -> None:
    assert len(IDENTITIES) == len(set(IDENTITIES)) == 48
    assert all(handle.startswith("@") for handle in IDENTITIES)
    assert set(IDENTITIES) > HELDOUT_IDENTITIES and 0.15 <= len(HELDOUT_IDENTITIES) / len(IDENTITIES) <= 0.25
    sprites = {(identity(h).body, identity(h).trim, identity(h).poses.tobytes()) for h in IDENTITIES}
    assert len(sprites) == 48  # every identity looks different
    for handle in IDENTITIES[:5]:
        ident = identity(handle)
        assert (
            ident.body in CHARACTER_COLOURS and ident.trim in CHARACTER_COLOURS and ident.body != ident.trim
        )
        assert ident.poses.shape[1] == 12 and set(np.unique(ident.poses)) <= {0, 1, 2, 3}


# ----------------------------------------------------------------------------------------------------------
# Determinism and shapes
# ----------------------------------------------------------------------------------------------------------


def test_clips_are_deterministic_per_seed() -> None:
    a, b, c = demo_clip(7), demo_clip(7), demo_clip(8)
    assert np.array_equal(a.frames, b.frames) and a.caption == b.caption
    assert np.array_equal(a.positions, b.positions) and a.objects == b.objects
    assert not np.array_equal(a.frames, c.frames)
    stream = clip_stream(3, shapes=[(8, 32, 32), (16, 40, 24)], fps=4)
    again = clip_stream(3, shapes=[(8, 32, 32), (16, 40, 24)], fps=4)
    for x, y in zip(itertools.islice(stream, 4), itertools.islice(again, 4), strict=True):
        assert np.array_equal(x.frames, y.frames) and x.caption == y.caption
        assert x.frames.shape[:3] in ((8, 32, 32), (16, 40, 24))


def test_one_seed_is_the_same_scene_at_every_resolution() -> None:
    small = make_clip(11, height=32, width=32, frames=32, fps=8)
    large = make_clip(11, height=64, width=64, frames=32, fps=8)
    assert small.caption == large.caption and small.objects == large.objects
    np.testing.assert_allclose(large.positions, 2 * small.positions, atol=1e-3)
    np.testing.assert_allclose(large.sizes, 2 * small.sizes, rtol=1e-5)
    assert large.gravity == pytest.approx(2 * small.gravity)


@pytest.mark.parametrize("config_name", ["tiny", "demo"])
def test_every_aspect_ratio_and_duration_of_a_config(config_name: str) -> None:
    config = get_config(config_name)
    shapes = config_shapes(config)
    assert len(shapes) == len(ASPECT_RATIOS) * len(config.durations)
    for seed, (frames, height, width) in enumerate(shapes):
        clip = make_clip(seed, height=height, width=width, frames=frames, fps=config.fps)
        n = len(clip.objects)
        assert 1 <= n <= 5 and sum(o.kind == "character" for o in clip.objects) <= 1
        assert clip.frames.shape == (frames, height, width, 3) and clip.frames.dtype == np.uint8
        assert clip.positions.shape == clip.velocities.shape == (frames, n, 2)
        assert clip.positions.dtype == clip.velocities.dtype == np.float32
        assert clip.boxes.shape == (frames, n, 4) and clip.sizes.shape == (n,)
        for flags in (clip.in_view, clip.occluded, clip.visible, clip.free_fall):
            assert flags.shape == (frames, n) and flags.dtype == bool
        assert np.array_equal(clip.visible, clip.in_view & ~clip.occluded)
        assert clip.bounces.shape == clip.falling.shape == (n,)
        assert clip.fps == config.fps and clip.split == "train" and clip.caption
        assert 0 < clip.floor_y < height
        # The centroid is inside the frame exactly when in_view says so.
        x, y = clip.positions[..., 0], clip.positions[..., 1]
        assert np.array_equal(clip.in_view, (x >= 0) & (x < width) & (y >= 0) & (y < height))
        objects = [o for o in clip.objects if o.kind == "object"]
        assert len({o.colour for o in objects}) == len(objects) <= 4  # colour names an object
        if clip.handle is not None:
            assert clip.reference is not None and clip.reference.shape[0] == clip.reference.shape[1]


# ----------------------------------------------------------------------------------------------------------
# Physics
# ----------------------------------------------------------------------------------------------------------


def test_free_fall_accelerates_at_the_reported_gravity(sample_clips: list[WorldClip]) -> None:
    fitted = 0
    for clip in sample_clips:
        for n in np.nonzero(clip.falling)[0]:
            free = clip.free_fall[:, n]
            # Windows of four frames (t-1 .. t+2) with no contact: pure ballistic motion.
            for t in range(1, len(free) - 2):
                if free[t] and free[t + 1] and free[t + 2]:
                    ys = clip.positions[t - 1 : t + 3, n, 1].astype(np.float64)
                    curve = np.polyfit(np.arange(4.0), ys, 2)
                    assert 2 * curve[0] == pytest.approx(clip.gravity, rel=1e-3, abs=1e-3)
                    xs = clip.positions[t - 1 : t + 3, n, 0].astype(np.float64)
                    assert np.abs(np.diff(xs, 2)).max() < 1e-3  # no horizontal force in flight
                    fitted += 1
    assert fitted >= 10
    # At 4-12 fps something dropped from near the top reaches the floor in roughly 0.6-1.2 s.
    scene = ball_scene(y=0.1)
    clip = render_scene(scene, height=64, width=64, frames=48, fps=12)
    landed = int(np.argmax(~clip.free_fall[1:, 0])) + 1
    assert 0.6 <= landed / 12 <= 1.2


def test_bounces_lose_height_by_the_restitution_factor() -> None:
    for restitution in (0.5, 0.7):
        clip = render_scene(ball_scene(restitution=restitution), height=64, width=64, frames=240, fps=60)
        y = clip.positions[:, 0, 1].astype(np.float64)
        rest_y = clip.floor_y - clip.sizes[0]
        drop = rest_y - y[0]
        vy = clip.velocities[:, 0, 1]
        impacts = np.nonzero((vy[:-1] > 0) & (vy[1:] <= 0))[0] + 1
        first, second = impacts[0], impacts[1]
        apex = rest_y - y[first:second].min()
        assert apex / drop == pytest.approx(restitution**2, rel=0.12)
        # The reported bounces are the real rebounds: each at least MIN_BOUNCE high.
        heights = [drop * restitution ** (2 * k) for k in range(1, 20)]
        expected = sum(h >= MIN_BOUNCE * 64 for h in heights)
        assert abs(int(clip.bounces[0]) - expected) <= 1 and clip.bounces[0] >= 2
        rebounds = np.nonzero((vy[:-1] >= 0) & (vy[1:] < 0) & (y[1:] > rest_y - 3))[0]
        assert len(rebounds) == clip.bounces[0]


def test_nothing_ever_penetrates_the_floor(sample_clips: list[WorldClip]) -> None:
    clips = sample_clips + [
        make_clip(seed, height=h, width=w, frames=16, fps=4)
        for seed in range(30)
        for h, w in [(32, 32), (40, 24)]
    ]
    for clip in clips:
        assert (clip.boxes[..., 3] <= clip.floor_y + 1e-3).all(), clip.caption
    # Not even a fast heavy drop at a low frame rate.
    fast = ball_scene(y=0.1, restitution=0.0)
    fast.bodies[0].vy = 6.0
    clip = render_scene(fast, height=32, width=32, frames=8, fps=4)
    assert (clip.boxes[..., 3] <= clip.floor_y + 1e-3).all() and clip.bounces[0] == 0


def test_boxes_slide_with_friction_and_stop() -> None:
    box = Body(shape="box", colour="blue", x=0.8, y=0.78, half_w=0.07, half_h=0.07, vx=-0.8, friction=0.4)
    scene = Scene(aspect=1.0, seconds=4.0, world_width=1.0, floor=0.85, bodies=[box], seed=2)
    clip = render_scene(scene, height=64, width=64, frames=32, fps=8)
    x = clip.positions[:, 0, 0]
    assert x[-1] < x[0] - 10 and (np.diff(x) <= 1e-4).all()  # slides left
    assert clip.velocities[-1, 0, 0] == 0 and clip.velocities[1, 0, 0] < 0  # and stops
    travelled = (x[0] - x[-1]) / 64
    assert travelled == pytest.approx(0.8**2 / (2 * 0.4 * 2.0), rel=0.1)  # v² / (2 mu g)
    assert (
        "slides left" in clip.caption or "slides to the left" in clip.caption or "glides left" in clip.caption
    )


def test_objects_collide_instead_of_passing_through_each_other() -> None:
    a = Body(shape="ball", colour="red", x=0.2, y=0.78, half_w=0.07, half_h=0.07, vx=0.9, friction=0.02)
    b = Body(shape="box", colour="green", x=0.6, y=0.78, half_w=0.07, half_h=0.07, friction=0.4)
    scene = Scene(aspect=1.0, seconds=3.0, world_width=1.0, floor=0.85, bodies=[a, b], seed=3)
    clip = render_scene(scene, height=64, width=64, frames=24, fps=8)
    gap = clip.positions[:, 1, 0] - clip.positions[:, 0, 0]
    assert (gap >= 2 * 0.07 * 64 - 0.5).all()  # never overlapping
    assert clip.positions[-1, 1, 0] > clip.positions[0, 1, 0] + 2  # the box got knocked right
    assert "red ball" in clip.caption and "green" in clip.caption


# ----------------------------------------------------------------------------------------------------------
# Occlusion and camera
# ----------------------------------------------------------------------------------------------------------


def test_occluded_objects_are_flagged_and_reappear() -> None:
    # A box slides right behind a pillar and stops beyond it (v² / (2 mu g) = 0.64 units).
    box = Body(shape="box", colour="red", x=0.12, y=0.78, half_w=0.07, half_h=0.07, vx=0.8, friction=0.25)
    scene = Scene(aspect=1.0, seconds=4.0, world_width=1.0, floor=0.85, bodies=[box], seed=4)
    scene.occluders.append(Occluder(0.42, 0.62, 0.0, 0.85, 150, "pillar"))
    clip = render_scene(scene, height=64, width=64, frames=32, fps=8)
    hidden = clip.occluded[:, 0]
    assert not hidden[0] and hidden.any() and not hidden[-1]
    first = int(np.argmax(hidden))
    assert (~hidden[first:]).any()  # comes out again
    assert not clip.visible[hidden, 0].any() and clip.visible[~hidden, 0].all()
    for t in range(len(hidden)):
        found = detect(clip.frames[t], "red")
        if clip.visible_fraction[t, 0] > 0.95:
            assert found is not None
        if clip.visible_fraction[t, 0] < 0.05:
            assert found is None
    assert "behind a gr" in clip.caption
    # Random clips flag occlusions too, and things come back out.
    clip = first_clip(
        lambda c: any(c.occluded[:, n].any() and not c.occluded[-1, n] for n in range(len(c.objects)))
    )
    n = next(n for n in range(len(clip.objects)) if clip.occluded[:, n].any() and not clip.occluded[-1, n])
    assert "behind a gr" in clip.caption and clip.visible[-1, n] == clip.in_view[-1, n]


def test_camera_pans_move_static_objects_across_the_frame() -> None:
    def has_still_object(c: WorldClip) -> bool:  # an object at rest in the world: it moves only with the view
        return c.pan != 0 and any(
            np.abs(c.velocities[:, n] - [-c.pan, 0]).max() < 1e-4 for n in range(len(c.objects))
        )

    clip = first_clip(has_still_object)
    n = next(
        n for n in range(len(clip.objects)) if np.abs(clip.velocities[:, n] - [-clip.pan, 0]).max() < 1e-4
    )
    x = clip.positions[:, n, 0].astype(np.float64)
    np.testing.assert_allclose(np.diff(x), -clip.pan, atol=1e-3)  # moves against the camera, at its speed
    assert abs(x[-1] - x[0]) >= 3
    assert np.diff(clip.camera_x) == pytest.approx(clip.pan, abs=1e-3)
    way = "right" if clip.pan > 0 else "left"
    assert re.search(rf"(pans|pans to the|follows @\w+ to the) {way}", clip.caption), clip.caption
    # The rendered object moves with it.
    seen = [t for t in range(len(x)) if clip.visible_fraction[t, n] > 0.95]
    a, b = seen[0], seen[-1]
    start, end = (
        detect(clip.frames[a], clip.objects[n].colour),
        detect(clip.frames[b], clip.objects[n].colour),
    )
    assert start is not None and end is not None
    assert end[0] - start[0] == pytest.approx(x[b] - x[a], abs=1.5)


# ----------------------------------------------------------------------------------------------------------
# Colour segmentation
# ----------------------------------------------------------------------------------------------------------


def _isolated(clip: WorldClip, t: int, n: int) -> bool:
    box = clip.boxes[t, n]
    for m in range(len(clip.objects)):
        other = clip.boxes[t, m]
        if m != n and not (
            other[2] < box[0] - 1 or other[0] > box[2] + 1 or other[3] < box[1] - 1 or other[1] > box[3] + 1
        ):
            return False
    return True


@pytest.mark.slow
def test_detect_finds_visible_objects_where_the_ground_truth_says(sample_clips: list[WorldClip]) -> None:
    tiny = [make_clip(seed, height=32, width=32, frames=16, fps=4) for seed in range(12)]
    checked = characters = 0
    for clip in sample_clips + tiny:
        present = {o.colour for o in clip.objects if o.kind == "object"}
        for t in range(0, clip.frames.shape[0], 3):
            found = detect_all(clip.frames[t])
            assert set(found) <= present  # never a colour that is not in the clip
            for colour in set(COLOURS) - present:
                assert detect(clip.frames[t], colour) is None
            for n, info in enumerate(clip.objects):
                if clip.visible_fraction[t, n] < 0.98 or not _isolated(clip, t, n):
                    continue
                if info.kind == "character":
                    blob = detect_character(clip.frames[t], str(info.handle))
                    characters += 1
                else:
                    blob = found.get(info.colour)
                    checked += 1
                assert blob is not None, (clip.seed, t, info)
                error = math.dist(blob[:2], clip.positions[t, n])
                assert error <= 2.0, (clip.seed, t, info, blob, clip.positions[t, n])
                if info.kind == "object":
                    assert blob == detect(clip.frames[t], info.colour)
    assert checked >= 100 and characters >= 10


def test_detect_tolerates_blur_and_noise() -> None:
    clip = make_clip(5, height=64, width=64, frames=8, fps=8)
    frame = clip.frames[-1].astype(np.float32)
    blurred = frame.copy()
    for axis in (0, 1):  # a [1 2 1] / 4 blur each way
        blurred = (np.roll(blurred, 1, axis) + 2 * blurred + np.roll(blurred, -1, axis)) / 4
    noisy = np.clip(blurred + np.random.default_rng(0).normal(0, 8, frame.shape), 0, 255).astype(np.uint8)
    for n, info in enumerate(clip.objects):
        if info.kind == "object" and clip.visible_fraction[-1, n] > 0.98 and _isolated(clip, -1, n):
            blob = detect(noisy, info.colour)
            assert blob is not None and math.dist(blob[:2], clip.positions[-1, n]) <= 2.0


# ----------------------------------------------------------------------------------------------------------
# Captions
# ----------------------------------------------------------------------------------------------------------


def test_captions_name_every_object_and_count_repeated_shapes(sample_clips: list[WorldClip]) -> None:
    numbers = {2: "two", 3: "three", 4: "four"}
    for clip in sample_clips + [make_clip(s, height=32, width=32, frames=8, fps=4) for s in range(60)]:
        text = clip.caption
        assert text == text.strip() and len(text.split()) <= 90
        for info in clip.objects:
            if info.kind == "character":
                assert str(info.handle) in text
                continue
            words = "|".join(SHAPE_WORDS[info.shape])
            assert re.search(rf"\b{info.colour} ({words})\b", text), (info, text)
        shapes = [o.shape for o in clip.objects if o.kind == "object"]
        for shape in set(shapes):
            if shapes.count(shape) > 1:
                plural = "|".join(w + ("es" if w.endswith("x") else "s") for w in SHAPE_WORDS[shape])
                assert re.search(rf"\b{numbers[shapes.count(shape)]} ({plural})\b", text), text


def test_captions_report_the_simulated_bounces() -> None:
    spoken: dict[int, tuple[str, ...]] = {1: ("once", "one time"), 2: ("twice", "two times")}
    for count, word in enumerate(("three", "four", "five", "six", "seven", "eight", "nine", "ten"), 3):
        spoken[count] = (f"{word} times",)
    seen = set()
    for seed in range(300):
        clip = make_clip(seed, height=32, width=32, frames=16, fps=4)
        objects = [n for n, o in enumerate(clip.objects) if o.kind == "object"]
        if len(clip.objects) != 1 or clip.scene.bodies[0].motion != "drop":
            continue
        bounces = int(clip.bounces[objects[0]])
        if bounces == 0:
            assert "bounces" not in clip.caption
        else:
            assert any(f"bounces {word}" in clip.caption for word in spoken[bounces]), clip.caption
        seen.add(bounces)
    assert len(seen) >= 2


def test_captions_vary_their_wording() -> None:
    captions = [demo_clip(seed).caption for seed in range(40)]
    assert len(set(captions)) == 40
    starts = {" ".join(c.split()[:2]) for c in captions}
    assert len(starts) >= 12


# ----------------------------------------------------------------------------------------------------------
# Held-out split
# ----------------------------------------------------------------------------------------------------------


def test_heldout_pairs_and_identities_never_appear_in_training() -> None:
    assert HELDOUT_PAIRS and all(c in COLOURS and s in SHAPES for c, s in HELDOUT_PAIRS)
    train_characters = heldout_characters = 0
    for seed in range(150):
        clip = make_clip(seed, height=32, width=32, frames=8, fps=4, split="train")
        pairs = {(o.colour, o.shape) for o in clip.objects if o.kind == "object"}
        assert not pairs & HELDOUT_PAIRS and clip.handle not in HELDOUT_IDENTITIES
        train_characters += clip.handle is not None
        held = make_clip(seed, height=32, width=32, frames=8, fps=4, split="heldout")
        pairs = {(o.colour, o.shape) for o in held.objects if o.kind == "object"}
        assert pairs & HELDOUT_PAIRS and held.split == "heldout"
        if held.handle is not None:
            assert held.handle in HELDOUT_IDENTITIES
            heldout_characters += 1
    assert train_characters >= 20 and heldout_characters >= 20
    with pytest.raises(ValueError):
        make_clip(0, height=32, width=32, frames=8, fps=4, split="test")


# ----------------------------------------------------------------------------------------------------------
# Characters and their reference images
# ----------------------------------------------------------------------------------------------------------


def test_the_reference_is_the_same_identity_drawn_differently() -> None:
    clip = first_clip(lambda c: c.handle is not None and c.visible_fraction[:, -1].max() > 0.98)
    n = [o.kind for o in clip.objects].index("character")
    ident = identity(str(clip.handle))
    assert clip.objects[n].colour == ident.body and clip.objects[n].handle == clip.handle
    assert (
        clip.reference is not None
        and clip.reference.shape == (64, 64, 3)
        and clip.reference.dtype == np.uint8
    )
    t = int(np.argmax(clip.visible_fraction[:, n]))
    x0, y0, x1, y1 = np.round(clip.boxes[t, n]).astype(int)
    crop = clip.frames[t, max(y0, 0) : y1, max(x0, 0) : x1]
    # Same identity: the same dominant colour, and both of its tones show in both.
    assert dominant_character_colour(crop) == dominant_character_colour(clip.reference) == ident.body
    for image in (crop, clip.reference):
        present = {[*COLOURS, *CHARACTER_COLOURS][k] for k in np.unique(classify(image)) if k >= 0}
        assert present == {ident.body, ident.trim}
    # Drawn differently: another scale and background, so no pixel copy of the clip.
    from PIL import Image

    resized = np.asarray(Image.fromarray(clip.reference).resize(crop.shape[1::-1], Image.Resampling.BILINEAR))
    assert np.abs(resized.astype(int) - crop.astype(int)).mean() > 30
    assert np.abs(clip.reference.astype(int)[0, 0] - clip.frames[t].astype(int)[0, 0]).sum() > 60
    # Variants differ from each other, identities differ from each other.
    handle = str(clip.handle)
    assert not np.array_equal(
        render_reference(handle, 64, variant=0), render_reference(handle, 64, variant=1)
    )
    other = next(h for h in IDENTITIES if identity(h).body != ident.body)
    assert dominant_character_colour(render_reference(other, 64)) != ident.body


def test_characters_walk_and_jump_as_captioned() -> None:
    walker = first_clip(lambda c: c.handle is not None and c.scene.bodies[-1].walk_speed != 0 and c.pan == 0)
    x = walker.positions[:, -1, 0]
    way = "right" if walker.scene.bodies[-1].walk_speed > 0 else "left"
    assert (x[-1] - x[0] > 3) if way == "right" else (x[0] - x[-1] > 3)
    assert re.search(rf"{re.escape(str(walker.handle))} (walks|strolls) (to the )?{way}", walker.caption)
    jumper = first_clip(lambda c: c.handle is not None and "over" in c.caption)
    n = len(jumper.objects) - 1
    assert jumper.falling[n] or jumper.free_fall[:, n].any()
    over = re.search(r"(jumps|hops|leaps) over an? (\w+) (\w+)", jumper.caption)
    assert over is not None
    block = next(m for m, o in enumerate(jumper.objects) if o.colour == over.group(2))
    airborne = ~np.isclose(jumper.boxes[:, n, 3], jumper.floor_y)
    assert airborne.any()
    # While airborne the character passes above the block.
    crossing = [
        t
        for t in range(1, len(airborne))
        if (jumper.positions[t - 1, n, 0] - jumper.positions[t - 1, block, 0])
        * (jumper.positions[t, n, 0] - jumper.positions[t, block, 0])
        <= 0
    ]
    assert crossing and all(jumper.boxes[t, n, 3] <= jumper.boxes[t, block, 1] + 2 for t in crossing)
