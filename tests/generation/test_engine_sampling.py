"""The sampler and the request path, through ``Engine``: determinism, cameos, storyboard, remix,
cancellation, checkpoints and every bad input."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
import torch
from safetensors import safe_open

from generation.engine import (
    Beat,
    CameoReference,
    CheckpointError,
    Engine,
    GenerationCancelled,
    GenerationRequest,
    InvalidRequest,
    UnknownConfig,
    VideoDiT,
    default_checkpoint,
    get_config,
    load_checkpoint,
    save_checkpoint,
    time_grid,
)
from generation.engine.config import ASPECT_RATIOS
from generation.engine.objective import rectified_flow_loss
from tests.generation.conftest import face, perturbed_model_of

TINY = get_config("tiny")


def request(**fields) -> GenerationRequest:
    fields.setdefault("prompt", "a red ball drops onto the floor and bounces twice")
    fields.setdefault("seed", 7)
    fields.setdefault("steps", 3)
    return GenerationRequest(**fields)


@pytest.mark.parametrize("aspect", ASPECT_RATIOS)
@pytest.mark.parametrize("seconds", TINY.durations)
def test_clips_come_out_as_uint8_frames_of_the_asked_shape(tiny_engine, aspect, seconds):
    clip = tiny_engine.generate(request(duration_seconds=seconds, aspect_ratio=aspect, steps=1))
    height, width = TINY.frame_size(aspect)
    assert clip.frames.shape == (seconds * TINY.fps, height, width, 3)
    assert clip.frames.dtype == np.uint8
    assert clip.display_frames().shape == (seconds * TINY.fps, height * 4, width * 4, 3)
    assert clip.poster().shape == (height * 4, width * 4, 3)


def test_portrait_and_landscape_are_portrait_and_landscape():
    assert TINY.frame_size("portrait")[0] > TINY.frame_size("portrait")[1]
    assert TINY.frame_size("landscape")[0] < TINY.frame_size("landscape")[1]


def test_a_seed_fixes_the_output(tiny_engine):
    first = tiny_engine.generate(request(seed=11)).frames
    again = tiny_engine.generate(request(seed=11)).frames
    other = tiny_engine.generate(request(seed=12)).frames
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_no_seed_draws_one_and_reports_it(tiny_engine):
    clip = tiny_engine.generate(request(seed=None))
    assert np.array_equal(tiny_engine.generate(request(seed=clip.seed)).frames, clip.frames)


def test_the_prompt_steers_the_output(tiny_engine):
    a = tiny_engine.generate(request(prompt="a red ball bounces")).frames.astype(int)
    b = tiny_engine.generate(request(prompt="a blue box slides left")).frames.astype(int)
    assert np.abs(a - b).mean() > 0.5


def test_changing_the_reference_image_changes_the_clip(tiny_engine):
    one = tiny_engine.generate(request(cameos=[CameoReference(face(1))])).frames.astype(int)
    again = tiny_engine.generate(request(cameos=[CameoReference(face(1))])).frames.astype(int)
    other = tiny_engine.generate(request(cameos=[CameoReference(face(2))])).frames.astype(int)
    none = tiny_engine.generate(request()).frames.astype(int)
    assert np.array_equal(one, again)
    assert np.abs(one - other).mean() > 0.5
    assert np.abs(one - none).mean() > 0.5


def test_cameo_preferences_join_the_conditioning(tiny_engine):
    plain = tiny_engine.generate(request(cameos=[CameoReference(face(1))])).frames.astype(int)
    hat = tiny_engine.generate(request(cameos=[CameoReference(face(1), "always wears a red hat")])).frames
    assert np.abs(plain - hat.astype(int)).mean() > 0.5
    prepared = tiny_engine.prepare(request(cameos=[CameoReference(face(1), "always wears a red hat")]))
    assert prepared.branches == ("none", "reference", "full")
    # The preferences are seen by every frame (group 0) in the full branch only.
    full = prepared.conditioning.text_groups[2]
    assert (full == 0).sum() > 0 and (prepared.conditioning.text_groups[0] == -1).all()


def test_guidance_batches_its_branches(tiny_engine):
    assert tiny_engine.prepare(request()).branches == ("none", "full")
    assert tiny_engine.prepare(request(guidance_text=1.0)).branches == ("full",)


def test_storyboard_beats_are_masked_by_time(tiny_engine):
    """Beat 2 starts at 2 s: the first 2 s of the clip come out the same whatever beat 2 says."""
    board = [Beat(0, "a red ball rolls right"), Beat(2, "the ball jumps over a green block")]
    other = [Beat(0, "a red ball rolls right"), Beat(2, "a blue box falls from the sky")]
    a = tiny_engine.generate(request(storyboard=board)).frames
    b = tiny_engine.generate(request(storyboard=other)).frames
    split = 2 * TINY.fps
    assert np.array_equal(a[:split], b[:split])
    assert not np.array_equal(a[split:], b[split:])


def test_a_storyboard_that_starts_late_has_a_prologue_on_the_prompt(tiny_engine):
    prepared = tiny_engine.prepare(request(storyboard=[Beat(1, "the ball stops"), Beat(3, "it rolls back")]))
    segments = prepared.conditioning.frame_segments[0].tolist()
    assert segments == [0, 0, 1, 1, 1, 1, 2, 2]
    assert prepared.conditioning.pooled.shape[1] == 3


def test_remix_strength_zero_returns_the_parent_and_one_ignores_it(tiny_engine):
    parent = tiny_engine.generate(request(seed=1, prompt="a green block")).frames
    kept = tiny_engine.generate(request(remix_source=parent, remix_strength=0.0))
    assert np.array_equal(kept.frames, parent)
    fresh = tiny_engine.generate(request(seed=5)).frames
    ignored = tiny_engine.generate(request(seed=5, remix_source=parent, remix_strength=1.0)).frames
    assert np.array_equal(ignored, fresh)


def test_a_low_strength_remix_starts_closer_to_its_parent():
    """The sampler's side of remix strength: with the same seed, a lower strength starts from less noise and
    takes fewer steps, so the clip stays closer to its parent. (A model that predicts velocities keeps
    that ordering even untrained; the trained checkpoint's ordering is tested with the remix app.)"""
    config = dataclasses.replace(TINY, name="tiny-velocity", patch=(1, 4, 4), prediction="velocity")
    engine = Engine(perturbed_model_of(config), device="cpu")
    parent = np.random.default_rng(3).integers(0, 255, (8, 32, 32, 3), dtype=np.uint8)
    distances = []
    for strength in (0.2, 0.5, 0.9):
        remix = engine.generate(
            request(
                seed=9,
                prompt="a purple ball",
                duration_seconds=2,
                steps=8,
                remix_source=parent,
                remix_strength=strength,
            )
        ).frames
        distances.append(np.abs(remix.astype(int) - parent.astype(int)).mean())
    assert distances[0] < distances[1] < distances[2], distances


def test_a_remix_parent_of_another_size_is_fitted(tiny_engine):
    parent = np.random.default_rng(0).integers(0, 255, (40, 120, 90, 3), dtype=np.uint8)
    clip = tiny_engine.generate(request(remix_source=parent, remix_strength=0.5, aspect_ratio="portrait"))
    assert clip.frames.shape == (16, 40, 24, 3)


def test_the_time_grid():
    assert time_grid(4, 1.0) == pytest.approx([1.0, 0.75, 0.5, 0.25, 0.0])
    shifted = time_grid(10, 3.0)
    assert shifted[0] == 1.0 and shifted[-1] == 0.0 and shifted == sorted(shifted, reverse=True)
    assert shifted[5] > 0.5  # the shift spends more steps at high noise
    partial = time_grid(10, 3.0, strength=0.5)
    assert partial[0] == 0.5 and len(partial) - 1 < 10
    assert time_grid(10, 1.0, strength=0.0) == [0.0]


def test_progress_reaches_the_callback_and_cancelling_stops_within_one_step(tiny_engine):
    seen = []
    tiny_engine.generate(request(steps=5), callback=lambda p: seen.append((p.step, p.total)))
    assert seen == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]

    calls = []
    handle = tiny_engine.model.register_forward_hook(lambda *_: calls.append(1))
    try:
        with pytest.raises(GenerationCancelled) as raised:
            tiny_engine.generate(request(steps=5), callback=lambda p: p.step < 2)
    finally:
        handle.remove()
    assert raised.value.step == 2
    assert len(calls) == 2  # no model call after the callback said stop


def test_save_and_load_round_trip_bit_exactly(tmp_path, tiny_engine):
    path = save_checkpoint(tiny_engine.model, tmp_path / "tiny.safetensors")
    assert path.with_suffix(".json").is_file()
    loaded = load_checkpoint(path, config="tiny")
    for name, tensor in tiny_engine.model.state_dict().items():
        assert torch.equal(tensor, loaded.state_dict()[name]), name
    again = Engine(loaded, device="cpu").generate(request()).frames
    assert np.array_equal(again, tiny_engine.generate(request()).frames)


def test_loading_a_checkpoint_of_another_config_says_so(tmp_path):
    path = save_checkpoint(VideoDiT(TINY), tmp_path / "tiny.safetensors")
    with pytest.raises(CheckpointError, match=r"'tiny' config .* not for 'demo'"):
        load_checkpoint(path, config="demo")


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: b"\x00" * 64,  # not safetensors
        lambda data: data[:8] + b"{not json" + data[17:],  # a broken header
    ],
)
def test_a_corrupt_checkpoint_gives_a_clear_error(tmp_path, damage):
    path = save_checkpoint(VideoDiT(TINY), tmp_path / "tiny.safetensors")
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(CheckpointError, match=r"tiny\.safetensors"):
        load_checkpoint(path)


def test_a_foreign_safetensors_file_and_a_missing_file_are_refused(tmp_path):
    from safetensors.torch import save_file

    save_file({"weight": torch.zeros(2)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(CheckpointError, match="not an engine checkpoint"):
        load_checkpoint(tmp_path / "other.safetensors")
    with pytest.raises(CheckpointError, match="no engine checkpoint"):
        load_checkpoint(tmp_path / "missing.safetensors")


def test_an_unknown_config_is_named():
    with pytest.raises(
        UnknownConfig, match="unknown engine config 'huge'; choose one of tiny, demo, latent, base, large"
    ):
        get_config("huge")
    with pytest.raises(UnknownConfig):
        Engine.load(config="huge")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"prompt": ""}, "prompt", "empty"),
        ({"prompt": "   \n "}, "prompt", "empty"),
        ({"prompt": "word " * 400}, "prompt", "too long: .* characters"),
        ({"prompt": "supercalifragilistic " * 40}, "prompt", "too long: .* word pieces"),
        ({"duration_seconds": 3}, "duration_seconds", "one of 2, 4, 8"),
        ({"aspect_ratio": "panorama"}, "aspect_ratio", "portrait, landscape, square"),
        ({"steps": 0}, "steps", "from 1 to"),
        ({"seed": -1}, "seed", "seed"),
        ({"guidance_text": float("nan")}, "guidance_text", "between"),
        ({"cameos": [CameoReference(face(i)) for i in range(3)]}, "cameos", "at most 2 cameos"),
        (
            {"cameos": [CameoReference(np.zeros((32, 32), np.uint8))]},
            "cameos[0].image",
            r"\[height, width, 3\]",
        ),
        ({"cameos": [CameoReference(np.zeros((32, 32, 4), np.uint8))]}, "cameos[0].image", "RGB"),
        ({"cameos": [CameoReference(np.zeros((32, 32, 3), np.float32))]}, "cameos[0].image", "uint8"),
        ({"cameos": [CameoReference(np.zeros((4, 32, 3), np.uint8))]}, "cameos[0].image", "too small"),
        ({"cameos": [CameoReference(face(1), "x" * 2000)]}, "cameos[0].preferences", "too long"),
        ({"storyboard": [Beat(1, "a"), Beat(0.5, "b")]}, "storyboard", "in order"),
        ({"storyboard": [Beat(4, "after the end")]}, "storyboard", "under 4"),
        ({"storyboard": [Beat(0, "a"), Beat(0.1, "b"), Beat(0.2, "c")]}, "storyboard", "covers no frames"),
        ({"storyboard": [Beat(0, "")]}, "storyboard[0].prompt", "empty"),
        ({"storyboard": [Beat(i * 0.4, "b") for i in range(9)]}, "storyboard", "at most 8 beats"),
        ({"remix_source": np.zeros((4, 32, 32), np.uint8)}, "remix_source", "uint8"),
        (
            {"remix_source": np.zeros((4, 32, 32, 3), np.uint8), "remix_strength": 1.5},
            "remix_strength",
            "between 0 and 1",
        ),
    ],
)
def test_bad_requests_get_a_clear_error(tiny_engine, fields, field, message):
    with pytest.raises(InvalidRequest, match=message) as raised:
        tiny_engine.generate(request(**fields))
    assert raised.value.field == field


@pytest.mark.parametrize(
    "config",
    [TINY, dataclasses.replace(TINY, name="tiny-velocity", patch=(1, 4, 4), prediction="velocity")],
    ids=["data-prediction", "velocity-prediction"],
)
@pytest.mark.slow
def test_one_batch_overfits(config):
    """The rectified-flow objective can be driven down on one fixed batch by an order of magnitude, with
    either output parameterisation."""
    torch.manual_seed(0)
    model = VideoDiT(config)
    engine = Engine(model, device="cpu")
    cond = engine.prepare(request(guidance_text=1.0, duration_seconds=2)).conditioning
    model.requires_grad_(True)
    model.train()
    generator = torch.Generator().manual_seed(0)
    frames = torch.linspace(-0.8, 0.8, 8)[:, None, None, None] * torch.ones(8, 32, 32, 3)
    frames[:, 8:16, 8:16, 0] = 0.9  # a red square on a gradient in time
    clean = frames[None]
    noise = torch.randn(clean.shape, generator=generator)
    t = torch.tensor([0.5])
    optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(200):
        loss = rectified_flow_loss(model, clean, cond, t=t, noise=noise)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert min(losses[-10:]) < losses[0] / 10, (losses[0], losses[-10:])


def test_bf16_autocast_runs_cleanly_and_stays_close_to_float32(tiny_engine):
    """The GPU path's numerics, run on the CPU: bf16 autocast through every branch (cameo, storyboard)
    without falling back to unfused kernels, within a few grey levels of float32."""
    fast = Engine(tiny_engine.model, device="cpu", bf16=True)
    asked = request(cameos=[CameoReference(face(1))], storyboard=[Beat(0, "a ball"), Beat(2, "a box")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        low = fast.generate(asked).frames.astype(int)
    full = tiny_engine.generate(asked).frames.astype(int)
    assert np.abs(low - full).mean() < 3


def test_a_float16_checkpoint_loads_into_a_float32_model(tmp_path, tiny_engine):
    """The shipped checkpoint stores float16 (half the size); loading widens it, and the clip barely moves."""
    path = save_checkpoint(tiny_engine.model, tmp_path / "half.safetensors", dtype=torch.float16)
    full = save_checkpoint(tiny_engine.model, tmp_path / "full.safetensors")
    assert path.stat().st_size < 0.6 * full.stat().st_size
    loaded = load_checkpoint(path)
    assert all(p.dtype == torch.float32 for p in loaded.parameters())
    a = Engine(loaded, device="cpu").generate(request()).frames.astype(int)
    b = tiny_engine.generate(request()).frames.astype(int)
    assert np.abs(a - b).mean() < 1.0


def test_the_engine_defaults_to_the_shipped_demo_checkpoint():
    shipped = default_checkpoint("demo")
    assert shipped is not None, "generation/engine/weights/demo.safetensors ships with the package"
    assert shipped.with_suffix(".json").is_file()
    assert shipped.stat().st_size < 25 * 2**20  # float16: small enough to live in the repository
    engine = Engine.load()
    assert engine.trained and engine.config.name == "demo"
    with safe_open(str(shipped), framework="pt") as handle:
        assert handle.metadata()["weights"] == "ema"
        assert int(handle.metadata()["step"]) > 0
    # Trained weights are not the zero-initialised output layer of an untrained model.
    assert engine.model.final_layer.linear.weight.abs().sum() > 0


def test_the_loss_weight_cap_only_changes_low_noise_samples():
    """``weight_min_t`` leaves the velocity error alone above the cap and scales it by t^2 / m^2 below."""
    model = perturbed_model_of(TINY)
    cond = Engine(model, device="cpu").prepare(request(guidance_text=1.0, duration_seconds=2)).conditioning
    clean = torch.rand(1, 8, 32, 32, 3) * 2 - 1
    noise = torch.randn(clean.shape, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        for t, factor in ((0.6, 1.0), (0.1, (0.1 / 0.3) ** 2)):
            times = torch.tensor([t])
            plain = rectified_flow_loss(model, clean, cond, t=times, noise=noise)
            capped = rectified_flow_loss(model, clean, cond, t=times, noise=noise, weight_min_t=0.3)
            torch.testing.assert_close(capped, plain * factor)
