"""The moderators' pages (the queue, an item with its actions, appeals, the audit log) and the page where a
person sees what was done against them and appeals it; through moderation's selectors and services, with
the API's permission, its input serializers and its filters, so that a page allows and refuses what the API
does, in the same words."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.request import Request

from cameos.api import ReferenceImageSerializer
from moderation import selectors, services
from moderation.api import (
    QUEUE_CURSOR,
    QUEUE_REASONS,
    AppealResolveView,
    AppealsView,
    IsModerator,
    ItemResolveView,
    _choice,
    _decode_queue_cursor,
    items_data,
)
from moderation.models import Appeal, Enforcement, ReviewItem, TargetType
from moderation.targets import Target, kind_of
from sora_social.accounts.models import User
from sora_social.accounts.selectors import user_with_password
from sora_social.core.errors import ApiError, InvalidInput
from sora_social.core.ids import parse_id
from sora_social.core.pagination import (
    DEFAULT_LIMIT,
    CursorPagination,
    decode_cursor,
    encode_cursor,
    encode_token,
)
from web.forms import FormState, checked, sent_values, throttle
from web.views.common import HtmxRequest, back_to, signed_in, viewer

QUEUE_FILTERS: dict[str, list[str]] = {
    "target_type": TargetType.values,
    "reason": QUEUE_REASONS,
    "claim": list(selectors.CLAIM_FILTERS),
}
APPEAL_FILTER = [*Appeal.Status.values, "all"]
AUDIT_FILTERS = ("target_type", "target_id", "actor")
RESOLVE_FIELDS = ("action", "note", "duration_hours")

# How each of the API's actions reads on its button; restrict and suspend also take a length.
ACTION_BUTTONS: dict[str, str] = {
    services.DISMISS: "Dismiss: no violation",
    Enforcement.Kind.REMOVE_CONTENT: "Remove the {what}",
    Enforcement.Kind.WARN: "Warn",
    Enforcement.Kind.RESTRICT: "Restrict publishing",
    Enforcement.Kind.SUSPEND: "Suspend the account",
}
OTHER_REASON = services.REASON_WORDS[services.Reason.OTHER]
TIMED_ACTIONS = (Enforcement.Kind.RESTRICT, Enforcement.Kind.SUSPEND)

# How an action reads to the person it was taken against.
ACTION_NAMES: dict[str, str] = {
    Enforcement.Kind.REMOVE_CONTENT: "Content removed",
    Enforcement.Kind.WARN: "Warning",
    Enforcement.Kind.RESTRICT: "Publishing restricted",
    Enforcement.Kind.SUSPEND: "Account suspended",
}


def moderators_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The API's ``IsModerator`` for pages: a signed-out visitor goes to sign in; anyone else who is not a
    moderator gets the API's 403 ``not_moderator``, as a page."""

    @signed_in
    @wraps(view)
    def allowed(request: HtmxRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The permission reads only the request's user, which a page's request has as well.
        IsModerator().has_permission(request, None)  # type: ignore[arg-type]
        return view(request, *args, **kwargs)

    return allowed


# What a moderator sees of a target ------------------------------------------------------------------------


def _entries(items: list[ReviewItem], request: HttpRequest) -> list[dict[str, Any]]:
    """The items as the API shows them to moderators (``items_data``), each with what a page shows of its
    target besides: a video's player, a cameo's pictures."""
    # items_data reads the request's user (whom media links are minted for) and host only.
    entries = items_data(items, request)  # type: ignore[arg-type]
    targets = selectors.targets_load(keys=[(item.target_type, item.target_id) for item in items])
    prefetch_related_objects(
        [target.obj for target in targets.values() if target.type == TargetType.CAMEO], "reference_images"
    )
    now = timezone.now()
    for item, entry in zip(items, entries, strict=True):
        target = targets.get((item.target_type, item.target_id))
        held = item.claimed_by_id is not None and item.claimed_until is not None and item.claimed_until > now
        entry["held_until"] = item.claimed_until if held else None
        entry["player"] = _player(target, entry) if item.target_type == TargetType.VIDEO else None
        entry["images"] = _pictures(target, request) if item.target_type == TargetType.CAMEO else []
    return entries


def _pictures(target: Target | None, request: HttpRequest) -> list[dict[str, Any]]:
    """A cameo's reference images, with links that work for moderators."""
    if target is None:
        return []
    images = target.obj.reference_images.all()
    return list(ReferenceImageSerializer(images, many=True, context={"request": request}).data)


def _player(target: Target | None, entry: dict[str, Any]) -> dict[str, Any] | None:
    """What ``web/_player.html`` reads of a video, from the moderator's preview (which plays a removed
    video too, while its files are kept)."""
    if target is None:
        return None
    preview = entry["target"]["preview"]
    media = None
    if preview.get("video_url"):
        media = {
            "video_url": preview["video_url"],
            "poster_url": preview["poster_url"],
            "width": target.obj.width,
            "height": target.obj.height,
        }
    return {
        "media": media,
        "author": {"username": entry["subject"]},
        "caption": preview["caption"],
        "prompt": preview["prompt"],
    }


# The queue -------------------------------------------------------------------------------------------------


@moderators_only
@require_GET
def queue(request: HtmxRequest) -> HttpResponse:
    """As ``GET /moderation/queue/``: open items, gravest first, with the API's filters and page key."""
    sent = sent_values(request.GET, *QUEUE_FILTERS)
    context: dict[str, Any] = {"nav": "moderation", "filters": sent, "entries": [], "next_url": None}
    try:
        chosen = {name: _choice(sent[name], choices, name) for name, choices in QUEUE_FILTERS.items()}
    except InvalidInput as error:
        context["form"] = FormState.refused(error, sent)
        return render(request, "web/mod_queue.html", context, status=400)
    items = selectors.review_queue(viewer=viewer(request), **chosen)
    cursor = request.GET.get("cursor")
    if cursor:
        priority, item_id = _decode_queue_cursor(cursor)
        items = items.filter(Q(priority__lt=priority) | Q(priority=priority, pk__lt=item_id))
    page = list(items.order_by("-priority", "-id")[: DEFAULT_LIMIT + 1])
    if len(page) > DEFAULT_LIMIT:
        last = page[DEFAULT_LIMIT - 1]
        token = encode_token(f"{QUEUE_CURSOR}{last.priority}:{last.pk}")
        context["next_url"] = "?" + urlencode({**{k: v for k, v in sent.items() if v}, "cursor": token})
    context["entries"] = _entries(page[:DEFAULT_LIMIT], request)
    context["form"] = FormState(values=sent)
    context["back"] = request.get_full_path()
    context["choices"] = {name: choices for name, choices in QUEUE_FILTERS.items()}
    return render(request, "web/mod_queue.html", context)


# An item ---------------------------------------------------------------------------------------------------


def _item_page(
    request: HttpRequest,
    item_id: str,
    *,
    claim_form: FormState | None = None,
    resolve_form: FormState | None = None,
    status: int = 200,
) -> HttpResponse:
    item = selectors.review_item_get(item_id=item_id)
    entry = _entries([item], request)[0]
    entry["subject_record"] = selectors.subject_record(user=item.subject)
    resolve_form = resolve_form or FormState()
    context = {
        "nav": "moderation",
        "entry": entry,
        "claim_form": claim_form or FormState(),
        "resolve_form": resolve_form,
        "actions": [
            (
                action,
                label.format(what=kind_of(item.target_type).noun),
                action in TIMED_ACTIONS,
                resolve_form.values.get("action") == action,
            )
            for action, label in ACTION_BUTTONS.items()
        ],
        "held_by_me": entry["held_until"] is not None and entry["claimed_by"] == viewer(request).username,
    }
    return render(request, "web/mod_item.html", context, status=status)


@moderators_only
@require_GET
def item(request: HtmxRequest, item_id: str) -> HttpResponse:
    """As ``GET /moderation/items/{id}/``, with every action the API allows on it."""
    return _item_page(request, item_id)


def _claim_step(request: HtmxRequest, item_id: str, step: Callable[..., ReviewItem]) -> HttpResponse:
    """Claim or release: htmx gets the item's card again; a plain form goes back where it came from. A
    refusal (another moderator holds it, it was resolved) is shown at the item's claim buttons."""
    found = selectors.review_item_get(item_id=item_id)
    try:
        step(item=found, moderator=viewer(request))
    except ApiError as error:
        if request.htmx or error.status_code == 404:
            raise
        return _item_page(request, item_id, claim_form=FormState.refused(error), status=error.status_code)
    if request.htmx:
        fresh = selectors.review_item_get(item_id=found.pk)
        back = request.htmx.current_url_abs_path or reverse("web:mod-queue")
        return render(request, "web/mod_card.html", {"entry": _entries([fresh], request)[0], "back": back})
    return redirect(back_to(request, reverse("web:mod-item", args=[found.pk])))


@moderators_only
@require_POST
def item_claim(request: HtmxRequest, item_id: str) -> HttpResponse:
    """As ``POST /moderation/items/{id}/claim/``."""
    return _claim_step(request, item_id, services.item_claim)


@moderators_only
@require_POST
def item_release(request: HtmxRequest, item_id: str) -> HttpResponse:
    """As ``POST /moderation/items/{id}/release/``."""
    return _claim_step(request, item_id, services.item_release)


@moderators_only
@require_POST
def item_resolve(request: HtmxRequest, item_id: str) -> HttpResponse:
    """As ``POST /moderation/items/{id}/resolve/``: the API's checks, then the service; a refusal is shown
    at the action's form and writes nothing."""
    found = selectors.review_item_get(item_id=item_id)
    try:
        values = checked(ItemResolveView.ResolveInput, request.POST)
        services.item_resolve(item=found, moderator=viewer(request), **values)
    except ApiError as error:
        if error.status_code == 404:
            raise
        form = FormState.refused(error, sent_values(request.POST, *RESOLVE_FIELDS))
        return _item_page(request, item_id, resolve_form=form, status=error.status_code)
    return redirect(reverse("web:mod-item", args=[found.pk]))


# Appeals, for moderators -------------------------------------------------------------------------------


@moderators_only
@require_GET
def appeals(request: HtmxRequest) -> HttpResponse:
    """As ``GET /moderation/appeals/``: newest first, those waiting for a decision unless asked otherwise."""
    wanted = request.GET.get("status", Appeal.Status.PENDING)
    context: dict[str, Any] = {
        "nav": "moderation",
        "statuses": APPEAL_FILTER,
        "wanted": wanted,
        "appeals": [],
        "next_url": None,
    }
    try:
        chosen = _choice(wanted, APPEAL_FILTER, "status")
    except InvalidInput as error:
        context["form"] = FormState.refused(error, {"status": wanted})
        return render(request, "web/mod_appeals.html", context, status=400)
    pages = CursorPagination()
    found = selectors.appeals_list(status=None if chosen == "all" else chosen)
    context["appeals"] = pages.paginate_queryset(found, Request(request))
    if pages.next_key:
        context["next_url"] = "?" + urlencode({"status": wanted, "cursor": encode_cursor(pages.next_key)})
    context["form"] = FormState()
    return render(request, "web/mod_appeals.html", context)


@moderators_only
@require_http_methods(["GET", "HEAD", "POST"])
def appeal(request: HtmxRequest, appeal_id: str) -> HttpResponse:
    """One appeal with the action it is about; ``POST`` decides it as ``POST /moderation/appeals/{id}/
    resolve/`` (a different moderator from the one who acted), and goes back to the list."""
    found = selectors.appeal_get(appeal_id=appeal_id)
    form, status = FormState(), 200
    if request.method == "POST":
        try:
            values = checked(AppealResolveView.DecisionInput, request.POST)
            services.appeal_resolve(appeal=found, moderator=viewer(request), **values)
        except ApiError as error:
            if error.status_code == 404:
                raise
            status = error.status_code
            form = FormState.refused(error, sent_values(request.POST, "decision", "note"))
        else:
            return redirect(back_to(request, reverse("web:mod-appeals")))
    context = {"nav": "moderation", "appeal": found, "form": form}
    return render(request, "web/mod_appeal.html", context, status=status)


# The audit log -------------------------------------------------------------------------------------------


def _audit_filters(sent: dict[str, str]) -> dict[str, Any]:
    """The API's filters of the audit log, checked as it checks them."""
    target_id = parse_id(sent["target_id"]) if sent["target_id"] else None
    if sent["target_id"] and target_id is None:
        raise InvalidInput("target_id is not an id.", fields={"target_id": ["Not an id."]})
    return {
        "target_type": _choice(sent["target_type"], TargetType.values, "target_type"),
        "target_id": target_id,
        "actor": sent["actor"] or None,
    }


@moderators_only
@require_GET
def audit(request: HtmxRequest) -> HttpResponse:
    """As ``GET /moderation/audit/``: every moderation step and consent record, newest first."""
    sent = sent_values(request.GET, *AUDIT_FILTERS)
    context: dict[str, Any] = {
        "nav": "moderation",
        "target_types": TargetType.values,
        "rows": [],
        "next_url": None,
        "form": FormState(values=sent),
    }
    try:
        filters = _audit_filters(sent)
    except InvalidInput as error:
        context["form"] = FormState.refused(error, sent)
        return render(request, "web/mod_audit.html", context, status=400)
    cursor = request.GET.get("cursor")
    rows = selectors.audit_log(
        before=decode_cursor(cursor) if cursor else None, limit=DEFAULT_LIMIT, **filters
    )
    if len(rows) > DEFAULT_LIMIT:
        kept = {k: v for k, v in sent.items() if v}
        context["next_url"] = "?" + urlencode({**kept, "cursor": encode_cursor(rows[DEFAULT_LIMIT - 1].id)})
    context["rows"] = rows[:DEFAULT_LIMIT]
    return render(request, "web/mod_audit.html", context)


# A person's own actions and appeals ---------------------------------------------------------------------


def _my_actions(user: User) -> tuple[list[dict[str, Any]], list[Appeal]]:
    """The actions on the person's record (the moderators' view of it, ``subject_record``), each with its
    appeal if there is one, and their appeals, newest first."""
    mine = list(selectors.appeals_of(user=user).select_related("enforcement").order_by("-id"))
    by_action = {str(appeal.enforcement_id): appeal for appeal in mine}
    actions = [
        {
            **action,
            "name": ACTION_NAMES.get(action["kind"], action["kind"]),
            "because": services.REASON_WORDS.get(action["reason"], OTHER_REASON),
            "appeal": by_action.get(action["id"]),
        }
        for action in selectors.subject_record(user=user)["past_actions"]
    ]
    return actions, mine


@require_http_methods(["GET", "HEAD", "POST"])
def my_appeals(request: HttpRequest) -> HttpResponse:
    """As ``GET`` and ``POST /appeals/``: the actions taken against the signed-in person, each with a form to
    appeal it, and their appeals with their decisions. Signed out, a suspended account (which cannot sign
    in) appeals its suspension with its username and password, as the API lets it."""
    user = request.user if isinstance(request.user, User) else None
    form, status = FormState(), 200
    sent_for = request.POST.get("action_id", "")
    if request.method == "POST":
        try:
            throttle(request, "auth")
            values = checked(AppealsView.AppealInput, request.POST)
            services.appeal_create(
                appellant=user or _suspended_appellant(values),
                enforcement_id=values.get("action_id"),
                text=values["text"],
            )
        except ApiError as error:
            status = error.status_code
            form = FormState.refused(error, sent_values(request.POST, "text", "username"))
        else:
            return redirect(reverse("web:appeals") + ("" if user else "?sent=1"))
    context: dict[str, Any] = {"form": form, "sent": "sent" in request.GET}
    if user is not None:
        actions, context["appeals"] = _my_actions(user)
        for action in actions:
            action["form"] = form if action["id"] == sent_for else FormState()
        # A refusal that names no action listed here (one that is not theirs) is shown above the list.
        listed = any(action["id"] == sent_for for action in actions)
        context["unmatched"] = FormState() if listed else form
        context["actions"] = actions
    return render(request, "web/appeals.html", context, status=status)


def _suspended_appellant(values: dict[str, Any]) -> User:
    if not values.get("username") or not values.get("password"):
        raise InvalidInput(
            "Sign in to appeal, or give the username and password of your suspended account.",
            fields={
                name: ["This field is required."] for name in ("username", "password") if not values.get(name)
            },
        )
    found = user_with_password(username=values["username"], password=values["password"])
    if found is None:
        raise InvalidInput("The username or password is not right.", code="invalid_credentials")
    return found
