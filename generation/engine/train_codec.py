"""``python -m generation.engine.train_codec``: teach a latent config's video autoencoder to code world clips.

Clips stream from the simulator (every aspect ratio, ``--durations``); the loss is the mean absolute error of
the reconstruction, weighted ``--foreground-weight`` times on the pixels of objects and characters (about 4 %
of a clip: unweighted, the room would take nearly all the loss). Half the samples are decoded from latents
with a little noise added, so the decoder stays sensible on the slightly-off latents a diffusion model
samples. Steps train on random windows of frame groups (``--crop``): the codec is convolutional, so a
window teaches it as much as a whole frame at a fraction of the cost. At the end (and at every save) the
latents' per-channel statistics are measured and stored, so the transformer sees unit-scale latents.

Writes ``--out`` (safetensors with the config in its metadata), which ``train --codec`` loads.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

from generation.engine import world
from generation.engine.codec import VideoAutoencoder
from generation.engine.config import EngineConfig, get_config
from generation.engine.errors import CheckpointError
from generation.engine.pipeline import to_unit
from generation.engine.train import batch_shapes, foreground_mask

FORMAT = "sora_social.codec/1"


def clip_batch(
    config: EngineConfig, rng: random.Random, batch: int, durations: list[int], split: str = "train"
) -> tuple[torch.Tensor, torch.Tensor]:
    """``batch`` clips of one random shape: pixels ``[B, T, H, W, 3]``, their foreground ``[B, T, H, W]``."""
    frames, height, width = rng.choice(batch_shapes(config, durations))
    clips = [
        world.make_clip(
            rng.randrange(2**31), height=height, width=width, frames=frames, fps=config.fps, split=split
        )
        for _ in range(batch)
    ]
    pixels = torch.stack([to_unit(clip.frames) for clip in clips])
    foreground = torch.from_numpy(np.stack([foreground_mask(clip) for clip in clips]))
    return pixels, foreground


def _window_start(extent: int, size: int, rng: random.Random, inside: int | None) -> int:
    """A window start on the 8-pixel grid; with ``inside``, one whose window holds that pixel, if any."""
    starts = range(0, extent - size + 1, 8)
    if inside is not None:
        holding = [s for s in starts if s <= inside < s + size]
        if holding:
            return rng.choice(holding)
    return rng.choice(starts)


def crops(
    pixels: torch.Tensor,
    foreground: torch.Tensor,
    frames: int,
    count: int,
    size: int,
    rng: random.Random,
    focus: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``count`` random frame groups of ``frames`` frames, each cut to a ``size`` x ``size`` window on the
    codec's 8-pixel grid: ``[count, frames, size, size, 3]`` and their foreground. A convolutional codec
    learns the same from a window as from the whole frame, at a fraction of the cost. With probability
    ``focus`` a window is placed over a random foreground pixel of its group, so more of the (scarce)
    objects and characters are seen per step."""
    b, t, h, w, _ = pixels.shape
    groups = pixels.reshape(b * (t // frames), frames, h, w, 3)
    masks = foreground.reshape(b * (t // frames), frames, h, w)
    out, out_masks = [], []
    for _ in range(count):
        i = rng.randrange(groups.shape[0])
        row = col = None
        if focus and rng.random() < focus:
            rows, cols = torch.nonzero(masks[i].any(0), as_tuple=True)
            if len(rows):
                k = rng.randrange(len(rows))
                row, col = int(rows[k]), int(cols[k])
        top = _window_start(h, size, rng, row)
        left = _window_start(w, size, rng, col)
        out.append(groups[i, :, top : top + size, left : left + size])
        out_masks.append(masks[i, :, top : top + size, left : left + size])
    return torch.stack(out), torch.stack(out_masks)


def reconstruction_loss(
    decoded: torch.Tensor, target: torch.Tensor, foreground: torch.Tensor, weight: float
) -> torch.Tensor:
    """Foreground-weighted mean absolute error plus mean squared error (the squared term pulls hardest on
    the large errors: a wrong colour, a missing edge)."""
    w = 1.0 + (weight - 1.0) * foreground.float()[..., None]
    error = decoded - target
    return ((error.abs() + error.square()) * w).sum() / (w.sum() * 3)


def save_autoencoder(
    codec: VideoAutoencoder, config: EngineConfig, path: Path, metadata: dict[str, str]
) -> None:
    from safetensors.torch import save_file

    tensors = {name: t.detach().cpu().contiguous() for name, t in codec.state_dict().items()}
    tmp = path.with_name(path.name + ".tmp")
    save_file(tensors, str(tmp), metadata={"format": FORMAT, "config": config.to_json(), **metadata})
    tmp.replace(path)


def load_autoencoder(path: str | Path, config: EngineConfig) -> VideoAutoencoder:
    """An autoencoder file, or the autoencoder inside a latent config's engine checkpoint (so a shipped
    model's decoder can be trained further without a second file)."""
    from safetensors import safe_open

    from generation.engine.checkpoint import FORMAT as ENGINE_FORMAT

    try:
        with safe_open(str(path), framework="pt", device="cpu") as handle:
            metadata = handle.metadata() or {}
            tensors = {name: handle.get_tensor(name) for name in handle.keys()}  # noqa: SIM118
    except Exception as exc:
        raise CheckpointError(f"{path} is not a readable autoencoder: {exc}") from None
    if metadata.get("format") == ENGINE_FORMAT:
        tensors = {name[6:]: t.float() for name, t in tensors.items() if name.startswith("codec.")}
        if not tensors:
            raise CheckpointError(f"{path} is an engine checkpoint without an autoencoder")
    elif metadata.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not an autoencoder of this engine")
    stored = EngineConfig.from_json(metadata["config"])
    keys = ("latent_channels", "codec_stride", "codec_width")
    if any(stored.architecture()[k] != config.architecture()[k] for k in keys):
        raise CheckpointError(f"{path} codes {stored.name!r} latents, which {config.name!r} cannot read")
    codec = VideoAutoencoder(config)
    codec.load_state_dict(tensors)
    return codec


def codec_cpu_seconds(path: str | Path) -> float:
    """The CPU time an autoencoder file has been trained for, resumed stretches included."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt", device="cpu") as handle:
        return float((handle.metadata() or {}).get("cpu_seconds", 0.0))


@torch.no_grad()
def calibrate(codec: VideoAutoencoder, config: EngineConfig, durations: list[int], clips: int = 24) -> None:
    rng = random.Random(7)
    latents = [codec.encode_raw(clip_batch(config, rng, 4, durations)[0]) for _ in range(max(1, clips // 4))]
    codec.calibrate(torch.cat([z.reshape(-1, codec.channels) for z in latents]))


def train_codec(args: argparse.Namespace) -> Path:
    if args.threads:
        torch.set_num_threads(args.threads)
    config = args.engine_config if getattr(args, "engine_config", None) else get_config(args.config)
    if not config.latent:
        raise ValueError(f"{config.name!r} works on pixels: it has no autoencoder to train")
    torch.manual_seed(args.seed)
    codec = load_autoencoder(args.resume, config) if args.resume else VideoAutoencoder(config)
    before = codec_cpu_seconds(args.resume) if args.resume else 0.0
    codec.train()
    if args.decoder_only and not args.resume:
        raise ValueError("--decoder-only continues a trained autoencoder: name it with --resume")
    if args.decoder_only:  # the latents stay exactly what they were: a model trained on them still fits
        codec.encoder.requires_grad_(False)
        codec.linear_in.requires_grad_(False)
    trainable = [p for p in codec.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trainable, lr=args.lr, betas=(0.9, 0.99), weight_decay=0.0)
    durations = [int(d) for d in args.durations.split(",")]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    log_path = out.with_suffix(".log.jsonl")
    rng = random.Random(args.seed)
    started, cpu_started = time.perf_counter(), time.process_time()
    cpu_limit = args.cpu_minutes * 60 if args.cpu_minutes else math.inf
    step, last_save = 0, started
    with log_path.open("a") as log:
        while step < args.steps and time.process_time() - cpu_started < cpu_limit:
            pixels, foreground = clip_batch(config, rng, args.batch, durations)
            if args.crop:
                pixels, foreground = crops(
                    pixels, foreground, codec.frames, args.crops, args.crop, rng, focus=args.focus
                )
            lr = args.lr * min(1.0, (step + 1) / args.warmup)
            lr *= (
                0.5 * (1 + math.cos(math.pi * min(1.0, (time.process_time() - cpu_started) / cpu_limit)))
                if math.isfinite(cpu_limit)
                else 1.0
            )
            for group in optimiser.param_groups:
                group["lr"] = lr
            with torch.set_grad_enabled(not args.decoder_only):
                z = codec.encode_raw(pixels)
            # Each sample's latents get noise of a random level up to --latent-noise (half get none).
            level = torch.rand(z.shape[0], 1, 1, 1, 1) * args.latent_noise * 2 - args.latent_noise
            noise = level.clamp(min=0) * z.detach().std() * torch.randn_like(z)
            decoded = codec.decode_raw(z + noise)
            loss = reconstruction_loss(decoded, pixels, foreground, args.foreground_weight)
            loss = loss + args.latent_penalty * z.square().mean()
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimiser.step()
            step += 1
            record = {"step": step, "loss": loss.item(), "cpu_seconds": time.process_time() - cpu_started}
            log.write(json.dumps(record) + "\n")
            log.flush()
            if step % 50 == 0 and not args.quiet:
                print(f"codec step {step}: loss {loss.item():.4f}", file=sys.stderr)
            if args.save_minutes and time.perf_counter() - last_save > args.save_minutes * 60:
                codec.eval()
                if not args.decoder_only:
                    calibrate(codec, config, durations)
                cpu = before + time.process_time() - cpu_started
                save_autoencoder(codec, config, out, {"step": str(step), "cpu_seconds": f"{cpu:.1f}"})
                codec.train()
                last_save = time.perf_counter()
    codec.eval()
    if not args.decoder_only:
        calibrate(codec, config, durations)
    cpu = before + time.process_time() - cpu_started
    save_autoencoder(codec, config, out, {"step": str(step), "cpu_seconds": f"{cpu:.1f}"})
    print(f"codec step {step}: wrote {out} after {cpu / 60:.1f} CPU-minutes in all", file=sys.stderr)
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m generation.engine.train_codec",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("--config", default="latent")
    parser.add_argument("--out", required=True)
    parser.add_argument("--resume", help="an autoencoder to continue training")
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--cpu-minutes", type=float, default=0, help="stop after this much CPU time")
    parser.add_argument("--batch", type=int, default=4, help="clips per step")
    parser.add_argument("--crop", type=int, default=32, help="train on windows this size (0: whole frames)")
    parser.add_argument("--crops", type=int, default=32, help="windows per step")
    parser.add_argument("--focus", type=float, default=0.75, help="share of windows placed over an object")
    parser.add_argument(
        "--decoder-only",
        action="store_true",
        help="train only the decoder of --resume: the latents (and a model trained on them) stay valid",
    )
    parser.add_argument("--durations", default="2")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--foreground-weight", type=float, default=10.0)
    parser.add_argument("--latent-noise", type=float, default=0.1, help="relative to the latents' spread")
    parser.add_argument("--latent-penalty", type=float, default=1e-4)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save-minutes", type=float, default=10)
    parser.add_argument("--quiet", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        train_codec(args)
    except (CheckpointError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
