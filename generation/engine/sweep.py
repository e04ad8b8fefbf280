"""``python -m generation.engine.sweep``: learning per CPU-hour, measured before a long run.

Each candidate is an engine config (a registered one with changes) and training settings. ``run`` trains it
for a fixed budget of CPU time (one thread by default, so two candidates can run side by side on two cores
without disturbing each other's figures: the budget is CPU time, not wall time) and then measures its EMA
weights with the world-simulation evaluation on held-out scenes (``evaluate``: the seen and unseen groups,
``--clips`` scenes each). The result goes to ``<out>/<name>.json``; ``table`` gathers every result in a folder
into the markdown table the README keeps.

A latent candidate needs its trained autoencoder (``--codec``, from ``train_codec``); the autoencoder's own
CPU time is reported beside it, and ``ceiling`` measures the simulator's clips passed through it: no
latent model can score above that.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generation.engine.config import EngineConfig, get_config
from generation.engine.evaluate import KEY_METRICS


@dataclass(frozen=True)
class Candidate:
    name: str
    base: str  # a registered config
    changes: dict[str, Any] = field(default_factory=dict)  # EngineConfig fields to replace
    train: dict[str, Any] = field(default_factory=dict)  # train.py options (dest names) to override
    note: str = ""

    def config(self) -> EngineConfig:
        return dataclasses.replace(get_config(self.base), name=self.name, **self.changes)


LARGE_PATCH = {"patch": (2, 16, 16), "embed_bottleneck": 128, "prediction": "data"}
NARROW = {"dim": 192, "depth": 6, "heads": 3}

CANDIDATES: dict[str, Candidate] = {
    c.name: c
    for c in (
        Candidate("demo", "demo", note="the shipped recipe: 2x8x8 pixel cubes, clean-data prediction"),
        Candidate("narrow", "demo", NARROW, note="dim 192, depth 6"),
        Candidate("p16", "demo", LARGE_PATCH, note="2x16x16 pixel cubes, bottleneck embedding, x-prediction"),
        Candidate("p16-fg", "demo", LARGE_PATCH, {"foreground_weight": 10.0}, note="p16, foreground x10"),
        Candidate("latent", "latent", note="autoencoder 2x8x8 -> 16 ch, 1x2x2 latent patches, velocity"),
        Candidate(
            "latent-fg",
            "latent",
            train={"foreground_weight": 5.0, "lr": 5e-4, "warmup": 300},
            note="latent, foreground x5, lr 5e-4 (the first long run's recipe)",
        ),
        Candidate(
            "latent-fg-lr",
            "latent",
            train={"foreground_weight": 5.0, "lr": 1e-3, "warmup": 300},
            note="latent-fg at lr 1e-3",
        ),
        Candidate("latent-narrow-fg", "latent", NARROW, {"foreground_weight": 5.0}, note="narrow latent"),
    )
}


@dataclass(frozen=True)
class Budget:
    """How a candidate is run: its CPU time, threads, autoencoder (latent candidates) and evaluation size."""

    cpu_minutes: float = 15.0
    threads: int = 1
    codec: str | None = None
    clips: int = 24  # held-out scenes per group
    seed: int = 0


def train_args(candidate: Candidate, out: Path, budget: Budget) -> argparse.Namespace:
    from generation.engine import train

    args = train.parse_args(["--out", str(out / f"{candidate.name}.safetensors")])
    args.engine_config = candidate.config()
    args.cpu_minutes = budget.cpu_minutes
    args.steps = 10**9
    args.threads = budget.threads
    args.codec = budget.codec
    args.seed = budget.seed
    args.quiet = True
    args.save_every = 10**9
    args.eval_every = 10**9
    args.eval_clips = budget.clips
    args.weights_dtype = "float32"
    for key, value in candidate.train.items():
        setattr(args, key, value)
    return args


def run(candidate: Candidate, out: Path, budget: Budget) -> dict[str, Any]:
    import torch

    from generation.engine import train
    from generation.engine.checkpoint import load_checkpoint
    from generation.engine.text import shared_encoder

    out.mkdir(parents=True, exist_ok=True)
    args = train_args(candidate, out, budget)
    codec, clips = budget.codec, budget.clips
    log = out / f"{candidate.name}.log.jsonl"
    log.unlink(missing_ok=True)
    started = time.perf_counter()
    checkpoint = train.train(args)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    steps = [r for r in records if "loss" in r]
    last = steps[-1]
    cpu_seconds = last["cpu_hours"] * 3600
    config = args.engine_config
    evaluation = train.HeldOut(config, clips, args.eval_duration, None)
    before = time.process_time()
    figures = evaluation(load_checkpoint(checkpoint), shared_encoder(), torch.device("cpu"))
    codec_seconds = 0.0
    if codec:
        from generation.engine.train_codec import codec_cpu_seconds

        codec_seconds = codec_cpu_seconds(codec)
    result = {
        "name": candidate.name,
        "note": candidate.note,
        "config": json.loads(config.to_json()),
        "train": {k: (v if isinstance(v, int | float | str) else str(v)) for k, v in candidate.train.items()},
        "tokens_per_2s_clip": config.tokens_per_clip(2, "square"),
        "parameters": sum(
            p.numel() for n, p in load_checkpoint(checkpoint).named_parameters() if not n.startswith("codec.")
        ),
        "steps": last["step"],
        "clips": last["step"] * args.batch,
        "cpu_seconds": cpu_seconds,
        "codec_cpu_seconds": codec_seconds,
        "clips_per_cpu_second": last["step"] * args.batch / cpu_seconds,
        "final_loss": sum(r["loss"] for r in steps[-50:]) / len(steps[-50:]),
        "heldout": figures,
        "eval_clips_per_group": clips,
        "eval_cpu_seconds": time.process_time() - before,
        "wall_seconds": time.perf_counter() - started,
    }
    (out / f"{candidate.name}.result.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def ceiling(config: EngineConfig, codec: str, clips: int, duration: int = 4) -> dict[str, float | None]:
    """The simulator's held-out scenes through the autoencoder, measured like a model's clips."""
    import numpy as np
    import torch

    from generation.engine import evaluate
    from generation.engine.pipeline import to_uint8, to_unit
    from generation.engine.train_codec import load_autoencoder

    autoencoder = load_autoencoder(codec, config).eval()
    scenes = evaluate.evaluation_scenes(config, clips, duration)
    simulator = evaluate.evaluate(None, scenes, progress=False, keep_frames=False).summary
    metrics = []
    with torch.no_grad():
        for clip in scenes:
            frames = to_uint8(autoencoder.decode(autoencoder.encode(to_unit(clip.frames)[None]))[0])
            metrics.append(evaluate.measure(np.asarray(frames), clip, config=config))
    summary = evaluate.summarise(metrics)
    reference = simulator.get("identity")
    identity = summary.get("identity")
    summary["identity_ratio"] = identity / reference if identity is not None and reference else None
    return {key: summary.get(key) for key in (*KEY_METRICS, "count_seen", "count_unseen")}


COLUMNS = (
    ("persistence", "persist."),
    ("gravity_pass", "gravity"),
    ("colour_seen", "colour seen"),
    ("colour_unseen", "colour unseen"),
    ("shape_seen", "shape seen"),
    ("shape_unseen", "shape unseen"),
    ("identity_ratio", "identity"),
)


def _pct(value: float | None, ratio: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f}" if ratio else f"{100 * value:.0f} %"


def table(results: list[dict[str, Any]]) -> str:
    head = [
        "candidate",
        "tokens / 2 s clip",
        "params",
        "CPU-min (+codec)",
        "clips / CPU-s",
        "clips seen",
        "final loss",
    ] + [label for _, label in COLUMNS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        codec = f" (+{r['codec_cpu_seconds'] / 60:.0f})" if r.get("codec_cpu_seconds") else ""
        cells = [
            f"`{r['name']}`",
            str(r["tokens_per_2s_clip"]),
            f"{r['parameters'] / 1e6:.1f}M",
            f"{r['cpu_seconds'] / 60:.0f}{codec}",
            f"{r['clips_per_cpu_second']:.2f}",
            str(r["clips"]),
            f"{r['final_loss']:.4f}",
        ] + [_pct(r["heldout"].get(key), key == "identity_ratio") for key, _ in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m generation.engine.sweep", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="train one candidate for a fixed CPU time, then evaluate it")
    run_parser.add_argument("candidate", choices=sorted(CANDIDATES))
    run_parser.add_argument("--out", type=Path, default=Path("sweep"))
    run_parser.add_argument("--cpu-minutes", type=float, default=15)
    run_parser.add_argument("--threads", type=int, default=1)
    run_parser.add_argument("--codec", help="the trained autoencoder, for latent candidates")
    run_parser.add_argument("--clips", type=int, default=24, help="held-out scenes per group")
    run_parser.add_argument("--seed", type=int, default=0)
    ceiling_parser = sub.add_parser("ceiling", help="the simulator's clips through an autoencoder")
    ceiling_parser.add_argument("codec")
    ceiling_parser.add_argument("--config", default="latent")
    ceiling_parser.add_argument("--clips", type=int, default=24)
    table_parser = sub.add_parser("table", help="the markdown table of every result in a folder")
    table_parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    from generation.engine.errors import EngineError

    try:
        if args.command == "run":
            import torch

            torch.set_num_threads(args.threads)
            candidate = CANDIDATES[args.candidate]
            if candidate.config().latent and not args.codec:
                raise ValueError(f"{candidate.name} is a latent candidate: name its autoencoder with --codec")
            budget = Budget(args.cpu_minutes, args.threads, args.codec, args.clips, args.seed)
            result = run(candidate, args.out, budget)
            print(table([result]))
        elif args.command == "ceiling":
            figures = ceiling(get_config(args.config), args.codec, args.clips)
            print(json.dumps(figures, indent=2))
        else:
            results = [json.loads(p.read_text()) for p in sorted(args.folder.glob("*.result.json"))]
            results = [r for r in results if "heldout" in r]
            print(table(sorted(results, key=lambda r: r["name"])))
    except (EngineError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
