"""Celery tasks looked up by name, so that a service can queue one without importing its app's ``tasks``
module: a task only calls services, and a service never imports a task (no import circle between them)."""

from __future__ import annotations

from typing import Any

from celery import Task, current_app


def task(name: str) -> Task[Any, Any]:
    """The task registered as ``name``: its module's path and its function's name, as in
    ``feed.tasks.fan_out_video``. A process that is not a worker has not loaded the apps' ``tasks`` modules
    yet: its first look-up does."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]
