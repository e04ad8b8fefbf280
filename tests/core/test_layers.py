"""The import contracts in ``pyproject.toml`` hold on the tree and stop an import that runs against them. Each
case runs ``lint-imports`` with the project's own contracts on a copy of the source with one wrong import
added, so the contracts are shown to fail as well as to pass."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "pyproject.toml"
PACKAGES = ("toolkit", "sora_social", "feed", "cameos", "remix", "generation", "moderation", "web")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
LAYERS = "Each layer imports only the layers below it"
ENGINE = "generation.engine imports no Django, DRF, Channels or Celery"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(CONFIG)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def report(result: subprocess.CompletedProcess[str]) -> str:
    """What lint-imports printed, on one line (it wraps long contract names)."""
    return " ".join(result.stdout.split())


def copy_of_the_source(destination: Path) -> Path:
    """The packages' Python files only (no weights, media or caches)."""

    def not_python(directory: str, names: list[str]) -> set[str]:
        return {
            n for n in names if not (Path(directory, n).is_dir() or n.endswith(".py")) or n == "__pycache__"
        }

    for package in PACKAGES:
        shutil.copytree(ROOT / package, destination / package, ignore=not_python)
    return destination


def test_the_tree_keeps_every_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{LAYERS} KEPT" in report(result)
    assert f"{ENGINE} KEPT" in report(result)


@pytest.mark.parametrize(
    ("module", "line", "broken", "reported"),
    [
        # The ground floor reaching up to the top layer.
        (
            "sora_social/core/upward.py",
            "from moderation import services",
            LAYERS,
            "sora_social.core.upward -> moderation",
        ),
        # The top layer below the web client: moderation never imports a page.
        ("moderation/upward.py", "from web import forms", LAYERS, "moderation.upward -> web.forms"),
        # One floor up: feed sits below cameos.
        ("feed/upward.py", "import cameos.services", LAYERS, "feed.upward -> cameos.services"),
        # The engine pulling in Django, which it must run without.
        (
            "generation/engine/web.py",
            "from django.conf import settings",
            ENGINE,
            "generation.engine.web -> django",
        ),
    ],
)
def test_a_wrong_import_breaks_its_contract(
    tmp_path: Path, module: str, line: str, broken: str, reported: str
) -> None:
    source = copy_of_the_source(tmp_path)
    assert lint_imports(source).returncode == 0

    (source / module).write_text(f"{line}\n")
    result = lint_imports(source)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Contracts: 1 kept, 1 broken." in report(result)
    assert f"{broken} BROKEN" in report(result)
    assert reported in report(result)
