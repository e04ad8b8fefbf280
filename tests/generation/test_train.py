"""``python -m generation.engine.train`` on the tiny config: it learns from the world's clips, writes an
engine checkpoint and a resumable state, and a resumed run continues exactly where it stopped."""

from __future__ import annotations

import dataclasses
import json
import random

import pytest
import torch
from safetensors import safe_open

from generation.engine import Engine, GenerationRequest, get_config, load_checkpoint, world
from generation.engine.text import shared_encoder
from generation.engine.train import KEY_METRICS, batch_shapes, batches, main, make_batch

TINY = get_config("tiny")


def run(tmp_path, *extra: str) -> int:
    return main(
        ["--config", "tiny", "--out", str(tmp_path / "tiny.safetensors"), "--batch", "2", "--durations", "2",
         "--eval-every", "2", "--save-every", "2", "--warmup", "2", *extra]
    )  # fmt: skip


def test_training_writes_a_loadable_checkpoint_and_logs_the_loss(tmp_path):
    assert run(tmp_path, "--steps", "3") == 0
    model = load_checkpoint(tmp_path / "tiny.safetensors", config="tiny")
    with safe_open(str(tmp_path / "tiny.safetensors"), framework="pt") as handle:
        assert handle.metadata()["weights"] == "ema"
        assert handle.metadata()["step"] == "3"
    clip = Engine(model, device="cpu").generate(GenerationRequest(prompt="a red ball", seed=1, steps=2))
    assert clip.frames.shape == (16, 32, 32, 3)
    records = [json.loads(line) for line in (tmp_path / "tiny.log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [1, 2, 3]
    assert all(r["loss"] > 0 for r in records)
    assert "heldout_loss" in records[1]
    # The EMA weights moved away from the initial (zero) output layer.
    assert model.final_layer.linear.weight.abs().sum() > 0


def test_a_resumed_run_matches_an_uninterrupted_one(tmp_path):
    straight, split = tmp_path / "straight", tmp_path / "split"
    assert run(straight, "--steps", "4") == 0
    assert run(split, "--steps", "2") == 0
    assert run(split, "--steps", "4", "--resume", str(split / "tiny.train.safetensors")) == 0
    a = load_checkpoint(straight / "tiny.safetensors").state_dict()
    b = load_checkpoint(split / "tiny.safetensors").state_dict()
    for name in a:
        assert torch.equal(a[name], b[name]), name


def test_resuming_from_something_else_fails_clearly(tmp_path, capsys):
    (tmp_path / "junk.safetensors").write_bytes(b"junk")
    assert run(tmp_path, "--steps", "1", "--resume", str(tmp_path / "junk.safetensors")) == 2
    assert "not a readable training state" in capsys.readouterr().err


def test_batches_carry_captions_references_and_guidance_dropout():
    rng = random.Random(0)
    frames, height, width = batch_shapes(TINY, [2])[0]
    clips = [
        world.make_clip(seed, height=height, width=width, frames=frames, fps=TINY.fps) for seed in range(40)
    ]
    with_character = [c for c in clips if c.reference is not None][:8]
    assert with_character, "the world makes clips with characters"
    batch = make_batch(
        with_character, TINY, shared_encoder(), rng, drop_text=0.5, drop_cameo=0.25, drop_both=0.0
    )
    assert batch.clean.shape == (len(with_character), frames, height, width, 3)
    assert batch.clean.min() >= -1 and batch.clean.max() <= 1
    assert batch.cond.references is not None and batch.cond.reference_present is not None
    kept_text = (batch.cond.text_groups == 1).any(dim=1)
    # Some captions were dropped and some kept; dropped ones have no text and a zero pooled vector.
    assert kept_text.any() and not kept_text.all()
    assert torch.count_nonzero(batch.cond.pooled[~kept_text]) == 0
    assert batch.cond.reference_present.any()


def test_batches_hold_only_captions_a_prompt_may_have():
    """A scene whose caption is longer than a prompt may be is drawn again (the product refuses such a
    prompt, and encoding it would stop a training run)."""
    encoder = shared_encoder()
    frames, height, width = batch_shapes(TINY, [2])[0]
    scenes = [world.make_clip(s, height=height, width=width, frames=frames, fps=TINY.fps) for s in range(30)]
    lengths = sorted(encoder.count_tokens(scene.caption) for scene in scenes)
    short = dataclasses.replace(TINY, max_prompt_tokens=lengths[len(lengths) // 2])  # half are too long
    stream = batches(short, seed=0, start_step=0, batch_size=4, durations=[2], encoder=encoder)
    for _ in range(4):
        batch = next(stream)
        assert all(encoder.count_tokens(c) <= short.max_prompt_tokens for c in batch.captions)
    again = next(batches(short, seed=0, start_step=3, batch_size=4, durations=[2], encoder=encoder))
    assert again.captions == batch.captions  # still a function of (seed, step)


def test_a_cpu_time_budget_stops_training_and_resuming_keeps_counting_it(tmp_path):
    assert run(tmp_path, "--steps", "50", "--cpu-minutes", "0.0001") == 0
    records = [json.loads(line) for line in (tmp_path / "tiny.log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [1]  # one step costs more than 6 ms of CPU
    spent = records[0]["cpu_hours"]
    assert spent > 0
    with safe_open(str(tmp_path / "tiny.train.safetensors"), framework="pt") as handle:
        assert float(handle.metadata()["cpu_seconds"]) == pytest.approx(spent * 3600, abs=0.1)
    assert run(tmp_path, "--steps", "2", "--resume", str(tmp_path / "tiny.train.safetensors")) == 0
    records = [json.loads(line) for line in (tmp_path / "tiny.log.jsonl").read_text().splitlines()]
    assert records[-1]["step"] == 2 and records[-1]["cpu_hours"] > spent


def test_training_logs_the_world_simulation_metrics_on_held_out_scenes(tmp_path):
    assert run(tmp_path, "--steps", "2", "--eval-minutes", "0.000001", "--eval-clips", "1",
               "--eval-duration", "2", "--eval-steps", "1") == 0  # fmt: skip
    records = [json.loads(line) for line in (tmp_path / "tiny.log.jsonl").read_text().splitlines()]
    evaluations = [r for r in records if "heldout" in r]
    assert [r["step"] for r in evaluations] == [1, 2]
    figures = evaluations[0]["heldout"]
    assert set(KEY_METRICS) <= set(figures)
    assert 0.0 <= figures["persistence"] <= 1.0 and figures["seconds_per_clip"] > 0


def test_a_latent_config_needs_its_autoencoder(tmp_path, capsys):
    assert main(["--config", "latent", "--out", str(tmp_path / "x.safetensors"), "--steps", "1"]) == 2
    assert "--codec" in capsys.readouterr().err


def test_a_warm_start_from_shipped_weights_continues_their_step_and_cpu_hours(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    assert run(first, "--steps", "2") == 0
    shipped = first / "tiny.safetensors"
    with safe_open(str(shipped), framework="pt") as handle:
        spent = float(handle.metadata()["cpu_hours"])
    assert spent > 0
    assert run(second, "--steps", "4", "--init", str(shipped)) == 0
    records = [json.loads(line) for line in (second / "tiny.log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [3, 4]
    assert records[0]["cpu_hours"] > spent


def test_shipping_copies_the_checkpoint_and_appends_a_thinned_log(tmp_path, capsys):
    from generation.engine.ship import main as ship_main

    assert run(tmp_path, "--steps", "5") == 0  # held-out loss at steps 2 and 4
    target = tmp_path / "weights" / "tiny.safetensors"
    assert ship_main([str(tmp_path / "tiny.safetensors"), "--to", str(target), "--every", "5"]) == 0
    assert load_checkpoint(target, config="tiny") is not None and target.with_suffix(".json").is_file()
    shipped = [json.loads(line) for line in target.with_suffix(".log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in shipped] == [2, 4, 5]
    assert run(tmp_path, "--steps", "6", "--resume", str(tmp_path / "tiny.train.safetensors")) == 0
    assert ship_main([str(tmp_path / "tiny.safetensors"), "--to", str(target), "--every", "5"]) == 0
    shipped = [json.loads(line) for line in target.with_suffix(".log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in shipped] == [2, 4, 5, 6]  # the second stretch's lines only, once
    assert ship_main([str(tmp_path / "tiny.train.safetensors"), "--to", str(target)]) == 2
    assert "not an engine checkpoint" in capsys.readouterr().err
