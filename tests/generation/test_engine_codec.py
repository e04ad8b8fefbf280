"""The latent path: the video autoencoder, latent configs through the model and the sampler, foreground
weighting, and the autoencoder's training."""

from __future__ import annotations

import dataclasses
import json
import random

import numpy as np
import pytest
import torch

from generation.engine import Conditioning, Engine, GenerationRequest, VideoDiT, get_config, world
from generation.engine.codec import PixelCodec, VideoAutoencoder
from generation.engine.errors import CheckpointError
from generation.engine.objective import rectified_flow_loss
from generation.engine.pipeline import Branch, Guidance, to_unit
from generation.engine.train import ENCODER_PARTS, foreground_mask, loss_weights
from generation.engine.train_codec import crops, load_autoencoder
from generation.engine.train_codec import main as train_codec_main
from tests.generation.conftest import TINY_LATENT, perturbed_model_of


def conditioning(batch: int, token_frames: int, references: torch.Tensor | None = None) -> Conditioning:
    cond = Conditioning(
        text=torch.randn(batch, 5, 384),
        text_groups=torch.ones(batch, 5, dtype=torch.long),
        pooled=torch.randn(batch, 1, 384),
        frame_segments=torch.zeros(batch, token_frames, dtype=torch.long),
        reference_pooled=torch.zeros(batch, 384),
    )
    if references is not None:
        cond.references = references
        cond.reference_present = torch.ones(batch, references.shape[1], dtype=torch.bool)
    return cond


def test_latent_shapes_follow_the_codec_and_the_patch():
    cfg = get_config("latent")
    assert cfg.model_shape(4, "square") == (16, 8, 8, 16)
    assert cfg.model_shape(2, "portrait") == (8, 10, 6, 16)
    assert cfg.token_stride == (2, 16, 16)
    assert cfg.tokens_per_clip(2, "square") == 8 * 4 * 4
    assert cfg.token_frames(4) == 16
    assert cfg.patch_volume == 1 * 2 * 2 * 16
    demo = get_config("demo")  # a pixel config: the codec is the identity
    assert demo.model_shape(2, "square") == (16, 64, 64, 3) and demo.token_stride == demo.patch


def test_autoencoder_codes_frame_groups_and_normalises_its_latents():
    codec = VideoAutoencoder(TINY_LATENT).eval()
    clip = torch.rand(2, 8, 24, 40, 3) * 2 - 1
    with torch.no_grad():
        raw = codec.encode_raw(clip)
        assert raw.shape == (2, 4, 3, 5, 8)
        assert codec.decode_raw(raw).shape == clip.shape
        codec.calibrate(raw)
        normalised = codec.encode(clip).reshape(-1, 8)
    torch.testing.assert_close(normalised.mean(0), torch.zeros(8), atol=1e-4, rtol=0)
    torch.testing.assert_close(normalised.std(0), torch.ones(8), atol=1e-3, rtol=0)
    with torch.no_grad():  # decode undoes the normalisation
        torch.testing.assert_close(codec.decode(codec.encode(clip)), codec.decode_raw(raw), atol=1e-4, rtol=0)
    with pytest.raises(ValueError, match="frame groups"):
        codec.encode(torch.zeros(1, 3, 24, 40, 3))


def test_reference_images_are_one_frame_in_either_codec():
    image = torch.rand(3, 32, 32, 3)
    assert torch.equal(PixelCodec().encode_image(image), image[:, None])
    codec = VideoAutoencoder(TINY_LATENT)
    with torch.no_grad():
        latent = codec.encode_image(image)
        still = codec.encode(image[:, None].expand(-1, 2, -1, -1, -1))
    assert latent.shape == (3, 1, 4, 4, 8)
    torch.testing.assert_close(latent, still)


def test_a_latent_model_denoises_latents_and_its_cameo_frame_reaches_the_video():
    model = perturbed_model_of(TINY_LATENT)
    frames, height, width, channels = TINY_LATENT.model_shape(4, "landscape")
    x = torch.randn(1, frames, height, width, channels)
    references = torch.rand(1, 1, 24, 40, 3)
    out = model(x, torch.tensor([0.6]), conditioning(1, frames, references))
    assert out.shape == x.shape
    other = model(x, torch.tensor([0.6]), conditioning(1, frames, torch.rand(1, 1, 24, 40, 3)))
    assert not torch.allclose(out, other)  # another cameo image changes the prediction


def test_the_sampler_decodes_latents_to_frames_of_the_requested_shape():
    engine = Engine(perturbed_model_of(TINY_LATENT), device="cpu")
    clip = engine.generate(
        GenerationRequest(
            prompt="a red ball drops", duration_seconds=2, aspect_ratio="portrait", seed=3, steps=2
        )
    )
    assert clip.frames.shape == (8, 40, 24, 3) and clip.frames.dtype == np.uint8
    again = engine.generate(
        GenerationRequest(
            prompt="a red ball drops", duration_seconds=2, aspect_ratio="portrait", seed=3, steps=2
        )
    )
    assert np.array_equal(clip.frames, again.frames)
    remix = engine.generate(
        GenerationRequest(
            prompt="a red ball drops",
            duration_seconds=2,
            aspect_ratio="portrait",
            seed=3,
            steps=2,
            remix_source=clip.frames,
            remix_strength=0.0,
        )
    )
    assert np.array_equal(remix.frames, clip.frames)  # strength 0 is the parent itself


def test_guidance_combines_its_branches_by_name():
    out = torch.tensor([[1.0], [3.0], [7.0]])  # none, reference, full
    plan = Guidance.plan(5.0, 2.0, cameos=True)
    assert plan.branches == ("none", "reference", "full")
    assert float(plan.combine(out)) == 1.0 + 2.0 * (3.0 - 1.0) + 5.0 * (7.0 - 3.0)
    text_only = Guidance.plan(5.0, 2.0, cameos=False)
    assert text_only.branches == (Branch.NONE, Branch.FULL)
    assert float(text_only.combine(torch.tensor([[1.0], [3.0]]))) == 1.0 + 5.0 * 2.0
    single = Guidance.plan(1.0, 1.0, cameos=True)
    assert single.branches == (Branch.FULL,) and float(single.combine(torch.tensor([[4.0]]))) == 4.0
    assert [b.text for b in Branch] == [False, False, True] and [b.cameos for b in Branch] == [
        False,
        True,
        True,
    ]


def test_the_foreground_mask_covers_the_objects_and_little_else():
    clip = world.make_clip(11, height=64, width=64, frames=16, fps=8)
    mask = foreground_mask(clip)
    assert mask.shape == (16, 64, 64)
    assert 0.005 < mask.mean() < 0.25
    coloured = world.classify(clip.frames[0]) >= 0  # every object and character pixel has a colour class
    assert coloured.any() and mask[0][coloured].mean() > 0.95


def test_loss_weights_pool_the_foreground_onto_latent_positions():
    model = VideoDiT(TINY_LATENT)
    foreground = torch.zeros(1, 8, 32, 32, dtype=torch.bool)
    foreground[0, 3, 9, 17] = True  # frame group 1, latent row 1, latent column 2
    weights = loss_weights(model, foreground, 5.0)
    assert weights is not None and weights.shape == (1, 4, 4, 4)
    assert weights[0, 1, 1, 2] == 5.0 and weights.sum() == 4 * 4 * 4 - 1 + 5
    assert loss_weights(model, foreground, 1.0) is None


def test_weighted_loss_is_the_plain_loss_under_uniform_weights_and_follows_the_weights():
    model = perturbed_model_of(get_config("tiny"))
    clean = torch.rand(2, 8, 32, 32, 3) * 2 - 1
    cond = conditioning(2, 4)
    t, noise = torch.tensor([0.3, 0.7]), torch.randn(2, 8, 32, 32, 3)
    with torch.no_grad():
        plain = rectified_flow_loss(model, clean, cond, t=t, noise=noise)
        uniform = rectified_flow_loss(
            model, clean, cond, t=t, noise=noise, weights=torch.full((2, 8, 32, 32), 3.0)
        )
        focus = torch.zeros(2, 8, 32, 32)
        focus[:, :, :4, :4] = 1.0
        focused = rectified_flow_loss(model, clean, cond, t=t, noise=noise, weights=focus)
        predicted = model((1 - t.view(2, 1, 1, 1, 1)) * clean + t.view(2, 1, 1, 1, 1) * noise, t, cond)
    torch.testing.assert_close(uniform, plain)
    corner = (predicted - (noise - clean)).square()[:, :, :4, :4].mean()
    torch.testing.assert_close(focused, corner, rtol=1e-5, atol=1e-6)


def test_crops_cut_frame_groups_on_the_codec_grid():
    pixels = torch.arange(2 * 4 * 24 * 40 * 3, dtype=torch.float32).reshape(2, 4, 24, 40, 3)
    foreground = torch.zeros(2, 4, 24, 40, dtype=torch.bool)
    windows, masks = crops(pixels, foreground, 2, 5, 16, random.Random(0))
    assert windows.shape == (5, 2, 16, 16, 3) and masks.shape == (5, 2, 16, 16)
    groups = pixels.reshape(4, 2, 24, 40, 3)
    for window in windows:
        found = [
            (g, top, left)
            for g in range(4)
            for top in range(0, 9, 8)
            for left in range(0, 25, 8)
            if torch.equal(groups[g, :, top : top + 16, left : left + 16], window)
        ]
        assert len(found) == 1


@pytest.mark.slow
def test_training_the_autoencoder_writes_a_calibrated_codec_that_reconstructs(tmp_path, monkeypatch):
    from generation.engine import config as config_module

    monkeypatch.setitem(config_module.CONFIGS, TINY_LATENT.name, TINY_LATENT)
    out = tmp_path / "codec.safetensors"
    args = [
        "--config",
        TINY_LATENT.name,
        "--out",
        str(out),
        "--steps",
        "40",
        "--batch",
        "2",
        "--crop",
        "0",
        "--durations",
        "2",
        "--lr",
        "3e-3",
        "--warmup",
        "5",
        "--threads",
        "1",
        "--quiet",
    ]
    assert train_codec_main(args) == 0
    codec = load_autoencoder(out, TINY_LATENT).eval()
    losses = [line for line in out.with_suffix(".log.jsonl").read_text().splitlines()]
    assert len(losses) == 40
    first, last = (json.loads(line)["loss"] for line in (losses[0], losses[-1]))
    assert last < 0.7 * first
    clip = world.make_clip(5, height=32, width=32, frames=8, fps=4)
    with torch.no_grad():
        latents = codec.encode(to_unit(clip.frames)[None])
    assert 0.3 < float(latents.std()) < 3.0  # calibrated: about unit scale
    with pytest.raises(CheckpointError, match="cannot read"):
        load_autoencoder(out, dataclasses.replace(TINY_LATENT, latent_channels=4))
    assert train_codec_main(["--config", "tiny", "--out", str(tmp_path / "x.safetensors")]) == 2


def test_focused_crops_hold_the_foreground():
    pixels = torch.zeros(1, 2, 64, 64, 3)
    foreground = torch.zeros(1, 2, 64, 64, dtype=torch.bool)
    foreground[0, 1, 50, 5] = True  # one object pixel, near the bottom left
    _, masks = crops(pixels, foreground, 2, 20, 32, random.Random(1), focus=1.0)
    assert all(mask.any() for mask in masks)
    _, masks = crops(pixels, foreground, 2, 40, 32, random.Random(1), focus=0.0)
    assert not all(mask.any() for mask in masks)  # unfocused windows miss it now and then


def test_a_decoder_trained_further_keeps_the_latents_and_replaces_the_models_decoder(tmp_path, monkeypatch):
    from generation.engine import config as config_module
    from generation.engine.train import main as train_main

    monkeypatch.setitem(config_module.CONFIGS, TINY_LATENT.name, TINY_LATENT)
    first, second, other = tmp_path / "a.safetensors", tmp_path / "b.safetensors", tmp_path / "c.safetensors"
    common = ["--config", TINY_LATENT.name, "--crop", "0", "--durations", "2", "--threads", "1", "--quiet"]
    assert train_codec_main([*common, "--out", str(first), "--steps", "3"]) == 0
    assert train_codec_main([*common, "--out", str(second), "--steps", "3", "--resume", str(first),
                             "--decoder-only", "--lr", "1e-2"]) == 0  # fmt: skip
    assert train_codec_main([*common, "--out", str(other), "--steps", "3", "--seed", "1"]) == 0
    a, b = load_autoencoder(first, TINY_LATENT), load_autoencoder(second, TINY_LATENT)
    clip = to_unit(world.make_clip(2, height=32, width=32, frames=8, fps=4).frames)[None]
    with torch.no_grad():
        assert torch.equal(a.encode(clip), b.encode(clip))
        assert not torch.equal(a.decode(a.encode(clip)), b.decode(b.encode(clip)))
    # A model trained on the first autoencoder's latents takes the new decoder, not another encoder.
    model = tmp_path / "m.safetensors"
    dit = ["--config", TINY_LATENT.name, "--out", str(model), "--batch", "2", "--durations", "2"]
    assert train_main([*dit, "--steps", "1", "--codec", str(first)]) == 0
    state = str(tmp_path / "m.train.safetensors")
    assert train_main([*dit, "--steps", "2", "--resume", state, "--codec", str(second)]) == 0
    from generation.engine import load_checkpoint

    shipped = load_checkpoint(model)
    torch.testing.assert_close(shipped.codec.decoder[0].weight, b.decoder[0].weight.to(torch.float16).float())
    assert train_main([*dit, "--steps", "3", "--resume", state, "--codec", str(other)]) == 2
    # Shipping can swap the further-trained decoder into a checkpoint made with the first one.
    from generation.engine.ship import main as ship_main

    early, target = tmp_path / "early.safetensors", tmp_path / "shipped" / "m.safetensors"
    assert train_main([*dit[:3], str(early), *dit[4:], "--steps", "1", "--codec", str(first)]) == 0
    assert ship_main([str(early), "--to", str(target), "--codec", str(second)]) == 0
    swapped, before = load_checkpoint(target), load_checkpoint(early)
    torch.testing.assert_close(swapped.codec.decoder[0].weight, b.decoder[0].weight.to(torch.float16).float())
    for name, tensor in before.state_dict().items():
        if not name.startswith("codec.") or name.removeprefix("codec.").startswith(ENCODER_PARTS):
            assert torch.equal(tensor, swapped.state_dict()[name]), name
    sidecar = json.loads(target.with_suffix(".json").read_text())
    assert (sidecar["step"], sidecar["codec"]) == ("1", second.name)
    assert ship_main([str(early), "--to", str(target), "--codec", str(other)]) == 2  # another encoder


def test_the_autoencoder_inside_a_shipped_checkpoint_can_be_trained_further(tmp_path, monkeypatch):
    from generation.engine import config as config_module
    from generation.engine import load_checkpoint
    from generation.engine.train import main as train_main

    monkeypatch.setitem(config_module.CONFIGS, TINY_LATENT.name, TINY_LATENT)
    codec, model = tmp_path / "codec.safetensors", tmp_path / "m.safetensors"
    common = ["--config", TINY_LATENT.name, "--crop", "0", "--durations", "2", "--threads", "1", "--quiet"]
    assert train_codec_main([*common, "--out", str(codec), "--steps", "2"]) == 0
    dit = ["--config", TINY_LATENT.name, "--out", str(model), "--batch", "2", "--durations", "2"]
    assert train_main([*dit, "--steps", "1", "--codec", str(codec)]) == 0
    inside = load_autoencoder(model, TINY_LATENT)
    shipped = load_checkpoint(model).codec
    for name, tensor in inside.state_dict().items():
        assert torch.equal(tensor, shipped.state_dict()[name]), name
    further = tmp_path / "further.safetensors"
    assert train_codec_main([*common, "--out", str(further), "--steps", "2", "--resume", str(model),
                             "--decoder-only"]) == 0  # fmt: skip
    assert train_main([*dit, "--steps", "2", "--init", str(model), "--codec", str(further)]) == 0
    with pytest.raises(CheckpointError, match="without an autoencoder"):
        tiny = tmp_path / "tiny.safetensors"
        assert train_main(["--config", "tiny", "--out", str(tiny), "--steps", "1", "--batch", "2"]) == 0
        load_autoencoder(tiny, TINY_LATENT)
