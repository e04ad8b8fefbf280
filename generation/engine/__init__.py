"""The video generator: a Diffusion Transformer over space-time patches, in plain PyTorch.

Nothing here imports Django, so the engine runs alone on a GPU machine: ``python -m generation.engine``.
The generation app drives it through ``Engine``: load once per worker process, then ``generate``.
"""

from generation.engine.checkpoint import default_checkpoint, load_checkpoint, read_config, save_checkpoint
from generation.engine.config import ASPECT_RATIOS, CONFIGS, EngineConfig, get_config
from generation.engine.errors import (
    CheckpointError,
    EngineError,
    GenerationCancelled,
    InvalidRequest,
    UnknownConfig,
)
from generation.engine.model import Conditioning, VideoDiT
from generation.engine.pipeline import (
    Beat,
    CameoReference,
    Clip,
    Engine,
    GenerationRequest,
    Progress,
    time_grid,
)

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
