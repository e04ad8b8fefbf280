"""Every write of moderation: reports and flags into review items, claims, actions, appeals, the audit log.

Reports and automatic flags on one target gather into one open ``ReviewItem``, whose priority is computed
from them (``_reprioritize``): the gravest reason or flag sets the level (child safety and likeness abuse
first), and the weight of the reports (each counted by its reporter's record) and the number of flags
add to it. A moderator claims an item for ``MODERATION_CLAIM_SECONDS``; a second moderator gets 409
``already_claimed`` until the claim ends. Resolving it acts through the services of the apps below (a video
taken down keeps its media until no appeal can bring it back), notifies the person it is against and the
reporters, and leaves a strike whose default consequences escalate. The person may appeal once, within
``MODERATION_APPEAL_DAYS``; a different moderator decides, and overturning undoes everything the action
did. Every step writes one ``AuditEntry`` in the same transaction.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from feed.models import Notification
from feed.services import notification_create
from generation.policy import find_term
from moderation import selectors
from moderation.models import (
    Appeal,
    AuditEntry,
    Enforcement,
    Flag,
    Report,
    ReviewItem,
    TargetType,
)
from moderation.targets import Target
from sora_social.accounts.models import User
from sora_social.accounts.services import user_deactivate, user_reactivate
from sora_social.core.errors import Conflict, Forbidden, InvalidInput
from sora_social.core.locks import each_locked
from sora_social.core.safety import (
    CAMEO_IN_REVIEW,
    CAMEO_REVIEWED,
    PROMPT_NEAR_MISS,
    PROMPT_REFUSED,
    TEXT_POSTED,
    Signal,
)
from sora_social.core.storage import delete_files

Reason = Report.Reason
Kind = Enforcement.Kind
DISMISS = "dismiss"
ACTIONS = (DISMISS, *Kind.values)

# The level an item starts from: its gravest reason or flag. The bonus for volume and flags together stays
# below the gap between the top level and the next, so likeness abuse and child safety always come first.
SEVERITY: dict[str, int] = {
    Reason.MINOR_SAFETY: 200,
    Reason.LIKENESS_MISUSE: 190,
    Flag.Kind.CAMEO_OWNER_REPORT: 190,
    Reason.SEXUAL: 120,
    Reason.VIOLENCE: 110,
    Reason.HARASSMENT: 100,
    Flag.Kind.CAMEO_IN_REVIEW: 100,
    Flag.Kind.PROMPT_REFUSED: 80,
    Flag.Kind.TERM_MATCH: 60,
    Flag.Kind.PROMPT_NEAR_MISS: 40,
    Reason.SPAM: 30,
    Reason.OTHER: 20,
}
VOLUME_BONUS_MAX = 40
FLAG_BONUS_MAX = 20

SIGNAL_FLAGS = {
    PROMPT_REFUSED: Flag.Kind.PROMPT_REFUSED,
    PROMPT_NEAR_MISS: Flag.Kind.PROMPT_NEAR_MISS,
    CAMEO_IN_REVIEW: Flag.Kind.CAMEO_IN_REVIEW,
}

DEFAULT_TERMS = (
    "kill yourself",
    "kys",
    "go die",
    "neck yourself",
    "nobody would miss you",
    "send nudes",
    "free crypto",
    "crypto giveaway",
    "buy followers",
    "onlyfans",
    "whatsapp me",
    "dm me for prices",
)


# The audit log -------------------------------------------------------------------------------------------


def _audit(
    action: str,
    *,
    actor: User | None,
    target_type: str,
    target_id: int,
    target_label: str = "",
    item: ReviewItem | None = None,
    enforcement: Enforcement | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEntry:
    entry = AuditEntry(
        action=action,
        actor=actor,
        actor_username=actor.username if actor else "",
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        item_id=item.pk if item else None,
        enforcement_id=enforcement.pk if enforcement else None,
        before=_jsonable(before or {}),
        after=_jsonable(after or {}),
        note=note,
    )
    entry.save()
    return entry


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in values.items()}


def _item_audit(action: str, item: ReviewItem, actor: User | None, **values: Any) -> AuditEntry:
    return _audit(
        action,
        actor=actor,
        target_type=item.target_type,
        target_id=item.target_id,
        target_label=item.target_label,
        item=item,
        **values,
    )


def _enforcement_audit(
    action: str, enforcement: Enforcement, actor: User | None, **values: Any
) -> AuditEntry:
    return _audit(
        action,
        actor=actor,
        target_type=enforcement.target_type,
        target_id=enforcement.target_id,
        target_label=enforcement.item.target_label,
        item=enforcement.item,
        enforcement=enforcement,
        **values,
    )


# Items, reports and flags --------------------------------------------------------------------------------


def _open_item(target: Target) -> ReviewItem:
    """The open item of ``target``, locked; made now if there is none (two at once: one wins, both use it)."""
    lookup = {"target_type": target.type, "target_id": target.id, "status": ReviewItem.Status.OPEN}
    item = ReviewItem.objects.select_for_update().filter(**lookup).first()
    if item is not None:
        return item
    try:
        with transaction.atomic():
            return ReviewItem.objects.create(
                **lookup,
                target_label=target.label,
                subject=target.subject,
                subject_username=target.subject.username if target.subject else "",
            )
    except IntegrityError:
        return ReviewItem.objects.select_for_update().get(**lookup)


def _reprioritize(item: ReviewItem) -> None:
    reports = list(item.reports.values_list("reason", "weight"))
    flags = list(item.flags.values_list("kind", flat=True))
    causes = [reason for reason, _ in reports] + flags
    top = max(causes, key=lambda cause: SEVERITY.get(cause, 0), default="")
    volume = sum(weight for _, weight in reports)
    item.top_reason = top
    item.report_count, item.flag_count = len(reports), len(flags)
    item.priority = (
        SEVERITY.get(top, 0)
        + min(VOLUME_BONUS_MAX, round(12 * math.log2(1 + volume)))
        + min(FLAG_BONUS_MAX, 5 * len(set(flags)))
    )
    item.save(update_fields=["top_reason", "report_count", "flag_count", "priority", "updated_at"])


@transaction.atomic
def report_create(
    *, reporter: User, target_type: str, target_id: Any, reason: str, note: str = ""
) -> tuple[Report, bool]:
    """File a report: the report and whether it is new. Reporting a target you may not see is a 404, your
    own content a 400; reporting one target again while it waits returns your first report. A cameo owner
    reporting a video their cameo appears in flags it for the fastest review."""
    if reason not in Reason.values:
        raise InvalidInput(
            f"Unknown reason {reason!r}.", fields={"reason": [f"One of: {', '.join(Reason.values)}."]}
        )
    target = selectors.target_for_report(viewer=reporter, target_type=target_type, target_id=target_id)
    if target.subject is not None and target.subject.pk == reporter.pk:
        raise InvalidInput("You cannot report your own content.", code="cannot_report_yourself")
    item = _open_item(target)
    existing = Report.objects.filter(item=item, reporter=reporter).first()
    if existing is not None:
        return existing, False
    report = Report.objects.create(
        item=item,
        reporter=reporter,
        reporter_username=reporter.username,
        reason=reason,
        note=note.strip(),
        weight=selectors.reporter_weight(reporter=reporter),
    )
    for handle in target.kind.cameos_of(target.obj, owner=reporter):
        _flag(item, Flag.Kind.CAMEO_OWNER_REPORT, text=report.note, details={"handle": handle})
    _reprioritize(item)
    _item_audit(
        AuditEntry.Action.REPORT, item, reporter, after={"reason": reason, "report_id": str(report.pk)}
    )
    return report, True


def _flag(item: ReviewItem, kind: str, *, text: str = "", details: dict[str, Any] | None = None) -> Flag:
    flag = Flag.objects.create(item=item, kind=kind, text=text, details=details or {})
    _item_audit(AuditEntry.Action.FLAG, item, None, after={"kind": kind, **(details or {})})
    return flag


def terms() -> tuple[str, ...]:
    configured = settings.MODERATION_TERMS
    return DEFAULT_TERMS if configured is None else tuple(configured)


def flag_from_signal(signal: Signal) -> None:
    """The listener of ``core.safety``: refused and nearly refused prompts and cameos left for review
    become flags; posted text does when it contains a term of ``MODERATION_TERMS``. A cameo review decided
    elsewhere (the cameos admin) closes the item that only waited for it."""
    if signal.kind == CAMEO_REVIEWED:
        _close_cameo_review(signal)
        return
    kind = SIGNAL_FLAGS.get(signal.kind)
    details = dict(signal.details)
    if signal.kind == TEXT_POSTED:
        term = find_term(signal.text, terms())
        if term is None:
            return
        kind, details = Flag.Kind.TERM_MATCH, {**details, "term": term}
    if kind is None:
        return
    target = selectors.target_load(target_type=signal.target_type, target_id=signal.target_id)
    if target is None:
        return
    with transaction.atomic():
        item = _open_item(target)
        _flag(item, kind, text=signal.text, details=details)
        _reprioritize(item)


def _close(item: ReviewItem, resolution: str, moderator: User | None) -> None:
    item.status, item.resolution = ReviewItem.Status.RESOLVED, resolution
    item.resolved_by, item.resolved_at = moderator, timezone.now()
    item.claimed_by, item.claimed_until = None, None
    item.save(
        update_fields=[
            "status",
            "resolution",
            "resolved_by",
            "resolved_at",
            "claimed_by",
            "claimed_until",
            "updated_at",
        ]
    )


def _close_cameo_review(signal: Signal) -> None:
    item = (
        ReviewItem.objects.select_for_update()
        .filter(target_type=TargetType.CAMEO, target_id=signal.target_id, status=ReviewItem.Status.OPEN)
        .first()
    )
    if (
        item is None
        or item.report_count
        or set(item.flags.values_list("kind", flat=True)) != {Flag.Kind.CAMEO_IN_REVIEW}
    ):
        return
    moderator = User.objects.filter(pk=int(signal.details.get("moderator_id") or 0)).first()
    approved = signal.details.get("decision") == "approved"
    _close(item, DISMISS if approved else Kind.REMOVE_CONTENT, moderator)
    _item_audit(
        item.resolution,
        item,
        moderator,
        after={"cameo_review": signal.details.get("decision")},
        note=str(signal.details.get("note", "")),
    )


# Claims --------------------------------------------------------------------------------------------------


def _lock_for(item: ReviewItem, moderator: User) -> ReviewItem:
    """The item, locked, if it is open and no other moderator holds it; 409 otherwise."""
    item = ReviewItem.objects.select_for_update().get(pk=item.pk)
    if item.status != ReviewItem.Status.OPEN:
        raise Conflict(f"This item was already resolved ({item.resolution}).", code="already_resolved")
    if _held_by_other(item, moderator):
        raise _already_claimed(item)
    return item


def _held_by_other(item: ReviewItem, moderator: User) -> bool:
    return (
        item.claimed_by_id is not None
        and item.claimed_by_id != moderator.pk
        and item.claimed_until is not None
        and item.claimed_until > timezone.now()
    )


def _already_claimed(item: ReviewItem) -> Conflict:
    holder = item.claimed_by.username if item.claimed_by else "another moderator"
    until = item.claimed_until.strftime("%H:%M UTC") if item.claimed_until else ""
    return Conflict(f"@{holder} is reviewing this item until {until}.", code="already_claimed")


@transaction.atomic
def item_claim(*, item: ReviewItem, moderator: User) -> ReviewItem:
    """Take an item for ``MODERATION_CLAIM_SECONDS`` (claiming it again extends the claim)."""
    item = _lock_for(item, moderator)
    item.claimed_by = moderator
    item.claimed_until = timezone.now() + timedelta(seconds=settings.MODERATION_CLAIM_SECONDS)
    item.save(update_fields=["claimed_by", "claimed_until", "updated_at"])
    _item_audit(AuditEntry.Action.CLAIM, item, moderator, after={"claimed_until": item.claimed_until})
    return item


@transaction.atomic
def item_release(*, item: ReviewItem, moderator: User) -> ReviewItem:
    """Give a claimed item back to the queue; only its holder may, or anyone once the claim has ended."""
    item = _lock_for(item, moderator)
    if item.claimed_by_id is not None:
        item.claimed_by, item.claimed_until = None, None
        item.save(update_fields=["claimed_by", "claimed_until", "updated_at"])
        _item_audit(AuditEntry.Action.RELEASE, item, moderator)
    return item


# Resolving -----------------------------------------------------------------------------------------------


def _default_hours(kind: str, strikes: int) -> int | None:
    """The escalating default length of a restriction or suspension, in hours (None: permanent), by how
    many strikes the person already has."""
    ladder: Sequence[int | None] = (
        settings.MODERATION_RESTRICT_HOURS if kind == Kind.RESTRICT else settings.MODERATION_SUSPEND_HOURS
    )
    return ladder[min(strikes, len(ladder) - 1)]


def _restore(enforcement: Enforcement, actor: User, note: str) -> None:
    target = selectors.target_load(target_type=enforcement.target_type, target_id=enforcement.target_id)
    if target is not None:
        target.kind.restore(target.obj, undo=enforcement.undo, actor=actor, note=note)


def _enforce(
    kind: str, item: ReviewItem, target: Target, moderator: User, note: str, hours: int | None
) -> Enforcement:
    subject = target.subject
    if subject is None:
        raise Conflict("Whoever this belonged to is gone; only dismiss is possible.", code="target_gone")
    if subject.pk == moderator.pk:
        raise Forbidden("Another moderator must act on your own content.", code="own_content")
    if subject.is_superuser and not moderator.is_superuser:
        raise Forbidden("Only a superuser can act against a superuser.", code="protected_account")
    now = timezone.now()
    strikes = selectors.strikes_of(user=subject).count()
    undo: dict[str, Any] = {}
    held: list[str] = []
    ends_at = None
    if kind == Kind.REMOVE_CONTENT:
        undo, held = target.kind.remove(target.obj, actor=moderator, note=note)
    elif kind in (Kind.RESTRICT, Kind.SUSPEND):
        hours = hours if hours is not None else _default_hours(kind, strikes)
        ends_at = None if hours is None else now + timedelta(hours=hours)
        if kind == Kind.SUSPEND:
            # Inactive only because of another suspension still counts as active: whichever ends last
            # gives the account back. Inactive for any other reason, it stays so.
            in_force = selectors.active_periods(user=subject, kind=Kind.SUSPEND).exists()
            undo = {"was_active": subject.is_active or in_force}
            user_deactivate(user=subject)
    return Enforcement.objects.create(
        item=item,
        kind=kind,
        subject=subject,
        subject_username=subject.username,
        moderator=moderator,
        moderator_username=moderator.username,
        target_type=target.type,
        target_id=target.id,
        reason=item.top_reason,
        note=note,
        ends_at=ends_at,
        undo=undo,
        held_files=held,
        appeal_until=now + timedelta(days=settings.MODERATION_APPEAL_DAYS),
        created_at=now,
    )


@transaction.atomic
def item_resolve(
    *, item: ReviewItem, moderator: User, action: str, note: str = "", duration_hours: int | None = None
) -> Enforcement | None:
    """Decide an item: ``dismiss`` or one of the enforcement actions; the enforcement, if any. An item
    another moderator holds is 409 ``already_claimed``; an unclaimed one may be decided without a claim. A
    dismissed cameo verification is approved; a removed one is taken down like any cameo."""
    if action not in ACTIONS:
        raise InvalidInput(
            f"Unknown action {action!r}.", fields={"action": [f"One of: {', '.join(ACTIONS)}."]}
        )
    if action != DISMISS and not note.strip():
        raise InvalidInput(
            "Say why: every action is explained in the audit log.",
            fields={"note": ["A note is required for every action but dismiss."]},
        )
    item = _lock_for(item, moderator)
    target = selectors.target_load(target_type=item.target_type, target_id=item.target_id)
    before = _state_of(target)
    enforcement = None
    if action == DISMISS:
        outcome = Report.Outcome.DISMISSED
    else:
        if target is None:
            raise Conflict("The target no longer exists; only dismiss is possible.", code="target_gone")
        enforcement = _enforce(action, item, target, moderator, note, duration_hours)
        outcome = Report.Outcome.UPHELD
    item.reports.update(outcome=outcome)
    _close(item, action, moderator)
    if action == DISMISS and target is not None:
        # After the item is closed, so that a cameo review's own signal finds nothing left to close.
        target.kind.dismissed(target.obj, moderator=moderator, note=note)
    after = _state_of(selectors.target_load(target_type=item.target_type, target_id=item.target_id))
    if enforcement is not None:
        after.update({"ends_at": enforcement.ends_at, "appeal_until": enforcement.appeal_until})
    _item_audit(action, item, moderator, enforcement=enforcement, before=before, after=after, note=note)
    if enforcement is not None and target is not None:
        _notify_subject(enforcement, target)
    _notify_reporters(item, upheld=enforcement is not None)
    return enforcement


def _state_of(target: Target | None) -> dict[str, Any]:
    """The target's state as the audit log shows it before and after an action."""
    if target is None:
        return {"exists": False}
    state = target.kind.state(target.obj)
    if target.subject is not None:
        target.subject.refresh_from_db(fields=["is_active"])
        state["subject_active"] = target.subject.is_active
    return state


ACTION_WORDS: dict[str, str] = {
    Kind.REMOVE_CONTENT: "Your {what} was removed",
    Kind.WARN: "You received a warning about your {what}",
    Kind.RESTRICT: "You cannot publish videos for a while because of your {what}",
    Kind.SUSPEND: "Your account was suspended because of your {what}",
}


# How a reason reads to the person an action is against.
REASON_WORDS: dict[str, str] = {
    Reason.SPAM: "spam",
    Reason.HARASSMENT: "harassment",
    Reason.LIKENESS_MISUSE: "misusing someone's likeness",
    Reason.SEXUAL: "sexual content",
    Reason.VIOLENCE: "violent content",
    Reason.MINOR_SAFETY: "endangering minors",
    Reason.OTHER: "breaking our community guidelines",
    Flag.Kind.TERM_MATCH: "words our community guidelines do not allow",
    Flag.Kind.PROMPT_REFUSED: "asking for videos we do not make",
    Flag.Kind.PROMPT_NEAR_MISS: "asking for videos we do not make",
    Flag.Kind.CAMEO_IN_REVIEW: "a likeness that could not be verified as yours",
    Flag.Kind.CAMEO_OWNER_REPORT: "using someone's cameo against their wishes",
}


def _notify_subject(enforcement: Enforcement, target: Target) -> None:
    subject = enforcement.subject
    if subject is None:
        return
    what = target.kind.noun
    because = REASON_WORDS.get(enforcement.reason, REASON_WORDS[Reason.OTHER])
    notification_create(
        recipient=subject,
        kind=Notification.Kind.MODERATION,
        video=target.kind.notification_video(target.obj),
        data={
            "event": "action",
            "action_id": str(enforcement.pk),
            "action": enforcement.kind,
            "reason": enforcement.reason,
            "target_type": enforcement.target_type,
            "target_id": str(enforcement.target_id),
            "ends_at": enforcement.ends_at.isoformat() if enforcement.ends_at else None,
            "appeal_until": enforcement.appeal_until.isoformat(),
            "message": f"{ACTION_WORDS[enforcement.kind].format(what=what)} for {because}. "
            f"You can appeal until {enforcement.appeal_until:%Y-%m-%d}.",
        },
    )


def _notify_reporters(item: ReviewItem, *, upheld: bool) -> None:
    for report in item.reports.select_related("reporter"):
        if report.reporter is None:
            continue
        notification_create(
            recipient=report.reporter,
            kind=Notification.Kind.MODERATION,
            data={
                "event": "report_outcome",
                "report_id": str(report.pk),
                "target_type": item.target_type,
                "target_id": str(item.target_id),
                "outcome": "action_taken" if upheld else "no_action",
                "message": "Thanks for your report. We took action."
                if upheld
                else "Thanks for your report. We reviewed it and found no violation.",
            },
        )


# Appeals -------------------------------------------------------------------------------------------------


@transaction.atomic
def appeal_create(*, appellant: User, enforcement_id: Any | None, text: str) -> Appeal:
    """Appeal an action against you (no id: your current suspension): once per action (409
    ``already_appealed``), within its window (409 ``appeal_window_closed``)."""
    text = text.strip()
    if not text:
        raise InvalidInput(
            "Say why the decision was wrong.", fields={"text": ["This field may not be blank."]}
        )
    enforcement = selectors.enforcement_for_appeal(user=appellant, enforcement_id=enforcement_id)
    enforcement = Enforcement.objects.select_for_update().get(pk=enforcement.pk)
    if Appeal.objects.filter(enforcement=enforcement).exists():
        raise Conflict(
            "This action was already appealed; there is one appeal per action.", code="already_appealed"
        )
    if timezone.now() > enforcement.appeal_until:
        raise Conflict(
            f"The time to appeal this action ended on {enforcement.appeal_until:%Y-%m-%d}.",
            code="appeal_window_closed",
        )
    appeal = Appeal.objects.create(enforcement=enforcement, appellant=appellant, text=text)
    _enforcement_audit(
        AuditEntry.Action.APPEAL, enforcement, appellant, after={"appeal_id": str(appeal.pk)}, note=text
    )
    return appeal


@transaction.atomic
def appeal_resolve(*, appeal: Appeal, moderator: User, decision: str, note: str = "") -> Appeal:
    """Decide an appeal: ``upheld`` keeps the action (and purges media it kept), ``overturned`` undoes it
    (the content is back, a restriction or suspension ends, the strike no longer counts). The moderator who
    took the action cannot decide its appeal."""
    if decision not in Appeal.Status.values or decision == Appeal.Status.PENDING:
        raise InvalidInput(
            f"Unknown decision {decision!r}.", fields={"decision": ["One of: upheld, overturned."]}
        )
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.status != Appeal.Status.PENDING:
        raise Conflict(f"This appeal was already decided ({appeal.status}).", code="already_decided")
    enforcement = Enforcement.objects.select_for_update().select_related("item").get(pk=appeal.enforcement_id)
    if enforcement.moderator_id == moderator.pk:
        raise Forbidden("A different moderator must decide an appeal of your own action.", code="own_action")
    target = selectors.target_load(target_type=enforcement.target_type, target_id=enforcement.target_id)
    before = _state_of(target)
    now = timezone.now()
    if decision == Appeal.Status.OVERTURNED:
        _undo(enforcement, moderator, note)
    else:
        _purge(enforcement)
    appeal.status, appeal.decided_by, appeal.decided_at, appeal.decision_note = decision, moderator, now, note
    appeal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    after = selectors.target_load(target_type=enforcement.target_type, target_id=enforcement.target_id)
    _enforcement_audit(
        AuditEntry.Action.APPEAL_OVERTURNED
        if decision == Appeal.Status.OVERTURNED
        else AuditEntry.Action.APPEAL_UPHELD,
        enforcement,
        moderator,
        before=before,
        after=_state_of(after),
        note=note,
    )
    if appeal.appellant is not None:
        overturned = decision == Appeal.Status.OVERTURNED
        notification_create(
            recipient=appeal.appellant,
            kind=Notification.Kind.MODERATION,
            data={
                "event": "appeal_decided",
                "appeal_id": str(appeal.pk),
                "action_id": str(enforcement.pk),
                "decision": decision,
                "message": "Your appeal was accepted and the action was undone."
                if overturned
                else "Your appeal was reviewed and the decision stands.",
            },
        )
    return appeal


def _undo(enforcement: Enforcement, moderator: User, note: str) -> None:
    if enforcement.kind == Kind.REMOVE_CONTENT:
        _restore(enforcement, moderator, note)
    _end_period(enforcement)
    enforcement.overturned_at = timezone.now()
    enforcement.save(update_fields=["overturned_at"])


def _end_period(enforcement: Enforcement) -> None:
    """End a restriction or suspension still in force (a suspension gives the account back unless another
    one holds it); nothing for any other action, or one already ended."""
    if enforcement.kind not in (Kind.RESTRICT, Kind.SUSPEND) or enforcement.lifted_at is not None:
        return
    enforcement.lifted_at = timezone.now()
    enforcement.save(update_fields=["lifted_at"])
    subject = enforcement.subject
    gives_back = enforcement.kind == Kind.SUSPEND and enforcement.undo.get("was_active", True)
    if gives_back and subject and not selectors.active_periods(user=subject, kind=Kind.SUSPEND).exists():
        user_reactivate(user=subject)


def _purge(enforcement: Enforcement) -> None:
    """Delete the media an action kept for a possible appeal, after commit."""
    if not enforcement.held_files or enforcement.files_purged_at is not None:
        return
    files = list(enforcement.held_files)
    enforcement.files_purged_at = timezone.now()
    enforcement.save(update_fields=["files_purged_at"])
    transaction.on_commit(lambda: delete_files(files))


# Time: periods that end, media no appeal can bring back ------------------------------------------------


def enforcements_expire() -> int:
    """Lift restrictions and suspensions whose time is up, and purge kept media whose appeal window has
    closed with no appeal pending; returns how many enforcements changed. Run every minute. Each is taken
    under its row lock and read again (``each_locked``): one that a moderator or another sweep has ended,
    purged, overturned or had appealed since it was listed is left alone."""
    now = timezone.now()
    enforcements = Enforcement.objects.select_related("item")
    ended = enforcements.filter(
        kind__in=(Kind.RESTRICT, Kind.SUSPEND), lifted_at__isnull=True, ends_at__lte=now
    )
    # A subquery, not a join: PostgreSQL locks no row on the nullable side of an outer join (FOR UPDATE).
    pending = Appeal.objects.filter(status=Appeal.Status.PENDING).values("enforcement_id")
    purgeable = (
        enforcements.filter(files_purged_at__isnull=True, appeal_until__lte=now, overturned_at__isnull=True)
        .exclude(held_files=[])
        .exclude(pk__in=pending)
    )
    changed = 0
    for enforcement in each_locked(ended):
        _lift(enforcement)
        changed += 1
    for enforcement in each_locked(purgeable):
        _purge_unappealed(enforcement)
        changed += 1
    return changed


def _lift(enforcement: Enforcement) -> None:
    _end_period(enforcement)
    _audit(
        AuditEntry.Action.LIFT,
        actor=None,
        target_type=TargetType.USER,
        target_id=enforcement.subject_id or 0,
        target_label=f"@{enforcement.subject_username}",
        item=enforcement.item,
        enforcement=enforcement,
        after={"kind": enforcement.kind, "ended_at": enforcement.ends_at},
    )


def _purge_unappealed(enforcement: Enforcement) -> None:
    _purge(enforcement)
    _enforcement_audit(
        AuditEntry.Action.PURGE, enforcement, None, after={"files": len(enforcement.held_files)}
    )


# The hook in publishing ----------------------------------------------------------------------------------


def restriction_check_publishing(*, actor: User) -> None:
    """Before a video is published (feed's ``video_publishing`` hook): a restricted account cannot."""
    restriction = selectors.restriction_in_force(user=actor)
    if restriction is not None:
        until = f"until {restriction.ends_at:%Y-%m-%d %H:%M} UTC" if restriction.ends_at else "for now"
        raise Forbidden(f"Your account cannot publish videos {until}.", code="publishing_restricted")
