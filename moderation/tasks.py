"""Celery entry points of moderation."""

from __future__ import annotations

from celery import shared_task

from moderation import services


@shared_task(ignore_result=True)
def expire_enforcements() -> int:
    """Scheduled every ``MODERATION_SWEEP_SECONDS`` by Celery beat (``CELERY_BEAT_SCHEDULE``)."""
    return services.enforcements_expire()
