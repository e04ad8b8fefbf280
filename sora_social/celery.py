"""The Celery app. Queues: ``default``, ``fanout`` (feed fan-out in chunks) and ``gpu`` (generation)."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sora_social.settings")

app = Celery("sora_social")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = tuple(Queue(name, routing_key=name) for name in ("default", "fanout", "gpu"))
app.autodiscover_tasks()
