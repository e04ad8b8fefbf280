"""``python -m generation.engine.ship``: make a training stretch's newest weights the shipped checkpoint.

A stretch of background training (``make engine-stretch``) writes its float16 EMA checkpoint, a resumable
state and a JSON-lines log under ``.run/engine/``. Shipping copies the checkpoint and its ``.json`` beside it
into ``generation/engine/weights/`` (the package's default for that config) and appends the stretch's log to
the shipped log, thinned so that the repository stays small: every ``--every``-th step, and every line with
a held-out loss or held-out evaluation. The resumable state (optimiser moments, float32 weights) is never
shipped: the next stretch on another machine warm-starts from the shipped weights.

``--codec`` ships the checkpoint with a decoder trained further since (``train_codec --decoder-only``): the
autoencoder's encoder must be the checkpoint's own, so the transformer's latents stay what it learnt.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from generation.engine.checkpoint import WEIGHTS_DIR, checkpoint_metadata, read_config
from generation.engine.errors import CheckpointError

MAX_CHECKPOINT_BYTES = 25 * 1024 * 1024


def thinned(lines: list[str], every: int) -> list[str]:
    kept = []
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short when a stretch was killed mid-write
        if "heldout" in record or "heldout_loss" in record or record.get("step", 0) % every == 0:
            kept.append(json.dumps(record))
    return kept


def ship(source: Path, target: Path, every: int = 20, codec: Path | None = None) -> tuple[Path, int]:
    """Copies ``source`` (an engine checkpoint) and its sidecar to ``target`` (with ``codec``'s decoder in
    place of its own, when given) and appends its thinned log; returns the shipped checkpoint and the number
    of log lines added."""
    config = read_config(source)  # refuses anything that is not an engine checkpoint
    if source.stat().st_size > MAX_CHECKPOINT_BYTES:
        raise CheckpointError(f"{source} is {source.stat().st_size / 2**20:.1f} MiB: ship float16 weights")
    target.parent.mkdir(parents=True, exist_ok=True)
    if codec is not None:
        import torch

        from generation.engine.checkpoint import load_checkpoint, save_checkpoint
        from generation.engine.train import load_codec

        model = load_checkpoint(source, config=config)
        load_codec(model, str(codec), same_latents=True)
        metadata = {k: v for k, v in checkpoint_metadata(source).items() if k not in ("format", "config")}
        save_checkpoint(model, target, metadata={**metadata, "codec": codec.name}, dtype=torch.float16)
    else:
        shutil.copyfile(source, target)
        sidecar = source.with_suffix(".json")
        if sidecar.is_file():
            shutil.copyfile(sidecar, target.with_suffix(".json"))
    added = 0
    log = source.with_suffix(".log.jsonl")
    if log.is_file():
        lines = thinned(log.read_text().splitlines(), every)
        shipped_log = target.with_suffix(".log.jsonl")
        with shipped_log.open("a") as handle:
            handle.writelines(line + "\n" for line in lines)
        added = len(lines)
        log.write_text("")  # shipped: the next ship appends only what comes after
    print(f"shipped {config.name} from {source} to {target} (+{added} log lines)", file=sys.stderr)
    return target, added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m generation.engine.ship", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "checkpoint", type=Path, help="the stretch's EMA checkpoint, e.g. .run/engine/latent.safetensors"
    )
    parser.add_argument("--to", type=Path, help="default: generation/engine/weights/<config>.safetensors")
    parser.add_argument("--every", type=int, default=20, help="keep every n-th step of the log")
    parser.add_argument("--codec", type=Path, help="an autoencoder whose decoder replaces the checkpoint's")
    args = parser.parse_args(argv)
    try:
        target = args.to or WEIGHTS_DIR / f"{read_config(args.checkpoint).name}.safetensors"
        ship(args.checkpoint, target, args.every, args.codec)
    except (CheckpointError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
