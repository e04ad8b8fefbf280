"""Celery entry points of generation, on the ``gpu`` queue.

A generation runs for minutes on a GPU, so the task is set up for long jobs: it is acknowledged only when
it ends (``acks_late``, with the worker's prefetch at 1), a worker process that dies mid-job puts the
message back (``reject_on_worker_lost``), and Celery stops a job at a hard time limit. Redelivery is safe
because the service claims the job row: a message for a job that is not queued does nothing. The attempt
cap lives on the row too (``GENERATION_MAX_ATTEMPTS``), so a job that kills its worker every time fails
after that many tries instead of looping.

Every worker also runs the recovery sweep (``generation_recover_lost``) in the background, so a job whose
worker vanished (SIGKILL, a lost machine) is requeued within about one lease, not when Redis's visibility
timeout (hours) hands its message back.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from celery import shared_task
from celery.signals import worker_ready, worker_shutting_down
from django.conf import settings
from django.db import close_old_connections

from generation import services

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    time_limit=settings.GENERATION_TIME_LIMIT_SECONDS,
    soft_time_limit=max(1, settings.GENERATION_TIME_LIMIT_SECONDS - 30),
)
def generate_video(self: Any, job_id: int) -> None:
    worker = f"{self.request.hostname or 'inline'}:{os.getpid()}"
    services.generation_run(job_id=job_id, worker=worker)


_stop = threading.Event()


def _sweep_forever() -> None:
    interval = max(0.5, settings.GENERATION_LEASE_SECONDS / 3)
    while not _stop.wait(interval):
        close_old_connections()
        try:
            services.generation_recover_lost()
        except Exception:
            logger.exception("generation recovery sweep failed; trying again in %.0f s", interval)


@worker_ready.connect
def start_recovery_sweep(**_: Any) -> None:
    _stop.clear()
    threading.Thread(target=_sweep_forever, name="generation-recovery", daemon=True).start()


@worker_shutting_down.connect
def stop_recovery_sweep(**_: Any) -> None:
    _stop.set()
