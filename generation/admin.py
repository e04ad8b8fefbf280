from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from generation.models import GenerationJob, PromptRefusal
from generation.services import generation_cancel, generation_retry
from sora_social.accounts.admin import ReadOnlyAdmin, admin_user, apply_to_each


@admin.register(GenerationJob)
class GenerationJobAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "user",
        "status",
        "progress",
        "attempts",
        "error_code",
        "engine_config",
        "duration_seconds",
        "aspect_ratio",
        "worker",
        "created_at",
        "finished_at",
    )
    list_filter = ("status", "error_code", "engine_config", "aspect_ratio")
    search_fields = ("=id", "user__username", "prompt", "worker")
    list_select_related = ("user",)
    actions = ("retry", "cancel")

    def has_operate_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_staff)

    @admin.action(description="Retry the selected failed or cancelled generations", permissions=["operate"])
    def retry(self, request: HttpRequest, queryset: QuerySet[GenerationJob]) -> None:
        apply_to_each(
            self,
            request,
            queryset,
            lambda job: generation_retry(job=job, actor=admin_user(request)),
            "Queued again",
        )

    @admin.action(description="Cancel the selected queued or running generations", permissions=["operate"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[GenerationJob]) -> None:
        apply_to_each(
            self,
            request,
            queryset,
            lambda job: generation_cancel(job=job, actor=admin_user(request)),
            "Cancelled",
        )


@admin.register(PromptRefusal)
class PromptRefusalAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "reason", "matched", "score", "prompt")
    list_filter = ("reason",)
    search_fields = ("user__username", "prompt", "matched")
    list_select_related = ("user",)
