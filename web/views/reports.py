"""Reporting a video, a comment, a profile or a cameo (``POST /reports/``): the API's checks and rate limit,
then moderation's service."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from moderation import services
from moderation.api import ReportsView
from moderation.models import Report, TargetType
from moderation.targets import kind_of
from sora_social.core.errors import ApiError
from web.forms import FormState, checked, sent_values, throttle
from web.views.common import signed_in, viewer


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def report(request: HttpRequest, target_type: str, target_id: str) -> HttpResponse:
    if target_type not in TargetType.values:
        raise Http404
    context = {
        "what": kind_of(target_type).noun,
        "reasons": Report.Reason.choices,
        "form": FormState(),
        "target_type": target_type,
        "target_id": target_id,
    }
    if request.method != "POST":
        return render(request, "web/report.html", context)
    sent = request.POST.copy()
    sent["target_type"], sent["target_id"] = target_type, target_id
    try:
        throttle(request, "report")
        _, created = services.report_create(
            reporter=viewer(request), **checked(ReportsView.ReportInput, sent)
        )
    except ApiError as error:
        if error.status_code == 404:
            raise
        context["form"] = FormState.refused(error, sent_values(request.POST, "reason", "note"))
        return render(request, "web/report.html", context, status=error.status_code)
    return render(request, "web/reported.html", {**context, "created": created})
