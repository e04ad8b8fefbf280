"""Making a video in the browser: the request form (new, or a remix with its parent's defaults) with its
storyboard beats and its searchable cameo picker, and the job card that follows it to its draft, through
generation's, cameos' and remix's selectors and services, checked as the API checks.

Without JavaScript the form is plain posts: a beat's buttons (add, remove, move up or down) and the cameo
search post the whole form, which comes back with everything kept; htmx, where it runs, swaps in only the
beats or the list of cameos."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any, cast

from django.db.models import Q, QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.fields import ChoiceField

from cameos.models import Cameo
from cameos.selectors import usable_cameos
from feed.api import video_data
from feed.services import MAX_CAMEOS_PER_VIDEO
from generation import selectors, services
from generation.api import BeatInput, GenerationInput, RemixInput, request_generation
from generation.engine.requests import DEFAULT_REMIX_STRENGTH
from generation.models import GenerationJob
from remix.selectors import remix_defaults, remix_parent_for
from sora_social.accounts.models import User
from sora_social.core.errors import ApiError, InvalidInput
from sora_social.core.ids import parse_id
from web.forms import FormState, checked, sent_values
from web.views.common import HtmxRequest, signed_in, viewer

SENT_FIELDS = ("prompt", "duration_seconds", "aspect_ratio", "seed", "remix_strength", "cameo_q")
FINISHED = (GenerationJob.Status.SUCCEEDED, GenerationJob.Status.FAILED, GenerationJob.Status.CANCELLED)
# The name of a beat's buttons; their values: "add", "remove-2", "up-3", "down-1" (beats count from 1).
BEAT_BUTTON = "beat"
BEAT_ACTION = re.compile(r"(remove|up|down)-(\d{1,3})")
# The name of the cameo search's button, for a form posted without htmx.
SEARCH_BUTTON = "cameo_search"
# The cameos a search shows besides those chosen; more than this, and the person narrows the search.
CAMEOS_SHOWN = 20
QUERY_MAX_LENGTH = Cameo._meta.get_field("display_name").max_length or 50
# A refusal about a beat, as the engine's request check words it: "storyboard[1].at_seconds must be ...".
BEAT_REFUSAL = re.compile(r"storyboard\[(\d+)\]\.(at_seconds|prompt) (.+)", re.IGNORECASE | re.DOTALL)
BEAT_FIELDS = {"at_seconds": "seconds", "prompt": "text"}
CAMEO_REFUSALS = ("too_many_cameos", "cameo_not_permitted")


@dataclass
class BeatRow:
    """One beat as the form shows it: what was typed, and what is wrong with it, by ``seconds`` or
    ``text``."""

    seconds: str = ""
    text: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    # Whether its text takes the focus when the form comes back (a new beat, or words just moved there).
    focus: bool = False

    @property
    def blank(self) -> bool:
        return not self.seconds.strip() and not self.text.strip()


def _beats_sent(post: QueryDict) -> list[BeatRow]:
    pairs = zip_longest(post.getlist("beat_seconds"), post.getlist("beat_text"), fillvalue="")
    return [BeatRow(seconds, text) for seconds, text in pairs]


def _beats_changed(beats: list[BeatRow], action: str, most: int) -> list[BeatRow]:
    """The beats after one of their buttons: ``add`` a beat at the end (at 0 s when it is the first);
    ``remove-n`` beat n; ``up-n`` / ``down-n`` trade beat n's text with its neighbour's. The seconds stay
    where they are, so the beats stay in order of time, as the engine wants them."""
    if action == "add":
        if len(beats) >= most:
            return beats
        return [*beats, BeatRow(seconds="" if beats else "0", focus=True)]
    found = BEAT_ACTION.fullmatch(action)
    if found is None or not 1 <= int(found[2]) <= len(beats):
        return beats
    index = int(found[2]) - 1
    if found[1] == "remove":
        return beats[:index] + beats[index + 1 :]
    other = index - 1 if found[1] == "up" else index + 1
    if 0 <= other < len(beats):
        beats[index].text, beats[other].text = beats[other].text, beats[index].text
        beats[other].focus = True
    return beats


def _storyboard_checked(beats: list[BeatRow]) -> list[dict[str, Any]] | None:
    """The beats as the API's ``BeatInput`` reads them, or None with each beat's refusals on it."""
    data = [{"at_seconds": beat.seconds.strip(), "prompt": beat.text} for beat in beats]
    form = BeatInput(data=data, many=True)
    if form.is_valid():
        return cast(list[dict[str, Any]], form.validated_data)
    # DRF gives a list's refusals by the index of each item refused.
    refusals = cast(dict[int, dict[str, Any]], form.errors)
    for index, refused in refusals.items():
        for name, messages in refused.items():
            beats[index].errors.setdefault(BEAT_FIELDS.get(name, "text"), []).extend(map(str, messages))
    return None


def _requested(request: HtmxRequest, remix_of: str, beats: list[BeatRow]) -> GenerationJob:
    """As ``POST /generations/``: the API's checks of the fields and of each beat, then the service's."""
    refused: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    try:
        values = checked(RemixInput if remix_of else GenerationInput, request.POST)
    except InvalidInput as error:
        refused = FormState.refused(error).errors
    storyboard = _storyboard_checked(beats)
    if storyboard is None:
        refused["storyboard"] = ["Some beats need another look."]
    if refused:
        raise InvalidInput("Some fields need another look.", fields=refused)
    values["storyboard"] = storyboard
    job, _ = request_generation(values, user=viewer(request), remix_of=remix_of or None)
    return job


def _refused(error: ApiError, values: dict[str, str], beats: list[BeatRow]) -> FormState:
    """The form after a refusal: a cameo's next to the cameos, the engine's about one beat on that beat,
    in the page's words for the beat's fields, and the quota's with when it frees up."""
    if error.code in CAMEO_REFUSALS:
        return FormState(values=values, errors={"cameo_ids": [error.detail]})
    if error.code == "cameo_preferences":
        advice = "Describe the video differently, or leave that cameo out."
        return FormState(values=values, errors={"cameo_ids": [error.detail, advice]})
    form = FormState.refused(error, values)
    about_beats = []
    for message in form.errors.get("storyboard", []):
        found = BEAT_REFUSAL.match(message)
        index = int(found[1]) if found else -1
        if found and index < len(beats):
            beats[index].errors.setdefault(BEAT_FIELDS[found[2].lower()], []).append(
                found[3][:1].upper() + found[3][1:]
            )
        else:
            about_beats.append(message.replace("at_seconds", "seconds"))
    if "storyboard" in form.errors:
        form.errors["storyboard"] = about_beats or ["Some beats need another look."]
    if error.headers.get("Retry-After"):
        hours = max(1, round(int(error.headers["Retry-After"]) / 3600))
        form.errors.setdefault("__all__", []).append(f"Your quota frees up in about {hours} h.")
    return form


@dataclass
class CameoPicker:
    """The cameo list of the form: those chosen (kept, checked, whatever the search), then those found."""

    query: str
    chosen: list[Cameo]
    found: list[Cameo]
    more: bool
    error: str = ""


def _cameo_picker(user: User, query: str, chosen_ids: list[str]) -> CameoPicker:
    """The cameos ``user`` may use (``usable_cameos``, the one place that decides) whose handle or name
    has ``query`` in it, by handle, besides those of ``chosen_ids`` they still may use."""
    ids = {pk for pk in (parse_id(value) for value in chosen_ids) if pk is not None}
    usable: QuerySet[Cameo] = usable_cameos(user=user).order_by("handle")
    chosen = list(usable.filter(pk__in=ids)) if ids else []
    query = query.strip()
    if len(query) > QUERY_MAX_LENGTH:
        return CameoPicker(query, chosen, [], False, f"Search with at most {QUERY_MAX_LENGTH} characters.")
    matching = usable.exclude(pk__in=ids)
    words = query.lstrip("@")
    if words:
        matching = matching.filter(Q(handle__icontains=words) | Q(display_name__icontains=words))
    found = list(matching[: CAMEOS_SHOWN + 1])
    return CameoPicker(query, chosen, found[:CAMEOS_SHOWN], len(found) > CAMEOS_SHOWN)


def _storyboard_context(beats: list[BeatRow], form: FormState) -> dict[str, Any]:
    return {"beats": beats, "form": form, "max_beats": services.engine_config().max_beats}


def _form_context(
    request: HtmxRequest, form: FormState, remix_of: str, beats: list[BeatRow]
) -> dict[str, Any]:
    """The form's choices (the lengths the engine makes, the shapes, the cameos one may use) and, for a
    remix, its parent and what the remix takes from it unless changed."""
    user = viewer(request)
    durations = list(services.engine_config().durations)
    chosen = request.POST.getlist("cameo_ids")
    context: dict[str, Any] = {
        **_storyboard_context(beats, form),
        "durations": durations,
        "aspect_ratios": list(cast(ChoiceField, GenerationInput().fields["aspect_ratio"]).choices),
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
            chosen = [str(cameo_id) for cameo_id in defaults.cameo_ids]
    context["picker"] = _cameo_picker(user, form.values.get("cameo_q", ""), chosen)
    return context


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def create(request: HtmxRequest) -> HttpResponse:
    """As ``POST /generations/`` (or ``POST /videos/{id}/remix/`` with ``?remix_of=``): every refusal (a
    field, a beat, the prompt policy, a cameo's consent, the daily quota) is said on the form. A beat's
    button or the cameo search only shows the form again, changed, with what was typed kept."""
    remix_of = request.GET.get("remix_of") or request.POST.get("remix_of") or ""
    form = FormState()
    beats: list[BeatRow] = []
    if request.method == "POST":
        beats = _beats_sent(request.POST)
        values = sent_values(request.POST, *SENT_FIELDS)
        action = request.POST.get(BEAT_BUTTON)
        if action is not None or SEARCH_BUTTON in request.POST:
            form = FormState(values=values)
            beats = _beats_changed(beats, action or "", services.engine_config().max_beats)
            if request.htmx and action is not None:
                return render(request, "web/_storyboard.html", _storyboard_context(beats, form))
        else:
            beats = [beat for beat in beats if not beat.blank]
            try:
                job = _requested(request, remix_of, beats)
            except ApiError as error:
                form = _refused(error, values, beats)
            else:
                return redirect("web:job", job.pk)
    context = _form_context(request, form, remix_of, beats)
    return render(request, "web/create.html", context, status=400 if form.errors else 200)


@signed_in
@require_GET
def cameo_choices(request: HtmxRequest) -> HttpResponse:
    """The form's cameo list for a search (``?cameo_q=``), with the cameos already chosen (``cameo_ids``)
    kept and checked: what the search box swaps in as the person types."""
    picker = _cameo_picker(viewer(request), request.GET.get("cameo_q", ""), request.GET.getlist("cameo_ids"))
    context = {"picker": picker, "max_cameos": MAX_CAMEOS_PER_VIDEO}
    return render(request, "web/_cameo_choices.html", context, status=400 if picker.error else 200)


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
