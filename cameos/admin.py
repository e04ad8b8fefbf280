from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from cameos.models import Approval, Cameo, ConsentRecord, ReferenceImage
from cameos.services import cameo_review_decide
from sora_social.accounts.admin import (
    ModeratorsMayView,
    ReadOnlyAdmin,
    ShownOnlyInline,
    stored_file_for_moderator,
)
from sora_social.accounts.selectors import user_is_moderator
from sora_social.core.errors import ApiError
from sora_social.core.ids import parse_id


class ApprovalInline(ShownOnlyInline):
    model = Approval
    fields = readonly_fields = ("user", "created_at")


class ReferenceImageInline(ShownOnlyInline):
    model = ReferenceImage
    fields = readonly_fields = ("picture",)

    @admin.display(description="Image")
    def picture(self, image: ReferenceImage) -> str:
        url = reverse("admin:cameos_cameo_reference_image", args=[image.cameo_id, image.pk])
        return format_html('<a href="{}"><img src="{}" alt="Reference image" height="120"></a>', url, url)


@admin.register(Cameo)
class CameoAdmin(ModeratorsMayView, ReadOnlyAdmin):
    list_display = ("handle", "display_name", "owner", "kind", "status", "audience", "created_at")
    list_filter = ("kind", "status", "audience")
    search_fields = ("handle", "display_name", "owner__username")
    list_select_related = ("owner",)
    readonly_fields = ("verification_recording_link",)
    inlines = (ReferenceImageInline, ApprovalInline)
    actions = ("approve_review", "reject_review")

    @admin.display(description="Recording kept for review")
    def verification_recording_link(self, cameo: Cameo) -> str:
        if not cameo.verification_recording:
            return "-"
        url = reverse("admin:cameos_cameo_recording", args=[cameo.pk])
        return format_html('<a href="{}">Watch the recording</a>', url)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/recording/", view(self.recording), name="cameos_cameo_recording"),
            path(
                "<path:object_id>/reference/<path:image_id>/",
                view(self.reference_image),
                name="cameos_cameo_reference_image",
            ),
            *super().get_urls(),
        ]

    def recording(self, request: HttpRequest, object_id: str) -> HttpResponseBase:
        """The recording kept for a cameo in review, for the moderators who decide it."""
        cameo = Cameo.objects.filter(pk=parse_id(object_id) or -1, status=Cameo.Status.IN_REVIEW).first()
        return stored_file_for_moderator(request, cameo.verification_recording if cameo else "")

    def reference_image(self, request: HttpRequest, object_id: str, image_id: str) -> HttpResponseBase:
        image = ReferenceImage.objects.filter(
            pk=parse_id(image_id) or -1, cameo_id=parse_id(object_id) or -1
        ).first()
        return stored_file_for_moderator(request, image.image.name if image else "")

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return user_is_moderator(request.user)

    def _decide(self, request: HttpRequest, queryset: QuerySet[Cameo], approve: bool) -> None:
        decided = []
        for cameo in queryset:
            try:
                cameo_review_decide(cameo=cameo, moderator=request.user, approve=approve)  # type: ignore[arg-type]
            except ApiError as error:
                self.message_user(request, f"@{cameo.handle}: {error.detail}", messages.WARNING)
            else:
                decided.append(cameo)
        if decided:
            names = format_html_join(", ", "@{}", ((cameo.handle,) for cameo in decided))
            verb = "approved" if approve else "rejected"
            self.message_user(request, format_html("{}: {}", verb.capitalize(), names), messages.SUCCESS)

    @admin.action(
        description="Approve the selected cameos in review (they become active)", permissions=["moderate"]
    )
    def approve_review(self, request: HttpRequest, queryset: QuerySet[Cameo]) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description="Reject the selected cameos in review", permissions=["moderate"])
    def reject_review(self, request: HttpRequest, queryset: QuerySet[Cameo]) -> None:
        self._decide(request, queryset, approve=False)


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ModeratorsMayView, ReadOnlyAdmin):
    list_display = (
        "created_at",
        "action",
        "cameo_handle",
        "cameo_id",
        "actor_username",
        "subject_username",
        "video_id",
    )
    list_filter = ("action",)
    search_fields = ("cameo_handle", "actor_username", "subject_username", "=cameo_id", "=video_id")
    readonly_fields = ("pretty_details",)
    exclude = ("details",)

    @admin.display(description="Details")
    def pretty_details(self, record: ConsentRecord) -> str:
        details: dict[str, Any] = record.details
        return format_html_join(
            "", "<div><b>{}</b>: {}</div>", ((key, value) for key, value in details.items())
        )
