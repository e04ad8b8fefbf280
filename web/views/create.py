"""Making a video in the browser: the request form (new, or a remix with its parent's defaults) and the job
card that follows it to its draft, through generation's and remix's services, checked as the API checks."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.fields import ChoiceField

from cameos.selectors import usable_cameos
from feed.api import video_data
from feed.services import MAX_CAMEOS_PER_VIDEO
from generation import selectors, services
from generation.api import GenerationInput, RemixInput, request_generation
from generation.engine.requests import DEFAULT_REMIX_STRENGTH
from generation.models import GenerationJob
from remix.selectors import remix_defaults, remix_parent_for
from sora_social.core.errors import ApiError
from web.forms import FormState, checked, sent_values
from web.views.common import HtmxRequest, signed_in, viewer

SENT_FIELDS = ("prompt", "duration_seconds", "aspect_ratio", "seed", "remix_strength")
FINISHED = (GenerationJob.Status.SUCCEEDED, GenerationJob.Status.FAILED, GenerationJob.Status.CANCELLED)


def _form_context(request: HtmxRequest, form: FormState, remix_of: str) -> dict[str, Any]:
    """The form's choices (the lengths the engine makes, the shapes, the cameos one may use) and, for a
    remix, its parent and what the remix takes from it unless changed."""
    user = viewer(request)
    durations = list(services.engine_config().durations)
    context: dict[str, Any] = {
        "form": form,
        "durations": durations,
        "aspect_ratios": list(cast(ChoiceField, GenerationInput().fields["aspect_ratio"]).choices),
        "cameos": usable_cameos(user=user).order_by("handle")[:50],
        "chosen_cameos": request.POST.getlist("cameo_ids"),
        "max_cameos": MAX_CAMEOS_PER_VIDEO,
        "nav": "create",
    }
    if not remix_of and request.method != "POST":
        # A new request starts from the shortest length (the quickest draft) and the phone's tall shape.
        form.values.setdefault("duration_seconds", str(min(durations)))
        form.values.setdefault("aspect_ratio", context["aspect_ratios"][0])
    if remix_of:
        parent = remix_parent_for(user=user, video_id=remix_of)
        defaults = remix_defaults(parent=parent, durations=durations)
        context["parent"] = video_data(parent, request)
        if request.method != "POST":
            form.values.update(
                duration_seconds=str(defaults.duration_seconds),
                aspect_ratio=defaults.aspect_ratio,
                remix_strength=str(DEFAULT_REMIX_STRENGTH),
            )
            context["chosen_cameos"] = [str(cameo_id) for cameo_id in defaults.cameo_ids]
    return context


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def create(request: HtmxRequest) -> HttpResponse:
    """As ``POST /generations/`` (or ``POST /videos/{id}/remix/`` with ``?remix_of=``): every refusal (a
    field, the prompt policy, a cameo's consent, the daily quota) is said on the form."""
    remix_of = request.GET.get("remix_of") or request.POST.get("remix_of") or ""
    form = FormState()
    if request.method == "POST":
        try:
            values = checked(RemixInput if remix_of else GenerationInput, request.POST)
            job, _ = request_generation(values, user=viewer(request), remix_of=remix_of or None)
        except ApiError as error:
            form = FormState.refused(error, sent_values(request.POST, *SENT_FIELDS))
            if error.headers.get("Retry-After"):
                hours = max(1, round(int(error.headers["Retry-After"]) / 3600))
                form.errors.setdefault("__all__", []).append(f"Your quota frees up in about {hours} h.")
        else:
            return redirect("web:job", job.pk)
    context = _form_context(request, form, remix_of)
    return render(request, "web/create.html", context, status=400 if form.errors else 200)


@signed_in
@require_GET
def job(request: HtmxRequest, job_id: str) -> HttpResponse:
    """A job's card (``GET /generations/{id}/``): its progress while it runs (htmx asks again, and the event
    module as soon as a progress event comes), then its draft or why it failed."""
    found = selectors.job_get_own(user=viewer(request), job_id=job_id)
    context = {"job": found, "finished": found.status in FINISHED, "nav": "create"}
    return render(request, "web/_job.html" if request.htmx else "web/job.html", context)


@signed_in
@require_POST
def job_cancel(request: HtmxRequest, job_id: str) -> HttpResponse:
    """As ``POST /generations/{id}/cancel/``."""
    found = selectors.job_get_own(user=viewer(request), job_id=job_id)
    services.generation_cancel(job=found, actor=viewer(request))
    return redirect(reverse("web:job", args=[found.pk]))
