"""Engine weights on disk: a safetensors file whose metadata holds the config it was made for, plus the same
config as readable JSON next to it (``name.safetensors`` → ``name.json``).

Loading checks the file before touching the model: a missing, truncated or foreign file, and weights made for
another configuration, each fail with a ``CheckpointError`` that says which.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from generation.engine.config import DEFAULT_CONFIG, EngineConfig, get_config
from generation.engine.errors import CheckpointError
from generation.engine.model import VideoDiT, rename_legacy

FORMAT = "sora_social.engine/1"
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


def default_checkpoint(config_name: str = DEFAULT_CONFIG) -> Path | None:
    """The shipped checkpoint for a config, when the package carries one."""
    path = WEIGHTS_DIR / f"{config_name}.safetensors"
    return path if path.is_file() else None


def save_checkpoint(
    model: VideoDiT,
    path: str | Path,
    *,
    metadata: dict[str, str] | None = None,
    state: dict[str, torch.Tensor] | None = None,
    dtype: torch.dtype | None = None,
) -> Path:
    """Writes ``model``'s weights (or ``state``, e.g. an EMA copy of them) with its config. ``dtype`` stores
    them narrower (the shipped checkpoint is float16, half the size); loading widens them again."""
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {
        name: tensor.detach().to("cpu", dtype=dtype or tensor.dtype).contiguous()
        for name, tensor in (state if state is not None else model.state_dict()).items()
    }
    meta = {"format": FORMAT, "config": model.config.to_json(), **(metadata or {})}
    tmp = path.with_name(path.name + ".tmp")
    save_file(tensors, str(tmp), metadata=meta)
    tmp.chmod(0o644)
    tmp.replace(path)
    sidecar = {"format": FORMAT, "config": json.loads(model.config.to_json()), **(metadata or {})}
    path.with_suffix(".json").write_text(json.dumps(sidecar, indent=2, sort_keys=True) + "\n")
    return path


def _open(path: Path) -> tuple[dict[str, str], Any]:
    from safetensors import safe_open

    if not path.is_file():
        raise CheckpointError(f"no engine checkpoint at {path}")
    try:
        handle = safe_open(str(path), framework="pt", device="cpu")
        metadata = handle.metadata() or {}
    except Exception as exc:  # safetensors raises its own error types, and OSError for short files
        raise CheckpointError(f"{path} is not a readable safetensors checkpoint: {exc}") from None
    if metadata.get("format") != FORMAT or "config" not in metadata:
        raise CheckpointError(f"{path} is a safetensors file but not an engine checkpoint (no engine config)")
    return metadata, handle


def checkpoint_metadata(path: str | Path) -> dict[str, str]:
    """The metadata stored with an engine checkpoint (format, config, step, CPU-hours, ...)."""
    metadata, _ = _open(Path(path))
    return dict(metadata)


def read_config(path: str | Path) -> EngineConfig:
    metadata, _ = _open(Path(path))
    try:
        return EngineConfig.from_json(metadata["config"])
    except (ValueError, TypeError, KeyError) as exc:
        raise CheckpointError(f"{path} holds an unreadable engine config: {exc}") from None


def load_checkpoint(
    path: str | Path, *, config: str | EngineConfig | None = None, device: str | torch.device = "cpu"
) -> VideoDiT:
    """The model stored at ``path``. With ``config``, the checkpoint must have been made for it."""
    path = Path(path)
    _, handle = _open(path)
    stored = read_config(path)
    if config is not None:
        wanted = get_config(config) if isinstance(config, str) else config
        if wanted.name != stored.name or wanted.architecture() != stored.architecture():
            raise CheckpointError(
                f"{path} holds weights for the {stored.name!r} config ({_describe(stored)}), "
                f"not for {wanted.name!r} ({_describe(wanted)})"
            )
        stored = wanted
    model = VideoDiT(stored)
    expected = model.state_dict()
    try:
        tensors = rename_legacy({name: handle.get_tensor(name) for name in handle.keys()})  # noqa: SIM118
    except Exception as exc:
        raise CheckpointError(f"{path} is truncated or corrupt: {exc}") from None
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    if missing or unexpected:
        raise CheckpointError(
            f"{path} does not match the {stored.name!r} model: "
            f"missing {missing[:3]}, unexpected {unexpected[:3]}"
        )
    for name, tensor in tensors.items():
        if tensor.shape != expected[name].shape:
            raise CheckpointError(
                f"{path}: {name} has shape {tuple(tensor.shape)}, "
                f"the model needs {tuple(expected[name].shape)}"
            )
    model.load_state_dict(tensors)
    return model.to(device).eval()


def _describe(config: EngineConfig) -> str:
    return f"dim {config.dim}, depth {config.depth}, heads {config.heads}, patch {config.patch}"
