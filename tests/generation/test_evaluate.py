"""The world-simulation evaluation: the simulator's own clips score at the ceiling, a flat grey clip (what an
untrained model makes) at the floor, and each corruption of a real clip moves the metric it should."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from generation.engine import Engine, VideoDiT, get_config, save_checkpoint
from generation.engine import evaluate as ev
from generation.engine.config import ASPECT_RATIOS
from generation.engine.world import (
    CHARACTER_COLOURS,
    COLOURS,
    HELDOUT_PAIRS,
    WorldClip,
    classify,
    detect,
    detect_character,
    identity,
    make_clip,
)
from tests.generation.conftest import WEB_STACK, perturbed_model, run_leaving_out

DEMO = get_config("demo")
GREY = np.array([88, 88, 88], dtype=np.uint8)


def demo_clip(index: int) -> WorldClip:
    height, width = DEMO.frame_size(ASPECT_RATIOS[index % 3])
    split = "train" if index % 2 else "heldout"
    return make_clip(800_000_000 + index, height=height, width=width, frames=32, fps=8, split=split)


@pytest.fixture(scope="module")
def pool() -> list[WorldClip]:
    """Demo clips (4 s, all aspect ratios, both splits) to pick test subjects from."""
    return [demo_clip(i) for i in range(40)]


@pytest.fixture(scope="module")
def measured() -> dict[int, ev.ClipMetrics]:
    return {}


def metrics_of(cache: dict[int, ev.ClipMetrics], clip: WorldClip) -> ev.ClipMetrics:
    if clip.seed not in cache:
        cache[clip.seed] = ev.measure(clip.frames, clip)
    return cache[clip.seed]


def first(pool: list[WorldClip], predicate: Callable[[WorldClip], bool]) -> WorldClip:
    for clip in pool:
        if predicate(clip):
            return clip
    raise AssertionError("no clip in the pool has the wanted property")


def colour_mask(frame: np.ndarray, colour: str) -> np.ndarray:
    return classify(frame) == list(COLOURS).index(colour)


def clear(clip: WorldClip, t: int, n: int, gap: float = 6.0) -> bool:
    """Object ``n`` is whole in frame ``t`` and at least ``gap`` px from the frame's edges and occluders."""
    x0, y0, x1, y1 = clip.boxes[t, n]
    width = clip.frames.shape[2]
    if clip.visible_fraction[t, n] < 1.0 or x0 < gap or y0 < gap or x1 > width - gap:
        return False
    return all(
        ox0 - x1 >= gap or x0 - ox1 >= gap or oy0 - y1 >= gap for ox0, oy0, ox1, oy1 in clip.occluder_boxes[t]
    )


# ----------------------------------------------------------------------------------------------------------
# The evaluation set and the detectors
# ----------------------------------------------------------------------------------------------------------


def test_the_scenes_are_new_instances_of_both_groups_in_every_aspect_ratio() -> None:
    scenes = ev.evaluation_scenes("tiny", clips_per_group=3, duration=2)
    assert [ev.group_of(s) for s in scenes] == ["seen"] * 3 + ["unseen"] * 3
    assert [ev.aspect_of(s) for s in scenes] == [*ASPECT_RATIOS] * 2
    base = 2**31 + 900_000_000  # training draws its seeds below 2**31
    assert [s.seed - base for s in scenes] == [0, 1, 2, 50_000, 50_001, 50_002]
    for scene in scenes:
        assert scene.frames.shape[0] == 8 and scene.fps == 4
        pairs = {(o.colour, o.shape) for o in scene.objects}
        assert bool(pairs & HELDOUT_PAIRS) == (scene.split == "heldout")
    again = ev.evaluation_scenes("tiny", clips_per_group=3, duration=2)
    assert all(np.array_equal(a.frames, b.frames) for a, b in zip(scenes, again, strict=True))
    other = ev.evaluation_scenes("tiny", clips_per_group=1, duration=2, seed=1)
    assert other[0].seed == base + 100_000
    with pytest.raises(ValueError, match="duration"):
        ev.evaluation_scenes("tiny", clips_per_group=1, duration=3)


def test_detections_are_the_world_detectors_answers(pool: list[WorldClip]) -> None:
    checked = characters = 0
    for clip in pool[:12]:
        for t in (0, 13, 31):
            found = ev.analyse_frame(clip.frames[t])
            for colour in COLOURS:
                blob, expected = found.detection(colour), detect(clip.frames[t], colour)
                if expected is None:
                    assert blob is None
                else:
                    assert blob is not None and (blob.x, blob.y, blob.area) == pytest.approx(expected)
                    checked += 1
            # The character: world.detect_character's blob, less tone pixels next to an object colour's (the
            # fringe of a cyan object, say, reads as mint, which world.detect_character would report).
            expected = detect_character(clip.frames[t])
            if clip.handle is None:
                assert found.character is None
            elif clip.visible_fraction[t, -1] > 0.98:
                assert found.character is not None and expected is not None
                assert abs(found.character.x - expected[0]) < 1 and abs(found.character.y - expected[1]) < 1
                characters += 1
    assert checked >= 30 and characters >= 3


def test_shapes_floor_and_occluders_are_read_from_the_frames(pool: list[WorldClip]) -> None:
    for clip in pool[:16]:
        found = ev.analyse_frames(clip.frames[::4])
        line = ev.floor_line(found)
        assert line is not None and abs(line - clip.floor_y) < 0.75
        for k, f in enumerate(found):
            t = 4 * k
            for x0, y0, x1, y1 in clip.occluder_boxes[t]:  # the middle of every occluder in view is found
                cx, cy = int((x0 + x1) / 2), int((max(y0, 0) + y1) / 2)
                if 0 <= cx < clip.frames.shape[2]:
                    assert f.occluders[cy, cx]
            if not len(clip.occluder_boxes[t]):
                assert not f.occluders.any()
    # Synthetic masks: a disc, a square and an apex-up triangle at the sizes the world draws.
    for radius in (3.2, 4.5, 6.0):
        size = int(2 * radius) + 4
        y, x = np.mgrid[0:size, 0:size] + 0.5
        c = size / 2
        disc = (x - c) ** 2 + (y - c) ** 2 <= radius**2
        square = (abs(x - c) <= radius) & (abs(y - c) <= radius)
        triangle = square & (abs(x - c) <= (y - (c - radius)) / 2)
        for mask, shape in ((disc, "ball"), (square, "box"), (triangle, "triangle")):
            rows, cols = np.nonzero(mask)
            assert ev.shape_of(ev.blob(rows, cols)) == shape, (radius, shape)


def test_fits_recover_gravity_and_restitution() -> None:
    g = 2.0
    flight = [(t, 10.0 + 1.5 * t + 0.5 * g * t * t) for t in range(5)]
    fitted = ev.fit_fall([flight])
    assert fitted is not None and fitted[0] == pytest.approx(g)
    assert ev.fit_fall([flight[:3]]) is None  # fewer than 4 detections
    # Down to the floor at y = 40 by t = 4, back up at 0.6 times the speed, sharing one g.
    t_hit = 4.0
    v_in = 10.0
    down = [(t, 40.0 - v_in * (t_hit - t) + 0.5 * g * (t_hit - t) ** 2) for t in range(5)]
    up = [(t, 40.0 - 0.6 * v_in * (t - t_hit) + 0.5 * g * (t - t_hit) ** 2) for t in range(5, 9)]
    fitted = ev.fit_fall([down, up])
    assert fitted is not None and fitted[0] == pytest.approx(g)
    found = ev.bounce(fitted[1][0], fitted[1][1], fitted[0])
    assert found is not None and found[0] == pytest.approx(t_hit) and found[1] == pytest.approx(0.6)


# ----------------------------------------------------------------------------------------------------------
# Ceiling and floor
# ----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ceiling() -> tuple[list[WorldClip], ev.Run]:
    scenes = ev.evaluation_scenes(DEMO, clips_per_group=8, duration=4)
    return scenes, ev.evaluate(None, scenes, progress=False)


@pytest.mark.slow
def test_the_simulator_scores_at_the_ceiling(ceiling: tuple[list[WorldClip], ev.Run]) -> None:
    scenes, run = ceiling
    summary = ev.report_summaries([run])[0]

    def figure(key: str) -> float:
        value = summary[key]
        assert value is not None, key
        return float(value)

    assert figure("clips") == 16 and run.frames[0] is scenes[0].frames
    assert figure("persistence") >= 0.95
    assert figure("appear_rate") == figure("vanish_rate") == figure("teleport_rate") == 0
    assert figure("gravity_clips") >= 5 and figure("gravity_pass") >= 0.8
    assert figure("gravity_error") < 0.05
    assert figure("bounces") >= 3 and abs(figure("restitution") - figure("restitution_truth")) < 0.05
    assert figure("floor_passing") == 0
    for key in ("colour", "shape", "count"):
        for group in ("seen", "unseen"):
            assert figure(f"{key}_{group}") >= 0.9, (key, group)
    assert figure("colour_heldout_pairs") == figure("shape_heldout_pairs") == 1.0
    assert figure("identity_clips") >= 3 and figure("identity") > 0.85
    assert figure("identity_ratio") == 1.0


def test_a_flat_grey_clip_scores_at_the_floor(ceiling: tuple[list[WorldClip], ev.Run]) -> None:
    scenes, _ = ceiling
    grey = [ev.measure(np.full_like(scene.frames, 128), scene) for scene in scenes]
    summary = ev.summarise(grey)
    assert summary["persistence"] == 0
    assert summary["gravity_pass"] == 0 and summary["gravity_fitted"] == 0
    assert summary["colour"] == summary["shape"] == summary["count"] == 0
    assert summary["identity"] == 0
    # An untrained model makes exactly such a clip.
    scene = ev.evaluation_scenes("tiny", clips_per_group=1, duration=2)[0]
    frames = ev.generate_for(Engine(VideoDiT(get_config("tiny")), device="cpu"), scene, steps=2)
    assert frames.shape == scene.frames.shape and np.ptp(frames) <= 2
    untrained = ev.measure(frames, scene)
    assert untrained.persistence == 0 and not untrained.colour_ok


# ----------------------------------------------------------------------------------------------------------
# Corruptions move the right metric
# ----------------------------------------------------------------------------------------------------------


def test_an_object_blanked_out_in_the_open_breaks_persistence(
    pool: list[WorldClip], measured: dict[int, ev.ClipMetrics]
) -> None:
    def subject(clip: WorldClip) -> tuple[int, int] | None:
        for n, info in enumerate(clip.objects):
            for t in range(10, 24):
                if info.kind == "object" and all(clear(clip, t + k, n) for k in range(4)):
                    return n, t
        return None

    clip = first(pool, lambda c: subject(c) is not None)
    n, t0 = subject(clip) or (0, 0)
    before = metrics_of(measured, clip)
    frames = clip.frames.copy()
    for t in range(t0, t0 + 4):
        frames[t][colour_mask(frames[t], clip.objects[n].colour)] = GREY
    after = ev.measure(frames, clip)
    assert before.persistence == 1.0 and after.persistence == pytest.approx(28 / 32)
    assert (before.vanishings, before.appearances) == (0, 0)
    assert (after.vanishings, after.appearances) == (1, 1)


def apart(a: Sequence[float], b: Sequence[float], gap: float) -> bool:
    """Boxes (x0, y0, x1, y1) at least ``gap`` px apart on some axis."""
    return a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] + gap <= b[1] or b[3] + gap <= a[1]


def test_extra_copies_of_an_object_break_persistence(
    pool: list[WorldClip], measured: dict[int, ev.ClipMetrics]
) -> None:
    """Each colour's largest blob is always there in a clip full of copies of the prompted colours, so
    "detected" alone would credit it: an object counts as accounted for only where its colour shows no more
    object-sized blobs than the prompt has objects of that colour."""

    def subject(clip: WorldClip) -> tuple[int, int, int] | None:
        width, count = clip.frames.shape[2], len(clip.objects)
        for n, info in enumerate(clip.objects):
            for t in range(10, 24):
                if info.kind != "object" or not all(clear(clip, t + k, n) for k in range(4)):
                    continue
                x0, y0, x1, y1 = clip.boxes[t, n]
                for shift in (x1 - x0 + 8, -(x1 - x0 + 8)):
                    moved = (x0 + shift, y0, x1 + shift, y1)
                    others = [box for k in range(4) for box in clip.occluder_boxes[t + k]]
                    others += [clip.boxes[t + k, m] for k in range(4) for m in range(count) if m != n]
                    if moved[0] >= 2 and moved[2] <= width - 2 and all(apart(moved, b, 3) for b in others):
                        return n, t, round(float(shift))
        return None

    clip = first(pool, lambda c: subject(c) is not None)
    n, t0, shift = subject(clip) or (0, 0, 0)
    before = metrics_of(measured, clip)
    frames = clip.frames.copy()
    for t in range(t0, t0 + 4):
        mask = colour_mask(frames[t], clip.objects[n].colour)
        frames[t][np.roll(mask, shift, axis=1)] = frames[t][mask]
    after = ev.measure(frames, clip)
    assert before.persistence == 1.0 and after.persistence == pytest.approx(28 / 32)
    # Noise has every colour's blobs in most frames: it is not a persistent world.
    noise = np.random.default_rng(0).integers(0, 256, clip.frames.shape, dtype=np.uint8)
    assert ev.measure(noise, clip).persistence < 0.5


def test_a_one_frame_jump_is_a_teleport(pool: list[WorldClip], measured: dict[int, ev.ClipMetrics]) -> None:
    def still(clip: WorldClip) -> int | None:
        if ev.aspect_of(clip) != "landscape" or clip.pan:
            return None
        for n, info in enumerate(clip.objects):
            if info.kind == "object" and np.abs(clip.velocities[:, n]).max() == 0 and clear(clip, 16, n, 2):
                return n
        return None

    clip = first(pool, lambda c: still(c) is not None)
    n = still(clip) or 0
    before = metrics_of(measured, clip)
    frames = clip.frames.copy()
    frame = frames[16]
    rows, cols = np.nonzero(colour_mask(frame, clip.objects[n].colour))
    shift = 36 if cols.max() + 36 < frame.shape[1] else -36
    frame[rows, cols] = GREY
    frame[rows, cols + shift] = COLOURS[clip.objects[n].colour]
    after = ev.measure(frames, clip)
    assert before.teleports == 0 and after.teleports == 2  # there and back


def test_another_look_lowers_the_identity_similarity(
    pool: list[WorldClip], measured: dict[int, ev.ClipMetrics]
) -> None:
    clip = first(pool, lambda c: c.handle is not None and c.visible_fraction[:, -1].mean() > 0.8)
    own = identity(str(clip.handle))
    before = metrics_of(measured, clip).identity
    assert before is not None and before > 0.85
    # Repaint the character in a tone it does not wear.
    tone = next(name for name in CHARACTER_COLOURS if name not in (own.body, own.trim))
    frames = clip.frames.copy()
    for frame in frames:
        frame[classify(frame, grey_margin=2.0) >= len(COLOURS)] = CHARACTER_COLOURS[tone]
    repainted = ev.measure(frames, clip).identity
    assert repainted is not None and repainted < 0.3
    # Another identity, in tones this one does not wear, in its place.

    def stranger(c: WorldClip) -> bool:
        if c.handle is None or c.frames.shape != clip.frames.shape:
            return False
        other = identity(c.handle)
        return not {other.body, other.trim} & {own.body, own.trim}

    others = [c for c in pool if stranger(c)] or [
        c for c in (demo_clip(i) for i in range(40, 160, 3)) if stranger(c)
    ]
    swapped = ev.measure(others[0].frames, clip).identity
    assert swapped is not None and swapped < 0.5 * before


def test_a_time_stretched_fall_fails_the_gravity_check(
    pool: list[WorldClip], measured: dict[int, ev.ClipMetrics]
) -> None:
    clip = first(pool, lambda c: bool(ev.eligible_falls(c)) and bool(metrics_of(measured, c).gravity_pass))
    slow = clip.frames[np.arange(len(clip.frames)) // 2]  # half speed: every frame twice
    after = ev.measure(slow, clip)
    assert after.gravity_pass is False
    assert after.gravity_errors and min(after.gravity_errors) > ev.GRAVITY_TOLERANCE


def test_a_recoloured_ball_fails_colour_adherence_and_a_squared_one_shape(
    pool: list[WorldClip], measured: dict[int, ev.ClipMetrics]
) -> None:
    clip = first(
        pool,
        lambda c: any(
            o.shape == "ball" and c.visible_fraction[:, n].mean() > 0.8 for n, o in enumerate(c.objects)
        ),
    )
    ball = next(o.colour for n, o in enumerate(clip.objects) if o.shape == "ball")
    before = metrics_of(measured, clip)
    assert before.colour_ok and before.shape_ok
    unused = next(c for c in COLOURS if c not in {o.colour for o in clip.objects})
    recoloured = clip.frames.copy()
    squared = clip.frames.copy()
    for t in range(len(recoloured)):
        mask = colour_mask(recoloured[t], ball)
        recoloured[t][mask] = COLOURS[unused]
        if mask.any():
            rows, cols = np.nonzero(mask)
            squared[t, rows.min() : rows.max() + 1, cols.min() : cols.max() + 1] = COLOURS[ball]
    after = ev.measure(recoloured, clip)
    assert not after.colour_ok and after.unprompted == [unused] and not after.colours_found[ball]
    boxed = ev.measure(squared, clip)
    assert boxed.colour_ok and not boxed.shape_ok and boxed.shapes_found[ball] == "box"


# ----------------------------------------------------------------------------------------------------------
# The command
# ----------------------------------------------------------------------------------------------------------


def test_the_command_writes_a_report_and_a_contact_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint = save_checkpoint(perturbed_model(), tmp_path / "tiny.safetensors")
    out = tmp_path / "eval"
    arguments = ["--checkpoint", str(checkpoint), "--config", "tiny", "--clips", "1", "--duration", "2"]
    code = ev.main([*arguments, "--steps", "2", "--out", str(out), "--device", "cpu", "--quiet"])
    assert code == 0, capsys.readouterr().err
    report = (out / "report.md").read_text()
    header = next(line for line in report.splitlines() if line.startswith("| metric"))
    assert header == "| metric | target | simulator (ceiling) | tiny (trained) | untrained (floor) |"
    assert "persistence" in report and "met" in report and "MISSED" in report
    assert report in capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary) == {"simulator (ceiling)", "tiny (trained)", "untrained (floor)"}
    assert (
        summary["simulator (ceiling)"]["clips"] == 2 and summary["simulator (ceiling)"]["persistence"] > 0.9
    )
    sheet = Image.open(out / "sheet.png")
    assert sheet.format == "PNG" and sheet.width > 8 * 32 and sheet.height > 2 * 3 * 32
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"not a checkpoint")
    assert ev.main(["--checkpoint", str(broken), "--out", str(out), "--quiet"]) == 2
    assert "not a readable safetensors checkpoint" in capsys.readouterr().err


def test_the_evaluation_imports_nothing_from_django() -> None:
    run_leaving_out("import generation.engine.evaluate", WEB_STACK)
