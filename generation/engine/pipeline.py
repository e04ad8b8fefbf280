"""From a request to frames: validation, conditioning, and the rectified-flow sampler.

The model predicts the velocity ``v = noise - data`` of the straight path ``x_t = (1 - t) * data + t *
noise``. Sampling integrates it with Euler steps from ``t = 1`` (noise) to ``t = 0`` on a shifted time grid,
with classifier-free guidance on the text and on the cameos; every guidance branch runs in one batch. A remix
starts the same integration from the parent clip noised to ``strength`` (SDEdit): strength 0 returns the
parent, strength 1 ignores it.

Noise comes from a CPU generator seeded by the request, so a seed gives the same clip on every run. Inside the
loop nothing reads a value back from the device: the progress callback gets plain integers.
"""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from generation.engine import video as video_io
from generation.engine.checkpoint import default_checkpoint, load_checkpoint
from generation.engine.config import DEFAULT_CONFIG, EngineConfig, get_config
from generation.engine.errors import GenerationCancelled, InvalidRequest
from generation.engine.model import Conditioning, VideoDiT
from generation.engine.requests import (
    GenerationRequest,
    beat_segments,
    check_text,
    validate_request,
)
from generation.engine.text import EncodedText, TextEncoder, shared_encoder
from toolkit.mp4 import encode_mp4


@dataclass(frozen=True)
class Progress:
    step: int  # steps done
    total: int

    @property
    def fraction(self) -> float:
        return self.step / self.total if self.total else 1.0


# Return False (or raise) to stop; anything else goes on.
ProgressCallback = Callable[[Progress], object]


@dataclass
class Clip:
    frames: np.ndarray  # uint8 [T, H, W, 3] at the config's native frame size
    fps: int
    seed: int
    steps: int
    config: EngineConfig
    aspect_ratio: str
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def duration_seconds(self) -> float:
        return len(self.frames) / self.fps

    def display_frames(self) -> np.ndarray:
        return video_io.upscale(self.frames, self.config.display_size(self.aspect_ratio))

    def mp4(self) -> bytes:
        # A file kept from the command line, not streamed while someone waits: a slower, finer encode.
        return encode_mp4(self.display_frames(), self.fps, crf=20, preset="medium")

    def raw(self) -> bytes:
        """The clip at its native size, losslessly: what a remix of it starts from."""
        return video_io.raw_clip_bytes(self.frames, self.fps)

    def poster(self) -> np.ndarray:
        frame = video_io.poster_frame(self.frames)
        return video_io.upscale(frame[None], self.config.display_size(self.aspect_ratio))[0]


class Branch(enum.StrEnum):
    """One conditioning of the model in classifier-free guidance."""

    NONE = "none"  # neither the text nor the cameos
    REFERENCE = "reference"  # the cameos only
    FULL = "full"  # the text and the cameos

    @property
    def text(self) -> bool:
        return self is Branch.FULL

    @property
    def cameos(self) -> bool:
        return self is not Branch.NONE


@dataclass(frozen=True)
class Guidance:
    """Classifier-free guidance: the branches that run (batched, in this order, one batch entry each) and
    how their velocities combine. With cameos, ``none + cameo * (reference - none) + text * (full -
    reference)``; without, ``none + text * (full - none)``; with both scales at 1, the full branch alone."""

    branches: tuple[Branch, ...]
    text: float
    cameo: float

    @classmethod
    def plan(cls, text: float, cameo: float, *, cameos: bool) -> Guidance:
        if text == 1.0 and (not cameos or cameo == 1.0):
            return cls((Branch.FULL,), text, cameo)
        if cameos:
            return cls((Branch.NONE, Branch.REFERENCE, Branch.FULL), text, cameo)
        return cls((Branch.NONE, Branch.FULL), text, cameo)

    def combine(self, out: torch.Tensor) -> torch.Tensor:
        """``out`` ``[len(branches), ...]``: each branch's velocity → the guided velocity ``[1, ...]``."""
        velocity = {branch: out[i : i + 1] for i, branch in enumerate(self.branches)}
        full = velocity[Branch.FULL]
        if len(self.branches) == 1:
            return full
        none = velocity[Branch.NONE]
        if Branch.REFERENCE not in velocity:
            return none + self.text * (full - none)
        reference = velocity[Branch.REFERENCE]
        return none + self.cameo * (reference - none) + self.text * (full - reference)


@dataclass
class Prepared:
    """A validated request: its resolved settings and its conditioning for every guidance branch."""

    request: GenerationRequest
    seed: int
    steps: int
    shift: float
    guidance: Guidance
    shape: tuple[int, int, int, int]  # what the model denoises: frames, height, width, channels
    conditioning: Conditioning  # batch: one entry per guidance branch, in the guidance's order
    source: torch.Tensor | None  # the remix parent in [-1, 1], [T, H, W, 3]
    remix_strength: float

    @property
    def branches(self) -> tuple[Branch, ...]:
        return self.guidance.branches


def time_grid(steps: int, shift: float, strength: float = 1.0) -> list[float]:
    """Times from ``strength`` down to 0. The uniform grid ``u`` is shifted by ``t = s*u / (1 + (s-1)*u)``;
    a partial start keeps the same spacing, so a remix at strength 0.5 runs about half the steps."""
    if strength <= 0:
        return [0.0]
    start = strength / (shift - (shift - 1) * strength)  # the u whose shifted time is ``strength``
    count = max(1, math.ceil(steps * start - 1e-9))
    grid = []
    for i in range(count + 1):
        u = start * (1 - i / count)
        grid.append(shift * u / (1 + (shift - 1) * u))
    grid[0], grid[-1] = strength, 0.0
    return grid


def to_unit(frames: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(frames, dtype=np.float32)).div_(127.5).sub_(1.0)


def to_uint8(x: torch.Tensor) -> np.ndarray:
    return ((x.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).cpu().numpy()


class Engine:
    """A loaded model and the sampler around it. Load once per process, then call ``generate``."""

    def __init__(
        self,
        model: VideoDiT,
        *,
        device: str | torch.device | None = None,
        text_encoder: TextEncoder | None = None,
        compile: bool = False,
        bf16: bool | None = None,
    ) -> None:
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.model = model.to(self.device).eval()
        self.model.requires_grad_(False)
        self.text = text_encoder or shared_encoder()
        self.bf16 = self.device.type == "cuda" if bf16 is None else bf16
        self._forward: Callable[..., torch.Tensor] = (
            torch.compile(self.model, dynamic=False) if compile else self.model
        )

    @property
    def config(self) -> EngineConfig:
        return self.model.config

    @classmethod
    def load(
        cls,
        checkpoint: str | Path | None = None,
        *,
        config: str | None = None,
        device: str | torch.device | None = None,
        compile: bool = False,
    ) -> Engine:
        """From ``checkpoint``; without one, the shipped checkpoint of ``config`` (default ``demo``), or an
        untrained model of that config when none is shipped (``engine.trained`` is then False)."""
        if checkpoint is None:
            checkpoint = default_checkpoint(config or DEFAULT_CONFIG)
        if checkpoint is None:
            engine = cls(VideoDiT(get_config(config or DEFAULT_CONFIG)), device=device, compile=compile)
            engine.trained = False
            return engine
        return cls(load_checkpoint(checkpoint, config=config), device=device, compile=compile)

    trained = True

    def autocast(self) -> AbstractContextManager[object]:
        if self.bf16:
            return torch.autocast(self.device.type, dtype=torch.bfloat16)
        return nullcontext()

    # -- validation and conditioning -------------------------------------------------------------

    def prepare(self, request: GenerationRequest) -> Prepared:
        cfg = self.config
        checked = validate_request(request, cfg)
        prompt, seed, steps = checked.prompt, checked.seed, checked.steps
        shift, guidance_text, guidance_cameo = checked.shift, checked.guidance_text, checked.guidance_cameo
        if len(request.cameos) > cfg.max_cameos:
            raise InvalidRequest(
                f"at most {cfg.max_cameos} cameos per video, got {len(request.cameos)}", field="cameos"
            )

        frames = cfg.frame_count(request.duration_seconds)
        height, width = cfg.frame_size(request.aspect_ratio)
        token_frames = cfg.token_frames(request.duration_seconds)

        # Text: the prompt, the beats, the cameo owners' preferences.
        encoded_prompt = self.text.encode(prompt, max_tokens=cfg.max_prompt_tokens, field="prompt")
        beats = list(request.storyboard)
        preferences: list[EncodedText] = []
        references: list[torch.Tensor] = []
        for index, cameo in enumerate(request.cameos):
            references.append(to_unit(video_io.fit_image(_check_image(cameo.image, index), (height, width))))
            if cameo.preferences and cameo.preferences.strip():
                field = f"cameos[{index}].preferences"
                wishes = check_text(cameo.preferences, field, cfg)
                preferences.append(self.text.encode(wishes, max_tokens=cfg.max_prompt_tokens, field=field))

        pieces: list[tuple[torch.Tensor, int]] = [(p.tokens, 0) for p in preferences]
        if beats:
            encoded_beats = [
                self.text.encode(
                    check_text(b.prompt, f"storyboard[{i}].prompt", cfg),
                    max_tokens=cfg.max_prompt_tokens,
                    field=f"storyboard[{i}].prompt",
                )
                for i, b in enumerate(beats)
            ]
            segments, offset = beat_segments(beats, request.duration_seconds, cfg)
            pooled_list = ([encoded_prompt.pooled] if offset else []) + [e.pooled for e in encoded_beats]
            pieces.append((encoded_prompt.tokens, 0))
            pieces += [(e.tokens, i + offset + 1) for i, e in enumerate(encoded_beats)]
        else:
            pooled_list = [encoded_prompt.pooled]
            segments = [0] * token_frames
            pieces.append((encoded_prompt.tokens, 1))

        text_tokens = torch.cat([tokens for tokens, _ in pieces])
        groups = torch.cat([torch.full((len(tokens),), g, dtype=torch.long) for tokens, g in pieces])
        pooled = torch.stack(pooled_list)
        reference_pooled = (
            F.normalize(torch.stack([p.pooled for p in preferences]).mean(0), dim=0)
            if preferences
            else torch.zeros(cfg.text_dim)
        )
        has_cameos = bool(references)

        # Guidance branches, batched: each branch keeps or blanks the text and the cameos.
        guidance = Guidance.plan(guidance_text, guidance_cameo, cameos=has_cameos)
        branches = guidance.branches
        b = len(branches)

        def per_branch(value: torch.Tensor, blank: torch.Tensor) -> torch.Tensor:
            return torch.stack([value if branch.text else blank for branch in branches])

        conditioning = Conditioning(
            text=per_branch(text_tokens, torch.zeros_like(text_tokens)),
            text_groups=per_branch(groups, torch.full_like(groups, -1)),
            pooled=per_branch(pooled, torch.zeros_like(pooled)),
            frame_segments=torch.tensor(segments, dtype=torch.long).expand(b, -1).clone(),
            reference_pooled=per_branch(reference_pooled, torch.zeros_like(reference_pooled)),
        )
        if has_cameos:
            conditioning.references = torch.stack(references).expand(b, -1, -1, -1, -1).clone()
            conditioning.reference_present = torch.tensor(
                [[branch.cameos] * len(references) for branch in branches], dtype=torch.bool
            )

        source = None
        if request.remix_source is not None:
            parent = _check_clip(request.remix_source)
            source = to_unit(video_io.fit_clip(parent, frames, (height, width)))

        return Prepared(
            request=request,
            seed=seed,
            steps=steps,
            shift=shift,
            guidance=guidance,
            shape=cfg.model_shape(request.duration_seconds, request.aspect_ratio),
            conditioning=conditioning,
            source=source,
            remix_strength=checked.remix_strength,
        )

    # -- sampling ----------------------------------------------------------------------------------

    def velocity(
        self, prepared: Prepared, x: torch.Tensor, t: torch.Tensor, cond: Conditioning
    ) -> torch.Tensor:
        """The guided velocity for one ``x`` ``[1, *prepared.shape]`` at time ``t`` (a 0-d device tensor)."""
        count = len(prepared.branches)
        with self.autocast():
            out = self._forward(x.expand(count, -1, -1, -1, -1), t.expand(count), cond).float()
        return prepared.guidance.combine(out)

    @torch.inference_mode()
    def generate(self, request: GenerationRequest, *, callback: ProgressCallback | None = None) -> Clip:
        started = time.perf_counter()
        prepared = self.prepare(request)
        prepared_at = time.perf_counter()
        frames = self.sample(prepared, callback=callback)
        sampled_at = time.perf_counter()
        return Clip(
            frames=frames,
            fps=self.config.fps,
            seed=prepared.seed,
            steps=prepared.steps,
            config=self.config,
            aspect_ratio=request.aspect_ratio,
            timings={"prepare_s": prepared_at - started, "sample_s": sampled_at - prepared_at},
        )

    @torch.inference_mode()
    def sample(self, prepared: Prepared, *, callback: ProgressCallback | None = None) -> np.ndarray:
        """uint8 frames ``[T, H, W, 3]`` for a prepared request."""
        strength = 1.0 if prepared.source is None else prepared.remix_strength
        if prepared.source is not None and strength == 0.0:
            if callback is not None:
                callback(Progress(0, 0))
            return to_uint8(prepared.source)
        grid = time_grid(prepared.steps, prepared.shift, strength)
        total = len(grid) - 1
        generator = torch.Generator().manual_seed(prepared.seed)
        noise = torch.randn((1, *prepared.shape), generator=generator).to(self.device)
        if prepared.source is None:
            x = noise
        else:
            with self.autocast():
                source = self.model.encode(prepared.source[None].to(self.device)).float()
            x = (1 - grid[0]) * source + grid[0] * noise
        cond = prepared.conditioning.to(self.device)
        times = torch.tensor(grid, dtype=torch.float32).to(self.device)
        for step in range(total):
            v = self.velocity(prepared, x, times[step], cond)
            x = x + (grid[step + 1] - grid[step]) * v
            if callback is not None and callback(Progress(step + 1, total)) is False and step + 1 < total:
                raise GenerationCancelled(step + 1, total)
        with self.autocast():
            return to_uint8(self.model.decode(x)[0])


def _check_image(image: object, index: int) -> np.ndarray:
    field = f"cameos[{index}].image"
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        got = f"{image.dtype} {image.shape}" if isinstance(image, np.ndarray) else type(image).__name__
        raise InvalidRequest(
            f"{field} must be an RGB image, uint8 [height, width, 3]; got {got}", field=field
        )
    if min(image.shape[:2]) < 8:
        raise InvalidRequest(f"{field} is too small: {image.shape[1]}x{image.shape[0]} pixels", field=field)
    return image


def _check_clip(frames: object) -> np.ndarray:
    if (
        not isinstance(frames, np.ndarray)
        or frames.dtype != np.uint8
        or frames.ndim != 4
        or frames.shape[3] != 3
    ):
        got = f"{frames.dtype} {frames.shape}" if isinstance(frames, np.ndarray) else type(frames).__name__
        raise InvalidRequest(
            f"remix_source must be RGB frames, uint8 [frames, height, width, 3]; got {got}",
            field="remix_source",
        )
    if frames.shape[0] < 1 or min(frames.shape[1:3]) < 8:
        raise InvalidRequest("remix_source has no frames or is too small", field="remix_source")
    return frames
