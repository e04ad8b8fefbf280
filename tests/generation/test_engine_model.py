"""The DiT's building blocks: patches, rotary positions, initial identity, masks, gradients."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from generation.engine import Conditioning, VideoDiT, get_config
from generation.engine.config import ASPECT_RATIOS, CONFIGS
from generation.engine.model import Rope3D, patchify, unpatchify
from tests.generation.conftest import perturbed_model

TINY = get_config("tiny")


def conditioning(
    batch: int,
    latent_frames: int,
    *,
    segments: list[int] | None = None,
    text_len: int = 6,
    groups: list[int] | None = None,
    references: torch.Tensor | None = None,
) -> Conditioning:
    segments = segments or [0] * latent_frames
    count = max(segments) + 1
    groups_tensor = torch.tensor(groups or [1] * text_len, dtype=torch.long)
    cond = Conditioning(
        text=torch.randn(batch, len(groups_tensor), 384),
        text_groups=groups_tensor.expand(batch, -1).clone(),
        pooled=torch.randn(batch, count, 384),
        frame_segments=torch.tensor(segments).expand(batch, -1).clone(),
        reference_pooled=torch.zeros(batch, 384),
    )
    if references is not None:
        cond.references = references
        cond.reference_present = torch.ones(batch, references.shape[1], dtype=torch.bool)
    return cond


def clip(config_name: str = "tiny", seconds: int = 4, aspect: str = "square", batch: int = 1) -> torch.Tensor:
    cfg = get_config(config_name)
    height, width = cfg.frame_size(aspect)
    return torch.randn(batch, cfg.frame_count(seconds), height, width, 3)


def test_configs_fit_their_purpose():
    assert VideoDiT(TINY).parameter_count() < 1_000_000
    for cfg in CONFIGS.values():
        assert sum(cfg.rope_dims) == cfg.head_dim and all(d % 2 == 0 for d in cfg.rope_dims)
    sizes = [VideoDiT(CONFIGS[name]).parameter_count() for name in ("tiny", "demo")]
    assert sizes == sorted(sizes)


def test_patchify_round_trips_and_makes_space_time_cubes():
    x = torch.randn(2, 8, 16, 24, 3)
    tokens = patchify(x, (2, 8, 8))
    assert tokens.shape == (2, 4 * 2 * 3, 2 * 8 * 8 * 3)
    # The first token is the cube of frames 0-1, rows 0-7, columns 0-7.
    assert torch.equal(tokens[0, 0].reshape(2, 8, 8, 3), x[0, :2, :8, :8])
    assert torch.equal(unpatchify(tokens, (2, 8, 8), (4, 2, 3)), x)


def test_rotary_scores_depend_only_on_relative_position():
    rope = Rope3D((12, 10, 10), 10000.0)
    q, k = torch.randn(1, 1, 1, 32), torch.randn(1, 1, 1, 32)

    def score(p: list[float], r: list[float]) -> float:
        angles = rope.angles(torch.tensor([p, r]))
        cos, sin = torch.cos(angles), torch.sin(angles)
        rq = Rope3D.apply(q, cos[:1], sin[:1])
        rk = Rope3D.apply(k, cos[1:], sin[1:])
        return float((rq * rk).sum())

    assert score([3, 1, 2], [1, 4, 0]) == pytest.approx(score([5, 2, 7], [3, 5, 5]), abs=1e-4)
    assert score([3, 1, 2], [1, 4, 0]) != pytest.approx(score([3, 1, 2], [2, 4, 0]), abs=1e-3)


@pytest.mark.parametrize("aspect", ASPECT_RATIOS)
@pytest.mark.parametrize("seconds", TINY.durations)
def test_forward_shapes_for_every_aspect_ratio_and_duration(aspect, seconds):
    model = perturbed_model()
    x = clip(seconds=seconds, aspect=aspect, batch=2)
    latent = x.shape[1] // TINY.patch[0]
    with torch.no_grad():
        out = model(x, torch.rand(2), conditioning(2, latent))
    assert out.shape == x.shape
    assert torch.isfinite(out).all()


def test_an_untrained_model_starts_from_a_zero_output_layer():
    """adaLN-Zero: every gate and the output layer start at zero. A velocity model then predicts zero
    velocity; a data model predicts a mid-grey clip, so its velocity is x_t / t."""
    x = clip()
    t = torch.full((1,), 0.5)
    velocity_config = dataclasses.replace(TINY, name="tiny-velocity", patch=(1, 4, 4), prediction="velocity")
    with torch.no_grad():
        out = VideoDiT(velocity_config).eval()(x, t, conditioning(1, x.shape[1]))
        assert torch.count_nonzero(out) == 0
        out = VideoDiT(TINY).eval()(x, t, conditioning(1, x.shape[1] // 2))
        torch.testing.assert_close(out, x / 0.5)


def test_guidance_branches_in_one_batch_equal_separate_calls():
    model = perturbed_model()
    x = clip(batch=1).expand(3, -1, -1, -1, -1)
    cond = conditioning(3, 8)
    with torch.no_grad():
        together = model(x, torch.full((3,), 0.4), cond)
        for i in range(3):
            single = Conditioning(
                text=cond.text[i : i + 1],
                text_groups=cond.text_groups[i : i + 1],
                pooled=cond.pooled[i : i + 1],
                frame_segments=cond.frame_segments[i : i + 1],
                reference_pooled=cond.reference_pooled[i : i + 1],
            )
            alone = model(x[i : i + 1], torch.full((1,), 0.4), single)
            # float32 sums in another order: errors scale with the activations (outputs reach about 30).
            torch.testing.assert_close(together[i : i + 1], alone, rtol=1e-4, atol=5e-5)


def test_gradients_flow_from_the_reference_frame_into_the_video():
    model = perturbed_model()
    x = clip()
    height, width = x.shape[2:4]
    reference = torch.rand(1, 1, height, width, 3, requires_grad=True)
    out = model(x, torch.full((1,), 0.5), conditioning(1, 8, references=reference))
    out.square().mean().backward()
    assert reference.grad is not None
    assert reference.grad.abs().sum() > 0
    # A perturbation of the reference changes every part of the clip, first frame to last.
    with torch.no_grad():
        changed = model(x, torch.full((1,), 0.5), conditioning(1, 8, references=reference + 0.5))
        base = model(x, torch.full((1,), 0.5), conditioning(1, 8, references=reference))
    per_frame = (changed - base).abs().mean(dim=(0, 2, 3, 4))
    assert (per_frame > 1e-5).all()


def test_a_later_beat_cannot_influence_earlier_frames():
    """Storyboard masking, checked by gradients: beat 2's text (tokens and pooled vector) has exactly zero
    gradient on the frames of beat 1, and a real one on its own frames."""
    model = perturbed_model()
    x = clip(seconds=4)  # 16 frames, 8 latent frames
    segments = [0, 0, 0, 0, 1, 1, 1, 1]
    groups = [0, 0, 1, 1, 1, 2, 2, 2]  # two global tokens, three for each beat
    cond = conditioning(1, 8, segments=segments, groups=groups)
    cond.text.requires_grad_(True)
    cond.pooled.requires_grad_(True)
    out = model(x, torch.full((1,), 0.6), cond)
    first, second = out[:, :8], out[:, 8:]

    (text_grad, pooled_grad) = torch.autograd.grad(
        first.square().sum(), [cond.text, cond.pooled], retain_graph=True
    )
    assert torch.count_nonzero(text_grad[0, 5:]) == 0  # beat 2's tokens
    assert torch.count_nonzero(pooled_grad[0, 1]) == 0  # beat 2's pooled vector
    assert text_grad[0, 2:5].abs().sum() > 0 and text_grad[0, :2].abs().sum() > 0
    assert pooled_grad[0, 0].abs().sum() > 0

    (text_grad, pooled_grad) = torch.autograd.grad(second.square().sum(), [cond.text, cond.pooled])
    assert text_grad[0, 5:].abs().sum() > 0
    assert pooled_grad[0, 1].abs().sum() > 0


def test_two_cameos_are_told_apart_by_their_slot():
    """Each cameo slot has its own marker and rotary time position: swapping the two references changes
    the clip, so "the first cameo" and "the second" are not interchangeable."""
    model = perturbed_model()
    x = clip()
    h, w = x.shape[2:4]
    a, b = torch.rand(1, 1, h, w, 3), torch.rand(1, 1, h, w, 3)
    cond = conditioning(1, 8, references=torch.cat([a, b], dim=1))
    with torch.no_grad():
        first = model(x, torch.full((1,), 0.5), cond)
        cond.references = torch.cat([b, a], dim=1)
        swapped = model(x, torch.full((1,), 0.5), cond)
    assert (first - swapped).abs().mean() > 1e-4
