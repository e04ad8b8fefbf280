"""Engine configurations: a registry of frozen dataclasses, one per model size.

A clip of ``T`` frames at the config's native frame size is either cut straight into ``pt x ph x pw`` pixel
cubes (``latent_channels = 0``), or first compressed by the config's video autoencoder (``codec``: groups of
``st`` frames, ``ss x ss`` pixels become one ``latent_channels``-vector) and the latent grid is cut into
patches. Each patch is one token. Frame sizes differ per aspect ratio, and 3D rotary positions make every
size, duration and aspect ratio run on the same weights.

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
# The config the product serves when none is named: the engine, the worker, the CLI and the evaluation.
DEFAULT_CONFIG = "demo"


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
    # A learned video autoencoder in front of the transformer (0: none, the model works on pixels). The
    # codec compresses ``codec_stride`` = (frames, rows, columns) of pixels into one latent vector.
    latent_channels: int = 0
    codec_stride: tuple[int, int, int] = (2, 8, 8)
    codec_width: int = 32
    # Pixel configs with large patches embed each patch through this narrower layer first (0: one linear).
    embed_bottleneck: int = 0
    # Sampling defaults.
    steps: int = 24
    shift: float = 1.0  # timestep shift: >1 spends more of the steps at high noise
    guidance_text: float = 5.0
    guidance_cameo: float = 2.0
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.dim % self.heads:
            raise ValueError(f"{self.name}: dim {self.dim} is not a multiple of heads {self.heads}")
        pt, ph, pw = self.token_stride
        for aspect in ASPECT_RATIOS:
            height, width = self.frame_sizes[aspect]
            if height % ph or width % pw:
                raise ValueError(
                    f"{self.name}: {aspect} frame {height}x{width} is not a multiple of a token's "
                    f"{ph}x{pw} pixels"
                )
        for seconds in self.durations:
            if (seconds * self.fps) % pt:
                raise ValueError(
                    f"{self.name}: {seconds} s at {self.fps} fps is not a multiple of {pt} frames"
                )
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
    def latent(self) -> bool:
        return self.latent_channels > 0

    @property
    def channels(self) -> int:
        """Values per position of what the transformer denoises: RGB, or the codec's latent channels."""
        return self.latent_channels or 3

    @property
    def codec_factor(self) -> tuple[int, int, int]:
        """Pixels per latent position along (time, height, width); (1, 1, 1) without a codec."""
        return self.codec_stride if self.latent else (1, 1, 1)

    @property
    def token_stride(self) -> tuple[int, int, int]:
        """Pixels (frames, rows, columns) that one token covers."""
        return tuple(c * p for c, p in zip(self.codec_factor, self.patch, strict=True))  # type: ignore[return-value]

    @property
    def patch_volume(self) -> int:
        pt, ph, pw = self.patch
        return pt * ph * pw * self.channels

    def frame_count(self, duration_seconds: int) -> int:
        return duration_seconds * self.fps

    def model_shape(self, duration_seconds: int, aspect_ratio: str) -> tuple[int, int, int, int]:
        """(frames, height, width, channels) of what the transformer denoises for a clip."""
        st, sh, sw = self.codec_factor
        height, width = self.frame_sizes[aspect_ratio]
        return self.frame_count(duration_seconds) // st, height // sh, width // sw, self.channels

    def token_frames(self, duration_seconds: int) -> int:
        """Tokens along time: the unit of storyboard segments."""
        return self.frame_count(duration_seconds) // self.token_stride[0]

    def frame_size(self, aspect_ratio: str) -> tuple[int, int]:
        return self.frame_sizes[aspect_ratio]

    def display_size(self, aspect_ratio: str) -> tuple[int, int]:
        height, width = self.frame_sizes[aspect_ratio]
        return height * self.display_scale, width * self.display_scale

    def grid(self, duration_seconds: int, aspect_ratio: str) -> tuple[int, int, int]:
        """Tokens along (time, height, width) for a clip."""
        pt, ph, pw = self.token_stride
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
        if "codec_stride" in data:
            data["codec_stride"] = tuple(data["codec_stride"])
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
            "latent_channels": self.latent_channels,
            "codec_stride": list(self.codec_stride) if self.latent else None,
            "codec_width": self.codec_width if self.latent else None,
            "embed_bottleneck": self.embed_bottleneck,
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
            name="latent",
            dim=256,
            depth=8,
            heads=4,
            patch=(1, 2, 2),
            fps=8,
            frame_sizes=_sizes(64, 48, 80),
            display_scale=6,
            steps=12,
            shift=2.0,
            latent_channels=16,
            codec_stride=(2, 8, 8),
            codec_width=32,
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
