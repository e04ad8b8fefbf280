"""Engine configurations: a registry of frozen dataclasses, one per model size.

Every size works in pixel space (no autoencoder): a clip of ``T`` frames at the config's native frame size is
cut into ``pt x ph x pw`` space-time cubes, and each cube is one token. Frame sizes differ per aspect ratio,
and 3D rotary positions make every size, duration and aspect ratio run on the same weights.

- ``tiny``: the CPU test model, under 1M parameters.
- ``demo``: the model a 2-core CPU box serves (``make run``): a 4-second clip in seconds.
- ``base`` and ``large``: GPU sizes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from generation.engine.errors import UnknownConfig

ASPECT_RATIOS = ("portrait", "landscape", "square")


@dataclass(frozen=True)
class EngineConfig:
    name: str
    dim: int
    depth: int
    heads: int
    patch: tuple[int, int, int]  # (pt, ph, pw): frames, rows, columns per token
    fps: int
    # Native frame size (height, width) per aspect ratio; each side a multiple of the patch.
    frame_sizes: dict[str, tuple[int, int]]
    # Output frames are upscaled by this factor for the MP4 (a Lanczos filter).
    display_scale: int
    durations: tuple[int, ...] = (2, 4, 8)
    mlp_ratio: float = 4.0
    text_dim: int = 384  # all-MiniLM-L6-v2 token states
    max_prompt_tokens: int = 128  # word pieces, special tokens included, per prompt or beat
    max_prompt_chars: int = 1000
    max_beats: int = 8
    max_cameos: int = 2
    rope_theta: float = 10000.0
    # What the output layer parameterises. The model always returns the flow's velocity, but a token that
    # holds more pixel values than the model is wide (patch volume > dim) cannot carry the noise through
    # the network, so small pixel-space configs predict the clean clip instead and turn it into a
    # velocity, v = (x_t - x0_hat) / t (as in "Back to Basics", Li & He 2025). Wide configs predict the
    # velocity directly.
    prediction: str = "velocity"  # or "data"
    # Sampling defaults.
    steps: int = 24
    shift: float = 1.0  # timestep shift: >1 spends more of the steps at high noise
    guidance_text: float = 5.0
    guidance_cameo: float = 2.0
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.dim % self.heads:
            raise ValueError(f"{self.name}: dim {self.dim} is not a multiple of heads {self.heads}")
        pt, ph, pw = self.patch
        for aspect in ASPECT_RATIOS:
            height, width = self.frame_sizes[aspect]
            if height % ph or width % pw:
                raise ValueError(
                    f"{self.name}: {aspect} frame {height}x{width} is not a multiple of the patch"
                )
        for seconds in self.durations:
            if (seconds * self.fps) % pt:
                raise ValueError(f"{self.name}: {seconds} s at {self.fps} fps is not a multiple of pt={pt}")
        if self.prediction not in ("velocity", "data"):
            raise ValueError(f"{self.name}: prediction must be 'velocity' or 'data'")
        if self.rope_dims[0] <= 0:
            raise ValueError(f"{self.name}: head dim {self.head_dim} is too small for 3D rotary positions")

    @property
    def head_dim(self) -> int:
        return self.dim // self.heads

    @property
    def rope_dims(self) -> tuple[int, int, int]:
        """How a head's dimensions split across (time, height, width): height and width get the same even
        share, time the rest (Wan's rule)."""
        spatial = 2 * (self.head_dim // 6)
        return self.head_dim - 2 * spatial, spatial, spatial

    @property
    def patch_volume(self) -> int:
        pt, ph, pw = self.patch
        return pt * ph * pw * 3

    def frame_count(self, duration_seconds: int) -> int:
        return duration_seconds * self.fps

    def frame_size(self, aspect_ratio: str) -> tuple[int, int]:
        return self.frame_sizes[aspect_ratio]

    def display_size(self, aspect_ratio: str) -> tuple[int, int]:
        height, width = self.frame_sizes[aspect_ratio]
        return height * self.display_scale, width * self.display_scale

    def grid(self, duration_seconds: int, aspect_ratio: str) -> tuple[int, int, int]:
        """Tokens along (time, height, width) for a clip."""
        pt, ph, pw = self.patch
        height, width = self.frame_sizes[aspect_ratio]
        return self.frame_count(duration_seconds) // pt, height // ph, width // pw

    def tokens_per_clip(self, duration_seconds: int, aspect_ratio: str) -> int:
        t, h, w = self.grid(duration_seconds, aspect_ratio)
        return t * h * w

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> EngineConfig:
        data = json.loads(text)
        data["patch"] = tuple(data["patch"])
        data["durations"] = tuple(data["durations"])
        data["frame_sizes"] = {key: tuple(value) for key, value in data["frame_sizes"].items()}
        return cls(**data)

    def architecture(self) -> dict[str, Any]:
        """The fields that decide the weights' shapes: a checkpoint must match these."""
        return {
            "dim": self.dim,
            "depth": self.depth,
            "heads": self.heads,
            "patch": list(self.patch),
            "mlp_ratio": self.mlp_ratio,
            "text_dim": self.text_dim,
            "max_cameos": self.max_cameos,
            "prediction": self.prediction,
        }


def _sizes(square: int, short: int, long: int) -> dict[str, tuple[int, int]]:
    return {"square": (square, square), "portrait": (long, short), "landscape": (short, long)}


CONFIGS: dict[str, EngineConfig] = {
    config.name: config
    for config in (
        EngineConfig(
            name="tiny",
            dim=64,
            depth=2,
            heads=2,
            patch=(2, 8, 8),
            fps=4,
            frame_sizes=_sizes(32, 24, 40),
            display_scale=4,
            steps=4,
            prediction="data",
        ),
        EngineConfig(
            name="demo",
            dim=256,
            depth=8,
            heads=4,
            patch=(2, 8, 8),
            fps=8,
            frame_sizes=_sizes(64, 48, 80),
            display_scale=6,
            steps=12,
            shift=2.0,
            prediction="data",
        ),
        EngineConfig(
            name="base",
            dim=768,
            depth=12,
            heads=12,
            patch=(2, 8, 8),
            fps=8,
            frame_sizes=_sizes(128, 96, 160),
            display_scale=4,
            steps=32,
            shift=3.0,
        ),
        EngineConfig(
            name="large",
            dim=1536,
            depth=24,
            heads=24,
            patch=(2, 8, 8),
            fps=12,
            frame_sizes=_sizes(192, 144, 240),
            display_scale=3,
            steps=40,
            shift=5.0,
        ),
    )
}


def get_config(name: str) -> EngineConfig:
    try:
        return CONFIGS[name]
    except KeyError:
        raise UnknownConfig(f"unknown engine config {name!r}; choose one of {', '.join(CONFIGS)}") from None
