from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cameos import selectors, services
from cameos.models import HANDLE_MAX_LENGTH, PREFERENCES_MAX_LENGTH, Approval, Cameo
from feed.models import FeaturedCameo, Video
from feed.visibility import VIDEO_MEDIA, media_visible
from sora_social.accounts.api import UserSummarySerializer
from sora_social.accounts.authentication import request_user
from sora_social.core.api import (
    AUTH_ERRORS,
    LIST_ERRORS,
    IdField,
    InputSerializer,
    ScopedRateThrottle,
    TextInputField,
    error_responses,
)
from sora_social.core.errors import InvalidInput
from sora_social.core.media_access import media_url

CAMEO_NOT_FOUND = {"404": "cameo_not_found: no such cameo, or you may not see it."}
NOT_OWNER = {"403": "not_owner: you may use this cameo, but only its owner can do this."}
UPLOAD_ERRORS = {
    "413": "file_too_large, image_too_large: a file or an image's pixel count is over the limit.",
    "415": "unsupported_media_type: a file is not of an accepted type (checked by decoding it).",
    "429": "rate_limited: too many uploads.",
}


class CameoSerializer(serializers.Serializer):
    """A cameo as someone who may use it sees it."""

    id = IdField()
    owner = UserSummarySerializer()
    kind = serializers.CharField()
    handle = serializers.CharField()
    display_name = serializers.CharField()


class ReferenceImageSerializer(serializers.Serializer):
    id = IdField()
    url = serializers.SerializerMethodField()

    def get_url(self, image: Any) -> str:
        return media_url(
            image.image.name,
            kind=selectors.REFERENCE_IMAGE_MEDIA,
            object_id=image.cameo_id,
            request=self.context.get("request"),
        )


class OwnCameoSerializer(CameoSerializer):
    """A cameo as its owner sees it: everything."""

    audience = serializers.CharField()
    status = serializers.CharField()
    preferences = serializers.CharField()
    reference_images = ReferenceImageSerializer(source="reference_images.all", many=True)
    approval_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class CameoDetailSerializer(OwnCameoSerializer):
    """A cameo as whoever may see it sees it: its owner gets every field, someone who may use it only those
    of a Cameo."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        owners_only = OwnCameoSerializer._declared_fields.keys() - CameoSerializer._declared_fields.keys()
        for name in owners_only:
            fields[name].required = False  # in the schema: only the owner gets them
        cameo = self.instance
        if isinstance(cameo, Cameo) and cameo.owner_id != request_user(self.context["request"]).pk:
            for name in owners_only:
                del fields[name]
        return fields


def cameo_data(cameo: Cameo, request: Request) -> Any:
    return CameoDetailSerializer(cameo, context={"request": request}).data


def own_cameo_data(cameo: Cameo, request: Request) -> Any:
    fresh = selectors.cameo_get_visible(viewer=request_user(request), cameo_id=cameo.pk)
    return OwnCameoSerializer(fresh, context={"request": request}).data


class CameosView(GenericAPIView):
    throttle_scope = "cameo_upload"

    def get_throttles(self) -> list[Any]:
        return [ScopedRateThrottle()] if self.request.method == "POST" else []

    class CameoCreateInput(InputSerializer):
        kind = serializers.ChoiceField(choices=Cameo.Kind.choices)
        display_name = TextInputField(max_length=50)
        handle = serializers.CharField(max_length=150, help_text="Unique, like a username.")
        audience = serializers.ChoiceField(choices=Cameo.Audience.choices, default=Cameo.Audience.ONLY_ME)
        preferences = TextInputField(
            max_length=PREFERENCES_MAX_LENGTH, required=False, allow_blank=True, default=""
        )
        reference_images = serializers.ListField(
            child=serializers.FileField(),
            min_length=services.MIN_REFERENCE_IMAGES,
            max_length=services.MAX_REFERENCE_IMAGES,
            help_text="1 to 5 JPEG, PNG or WebP images, each at most 10 MB and 25 megapixels.",
        )

    @extend_schema(
        operation_id="cameos_list",
        responses={200: OwnCameoSerializer(many=True), **error_responses(**AUTH_ERRORS, **LIST_ERRORS)},
        description="My cameos, newest first.",
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.my_cameos(user=request_user(request))) or []
        return self.get_paginated_response(
            OwnCameoSerializer(page, many=True, context={"request": request}).data
        )

    @extend_schema(
        operation_id="cameos_create",
        request={"multipart/form-data": CameoCreateInput},
        responses={
            201: OwnCameoSerializer,
            **error_responses(
                **AUTH_ERRORS,
                **{"400": "invalid, handle_taken, invalid_image: a field is wrong (see `fields`)."},
                **UPLOAD_ERRORS,
            ),
        },
        description="A `self` cameo starts `pending_verification`, a `character` starts `active`.",
    )
    def post(self, request: Request) -> Response:
        data = self.CameoCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        cameo = services.cameo_create(owner=request_user(request), **data.validated_data)
        return Response(own_cameo_data(cameo, request), status=status.HTTP_201_CREATED)


class AvailableCameosView(GenericAPIView):
    @extend_schema(
        operation_id="cameos_available",
        parameters=[
            OpenApiParameter(
                "q",
                {"type": "string", "maxLength": HANDLE_MAX_LENGTH},
                description="Only cameos whose handle starts with this.",
            )
        ],
        responses={200: CameoSerializer(many=True), **error_responses(**AUTH_ERRORS, **LIST_ERRORS)},
        description="Every cameo I may put in a video now, my own included.",
    )
    def get(self, request: Request) -> Response:
        prefix = request.query_params.get("q", "").strip().lstrip("@")
        if len(prefix) > HANDLE_MAX_LENGTH:
            raise InvalidInput(
                f"q is at most {HANDLE_MAX_LENGTH} characters.",
                fields={"q": [f"At most {HANDLE_MAX_LENGTH} characters."]},
            )
        cameos = selectors.cameos_available(user=request_user(request), handle_prefix=prefix)
        page = self.paginate_queryset(cameos) or []
        return self.get_paginated_response(
            CameoSerializer(page, many=True, context={"request": request}).data
        )


class CameoDetailView(APIView):
    class CameoUpdateInput(InputSerializer):
        display_name = TextInputField(max_length=50, required=False)
        audience = serializers.ChoiceField(choices=Cameo.Audience.choices, required=False)
        preferences = TextInputField(max_length=PREFERENCES_MAX_LENGTH, required=False, allow_blank=True)

    @extend_schema(
        operation_id="cameos_get",
        responses={
            200: OpenApiResponse(
                CameoDetailSerializer,
                description="The owner sees every field; someone who may use the cameo sees "
                "id, owner, kind, handle and display_name.",
            ),
            **error_responses(**AUTH_ERRORS, **CAMEO_NOT_FOUND),
        },
    )
    def get(self, request: Request, cameo_id: str) -> Response:
        return Response(
            cameo_data(selectors.cameo_get_visible(viewer=request_user(request), cameo_id=cameo_id), request)
        )

    @extend_schema(
        operation_id="cameos_update",
        request=CameoUpdateInput,
        responses={
            200: OwnCameoSerializer,
            **error_responses(**AUTH_ERRORS, **CAMEO_NOT_FOUND, **NOT_OWNER, **{"400": "invalid"}),
        },
        description="A narrower audience withdraws the appearances it no longer admits.",
    )
    def patch(self, request: Request, cameo_id: str) -> Response:
        user = request_user(request)
        cameo = selectors.cameo_get_owned(viewer=user, cameo_id=cameo_id)
        data = self.CameoUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.cameo_update(cameo=cameo, actor=user, **data.validated_data)
        return Response(own_cameo_data(cameo, request))

    @extend_schema(
        operation_id="cameos_delete",
        responses={
            204: OpenApiResponse(description="Deleted: every video featuring it is down, its media purged."),
            **error_responses(**AUTH_ERRORS, **CAMEO_NOT_FOUND, **NOT_OWNER),
        },
    )
    def delete(self, request: Request, cameo_id: str) -> Response:
        user = request_user(request)
        services.cameo_delete(cameo=selectors.cameo_get_owned(viewer=user, cameo_id=cameo_id), actor=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApprovalSerializer(serializers.Serializer):
    user = UserSummarySerializer()
    created_at = serializers.DateTimeField()


class ApprovalsView(GenericAPIView):
    class ApprovalInput(InputSerializer):
        username = serializers.CharField(max_length=150)

    @extend_schema(
        operation_id="cameos_approvals_list",
        responses={
            200: ApprovalSerializer(many=True),
            **error_responses(**AUTH_ERRORS, **CAMEO_NOT_FOUND, **NOT_OWNER, **LIST_ERRORS),
        },
    )
    def get(self, request: Request, cameo_id: str) -> Response:
        cameo = selectors.cameo_get_owned(viewer=request_user(request), cameo_id=cameo_id)
        page: list[Approval] = self.paginate_queryset(selectors.cameo_approvals(cameo=cameo)) or []
        return self.get_paginated_response(
            ApprovalSerializer(page, many=True, context={"request": request}).data
        )

    @extend_schema(
        operation_id="cameos_approvals_create",
        request=ApprovalInput,
        responses={
            201: OpenApiResponse(ApprovalSerializer, description="Added to the approved list."),
            200: OpenApiResponse(ApprovalSerializer, description="Already on the list (idempotent)."),
            **error_responses(
                **AUTH_ERRORS,
                **{
                    "400": "invalid, cannot_approve_self",
                    "403": "not_owner; blocked: you block this user.",
                    "404": "cameo_not_found; user_not_found: no such user, or they block you.",
                },
            ),
        },
    )
    def post(self, request: Request, cameo_id: str) -> Response:
        user = request_user(request)
        cameo = selectors.cameo_get_owned(viewer=user, cameo_id=cameo_id)
        data = self.ApprovalInput(data=request.data)
        data.is_valid(raise_exception=True)
        approval, created = services.cameo_approval_grant(
            cameo=cameo, username=data.validated_data["username"], actor=user
        )
        return Response(
            ApprovalSerializer(approval, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ApprovalDetailView(APIView):
    @extend_schema(
        operation_id="cameos_approvals_revoke",
        responses={
            204: OpenApiResponse(description="Revoked: their appearances it admitted are withdrawn."),
            **error_responses(**AUTH_ERRORS, **NOT_OWNER, **{"404": "cameo_not_found, approval_not_found"}),
        },
    )
    def delete(self, request: Request, cameo_id: str, username: str) -> Response:
        user = request_user(request)
        cameo = selectors.cameo_get_owned(viewer=user, cameo_id=cameo_id)
        services.cameo_approval_revoke(cameo=cameo, username=username, actor=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


VERIFY_CONFLICTS = {
    "409": "verification_not_needed: a character needs none; not_pending_verification: already decided."
}


class ChallengeView(APIView):
    class ChallengeOutput(serializers.Serializer):
        challenge_id = IdField(source="id")
        phrase = serializers.CharField(help_text="Read this aloud in the recording.")
        head_turns = serializers.ListField(
            child=serializers.CharField(), help_text="Turn your head this way, in this order."
        )
        expires_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="cameos_verification_challenge",
        request=None,
        responses={
            201: ChallengeOutput,
            **error_responses(
                **AUTH_ERRORS,
                **CAMEO_NOT_FOUND,
                **NOT_OWNER,
                **VERIFY_CONFLICTS,
                **{"429": "too_many_attempts: at most 5 challenges a day per cameo (see Retry-After)."},
            ),
        },
        description="A one-time challenge for verifying a `self` cameo; it expires after 10 minutes.",
    )
    def post(self, request: Request, cameo_id: str) -> Response:
        user = request_user(request)
        cameo = selectors.cameo_get_owned(viewer=user, cameo_id=cameo_id)
        challenge = services.verification_challenge_create(cameo=cameo, actor=user)
        return Response(self.ChallengeOutput(challenge).data, status=status.HTTP_201_CREATED)


class VerificationView(APIView):
    throttle_scope = "cameo_upload"
    throttle_classes = [ScopedRateThrottle]

    class VerificationInput(InputSerializer):
        challenge_id = serializers.CharField(max_length=40)
        recording = serializers.FileField(
            help_text="A short video (MP4, MOV, or WebM in VP8 or VP9) of you doing what the challenge asks."
        )

    @extend_schema(
        operation_id="cameos_verify",
        request={"multipart/form-data": VerificationInput},
        responses={
            200: OpenApiResponse(
                OwnCameoSerializer,
                description="`active` when the recording matches, `in_review` when a moderator must decide.",
            ),
            **error_responses(
                **AUTH_ERRORS,
                **CAMEO_NOT_FOUND,
                **NOT_OWNER,
                **VERIFY_CONFLICTS,
                **UPLOAD_ERRORS,
                **{
                    "400": "verification_failed: the recording does not match (the reason is in detail); "
                    "challenge_invalid, challenge_used, challenge_expired; invalid_video; invalid",
                },
            ),
        },
    )
    def post(self, request: Request, cameo_id: str) -> Response:
        user = request_user(request)
        cameo = selectors.cameo_get_owned(viewer=user, cameo_id=cameo_id)
        data = self.VerificationInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.cameo_verify(cameo=cameo, actor=user, **data.validated_data)
        return Response(own_cameo_data(cameo, request))


class AppearanceSerializer(serializers.Serializer):
    video = IdField(source="video_id")
    author = UserSummarySerializer(source="video.author")
    status = serializers.CharField(source="video.status")
    visibility = serializers.CharField(source="video.visibility")
    caption = serializers.CharField(source="video.caption")
    poster_url = serializers.SerializerMethodField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField(source="video.created_at")
    published_at = serializers.DateTimeField(source="video.published_at", allow_null=True)

    def get_poster_url(self, appearance: FeaturedCameo) -> str | None:
        video: Video = appearance.video
        if not media_visible(video):
            return None
        request = self.context.get("request")
        return media_url(video.poster_file.name, kind=VIDEO_MEDIA, object_id=video.pk, request=request)


class AppearancesView(GenericAPIView):
    @extend_schema(
        operation_id="cameos_appearances",
        responses={
            200: AppearanceSerializer(many=True),
            **error_responses(**AUTH_ERRORS, **CAMEO_NOT_FOUND, **NOT_OWNER, **LIST_ERRORS),
        },
        description="Every video featuring this cameo, other people's drafts included, newest first.",
    )
    def get(self, request: Request, cameo_id: str) -> Response:
        cameo = selectors.cameo_get_owned(viewer=request_user(request), cameo_id=cameo_id)
        page = self.paginate_queryset(selectors.cameo_appearances(cameo=cameo)) or []
        return self.get_paginated_response(
            AppearanceSerializer(page, many=True, context={"request": request}).data
        )


@extend_schema_view(
    delete=extend_schema(
        operation_id="cameos_appearances_take_down",
        responses={
            204: OpenApiResponse(description="The video is down everywhere; its author is notified."),
            **error_responses(**AUTH_ERRORS, **NOT_OWNER, **{"404": "cameo_not_found, appearance_not_found"}),
        },
    )
)
class AppearanceDetailView(APIView):
    def delete(self, request: Request, cameo_id: str, video_id: str) -> Response:
        user = request_user(request)
        cameo = selectors.cameo_get_owned(viewer=user, cameo_id=cameo_id)
        services.cameo_appearance_take_down(cameo=cameo, video_id=video_id, actor=user)
        return Response(status=status.HTTP_204_NO_CONTENT)
