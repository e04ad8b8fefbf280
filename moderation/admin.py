"""Moderation in the Django admin: the queue with filters, search and bulk actions, appeals, the audit log.

Every action here calls the same services as the API, so its effects, notifications and audit entries are
the same. Actions that decide something ask for a note first (the audit log keeps it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from moderation import selectors, services
from moderation.models import (
    Appeal,
    AuditEntry,
    Enforcement,
    Flag,
    Report,
    ReviewItem,
)
from sora_social.accounts.admin import (
    ModeratorsMayView,
    ReadOnlyAdmin,
    ShownOnlyInline,
    admin_user,
    apply_to_each,
    stored_file_for_moderator,
)
from sora_social.accounts.models import User
from sora_social.accounts.selectors import user_is_moderator
from sora_social.core.ids import parse_id


class DecisionForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=2000)
    duration_hours = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=24 * 365,
        help_text="Restrict and suspend only. Empty: the default, which grows with the person's strikes.",
    )


class ModerateMixin:
    """Moderators may run this page's actions; each asks for a note, then calls a service per row."""

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return user_is_moderator(request.user)

    def _decide(
        self,
        request: HttpRequest,
        queryset: QuerySet[Any],
        *,
        action: str,
        question: str,
        apply: Callable[[Any, User, dict[str, Any]], object],
        done: str,
    ) -> TemplateResponse | None:
        form = DecisionForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            moderator, values = admin_user(request), form.cleaned_data
            apply_to_each(self, request, queryset, lambda row: apply(row, moderator, values), done)  # type: ignore[arg-type]
            return None
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "title": question,
            "question": question,
            "rows": list(queryset),
            "form": form,
            "action": action,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "submit": done,
            "opts": self.model._meta,  # type: ignore[attr-defined]
        }
        return TemplateResponse(request, "admin/moderation/decide.html", context)


class ClaimFilter(admin.SimpleListFilter):
    title = "claim"
    parameter_name = "claim"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("mine", "Claimed by me"), ("free", "Not claimed"), ("others", "Claimed by others")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ReviewItem]) -> QuerySet[ReviewItem]:
        return selectors.by_claim(queryset, viewer_id=admin_user(request).pk, claim=self.value())


class ReportInline(ShownOnlyInline):
    model = Report
    fields = readonly_fields = ("reporter", "reason", "note", "weight", "outcome", "created_at")


class FlagInline(ShownOnlyInline):
    model = Flag
    fields = readonly_fields = ("kind", "text", "details", "created_at")


class EnforcementInline(ShownOnlyInline):
    model = Enforcement
    fields = readonly_fields = (
        "kind",
        "subject_username",
        "moderator_username",
        "note",
        "ends_at",
        "overturned_at",
    )


def _resolver(action: str) -> Callable[[ReviewItem, User, dict[str, Any]], object]:
    def apply(item: ReviewItem, moderator: User, values: dict[str, Any]) -> object:
        return services.item_resolve(
            item=item,
            moderator=moderator,
            action=action,
            note=values["note"],
            duration_hours=values.get("duration_hours"),
        )

    return apply


@admin.register(ReviewItem)
class ReviewItemAdmin(ModerateMixin, ModeratorsMayView, ReadOnlyAdmin):
    list_display = (
        "priority",
        "top_reason",
        "target_type",
        "target_label",
        "subject_username",
        "report_count",
        "flag_count",
        "claimed_by",
        "status",
        "resolution",
        "created_at",
    )
    list_filter = ("status", ClaimFilter, "target_type", "top_reason", "resolution")
    search_fields = ("target_label", "subject_username", "reports__reporter_username", "=target_id")
    list_select_related = ("claimed_by",)
    readonly_fields = ("target_now",)
    ordering = ("-priority", "-id")
    inlines = (ReportInline, FlagInline, EnforcementInline)
    actions = ("claim", "release", "dismiss", "remove_content", "warn", "restrict", "suspend")

    @admin.display(description="The target now")
    def target_now(self, item: ReviewItem) -> str:
        target = selectors.target_load(target_type=item.target_type, target_id=item.target_id)
        if target is None:
            return "Gone: its record was deleted."
        html = format_html_join("", "<div><b>{}</b>: {}</div>", target.kind.summary(target.obj))
        if target.kind.watch_file(target.obj):
            url = reverse("admin:moderation_reviewitem_video", args=[item.pk])
            html += format_html('<div><a href="{}">Watch the video</a></div>', url)
        return html

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.target_video)
        return [
            path("<path:object_id>/video/", view, name="moderation_reviewitem_video"),
            *super().get_urls(),
        ]

    def target_video(self, request: HttpRequest, object_id: str) -> HttpResponseBase:
        """The video under review, for moderators, taken down or not, while its files are kept."""
        item = ReviewItem.objects.filter(pk=parse_id(object_id) or -1).first()
        target = (
            selectors.target_load(target_type=item.target_type, target_id=item.target_id) if item else None
        )
        return stored_file_for_moderator(request, target.kind.watch_file(target.obj) if target else "")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[ReviewItem], search_term: str
    ) -> Any:
        results, _duplicates = super().get_search_results(request, queryset, search_term)
        return results.distinct(), False

    def _each(
        self, request: HttpRequest, queryset: QuerySet[ReviewItem], change: Callable[..., object], done: str
    ) -> None:
        apply_to_each(
            self, request, queryset, lambda item: change(item=item, moderator=admin_user(request)), done
        )

    @admin.action(description="Claim the selected items", permissions=["moderate"])
    def claim(self, request: HttpRequest, queryset: QuerySet[ReviewItem]) -> None:
        self._each(request, queryset, services.item_claim, "Claimed")

    @admin.action(description="Release the selected items", permissions=["moderate"])
    def release(self, request: HttpRequest, queryset: QuerySet[ReviewItem]) -> None:
        self._each(request, queryset, services.item_release, "Released")

    def _resolve(
        self, request: HttpRequest, queryset: QuerySet[ReviewItem], action: str, question: str
    ) -> Any:
        return self._decide(
            request, queryset, action=action, question=question, apply=_resolver(action), done="Resolved"
        )

    @admin.action(description="Dismiss: no violation", permissions=["moderate"])
    def dismiss(self, request: HttpRequest, queryset: QuerySet[ReviewItem]) -> Any:
        return self._resolve(request, queryset, "dismiss", "Dismiss these items (no action)?")

    @admin.action(description="Remove the content", permissions=["moderate"])
    def remove_content(self, request: HttpRequest, queryset: QuerySet[ReviewItem]) -> Any:
        return self._resolve(request, queryset, "remove_content", "Remove the content of these items?")

    @admin.action(description="Warn the author", permissions=["moderate"])
    def warn(self, request: HttpRequest, queryset: QuerySet[ReviewItem]) -> Any:
        return self._resolve(request, queryset, "warn", "Warn the people these items are about?")

    @admin.action(description="Restrict the author from publishing", permissions=["moderate"])
    def restrict(self, request: HttpRequest, queryset: QuerySet[ReviewItem]) -> Any:
        return self._resolve(request, queryset, "restrict", "Stop these people publishing for a while?")

    @admin.action(description="Suspend the author's account", permissions=["moderate"])
    def suspend(self, request: HttpRequest, queryset: QuerySet[ReviewItem]) -> Any:
        return self._resolve(request, queryset, "suspend", "Suspend the accounts these items are about?")


@admin.register(Enforcement)
class EnforcementAdmin(ModeratorsMayView, ReadOnlyAdmin):
    list_display = (
        "created_at",
        "kind",
        "subject_username",
        "moderator_username",
        "target_type",
        "reason",
        "ends_at",
        "lifted_at",
        "overturned_at",
    )
    list_filter = ("kind", "target_type", "reason")
    search_fields = ("subject_username", "moderator_username", "=target_id", "note")


def _decider(decision: str) -> Callable[[Appeal, User, dict[str, Any]], object]:
    def apply(appeal: Appeal, moderator: User, values: dict[str, Any]) -> object:
        return services.appeal_resolve(
            appeal=appeal, moderator=moderator, decision=decision, note=values["note"]
        )

    return apply


@admin.register(Appeal)
class AppealAdmin(ModerateMixin, ModeratorsMayView, ReadOnlyAdmin):
    list_display = ("created_at", "appellant", "enforcement", "status", "decided_by", "decided_at")
    list_filter = ("status", "enforcement__kind")
    search_fields = ("appellant__username", "text", "enforcement__subject_username")
    list_select_related = ("appellant", "enforcement", "decided_by")
    actions = ("uphold", "overturn")

    @admin.action(description="Uphold: the action stands", permissions=["moderate"])
    def uphold(self, request: HttpRequest, queryset: QuerySet[Appeal]) -> Any:
        return self._decide(
            request,
            queryset,
            action="uphold",
            question="Uphold these actions?",
            apply=_decider(Appeal.Status.UPHELD),
            done="Upheld",
        )

    @admin.action(description="Overturn: undo the action", permissions=["moderate"])
    def overturn(self, request: HttpRequest, queryset: QuerySet[Appeal]) -> Any:
        return self._decide(
            request,
            queryset,
            action="overturn",
            question="Overturn these actions and restore what they removed?",
            apply=_decider(Appeal.Status.OVERTURNED),
            done="Overturned",
        )


@admin.register(AuditEntry)
class AuditEntryAdmin(ModeratorsMayView, ReadOnlyAdmin):
    list_display = ("created_at", "action", "actor_username", "target_type", "target_label", "note")
    list_filter = ("action", "target_type")
    search_fields = ("actor_username", "target_label", "=target_id", "=item_id", "note")
