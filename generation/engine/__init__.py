"""The video generator: a Diffusion Transformer over space-time patches, in plain PyTorch.

Nothing here imports Django, so the engine runs alone on a GPU machine: ``python -m generation.engine``.
The generation app drives it through ``Engine``: load once per worker process, then ``generate``.

The names below load their modules on first use, so that the plain-Python parts (``config``, ``errors``,
``requests``, ``video``) are imported without PyTorch: a web process checks requests through them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from generation.engine.checkpoint import (
        default_checkpoint,
        load_checkpoint,
        read_config,
        save_checkpoint,
    )
    from generation.engine.config import ASPECT_RATIOS, CONFIGS, EngineConfig, get_config
    from generation.engine.errors import (
        CheckpointError,
        EngineError,
        GenerationCancelled,
        InvalidRequest,
        UnknownConfig,
    )
    from generation.engine.model import Conditioning, VideoDiT
    from generation.engine.pipeline import Clip, Engine, Progress, time_grid
    from generation.engine.requests import Beat, CameoReference, GenerationRequest

_HOMES = {
    "checkpoint": ("default_checkpoint", "load_checkpoint", "read_config", "save_checkpoint"),
    "config": ("ASPECT_RATIOS", "CONFIGS", "EngineConfig", "get_config"),
    "errors": ("CheckpointError", "EngineError", "GenerationCancelled", "InvalidRequest", "UnknownConfig"),
    "model": ("Conditioning", "VideoDiT"),
    "pipeline": ("Clip", "Engine", "Progress", "time_grid"),
    "requests": ("Beat", "CameoReference", "GenerationRequest"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "ASPECT_RATIOS",
    "CONFIGS",
    "Beat",
    "CameoReference",
    "CheckpointError",
    "Clip",
    "Conditioning",
    "Engine",
    "EngineConfig",
    "EngineError",
    "GenerationCancelled",
    "GenerationRequest",
    "InvalidRequest",
    "Progress",
    "UnknownConfig",
    "VideoDiT",
    "default_checkpoint",
    "get_config",
    "load_checkpoint",
    "read_config",
    "save_checkpoint",
    "time_grid",
]


def __getattr__(name: str) -> Any:
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
