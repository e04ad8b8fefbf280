"""``python -m generation.engine.train``: teach the engine the world of ``generation.engine.world``.

Clips stream from the simulator (each batch one random aspect ratio and duration), captions go through the
frozen text encoder, a character's reference image becomes the cameo frame, and the model learns the
rectified-flow velocity. Text is dropped 10% of the time and the cameo 10% (both 5%), so classifier-free
guidance has its unconditional branches. An exponential moving average of the weights is what ships.

Runs on CPU or CUDA (bf16 autocast there), shows a tqdm bar, logs the loss to a JSON-lines file, and writes
two safetensors files:

- ``--out`` (e.g. ``demo.safetensors``): the EMA weights, an engine checkpoint ``Engine.load`` reads;
- ``--out`` with ``.train.safetensors``: raw weights, EMA, optimiser state and the step, to ``--resume``.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from generation.engine import world
from generation.engine.checkpoint import FORMAT, checkpoint_metadata, load_checkpoint, save_checkpoint
from generation.engine.config import ASPECT_RATIOS, DEFAULT_CONFIG, EngineConfig, get_config
from generation.engine.errors import CheckpointError
from generation.engine.evaluate import KEY_METRICS
from generation.engine.model import Conditioning, VideoDiT, rename_legacy
from generation.engine.objective import rectified_flow_loss
from generation.engine.pipeline import to_unit
from generation.engine.text import TextEncoder, shared_encoder
from generation.engine.video import fit_image

SHIP_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


@dataclass
class Batch:
    clean: torch.Tensor  # [B, T, H, W, 3] in [-1, 1]
    cond: Conditioning
    captions: list[str]
    foreground: torch.Tensor  # [B, T, H, W] bool: inside an object's or character's box (grown by 1.5 px)


def foreground_mask(clip: world.WorldClip, margin: float = 1.5) -> np.ndarray:
    """bool ``[T, H, W]``: the pixels within ``margin`` of an entity's bounding box in each frame (the
    simulator's ground truth; about 4 % of a clip's pixels)."""
    frames, height, width = clip.frames.shape[:3]
    if not len(clip.objects):
        return np.zeros((frames, height, width), dtype=bool)
    boxes = clip.boxes  # [T, N, 4]
    rows = np.arange(height, dtype=np.float32) + 0.5
    cols = np.arange(width, dtype=np.float32) + 0.5
    in_rows = (rows >= boxes[..., 1:2] - margin) & (rows <= boxes[..., 3:4] + margin)  # [T, N, H]
    in_cols = (cols >= boxes[..., 0:1] - margin) & (cols <= boxes[..., 2:3] + margin)  # [T, N, W]
    return np.asarray((in_rows[..., :, None] & in_cols[..., None, :]).any(axis=1))


def batch_shapes(config: EngineConfig, durations: list[int]) -> list[tuple[int, int, int]]:
    """(frames, height, width) of every clip shape the product offers, for the given durations."""
    return [
        (config.frame_count(seconds), *config.frame_size(aspect))
        for seconds in durations
        for aspect in ASPECT_RATIOS
    ]


def make_batch(
    clips: list[world.WorldClip],
    config: EngineConfig,
    encoder: TextEncoder,
    rng: random.Random,
    *,
    drop_text: float = 0.1,
    drop_cameo: float = 0.1,
    drop_both: float = 0.05,
) -> Batch:
    """Clips of one shape → the model's inputs, with conditioning dropout for guidance."""
    height, width = clips[0].frames.shape[1:3]
    token_frames = clips[0].frames.shape[0] // config.token_stride[0]
    encoded = [encoder.encode(clip.caption, max_tokens=config.max_prompt_tokens) for clip in clips]
    length = max(e.tokens.shape[0] for e in encoded)
    batch = len(clips)
    text = torch.zeros(batch, length, config.text_dim)
    groups = torch.full((batch, length), -1, dtype=torch.long)
    pooled = torch.zeros(batch, 1, config.text_dim)
    with_reference = any(clip.reference is not None for clip in clips)
    references = torch.zeros(batch, 1, height, width, 3) if with_reference else None
    present = torch.zeros(batch, 1, dtype=torch.bool) if with_reference else None
    for i, (clip, e) in enumerate(zip(clips, encoded, strict=True)):
        roll = rng.random()
        keep_text = not (
            roll < drop_text or drop_text + drop_cameo <= roll < drop_text + drop_cameo + drop_both
        )
        keep_cameo = not (drop_text <= roll < drop_text + drop_cameo + drop_both)
        if keep_text:
            text[i, : e.tokens.shape[0]] = e.tokens
            groups[i, : e.tokens.shape[0]] = 1
            pooled[i, 0] = e.pooled
        if references is not None and present is not None and clip.reference is not None:
            references[i, 0] = to_unit(fit_image(clip.reference, (height, width)))
            present[i, 0] = keep_cameo
    cond = Conditioning(
        text=text,
        text_groups=groups,
        pooled=pooled,
        frame_segments=torch.zeros(batch, token_frames, dtype=torch.long),
        reference_pooled=torch.zeros(batch, config.text_dim),
        references=references,
        reference_present=present,
    )
    clean = torch.stack([to_unit(clip.frames) for clip in clips])
    foreground = torch.from_numpy(np.stack([foreground_mask(clip) for clip in clips]))
    return Batch(clean=clean, cond=cond, captions=[clip.caption for clip in clips], foreground=foreground)


def loss_weights(model: VideoDiT, foreground: torch.Tensor, weight: float) -> torch.Tensor | None:
    """Per-position loss weights in the model's space: ``weight`` where a position covers any foreground
    pixel, 1 elsewhere (None when ``weight`` is 1)."""
    if weight == 1.0:
        return None
    st, sh, sw = model.config.codec_factor
    mask = foreground.float()
    if (st, sh, sw) != (1, 1, 1):
        mask = F.max_pool3d(mask[:, None], kernel_size=(st, sh, sw))[:, 0]
    return 1.0 + (weight - 1.0) * mask


def batches(
    config: EngineConfig,
    *,
    seed: int,
    start_step: int,
    batch_size: int,
    durations: list[int],
    split: str = "train",
    encoder: TextEncoder,
) -> Iterator[Batch]:
    """Batch ``n`` depends only on (seed, n): a resumed run sees the same data it would have seen. A scene
    whose caption is longer than a prompt may be (about one in a few thousand) is drawn again: the product
    refuses such prompts, so the model never needs them."""
    shapes = batch_shapes(config, durations)
    step = start_step

    def draw(rng: random.Random, frames: int, height: int, width: int) -> world.WorldClip:
        while True:
            clip = world.make_clip(
                rng.randrange(2**31), height=height, width=width, frames=frames, fps=config.fps, split=split
            )
            if encoder.count_tokens(clip.caption) <= config.max_prompt_tokens:
                return clip

    while True:
        rng = random.Random(seed * 1_000_003 + step)
        frames, height, width = rng.choice(shapes)
        clips = [draw(rng, frames, height, width) for _ in range(batch_size)]
        yield make_batch(clips, config, encoder, rng)
        step += 1


# -- the training state on disk ---------------------------------------------------------------------


def save_state(
    path: Path,
    model: VideoDiT,
    ema: dict[str, torch.Tensor],
    optimiser: torch.optim.Optimizer,
    step: int,
    cpu_seconds: float = 0.0,
) -> None:
    from safetensors.torch import save_file

    tensors: dict[str, torch.Tensor] = {}
    for name, tensor in model.state_dict().items():
        tensors[f"model.{name}"] = tensor.detach().cpu().contiguous()
    for name, tensor in ema.items():
        tensors[f"ema.{name}"] = tensor.detach().cpu().contiguous()
    optimiser_state = optimiser.state_dict()
    for index, state in optimiser_state["state"].items():
        for key, value in state.items():
            tensors[f"optim.{index}.{key}"] = torch.as_tensor(value).detach().cpu().contiguous()
    metadata = {
        "format": FORMAT + "+train",
        "config": model.config.to_json(),
        "step": str(step),
        "cpu_seconds": f"{cpu_seconds:.3f}",
        "param_groups": json.dumps(optimiser_state["param_groups"]),
    }
    tmp = path.with_name(path.name + ".tmp")
    save_file(tensors, str(tmp), metadata=metadata)
    tmp.replace(path)


def load_state(
    path: Path, model: VideoDiT, ema: dict[str, torch.Tensor], optimiser: torch.optim.Optimizer
) -> tuple[int, float]:
    """Restores a training state; returns its step and the CPU seconds trained so far."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt", device="cpu") as handle:
            metadata = handle.metadata() or {}
            tensors = {name: handle.get_tensor(name) for name in handle.keys()}  # noqa: SIM118
    except Exception as exc:
        raise CheckpointError(f"{path} is not a readable training state: {exc}") from None
    if metadata.get("format") != FORMAT + "+train":
        raise CheckpointError(f"{path} is not a training state of this engine")
    stored = EngineConfig.from_json(metadata["config"])
    if stored.architecture() != model.config.architecture():
        raise CheckpointError(f"{path} was trained for the {stored.name!r} config, not {model.config.name!r}")
    model.load_state_dict(rename_legacy({k[6:]: v for k, v in tensors.items() if k.startswith("model.")}))
    stored_ema = rename_legacy({k[4:]: v for k, v in tensors.items() if k.startswith("ema.")})
    for name in ema:
        ema[name].copy_(stored_ema[name])
    state: dict[int, dict[str, torch.Tensor]] = {}
    for key, value in tensors.items():
        if key.startswith("optim."):
            _, index, field = key.split(".", 2)
            state.setdefault(int(index), {})[field] = value
    optimiser.load_state_dict({"state": state, "param_groups": json.loads(metadata["param_groups"])})
    return int(metadata["step"]), float(metadata.get("cpu_seconds", 0.0))


# -- the loop -------------------------------------------------------------------------------------------


@torch.no_grad()
def evaluation_loss(model: VideoDiT, batch: Batch, device: torch.device, autocast: bool) -> float:
    """The loss on a fixed batch at a fixed grid of times and noise: comparable from run to run."""
    generator = torch.Generator().manual_seed(0)
    losses = []
    cond = batch.cond.to(device)
    clean = model.encode(batch.clean.to(device))
    for t in (0.1, 0.3, 0.5, 0.7, 0.9):
        noise = torch.randn(clean.shape, generator=generator).to(device)
        times = torch.full((clean.shape[0],), t, device=device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
            losses.append(float(rectified_flow_loss(model, clean, cond, t=times, noise=noise)))
    return sum(losses) / len(losses)


class HeldOut:
    """The world-simulation evaluation on a fixed set of held-out scenes, for the log: the EMA weights' clips
    measured against the simulator (``evaluate``), reduced to the figures that have targets."""

    def __init__(self, config: EngineConfig, clips_per_group: int, duration: int, steps: int | None) -> None:
        from generation.engine import evaluate

        self.scenes = evaluate.evaluation_scenes(config, clips_per_group, duration)
        self.steps = steps
        simulator = evaluate.evaluate(None, self.scenes, progress=False, keep_frames=False)
        self.reference_identity = simulator.summary.get("identity")

    def __call__(
        self, model: VideoDiT, encoder: TextEncoder, device: torch.device
    ) -> dict[str, float | None]:
        from generation.engine import evaluate
        from generation.engine.pipeline import Engine

        engine = Engine(model, device=device, text_encoder=encoder)
        run = evaluate.evaluate(engine, self.scenes, steps=self.steps, progress=False, keep_frames=False)
        summary = run.summary
        identity = summary.get("identity")
        reference = self.reference_identity
        summary["identity_ratio"] = identity / reference if identity is not None and reference else None
        figures: dict[str, float | None] = {key: summary.get(key) for key in KEY_METRICS}
        figures["seconds_per_clip"] = run.seconds_per_clip
        return figures


def checkpoint_progress(path: str | Path) -> tuple[int, float]:
    """(step, CPU seconds) an engine checkpoint was trained for, from its metadata (0 when it has none)."""
    metadata = checkpoint_metadata(path)
    return int(metadata.get("step", 0)), float(metadata.get("cpu_hours", 0.0)) * 3600


def ema_model(config: EngineConfig, model: VideoDiT, ema: dict[str, torch.Tensor]) -> VideoDiT:
    copy = VideoDiT(config)
    reference = model.state_dict()
    copy.load_state_dict({name: tensor.to(reference[name].dtype) for name, tensor in ema.items()})
    return copy


ENCODER_PARTS = ("encoder.", "linear_in.", "shift", "scale")


def load_codec(model: VideoDiT, path: str, *, same_latents: bool = False) -> None:
    """Puts a trained autoencoder (``train_codec``'s output) into ``model.codec``. With ``same_latents`` its
    encoder must be the one the model has (a decoder trained further with ``--decoder-only``): what the
    model learnt stays valid; they are compared at float16, the precision a shipped checkpoint keeps."""
    from generation.engine.train_codec import load_autoencoder

    new = load_autoencoder(path, model.config).state_dict()
    if same_latents:
        old = model.codec.state_dict()
        changed = [
            k for k in new if k.startswith(ENCODER_PARTS) and not torch.equal(new[k].half(), old[k].half())
        ]
        if changed:
            raise CheckpointError(
                f"{path} encodes clips differently from the model's autoencoder ({changed[0]} differs): "
                "only a decoder trained further can replace it"
            )
    model.codec.load_state_dict(new)


def _initial_model(args: argparse.Namespace, config: EngineConfig, device: torch.device) -> VideoDiT:
    """The model a run starts from (new or an engine checkpoint's, with its autoencoder), on ``device``."""
    model = load_checkpoint(args.init, config=config) if args.init else VideoDiT(config)
    if args.codec:
        load_codec(model, args.codec, same_latents=bool(args.init))
    if config.latent and not args.init and not args.resume and not args.codec:
        raise ValueError(f"{config.name!r} works on latents: name its trained autoencoder with --codec")
    model = model.to(device).train()
    model.codec.requires_grad_(False)
    model.codec.eval()
    return model


def _starting_point(
    args: argparse.Namespace, model: VideoDiT, ema: dict[str, torch.Tensor], optimiser: torch.optim.Optimizer
) -> tuple[int, float]:
    """(step, CPU seconds) a run starts from: 0, a warm start's, or a resumed state's (loaded here)."""
    step, cpu_before = 0, 0.0
    if args.init and not args.resume:
        # A warm start from shipped weights continues their step count (and so draws new data) and their
        # CPU-hours, so the curve of a run made of several stretches reads as one.
        step, cpu_before = checkpoint_progress(args.init)
    if args.resume:
        step, cpu_before = load_state(Path(args.resume), model, ema, optimiser)
        print(f"resumed from {args.resume} at step {step}", file=sys.stderr)
        if args.codec:  # a decoder trained further since: into the model and its EMA
            load_codec(model, args.codec, same_latents=True)
            for name, tensor in model.codec.state_dict().items():
                ema[f"codec.{name}"].copy_(tensor)
    return step, cpu_before


def _optimise(
    args: argparse.Namespace,
    config: EngineConfig,
    device: torch.device,
    model: VideoDiT,
    optimiser: torch.optim.Optimizer,
    trainable: list[torch.nn.Parameter],
    batch: Batch,
    step: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One optimiser step on ``batch`` (the learning rate warmed up for ``step``): (loss, gradient norm)."""
    warm = min(1.0, (step + 1) / max(1, args.warmup))
    for group in optimiser.param_groups:
        group["lr"] = args.lr * warm
    # Times and noise from a generator seeded by the step: a resumed run repeats them exactly.
    generator = torch.Generator().manual_seed(args.seed * 1_000_003 + step)
    with torch.no_grad():
        clean = model.encode(batch.clean.to(device))
    weights = loss_weights(model, batch.foreground.to(device), args.foreground_weight)
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
        loss = rectified_flow_loss(
            model,
            clean,
            batch.cond.to(device),
            generator=generator,
            shift=config.shift,
            weight_min_t=args.weight_min_t if config.prediction == "data" else 0.0,
            weights=weights,
        )
    optimiser.zero_grad(set_to_none=True)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(trainable, 1.0)
    optimiser.step()
    return loss, norm


@torch.no_grad()
def _update_ema(model: VideoDiT, ema: dict[str, torch.Tensor], decay: float) -> None:
    """Moves the EMA weights towards the model's: ``ema = decay * ema + (1 - decay) * weights``."""
    for name, tensor in model.state_dict().items():
        ema[name].lerp_(tensor.float(), 1 - decay)


def train(args: argparse.Namespace) -> Path:
    from tqdm import tqdm

    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    config = args.engine_config if getattr(args, "engine_config", None) else get_config(args.config)
    torch.manual_seed(args.seed)
    model = _initial_model(args, config, device)
    ema = {name: tensor.detach().clone().float() for name, tensor in model.state_dict().items()}
    trainable = [p for name, p in model.named_parameters() if not name.startswith("codec.")]
    optimiser = torch.optim.AdamW(trainable, lr=args.lr, betas=(0.9, 0.99), weight_decay=0.0)
    out = Path(args.out)
    state_path = out.with_name(out.stem + ".train.safetensors")
    step, cpu_before = _starting_point(args, model, ema, optimiser)
    for group in optimiser.param_groups:
        group["lr"] = args.lr
    encoder = shared_encoder()
    durations = [int(d) for d in args.durations.split(",")]
    autocast = device.type == "cuda"
    held_out = next(
        batches(config, seed=10_000 + args.seed, start_step=0, batch_size=args.batch, durations=durations[:1],
                split="heldout", encoder=encoder)
    )  # fmt: skip
    evaluation = (
        HeldOut(config, args.eval_clips, args.eval_duration, args.eval_steps) if args.eval_minutes else None
    )
    log_path = out.with_suffix(".log.jsonl")
    out.parent.mkdir(parents=True, exist_ok=True)
    stream = batches(config, seed=args.seed, start_step=step, batch_size=args.batch, durations=durations,
                     encoder=encoder)  # fmt: skip
    started = time.perf_counter()
    cpu_started = time.process_time()
    deadline = started + args.minutes * 60 if args.minutes else math.inf
    cpu_deadline = args.cpu_minutes * 60 if args.cpu_minutes else math.inf
    last_save = last_eval = started
    eval_cpu = 0.0  # CPU time spent evaluating, left out of the training budget

    def training_cpu() -> float:
        return time.process_time() - cpu_started - eval_cpu

    bar = tqdm(total=args.steps, initial=step, desc=f"train {config.name}", unit="step", dynamic_ncols=True,
               disable=args.quiet)  # fmt: skip
    smoothed = None
    with log_path.open("a") as log:

        def write(record: dict[str, object]) -> None:
            log.write(json.dumps(record) + "\n")
            log.flush()

        def run_evaluation() -> None:
            nonlocal eval_cpu
            assert evaluation is not None
            before = time.process_time()
            figures = evaluation(ema_model(config, model, ema), encoder, device)
            eval_cpu += time.process_time() - before
            record = {"step": step, "cpu_hours": (cpu_before + training_cpu()) / 3600, "heldout": figures}
            write(record)
            bar.write(
                f"step {step}: " + ", ".join(f"{k} {v:.3f}" for k, v in figures.items() if v is not None)
            )

        while step < args.steps and time.perf_counter() < deadline and training_cpu() < cpu_deadline:
            loss, norm = _optimise(args, config, device, model, optimiser, trainable, next(stream), step)
            step += 1
            _update_ema(model, ema, min(args.ema, (1 + step) / (10 + step)))
            value = loss.item()
            smoothed = value if smoothed is None else 0.98 * smoothed + 0.02 * value
            bar.update(1)
            bar.set_postfix(loss=f"{smoothed:.4f}")
            record: dict[str, object] = {
                "step": step,
                "loss": value,
                "grad_norm": float(norm),
                "seconds": time.perf_counter() - started,
                "cpu_hours": (cpu_before + training_cpu()) / 3600,
            }
            if step % args.eval_every == 0 or step == args.steps:
                record["heldout_loss"] = evaluation_loss(model, held_out, device, autocast)
                bar.write(f"step {step}: loss {smoothed:.4f}, held-out loss {record['heldout_loss']:.4f}")
            write(record)
            now = time.perf_counter()
            if step % args.save_every == 0 or (
                args.save_minutes and now - last_save >= args.save_minutes * 60
            ):
                _save(model, ema, optimiser, step, out, state_path, SHIP_DTYPES[args.weights_dtype],
                      cpu_before + training_cpu())  # fmt: skip
                last_save = now
            if evaluation is not None and now - last_eval >= args.eval_minutes * 60:
                run_evaluation()
                last_eval = time.perf_counter()
        bar.close()
        _save(model, ema, optimiser, step, out, state_path, SHIP_DTYPES[args.weights_dtype],
              cpu_before + training_cpu())  # fmt: skip
        if evaluation is not None and args.eval_at_end:
            run_evaluation()
    print(f"step {step}: wrote {out} (EMA weights) and {state_path}", file=sys.stderr)
    return out


def _save(
    model: VideoDiT,
    ema: dict[str, torch.Tensor],
    optimiser: torch.optim.Optimizer,
    step: int,
    out: Path,
    state_path: Path,
    dtype: torch.dtype,
    cpu_seconds: float,
) -> None:
    reference = model.state_dict()
    weights = {name: tensor.to(reference[name].dtype) for name, tensor in ema.items()}
    metadata = {"step": str(step), "weights": "ema", "cpu_hours": f"{cpu_seconds / 3600:.6f}"}
    save_checkpoint(model, out, state=weights, metadata=metadata, dtype=dtype)
    save_state(state_path, model, ema, optimiser, step, cpu_seconds)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m generation.engine.train", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--config", default=DEFAULT_CONFIG)
    parser.add_argument("--out", required=True, help="the EMA checkpoint to write (.safetensors)")
    parser.add_argument("--resume", help="a .train.safetensors state to continue from")
    parser.add_argument("--init", help="start from the weights of an engine checkpoint")
    parser.add_argument("--steps", type=int, default=10_000, help="stop at this step")
    parser.add_argument("--minutes", type=float, default=0, help="or after this long (0: no limit)")
    parser.add_argument(
        "--cpu-minutes", type=float, default=0,
        help="or after this much CPU time spent training (evaluation not counted; 0: no limit)",
    )  # fmt: skip
    parser.add_argument("--threads", type=int, default=0, help="PyTorch threads (0: its default)")
    parser.add_argument("--codec", help="the trained autoencoder of a latent config (train_codec's output)")
    parser.add_argument(
        "--foreground-weight", type=float, default=1.0,
        help="loss weight of positions that cover an object or character, relative to the room's 1",
    )  # fmt: skip
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--ema", type=float, default=0.999)
    parser.add_argument("--durations", default="2,4", help="clip lengths to train on, in seconds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--weight-min-t", type=float, default=0.3,
        help="for data-predicting configs, cap the velocity loss's 1/t^2 weight below this time",
    )  # fmt: skip
    parser.add_argument("--device")
    parser.add_argument(
        "--weights-dtype", choices=sorted(SHIP_DTYPES), default="float16",
        help="how the EMA checkpoint stores its weights (the training state is always float32)",
    )  # fmt: skip
    parser.add_argument("--eval-every", type=int, default=200)
    parser.add_argument("--save-every", type=int, default=500)
    parser.add_argument("--save-minutes", type=float, default=10, help="also save this often (0: never)")
    parser.add_argument(
        "--eval-minutes", type=float, default=0,
        help="run the world-simulation evaluation this often and log its figures (0: never)",
    )  # fmt: skip
    parser.add_argument("--eval-at-end", action="store_true", help="and once more at the end")
    parser.add_argument("--eval-clips", type=int, default=24, help="held-out scenes per group")
    parser.add_argument("--eval-duration", type=int, default=4)
    parser.add_argument("--eval-steps", type=int, help="sampling steps (default: the config's)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        train(args)
    except (CheckpointError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
