"""Every read of moderation: targets, the queue, records, appeals and the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from cameos.models import ConsentRecord
from moderation.models import (
    Appeal,
    AuditEntry,
    Enforcement,
    Flag,
    Report,
    ReviewItem,
    TargetType,
)
from moderation.targets import Target, kind_of
from sora_social.accounts.models import User
from sora_social.core.errors import InvalidInput, NotFound
from sora_social.core.ids import parse_id


def target_for_report(*, viewer: User, target_type: str, target_id: Any) -> Target:
    """The target of a report, if ``viewer`` may see it: 404 (with the usual code for its kind) otherwise,
    so a report can never confirm that something hidden exists. A user may be named by id or username."""
    kind = kind_of(target_type)
    return kind.target(kind.visible(viewer=viewer, target_id=target_id))


def target_load(*, target_type: str, target_id: int) -> Target | None:
    """The target as it is now, whatever its state, for flags and actions; None when its row is gone."""
    kind = kind_of(target_type)
    obj = kind.rows().filter(pk=target_id).first()
    return None if obj is None else kind.target(obj)


def targets_load(*, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Target]:
    """``target_load`` for many targets, one query per kind."""
    wanted: dict[str, set[int]] = {}
    for target_type, target_id in keys:
        wanted.setdefault(target_type, set()).add(target_id)
    found: dict[tuple[str, int], Target] = {}
    for target_type, ids in wanted.items():
        kind = kind_of(target_type)
        for obj in kind.rows().filter(pk__in=ids):
            found[(target_type, obj.pk)] = kind.target(obj)
    return found


def reporter_weight(*, reporter: User) -> float:
    """How far the reporter's decided reports were borne out, with one upheld and one dismissed report
    assumed, so a newcomer counts 0.5 and a record of false reports sinks towards 0."""
    decided = Report.objects.filter(reporter=reporter).aggregate(
        upheld=Count("pk", filter=Q(outcome=Report.Outcome.UPHELD)),
        dismissed=Count("pk", filter=Q(outcome=Report.Outcome.DISMISSED)),
    )
    return (decided["upheld"] + 1) / (decided["upheld"] + decided["dismissed"] + 2)


def strikes_of(*, user: User) -> QuerySet[Enforcement]:
    """The strikes that count: enforcements not overturned, from the last ``MODERATION_STRIKE_DAYS``."""
    since = timezone.now() - timedelta(days=settings.MODERATION_STRIKE_DAYS)
    return Enforcement.objects.filter(subject=user, overturned_at__isnull=True, created_at__gte=since)


def active_periods(*, user: User, kind: str) -> QuerySet[Enforcement]:
    """Restrictions or suspensions of ``user`` in force now."""
    now = timezone.now()
    return Enforcement.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now),
        subject=user,
        kind=kind,
        lifted_at__isnull=True,
        overturned_at__isnull=True,
    )


def restriction_in_force(*, user: User) -> Enforcement | None:
    """The restriction on publishing that lasts longest, a permanent one first."""
    longest = F("ends_at").desc(nulls_first=True)
    return active_periods(user=user, kind=Enforcement.Kind.RESTRICT).order_by(longest).first()


def _items() -> QuerySet[ReviewItem]:
    return ReviewItem.objects.select_related("subject", "claimed_by", "resolved_by").prefetch_related(
        Prefetch("reports", queryset=Report.objects.order_by("-id")),
        Prefetch("flags", queryset=Flag.objects.order_by("-id")),
    )


CLAIM_FILTERS = ("free", "mine", "others")


def by_claim(items: QuerySet[ReviewItem], *, viewer_id: int, claim: str | None) -> QuerySet[ReviewItem]:
    """Items nobody holds now (``free``), that the viewer holds (``mine``), or that others hold."""
    held = Q(claimed_by__isnull=False, claimed_until__gt=timezone.now())
    if claim == "free":
        return items.exclude(held)
    if claim == "mine":
        return items.filter(held, claimed_by_id=viewer_id)
    if claim == "others":
        return items.filter(held).exclude(claimed_by_id=viewer_id)
    return items


def review_queue(
    *, viewer: User, target_type: str | None = None, reason: str | None = None, claim: str | None = None
) -> QuerySet[ReviewItem]:
    """Open items, gravest first (``-priority``, then newest); the view pages them by that key. ``claim``:
    only those nobody holds (``free``), that ``viewer`` holds (``mine``) or that others hold (``others``)."""
    items = by_claim(_items().filter(status=ReviewItem.Status.OPEN), viewer_id=viewer.pk, claim=claim)
    if target_type:
        items = items.filter(target_type=target_type)
    if reason:
        items = items.filter(Q(reports__reason=reason) | Q(flags__kind=reason)).distinct()
    return items


def review_item_get(*, item_id: Any) -> ReviewItem:
    item = _items().filter(pk=parse_id(item_id) or -1).first()
    if item is None:
        raise NotFound("There is no such review item.", code="item_not_found")
    return item


def subject_record(*, user: User | None) -> dict[str, Any]:
    """What a moderator needs to know about the person an item is against."""
    if user is None:
        return {
            "strikes": 0,
            "restricted": False,
            "restricted_until": None,
            "suspended": False,
            "past_actions": [],
        }
    restriction = restriction_in_force(user=user)
    past = Enforcement.objects.filter(subject=user).order_by("-id")[:10]
    return {
        "strikes": strikes_of(user=user).count(),
        "restricted": restriction is not None,
        "restricted_until": restriction.ends_at if restriction else None,
        "suspended": not user.is_active,
        "past_actions": [
            {
                "id": str(e.pk),
                "kind": e.kind,
                "reason": e.reason,
                "created_at": e.created_at,
                "overturned": bool(e.overturned_at),
            }
            for e in past
        ],
    }


def enforcement_for_appeal(*, user: User, enforcement_id: Any | None) -> Enforcement:
    """An action against ``user`` (404 for any other, so ids of others' actions reveal nothing); with no
    id, the suspension ``user`` is under (400 when there is none)."""
    if enforcement_id is None:
        enforcement = active_periods(user=user, kind=Enforcement.Kind.SUSPEND).order_by("-id").first()
        if enforcement is None:
            raise InvalidInput(
                "Say which action you appeal.", fields={"action_id": ["This field is required."]}
            )
        return enforcement
    enforcement = Enforcement.objects.filter(pk=parse_id(enforcement_id) or -1, subject=user).first()
    if enforcement is None:
        raise NotFound("There is no such action against you.", code="action_not_found")
    return enforcement


def appeals_of(*, user: User) -> QuerySet[Appeal]:
    return Appeal.objects.filter(appellant=user)


def appeals_list(*, status: str | None) -> QuerySet[Appeal]:
    appeals = Appeal.objects.select_related("enforcement", "appellant", "decided_by")
    return appeals.filter(status=status) if status else appeals


def appeal_get(*, appeal_id: Any) -> Appeal:
    appeal = appeals_list(status=None).filter(pk=parse_id(appeal_id) or -1).first()
    if appeal is None:
        raise NotFound("There is no such appeal.", code="appeal_not_found")
    return appeal


@dataclass(frozen=True)
class AuditRow:
    """One line of the audit log: a moderation step or a cameo consent record, in one shape."""

    id: int
    source: str
    action: str
    actor: str
    target_type: str
    target_id: int
    target_label: str
    before: dict[str, Any]
    after: dict[str, Any]
    note: str
    created_at: Any


def _from_entry(entry: AuditEntry) -> AuditRow:
    return AuditRow(
        entry.pk,
        "moderation",
        entry.action,
        entry.actor_username,
        entry.target_type,
        entry.target_id,
        entry.target_label,
        entry.before,
        entry.after,
        entry.note,
        entry.created_at,
    )


def _from_consent(record: ConsentRecord) -> AuditRow:
    after = dict(record.details)
    if record.subject_username:
        after.setdefault("subject", record.subject_username)
    if record.video_id:
        after.setdefault("video_id", str(record.video_id))
    return AuditRow(
        record.pk,
        "consent",
        f"consent.{record.action}",
        record.actor_username,
        TargetType.CAMEO,
        record.cameo_id,
        f"cameo @{record.cameo_handle}",
        {},
        after,
        str(record.details.get("note", "")),
        record.created_at,
    )


def audit_log(
    *,
    before: int | None,
    limit: int,
    target_type: str | None = None,
    target_id: int | None = None,
    actor: str | None = None,
) -> list[AuditRow]:
    """The log, newest first, ``limit`` + 1 rows older than ``before``: moderation's own entries merged
    with the cameos' consent records by their time-sortable ids, so one cursor pages through both."""
    entries = AuditEntry.objects.all()
    consent = ConsentRecord.objects.all()
    if before is not None:
        entries, consent = entries.filter(pk__lt=before), consent.filter(pk__lt=before)
    if target_type:
        entries = entries.filter(target_type=target_type)
        if target_type != TargetType.CAMEO:
            consent = consent.none()
    if target_id is not None:
        entries = entries.filter(target_id=target_id)
        consent = consent.filter(cameo_id=target_id)
    if actor:
        entries = entries.filter(actor_username__iexact=actor)
        consent = consent.filter(actor_username__iexact=actor)
    rows = [_from_entry(e) for e in entries.order_by("-id")[: limit + 1]]
    rows += [_from_consent(r) for r in consent.order_by("-id")[: limit + 1]]
    rows.sort(key=lambda row: row.id, reverse=True)
    return rows[: limit + 1]
