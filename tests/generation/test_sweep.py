"""The sweep harness: a candidate trains for a fixed CPU time, is measured on held-out scenes, and lands in
the table; a latent candidate's autoencoder is measured against the simulator (the ceiling)."""

from __future__ import annotations

import json

import pytest

from generation.engine import get_config, sweep
from generation.engine.train_codec import main as train_codec_main
from tests.generation.conftest import TINY_LATENT


def test_a_candidate_trains_for_its_cpu_budget_and_reports_its_figures(tmp_path):
    candidate = sweep.Candidate(
        "tiny-probe", "tiny", {"dim": 32}, {"batch": 2, "durations": "2"}, note="a test"
    )
    result = sweep.run(candidate, tmp_path, sweep.Budget(cpu_minutes=0.002, clips=1))
    saved = json.loads((tmp_path / "tiny-probe.result.json").read_text())
    assert saved == json.loads(json.dumps(result))
    assert result["config"]["dim"] == 32 and result["config"]["name"] == "tiny-probe"
    assert result["tokens_per_2s_clip"] == get_config("tiny").tokens_per_clip(2, "square")
    assert result["steps"] >= 1 and result["clips"] == 2 * result["steps"]
    assert result["cpu_seconds"] >= 0.12  # the budget, overshot by at most the last step
    assert result["clips_per_cpu_second"] == pytest.approx(result["clips"] / result["cpu_seconds"])
    assert set(sweep.KEY_METRICS) <= set(result["heldout"]) and result["eval_clips_per_group"] == 1
    table = sweep.table([result])
    assert table.splitlines()[0].startswith("| candidate | tokens / 2 s clip")
    assert f"`tiny-probe` | {result['tokens_per_2s_clip']} |" in table.splitlines()[2]


def test_every_registered_candidate_makes_a_valid_config():
    for candidate in sweep.CANDIDATES.values():
        config = candidate.config()
        assert config.name == candidate.name
        assert config.tokens_per_clip(2, "square") <= 512


def test_the_ceiling_measures_the_simulator_through_an_autoencoder(tmp_path, monkeypatch):
    from generation.engine import config as config_module

    tiny_latent = TINY_LATENT
    monkeypatch.setitem(config_module.CONFIGS, tiny_latent.name, tiny_latent)
    codec = tmp_path / "codec.safetensors"
    assert (
        train_codec_main(
            [
                "--config",
                "tiny-latent",
                "--out",
                str(codec),
                "--steps",
                "2",
                "--crop",
                "0",
                "--durations",
                "2",
                "--quiet",
            ]
        )
        == 0
    )
    figures = sweep.ceiling(tiny_latent, str(codec), clips=1, duration=2)
    assert set(sweep.KEY_METRICS) <= set(figures)
    # Two steps of training reconstruct no recognisable object (the simulator's own clips score 100 %).
    assert figures["colour_seen"] == 0.0


def test_the_command_line_refuses_a_latent_candidate_without_its_autoencoder(capsys):
    assert sweep.main(["run", "latent", "--cpu-minutes", "0.01"]) == 2
    assert "--codec" in capsys.readouterr().err
