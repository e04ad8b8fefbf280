"""Celery tasks call services, and no service imports a tasks module, at the top or inside a function: a
service queues a task by its name (``sora_social.core.queue.task``), so there is no import circle between
them."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(
    [*ROOT.glob("*/services.py"), *ROOT.glob("sora_social/*/services.py")], key=lambda path: str(path)
)


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def test_no_service_imports_a_task() -> None:
    services = [path for path in SERVICES if path.parent.name != "tests"]
    assert {path.parent.name for path in services} >= {
        "accounts",
        "feed",
        "cameos",
        "generation",
        "moderation",
    }
    offending = {
        str(path.relative_to(ROOT)): sorted(module for module in imported_modules(path) if ".tasks" in module)
        for path in services
    }
    assert {path: modules for path, modules in offending.items() if modules} == {}
