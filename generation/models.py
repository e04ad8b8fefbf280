from __future__ import annotations

from django.conf import settings
from django.db import models

from sora_social.core.models import SnowflakeField


class GenerationJob(models.Model):
    """One request for a video, from the moment it is accepted to its draft (or its failure): the source of
    truth that workers claim, that the API shows, and that events describe."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    id = SnowflakeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generation_jobs"
    )
    idempotency_key = models.CharField(max_length=255, blank=True, help_text="Empty: none was sent.")
    request_fingerprint = models.CharField(
        max_length=64,
        help_text="A digest of the request, to tell a retry from a new request with an old key.",
    )
    policy_score = models.FloatField(
        null=True, blank=True, help_text="The prompt's similarity to the closest refused example."
    )

    prompt = models.TextField()
    duration_seconds = models.PositiveSmallIntegerField()
    aspect_ratio = models.CharField(max_length=16)
    seed = models.BigIntegerField()
    storyboard = models.JSONField(default=list, blank=True, help_text="Beats: [{at_seconds, prompt}].")
    cameo_ids = models.JSONField(default=list, blank=True, help_text="Cameo ids, as strings, in order.")
    remix_of = models.ForeignKey(
        "feed.Video", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    remix_strength = models.FloatField(null=True, blank=True)
    engine_config = models.CharField(max_length=32, help_text="The engine configuration that makes it.")
    steps = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Sampler steps; empty: default."
    )

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="0 to 100.")
    error_code = models.CharField(max_length=32, blank=True)
    error_detail = models.TextField(blank=True)
    video = models.ForeignKey(
        "feed.Video", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    attempts = models.PositiveSmallIntegerField(default=0, help_text="How many times a worker claimed it.")
    worker = models.CharField(max_length=255, blank=True, help_text="The worker that claimed it last.")
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life from the worker running it."
    )
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="When its last queue message was due; it is sent again if not taken."
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When it was queued.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    timings = models.JSONField(default=dict, blank=True, help_text="Seconds per stage of the last attempt.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="generation_job_idempotency_unique",
            )
        ]
        indexes = [
            models.Index(fields=["user", "-id"], name="generation_job_user_idx"),
            models.Index(fields=["status", "heartbeat_at"], name="generation_job_status_idx"),
            models.Index(fields=["status", "enqueued_at"], name="generation_job_enqueued_idx"),
        ]

    def __str__(self) -> str:
        return f"generation {self.id} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED


class PromptRefusal(models.Model):
    """A request the prompt policy refused: what was asked, and why. Kept for moderators and for tuning the
    policy; the request itself made no job."""

    id = SnowflakeField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    prompt = models.TextField()
    reason = models.CharField(max_length=32)
    matched = models.CharField(max_length=255, blank=True, help_text="The term or policy example matched.")
    score = models.FloatField(null=True, blank=True, help_text="Similarity to the closest policy example.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-id"], name="generation_refusal_user_idx")]

    def __str__(self) -> str:
        return f"refused prompt {self.id} ({self.reason})"
