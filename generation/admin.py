from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from generation.models import GenerationJob, PromptRefusal
from generation.services import generation_cancel, generation_retry
from sora_social.accounts.admin import ReadOnlyAdmin
from sora_social.core.errors import ApiError


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

    def _apply(
        self,
        request: HttpRequest,
        queryset: QuerySet[GenerationJob],
        change: Callable[..., GenerationJob],
        verb: str,
    ) -> None:
        done = 0
        for job in queryset:
            try:
                change(job=job, actor=request.user)
            except ApiError as error:
                self.message_user(request, f"Generation {job.pk}: {error.detail}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(request, f"{verb} {done} generation(s).", messages.SUCCESS)

    @admin.action(description="Retry the selected failed or cancelled generations", permissions=["operate"])
    def retry(self, request: HttpRequest, queryset: QuerySet[GenerationJob]) -> None:
        self._apply(request, queryset, generation_retry, "Queued again")

    @admin.action(description="Cancel the selected queued or running generations", permissions=["operate"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[GenerationJob]) -> None:
        self._apply(request, queryset, generation_cancel, "Cancelled")


@admin.register(PromptRefusal)
class PromptRefusalAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "reason", "matched", "score", "prompt")
    list_filter = ("reason",)
    search_fields = ("user__username", "prompt", "matched")
    list_select_related = ("user",)
