from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from generation import selectors, services
from generation.engine.config import ASPECT_RATIOS
from generation.engine.requests import DEFAULT_REMIX_STRENGTH, MAX_SEED, REMIX_STRENGTH_RANGE, Beat
from generation.models import GenerationJob
from generation.serializers import GenerationJobSerializer, job_data
from sora_social.accounts.authentication import request_user
from sora_social.accounts.models import User
from sora_social.core.api import (
    AUTH_ERRORS,
    LIST_ERRORS,
    IdInputField,
    InputSerializer,
    TextInputField,
    error_responses,
)
from sora_social.core.pagination import PAGE_PARAMETERS

JOB_NOT_FOUND = {"404": "generation_not_found: no such job of yours."}
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": services.MAX_IDEMPOTENCY_KEY},
    OpenApiParameter.HEADER,
    required=False,
    description="Send the same key again (a retry) to get the same job instead of a second video.",
)


class DurationField(serializers.IntegerField):
    """A video's length in seconds: one of those the engine makes (it checks; 400 naming the field)."""


class DurationFieldSchema(OpenApiSerializerFieldExtension):
    """The lengths the configured engine makes, read when the schema is made."""

    target_class = DurationField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return {"type": "integer", "enum": list(services.engine_config().durations)}


class BeatInput(InputSerializer):
    at_seconds = serializers.FloatField(min_value=0)
    prompt = TextInputField(max_length=1000)


class GenerationInput(InputSerializer):
    prompt = TextInputField(max_length=1000, help_text="What happens in the video.")
    duration_seconds = DurationField(help_text="One of the allowed lengths, e.g. 2, 4 or 8.")
    aspect_ratio = serializers.ChoiceField(choices=ASPECT_RATIOS)
    cameo_ids = serializers.ListField(
        child=IdInputField(),
        required=False,
        default=None,
        max_length=10,
        help_text="Cameos to feature (at most 2). Left out of a remix: the parent's cameos, if you may use "
        "them; a list replaces them (your own cameo in place of the parent's swaps you in).",
    )
    remix_of = IdInputField(required=False, allow_null=True, default=None)
    remix_strength = serializers.FloatField(
        required=False,
        allow_null=True,
        default=None,
        min_value=REMIX_STRENGTH_RANGE[0],
        max_value=REMIX_STRENGTH_RANGE[1],
        help_text="For a remix: 0 keeps the parent, 1 keeps only the prompt. "
        f"Default {DEFAULT_REMIX_STRENGTH:g}.",
    )
    seed = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=MAX_SEED
    )
    storyboard = BeatInput(many=True, required=False, default=list)


class RemixInput(GenerationInput):
    duration_seconds = DurationField(required=False, default=None, help_text="Default: the parent's length.")
    aspect_ratio = serializers.ChoiceField(
        choices=ASPECT_RATIOS, required=False, default=None, help_text="Default: the parent's shape."
    )
    remix_of = None  # type: ignore[assignment]  # the video is the one in the path


GENERATION_ERRORS = error_responses(
    **AUTH_ERRORS,
    **{
        "400": "invalid: a bad field (named in `fields`); too_many_cameos",
        "403": "cameo_not_permitted; remix_not_allowed: a draft, or its author turned remixing off",
        "404": "video_not_found: the video to remix is not there or not visible to you",
        "409": "idempotency_key_reused: the key came with a different request before",
        "422": "prompt_blocked: refused by the content policy",
        "429": "quota_exceeded: the daily limit; see Retry-After",
    },
)


def request_generation(
    values: dict[str, Any],
    *,
    user: User,
    remix_of: int | str | None = None,
    idempotency_key: str | None = None,
) -> tuple[GenerationJob, bool]:
    """``generation_request`` with what a ``GenerationInput`` (or ``RemixInput``) validated, for the API
    and the web client's Create page alike: the job, and whether it is new."""
    return services.generation_request(
        user=user,
        prompt=values["prompt"],
        duration_seconds=values["duration_seconds"],
        aspect_ratio=values["aspect_ratio"],
        cameo_ids=values["cameo_ids"],
        remix_of=remix_of if remix_of is not None else values["remix_of"],
        remix_strength=values["remix_strength"],
        seed=values["seed"],
        storyboard=[Beat(beat["at_seconds"], beat["prompt"]) for beat in values["storyboard"]],
        idempotency_key=idempotency_key,
    )


def _accept(request: Request, serializer: type[GenerationInput], remix_of: str | None = None) -> Response:
    data = serializer(data=request.data)
    data.is_valid(raise_exception=True)
    job, created = request_generation(
        data.validated_data,
        user=request_user(request),
        remix_of=remix_of,
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    headers = {} if created else {"Idempotent-Replayed": "true"}
    return Response(job_data(job), status=status.HTTP_202_ACCEPTED, headers=headers)


class GenerationsView(GenericAPIView):
    @extend_schema(
        operation_id="generations_create",
        parameters=[IDEMPOTENCY_HEADER],
        request=GenerationInput,
        responses={202: GenerationJobSerializer, **GENERATION_ERRORS},
    )
    def post(self, request: Request) -> Response:
        return _accept(request, GenerationInput)

    @extend_schema(
        operation_id="generations_list",
        parameters=PAGE_PARAMETERS,
        responses={
            200: inline_serializer(
                "GenerationPage",
                {
                    "results": GenerationJobSerializer(many=True),
                    "next": serializers.URLField(allow_null=True),
                },
            ),
            **error_responses(**AUTH_ERRORS, **LIST_ERRORS),
        },
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.jobs_for(user=request_user(request))) or []
        return self.get_paginated_response(GenerationJobSerializer(page, many=True).data)


class GenerationDetailView(APIView):
    @extend_schema(
        operation_id="generations_get",
        responses={200: GenerationJobSerializer, **error_responses(**AUTH_ERRORS, **JOB_NOT_FOUND)},
    )
    def get(self, request: Request, job_id: str) -> Response:
        return Response(job_data(selectors.job_get_own(user=request_user(request), job_id=job_id)))


class GenerationCancelView(APIView):
    @extend_schema(
        operation_id="generations_cancel",
        request=None,
        responses={
            200: GenerationJobSerializer,
            **error_responses(
                **AUTH_ERRORS,
                **JOB_NOT_FOUND,
                **{"409": "generation_finished: it already succeeded or failed"},
            ),
        },
    )
    def post(self, request: Request, job_id: str) -> Response:
        user = request_user(request)
        job = services.generation_cancel(job=selectors.job_get_own(user=user, job_id=job_id), actor=user)
        return Response(job_data(job))


class ProvenanceSerializer(serializers.Serializer):
    video = serializers.CharField()
    valid = serializers.BooleanField(help_text="The manifest's signature and the content's hashes check out.")
    trusted = serializers.BooleanField(help_text="Signed by this service's deployment key.")
    problems = serializers.ListField(child=serializers.CharField(), help_text="C2PA validation codes.")
    ai_generated = serializers.BooleanField()
    generator = serializers.CharField(allow_null=True)
    model = serializers.CharField(allow_null=True)
    creator = serializers.CharField(allow_null=True)
    title = serializers.CharField(allow_null=True)
    signer = serializers.CharField(allow_null=True)
    signed_at = serializers.CharField(allow_null=True)


class VideoProvenanceView(APIView):
    @extend_schema(
        operation_id="videos_provenance",
        responses={
            200: ProvenanceSerializer,
            **error_responses(**AUTH_ERRORS, **{"404": "video_not_found: no such video, or not visible."}),
        },
    )
    def get(self, request: Request, video_id: str) -> Response:
        """Verify the C2PA manifest inside the video's file and summarise it: who made it, with which
        model, that it is AI-generated, and whether the file is still what was signed."""
        summary = selectors.video_provenance(viewer=request_user(request), video_id=video_id)
        return Response({"video": video_id, **summary.as_dict()})


class RemixView(APIView):
    @extend_schema(
        operation_id="videos_remix",
        parameters=[IDEMPOTENCY_HEADER],
        request=RemixInput,
        responses={202: GenerationJobSerializer, **GENERATION_ERRORS},
    )
    def post(self, request: Request, video_id: str) -> Response:
        """Remix this video: a generation that starts from its frames (``remix_strength``: how far it may
        move away), with its length, shape and cameos unless the request says otherwise."""
        return _accept(request, RemixInput, remix_of=video_id)
