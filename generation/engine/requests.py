"""A generation request and its checks, in plain Python (no PyTorch, no Django): the one place that says what
a request may ask for. The web API, the generation service and ``Engine.prepare`` all check through
``validate_request``, so a bad request is refused before it is queued, with the message the engine would
give, and a web process that checks requests never imports PyTorch.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from generation.engine.config import ASPECT_RATIOS, EngineConfig
from generation.engine.errors import InvalidRequest

MAX_STEPS = 200
MAX_SEED = 2**63 - 1
# How far a remix may move away from its parent: 0 keeps the parent, 1 keeps only the prompt.
REMIX_STRENGTH_RANGE = (0.0, 1.0)
DEFAULT_REMIX_STRENGTH = 0.7


@dataclass(frozen=True)
class Beat:
    at_seconds: float
    prompt: str


@dataclass(frozen=True)
class CameoReference:
    image: np.ndarray  # uint8 [H, W, 3]: the cameo's reference image, any size
    preferences: str = ""  # the owner's wishes for how the cameo appears, appended to the text


@dataclass(frozen=True)
class GenerationRequest:
    prompt: str
    duration_seconds: int = 4
    aspect_ratio: str = "square"
    seed: int | None = None
    steps: int | None = None
    guidance_text: float | None = None
    guidance_cameo: float | None = None
    shift: float | None = None
    cameos: Sequence[CameoReference] = ()
    storyboard: Sequence[Beat] = ()
    remix_source: np.ndarray | None = None  # uint8 [T, H, W, 3]: the parent clip's frames
    remix_strength: float | None = None  # None: DEFAULT_REMIX_STRENGTH


class TokenCounter(Protocol):
    def count_tokens(self, text: str) -> int: ...


@dataclass(frozen=True)
class CheckedRequest:
    """A request's settings, resolved against a config's defaults and checked."""

    prompt: str
    seed: int
    steps: int
    shift: float
    guidance_text: float
    guidance_cameo: float
    remix_strength: float


def validate_request(
    request: GenerationRequest, config: EngineConfig, *, text: TokenCounter | None = None
) -> CheckedRequest:
    """Everything about a request that can be checked without running the model: texts, duration, aspect
    ratio, seed, steps, guidance, remix strength and the storyboard's beats, and with ``text`` also the
    texts' lengths in word pieces. Raises ``InvalidRequest`` naming the field."""
    cfg = config
    prompt = check_text(request.prompt, "prompt", cfg)
    _check_duration_and_aspect(request, cfg)
    seed, steps = _seed_and_steps(request, cfg)
    shift, guidance_text, guidance_cameo = _guidance(request, cfg)
    strength = _remix_strength(request)
    beats = _check_storyboard(request.storyboard, request.duration_seconds, cfg)
    texts = [(prompt, "prompt")]
    for index, beat in enumerate(beats):
        texts.append(
            (check_text(beat.prompt, f"storyboard[{index}].prompt", cfg), f"storyboard[{index}].prompt")
        )
    if beats:
        beat_segments(beats, request.duration_seconds, cfg)
    if text is not None:
        _check_token_counts(texts, text, cfg)
    return CheckedRequest(prompt, seed, steps, shift, guidance_text, guidance_cameo, strength)


def _check_duration_and_aspect(request: GenerationRequest, cfg: EngineConfig) -> None:
    """Refuses a duration the config does not make or an unknown aspect ratio."""
    if request.duration_seconds not in cfg.durations:
        raise InvalidRequest(
            f"duration_seconds must be one of {', '.join(map(str, cfg.durations))}, "
            f"not {request.duration_seconds!r}",
            field="duration_seconds",
        )
    if request.aspect_ratio not in ASPECT_RATIOS:
        raise InvalidRequest(
            f"aspect_ratio must be one of {', '.join(ASPECT_RATIOS)}, not {request.aspect_ratio!r}",
            field="aspect_ratio",
        )


def _seed_and_steps(request: GenerationRequest, cfg: EngineConfig) -> tuple[int, int]:
    """The request's seed (a random one when it names none) and steps (the config's by default), checked."""
    seed = secrets.randbelow(MAX_SEED) if request.seed is None else request.seed
    if not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise InvalidRequest(f"seed must be an integer from 0 to {MAX_SEED}", field="seed")
    steps = cfg.steps if request.steps is None else request.steps
    if not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise InvalidRequest(f"steps must be an integer from 1 to {MAX_STEPS}", field="steps")
    return seed, steps


def _guidance(request: GenerationRequest, cfg: EngineConfig) -> tuple[float, float, float]:
    """The request's (shift, guidance_text, guidance_cameo), the config's where it names none, checked."""
    shift = cfg.shift if request.shift is None else float(request.shift)
    guidance_text = cfg.guidance_text if request.guidance_text is None else float(request.guidance_text)
    guidance_cameo = cfg.guidance_cameo if request.guidance_cameo is None else float(request.guidance_cameo)
    for name, value, low in (
        ("shift", shift, 0.1),
        ("guidance_text", guidance_text, 0.0),
        ("guidance_cameo", guidance_cameo, 0.0),
    ):
        if not math.isfinite(value) or not low <= value <= 50:
            raise InvalidRequest(f"{name} must be between {low} and 50", field=name)
    return shift, guidance_text, guidance_cameo


def _remix_strength(request: GenerationRequest) -> float:
    """The request's remix strength (``DEFAULT_REMIX_STRENGTH`` when it names none), checked."""
    strength = DEFAULT_REMIX_STRENGTH if request.remix_strength is None else request.remix_strength
    low, high = REMIX_STRENGTH_RANGE
    if not isinstance(strength, int | float) or not low <= float(strength) <= high:
        raise InvalidRequest(f"remix_strength must be between {low:g} and {high:g}", field="remix_strength")
    return float(strength)


def _check_token_counts(texts: Sequence[tuple[str, str]], text: TokenCounter, cfg: EngineConfig) -> None:
    """Refuses a text (with its field) longer in word pieces than the config allows."""
    for words, field in texts:
        length = text.count_tokens(words)
        if length > cfg.max_prompt_tokens:
            raise too_long(field, length, cfg.max_prompt_tokens)


def beat_segments(beats: Sequence[Beat], duration: int, cfg: EngineConfig) -> tuple[list[int], int]:
    """The storyboard segment of each latent frame, and 1 when the prompt alone opens the clip (its first
    beat comes later than 0 s) or else 0. Every beat must cover at least one latent frame."""
    pt = cfg.token_stride[0]
    starts = [i * pt / cfg.fps for i in range(cfg.token_frames(duration))]
    offset = 1 if beats[0].at_seconds > 0 else 0
    segments = [
        offset + max((i for i, b in enumerate(beats) if b.at_seconds <= s + 1e-6), default=-1) for s in starts
    ]
    covered = set(segments)
    for i, beat in enumerate(beats):
        if i + offset not in covered:
            raise InvalidRequest(
                f"storyboard beat at {beat.at_seconds} s covers no frames: beats must be at least "
                f"{pt / cfg.fps:g} s apart",
                field="storyboard",
            )
    return segments, offset


def check_text(text: object, field: str, cfg: EngineConfig) -> str:
    """``text`` with its runs of white space made one space; empty or longer than the config allows is
    refused."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidRequest(f"{field} is empty: describe the video in a few words", field=field)
    text = " ".join(text.split())
    if len(text) > cfg.max_prompt_chars:
        raise InvalidRequest(
            f"{field} is too long: {len(text)} characters, at most {cfg.max_prompt_chars}", field=field
        )
    return text


def too_long(field: str, length: int, max_tokens: int) -> InvalidRequest:
    return InvalidRequest(
        f"{field} is too long: {length} word pieces, at most {max_tokens}; shorten it or split it into "
        "storyboard beats",
        field=field,
    )


def _check_storyboard(storyboard: Sequence[Beat], duration: int, cfg: EngineConfig) -> list[Beat]:
    beats = list(storyboard)
    if len(beats) > cfg.max_beats:
        raise InvalidRequest(
            f"a storyboard has at most {cfg.max_beats} beats, got {len(beats)}", field="storyboard"
        )
    previous = -1.0
    for index, beat in enumerate(beats):
        at = beat.at_seconds
        if not isinstance(at, int | float) or not math.isfinite(at) or not 0 <= at < duration:
            raise InvalidRequest(
                f"storyboard[{index}].at_seconds must be from 0 to under {duration} (the clip's length)",
                field="storyboard",
            )
        if at <= previous:
            raise InvalidRequest(
                "storyboard beats must be in order of at_seconds, each later than the last",
                field="storyboard",
            )
        previous = float(at)
    return beats
