"""The shape of a generation job, shared by the API and the events pushed to sockets."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from generation.models import GenerationJob
from sora_social.core.api import IdField

JobError = inline_serializer(
    name="GenerationError",
    fields={"code": serializers.CharField(), "detail": serializers.CharField()},
    allow_null=True,
)


class BeatSerializer(serializers.Serializer):
    at_seconds = serializers.FloatField()
    prompt = serializers.CharField()


class GenerationJobSerializer(serializers.Serializer):
    id = IdField()
    status = serializers.CharField()
    progress = serializers.IntegerField(help_text="0 to 100.")
    error = serializers.SerializerMethodField()
    video = IdField(source="video_id", allow_null=True, help_text="The draft's id, once succeeded.")
    prompt = serializers.CharField()
    duration_seconds = serializers.IntegerField()
    aspect_ratio = serializers.CharField()
    seed = serializers.CharField(
        help_text="A 64-bit integer as a string; the same seed makes the same video."
    )
    storyboard = BeatSerializer(many=True)
    cameo_ids = serializers.ListField(child=serializers.CharField())
    remix_of = IdField(source="remix_of_id", allow_null=True)
    attempts = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(JobError)
    def get_error(self, job: GenerationJob) -> dict[str, Any] | None:
        if not job.error_code:
            return None
        return {"code": job.error_code, "detail": job.error_detail}


def job_data(job: GenerationJob) -> dict[str, Any]:
    return dict(GenerationJobSerializer(job).data)
