"""Engine tests run the ``tiny`` config on the CPU. An untrained model is the identity at every block and
predicts zero velocity (adaLN-Zero), so tests that check how inputs reach the output perturb its weights
first: they test the wiring, which training does not change."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from generation.engine import Engine, EngineConfig, VideoDiT, get_config
from tests.cameos.conftest import make_cameo  # noqa: F401 (fixtures the pipeline tests use)
from tests.feed.conftest import make_video  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
# The web stack and the project's apps, which the engine runs without.
WEB_STACK = ("django", "rest_framework", "channels", "celery", "sora_social", "feed", "cameos", "remix")


def run_leaving_out(code: str, packages: tuple[str, ...]) -> None:
    """Run ``code`` in a fresh interpreter at the repository root; fail if it imported any of ``packages``."""
    check = (
        "\nimport sys\n"
        f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {packages!r})\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code + check], cwd=ROOT, check=True)


# A tiny latent config: 32x32 frames at 4 fps, 2 frames of 8x8 pixels per latent position, one position a
# token (the portrait latent grid is 5x3, so larger patches would not divide it).
TINY_LATENT = dataclasses.replace(
    get_config("tiny"),
    name="tiny-latent",
    latent_channels=8,
    codec_width=16,
    patch=(1, 1, 1),
    prediction="velocity",
)


def perturbed_model(config: str = "tiny", seed: int = 0, scale: float = 0.1) -> VideoDiT:
    return perturbed_model_of(get_config(config), seed, scale)


def perturbed_model_of(config: EngineConfig, seed: int = 0, scale: float = 0.1) -> VideoDiT:
    torch.manual_seed(seed)
    model = VideoDiT(config)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * scale)
    return model.eval()


@pytest.fixture(scope="session")
def tiny_engine() -> Engine:
    return Engine(perturbed_model(), device="cpu")


def face(seed: int, size: int = 48) -> np.ndarray:
    """A reference image: a coloured blob on a plain background, different per seed."""
    rng = np.random.default_rng(seed)
    image = np.full((size, size, 3), rng.integers(0, 255, 3), dtype=np.uint8)
    y, x = np.mgrid[:size, :size]
    cy, cx = rng.integers(size // 4, 3 * size // 4, 2)
    image[(y - cy) ** 2 + (x - cx) ** 2 < (size // 4) ** 2] = rng.integers(0, 255, 3)
    return image


@pytest.fixture(scope="session")
def provenance_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from generation.provenance import create_development_identity

    directory = tmp_path_factory.mktemp("provenance")
    create_development_identity(directory)
    return directory


@pytest.fixture
def generation_env(settings: Any, provenance_dir: Path) -> Any:
    """The generation pipeline as the tests run it: the untrained ``tiny`` engine for 2 steps (a clip in a
    fraction of a second), a development signing identity, and room in the quota."""
    settings.GENERATION_ENGINE_CONFIG = "tiny"
    settings.GENERATION_CHECKPOINT = ""
    settings.GENERATION_DEVICE = "cpu"
    settings.GENERATION_STEPS = 2
    settings.GENERATION_DAILY_QUOTA = 50
    settings.GENERATION_PROGRESS_INTERVAL_SECONDS = 0
    settings.PROVENANCE_CHAIN_FILE = provenance_dir / "chain.pem"
    settings.PROVENANCE_KEY_FILE = provenance_dir / "key.pem"
    settings.PROVENANCE_TRUST_ANCHORS_FILE = provenance_dir / "ca.pem"
    return settings
