"""Every write to cameos: creation, changes, approvals, verification and review, deletion, appearances, and
the consent record of each. Consent itself is decided in ``selectors`` (one rule); this module makes a
change of consent take effect on the videos already made (``cameo_appearances_reconcile``)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta
from typing import IO, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from cameos import likeness
from cameos.models import (
    HANDLE_MAX_LENGTH,
    HANDLE_MIN_LENGTH,
    Approval,
    Cameo,
    ConsentRecord,
    ReferenceImage,
    VerificationChallenge,
)
from cameos.selectors import cameo_use_permitted, not_permitted, usable_cameos
from feed.models import FeaturedCameo, Notification, Video
from feed.services import MAX_CAMEOS_PER_VIDEO, CameoInVideo, notification_create, video_take_down
from sora_social.accounts.models import User, username_validator
from sora_social.accounts.selectors import block_exists_between, user_get_visible, user_is_moderator
from sora_social.core.errors import (
    ApiError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    RateLimited,
)
from sora_social.core.ids import parse_id
from sora_social.core.images import normalize_image
from sora_social.core.safety import CAMEO_IN_REVIEW, CAMEO_REVIEWED, Signal, signalled
from sora_social.core.storage import delete_files

MIN_REFERENCE_IMAGES = 1
MAX_REFERENCE_IMAGES = 5
# Django streams uploads over 2.5 MB to temporary files, so these limits bound memory, not Django's.
REFERENCE_IMAGE_MAX_BYTES = 10 * 1024 * 1024
REFERENCE_IMAGE_MAX_PIXELS = 25_000_000
REFERENCE_IMAGE_SIDE = 1024

CHALLENGE_TTL = timedelta(minutes=10)
CHALLENGES_PER_DAY = 5
HEAD_TURNS = ("left", "right", "up", "down")
HEAD_TURN_COUNT = 3
PHRASE_LENGTH = 4
PHRASE_WORDS = (
    "amber", "anchor", "apple", "arrow", "basket", "beacon", "bicycle", "blanket", "bottle", "breeze",
    "bridge", "button", "candle", "canyon", "carpet", "castle", "cedar", "cherry", "cloud", "comet",
    "copper", "cotton", "crystal", "dolphin", "engine", "falcon", "feather", "forest", "garden", "glacier",
    "harbor", "helmet", "island", "jacket", "kettle", "ladder", "lantern", "lemon", "marble", "meadow",
    "mirror", "orchard", "paddle", "pepper", "pillow", "planet", "pocket", "puzzle", "rabbit", "ribbon",
    "river", "rocket", "saddle", "silver", "spoon", "summit", "teapot", "thunder", "tulip", "velvet",
    "violin", "walnut", "window", "winter",
)  # fmt: skip

Action = ConsentRecord.Action


# Consent records -----------------------------------------------------------------------------------------


def _record(
    *,
    action: str,
    cameo_id: int,
    cameo_handle: str,
    actor: User | None = None,
    subject: User | None = None,
    video_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> ConsentRecord:
    return ConsentRecord(
        action=action,
        cameo_id=cameo_id,
        cameo_handle=cameo_handle,
        actor=actor,
        actor_username=actor.username if actor else "",
        subject=subject,
        subject_username=subject.username if subject else "",
        video_id=video_id,
        details=details or {},
    )


def _audit(action: str, cameo: Cameo, **values: Any) -> ConsentRecord:
    record = _record(action=action, cameo_id=cameo.pk, cameo_handle=cameo.handle, **values)
    record.save()
    return record


# Creating and changing cameos ----------------------------------------------------------------------------


def _invalid(field: str, message: str, code: str = "invalid") -> InvalidInput:
    return InvalidInput(
        f"{field.replace('_', ' ').capitalize()}: {message}", code=code, fields={field: [message]}
    )


def _handle_check(handle: str) -> None:
    if not HANDLE_MIN_LENGTH <= len(handle) <= HANDLE_MAX_LENGTH:
        raise _invalid("handle", f"Use {HANDLE_MIN_LENGTH} to {HANDLE_MAX_LENGTH} characters.")
    try:
        username_validator(handle)
    except DjangoValidationError as error:
        raise _invalid("handle", error.messages[0]) from None
    if Cameo.objects.filter(handle__iexact=handle).exclude(status=Cameo.Status.DELETED).exists():
        raise _invalid("handle", "This handle is taken.", code="handle_taken")


def _clean_reference_images(uploads: Sequence[IO[bytes]]) -> list[ContentFile]:
    """Every upload decoded and re-encoded before anything is stored, so a bad one stores nothing."""
    if not MIN_REFERENCE_IMAGES <= len(uploads) <= MAX_REFERENCE_IMAGES:
        raise _invalid("reference_images", f"Send {MIN_REFERENCE_IMAGES} to {MAX_REFERENCE_IMAGES} images.")
    cleaned = []
    for number, upload in enumerate(uploads, 1):
        try:
            cleaned.append(
                normalize_image(
                    upload,
                    field=f"Reference image {number}",
                    max_bytes=REFERENCE_IMAGE_MAX_BYTES,
                    max_pixels=REFERENCE_IMAGE_MAX_PIXELS,
                    max_side=REFERENCE_IMAGE_SIDE,
                )
            )
        except ApiError as error:
            messages = [message for found in (error.fields or {}).values() for message in found]
            error.fields = {"reference_images": [f"Image {number}: {message}" for message in messages]}
            raise
    return cleaned


def cameo_create(
    *,
    owner: User,
    kind: str,
    handle: str,
    display_name: str,
    reference_images: Sequence[IO[bytes]],
    audience: str = Cameo.Audience.ONLY_ME,
    preferences: str = "",
) -> Cameo:
    """A new cameo: ``self`` waits for verification, a ``character`` is usable at once. The images are
    checked by decoding, stored, and deleted again if anything after that fails."""
    _handle_check(handle)
    images = _clean_reference_images(reference_images)
    status = Cameo.Status.ACTIVE if kind == Cameo.Kind.CHARACTER else Cameo.Status.PENDING_VERIFICATION
    cameo = Cameo(
        owner=owner,
        kind=kind,
        handle=handle,
        display_name=display_name.strip(),
        audience=audience,
        preferences=preferences.strip(),
        status=status,
    )
    stored: list[str] = []
    try:
        for image in images:
            extension = (image.name or "x.jpg").rsplit(".", 1)[-1]
            stored.append(
                default_storage.save(
                    f"cameos/{owner.pk}/{cameo.pk}/{secrets.token_hex(12)}.{extension}", image
                )
            )
        with transaction.atomic():
            cameo.save(force_insert=True)
            ReferenceImage.objects.bulk_create(ReferenceImage(cameo=cameo, image=name) for name in stored)
            _audit(
                Action.CREATE,
                cameo,
                actor=owner,
                details={
                    "kind": kind,
                    "audience": audience,
                    "status": status,
                    "reference_images": len(stored),
                },
            )
    except IntegrityError:
        delete_files(stored)
        # Two owners raced for the same handle; the database's constraint decided.
        raise _invalid("handle", "This handle is taken.", code="handle_taken") from None
    except BaseException:
        delete_files(stored)
        raise
    return cameo


def _lock(cameo: Cameo) -> Cameo:
    return Cameo.objects.select_for_update().select_related("owner").get(pk=cameo.pk)


def _require_owner(cameo: Cameo, actor: User) -> None:
    if cameo.owner_id != actor.pk:
        raise Forbidden("Only the cameo's owner can do this.", code="not_owner")


def _require_live(cameo: Cameo) -> None:
    if cameo.status == Cameo.Status.DELETED:
        raise NotFound("There is no such cameo.", code="cameo_not_found")


@transaction.atomic
def cameo_update(
    *,
    cameo: Cameo,
    actor: User,
    display_name: str | None = None,
    audience: str | None = None,
    preferences: str | None = None,
) -> Cameo:
    """Change what the owner may change; a changed audience withdraws the appearances it no longer admits."""
    cameo = _lock(cameo)
    _require_owner(cameo, actor)
    _require_live(cameo)
    fields: list[str] = []
    if display_name is not None and display_name.strip() != cameo.display_name:
        cameo.display_name = display_name.strip()
        fields.append("display_name")
    if audience is not None and audience != cameo.audience:
        _audit(Action.AUDIENCE_CHANGE, cameo, actor=actor, details={"from": cameo.audience, "to": audience})
        cameo.audience = audience
        fields.append("audience")
    if preferences is not None and preferences.strip() != cameo.preferences:
        new = preferences.strip()
        _audit(Action.PREFERENCES_CHANGE, cameo, actor=actor, details={"from": cameo.preferences, "to": new})
        cameo.preferences = new
        fields.append("preferences")
    if fields:
        cameo.save(update_fields=[*fields, "updated_at"])
    if "audience" in fields:
        cameo_appearances_reconcile(cameo=cameo, actor=actor, reason="audience_change")
    return cameo


# Approvals -----------------------------------------------------------------------------------------------


@transaction.atomic
def cameo_approval_grant(*, cameo: Cameo, username: str, actor: User) -> tuple[Approval, bool]:
    """Put ``username`` on the approved list; returns the approval and whether it is new (idempotent)."""
    cameo = _lock(cameo)
    _require_owner(cameo, actor)
    _require_live(cameo)
    user = user_get_visible(username=username, viewer=actor)
    if user.pk == actor.pk:
        raise InvalidInput("You can always use your own cameo.", code="cannot_approve_self")
    if block_exists_between(a=actor, b=user):
        raise Forbidden("You cannot approve someone you block.", code="blocked")
    approval, created = Approval.objects.get_or_create(cameo=cameo, user=user)
    if created:
        _audit(Action.GRANT, cameo, actor=actor, subject=user)
    return approval, created


@transaction.atomic
def cameo_approval_revoke(*, cameo: Cameo, username: str, actor: User) -> None:
    """Take ``username`` off the approved list; their appearances that it admitted are withdrawn."""
    cameo = _lock(cameo)
    _require_owner(cameo, actor)
    _require_live(cameo)
    approval = (
        Approval.objects.select_related("user").filter(cameo=cameo, user__username__iexact=username).first()
    )
    if approval is None:
        raise NotFound(f"{username!r} is not on this cameo's approved list.", code="approval_not_found")
    approval.delete()
    _audit(Action.REVOKE, cameo, actor=actor, subject=approval.user)
    cameo_appearances_reconcile(cameo=cameo, actor=actor, reason="approval_revoked")


# Withdrawal, takedown, deletion --------------------------------------------------------------------------


@transaction.atomic
def cameo_appearances_reconcile(*, cameo: Cameo, reason: str, actor: User | None = None) -> int:
    """Withdraw every appearance of ``cameo`` whose author may no longer use it, and record each; returns
    how many. A withdrawn appearance hides its video from everyone but its author and stops it being
    published (``feed.visibility``, ``video_publish``). Consent is asked once per distinct author."""
    live = FeaturedCameo.objects.filter(cameo_id=cameo.pk, withdrawn_at__isnull=True)
    authors = User.objects.filter(pk__in=live.values("video__author_id"))
    denied = [author.pk for author in authors if not cameo_use_permitted(cameo=cameo, user=author)]
    if not denied:
        return 0
    appearances = list(live.filter(video__author_id__in=denied).select_related("video__author"))
    FeaturedCameo.objects.filter(pk__in=[a.pk for a in appearances]).update(withdrawn_at=timezone.now())
    ConsentRecord.objects.bulk_create(
        _record(
            action=Action.WITHDRAWAL,
            cameo_id=cameo.pk,
            cameo_handle=cameo.handle,
            actor=actor,
            subject=appearance.video.author,
            video_id=appearance.video_id,
            details={"reason": reason, "video_status": appearance.video.status},
        )
        for appearance in appearances
    )
    return len(appearances)


def cameo_appearances_reconcile_between(*, a: User, b: User, reason: str) -> None:
    """After a block or an unfollow between ``a`` and ``b``: withdraw the appearances of each one's cameos
    in the other's videos that the rules no longer allow."""
    for owner, author in ((a, b), (b, a)):
        featured = FeaturedCameo.objects.filter(owner=owner, video__author=author, withdrawn_at__isnull=True)
        for cameo in Cameo.objects.filter(pk__in=featured.values("cameo_id")):
            cameo_appearances_reconcile(cameo=cameo, actor=None, reason=reason)


def _take_down(cameo: Cameo, video: Video, actor: User, reason: str) -> None:
    """Take a video featuring ``cameo`` down everywhere, tell its author, and record it."""
    if video.status == Video.Status.REMOVED:
        return
    video_take_down(video=video, reason=Video.Removal.CAMEO_WITHDRAWN)
    notification_create(
        recipient=video.author,
        kind=Notification.Kind.CAMEO_REMOVED,
        actor=actor,
        video=video,
        data={"cameo_id": str(cameo.pk), "handle": cameo.handle, "reason": reason},
    )
    _audit(
        Action.TAKEDOWN,
        cameo,
        actor=actor,
        subject=video.author,
        video_id=video.pk,
        details={"reason": reason},
    )


@transaction.atomic
def cameo_appearance_take_down(*, cameo: Cameo, video_id: int | str, actor: User) -> Video:
    """The owner takes one video featuring their cameo down everywhere (idempotent)."""
    cameo = _lock(cameo)
    _require_owner(cameo, actor)
    appearance = (
        FeaturedCameo.objects.select_related("video__author")
        .filter(cameo_id=cameo.pk, video_id=parse_id(video_id) or -1)
        .first()
    )
    if appearance is None:
        raise NotFound("This cameo does not appear in that video.", code="appearance_not_found")
    if appearance.withdrawn_at is None:
        FeaturedCameo.objects.filter(pk=appearance.pk).update(withdrawn_at=timezone.now())
    _take_down(cameo, appearance.video, actor, "owner_request")
    return appearance.video


@transaction.atomic
def cameo_delete(*, cameo: Cameo, actor: User) -> None:
    """Delete a cameo: every video featuring it is taken down (drafts included), its media purged after
    commit, its handle freed. The row stays, as ``deleted``, so its consent records stay readable."""
    cameo = _lock(cameo)
    _require_owner(cameo, actor)
    if cameo.status == Cameo.Status.DELETED:
        return
    files = [image.image.name for image in cameo.reference_images.all()]
    files.append(cameo.verification_recording)
    cameo.status, cameo.deleted_at, cameo.verification_recording = Cameo.Status.DELETED, timezone.now(), ""
    cameo.save(update_fields=["status", "deleted_at", "verification_recording", "updated_at"])
    withdrawn = cameo_appearances_reconcile(cameo=cameo, actor=actor, reason="cameo_deleted")
    videos = list(
        Video.objects.filter(featured_cameos__cameo_id=cameo.pk)
        .exclude(status=Video.Status.REMOVED)
        .select_related("author")
    )
    for video in videos:
        _take_down(cameo, video, actor, "cameo_deleted")
    ReferenceImage.objects.filter(cameo=cameo).delete()
    Approval.objects.filter(cameo=cameo).delete()
    VerificationChallenge.objects.filter(cameo=cameo).delete()
    _audit(
        Action.DELETION,
        cameo,
        actor=actor,
        details={"videos_taken_down": len(videos), "appearances_withdrawn": withdrawn},
    )
    transaction.on_commit(lambda: delete_files(files))


@transaction.atomic
def cameo_remove(*, cameo: Cameo, actor: User, note: str = "") -> list[int]:
    """A moderator takes a cameo down: nobody can use it any more and every video it appears in is hidden
    (its appearances are withdrawn). Its images are kept, so that ``cameo_reinstate`` can undo it. Returns
    the ids of the appearances withdrawn now."""
    cameo = _lock(cameo)
    if cameo.status in (Cameo.Status.REMOVED, Cameo.Status.DELETED):
        return []
    before = cameo.status
    live = FeaturedCameo.objects.filter(cameo_id=cameo.pk, withdrawn_at__isnull=True)
    appearance_ids = list(live.values_list("pk", flat=True))
    cameo.status = Cameo.Status.REMOVED
    cameo.save(update_fields=["status", "updated_at"])
    withdrawn = cameo_appearances_reconcile(cameo=cameo, actor=actor, reason="cameo_removed")
    _audit(
        Action.REMOVAL,
        cameo,
        actor=actor,
        subject=cameo.owner,
        details={"status_before": before, "appearances_withdrawn": withdrawn, "note": note},
    )
    return appearance_ids


@transaction.atomic
def cameo_reinstate(*, cameo: Cameo, actor: User, appearance_ids: Sequence[int], note: str = "") -> Cameo:
    """Undo ``cameo_remove``: the cameo is active again and the appearances it withdrew come back, except
    those whose author may no longer use the cameo."""
    cameo = _lock(cameo)
    if cameo.status != Cameo.Status.REMOVED:
        return cameo
    cameo.status = Cameo.Status.ACTIVE
    cameo.save(update_fields=["status", "updated_at"])
    FeaturedCameo.objects.filter(cameo_id=cameo.pk, pk__in=appearance_ids).update(withdrawn_at=None)
    cameo_appearances_reconcile(cameo=cameo, actor=actor, reason="cameo_reinstated")
    _audit(
        Action.REINSTATEMENT,
        cameo,
        actor=actor,
        subject=cameo.owner,
        details={"appearances_restored": len(appearance_ids), "note": note},
    )
    return cameo


# Uses: the hooks of generation and remixing --------------------------------------------------------------


def cameos_for_generation(*, user: User, cameo_ids: Sequence[int | str]) -> list[CameoInVideo]:
    """The cameos a generation asks for, once consent is checked: at most ``MAX_CAMEOS_PER_VIDEO`` (400
    ``too_many_cameos``), each one ``user`` may use (403 ``cameo_not_permitted``, also for ids that do not
    exist, so private cameos do not leak). Each use is recorded."""
    ids = list(dict.fromkeys(parse_id(value) for value in cameo_ids))
    if len(ids) > MAX_CAMEOS_PER_VIDEO:
        raise InvalidInput(f"A video features at most {MAX_CAMEOS_PER_VIDEO} cameos.", code="too_many_cameos")
    wanted = [pk for pk in ids if pk is not None]
    cameos = {
        cameo.pk: cameo for cameo in usable_cameos(user=user).filter(pk__in=wanted).select_related("owner")
    }
    if len(cameos) != len(ids):
        raise not_permitted()
    with transaction.atomic():
        for pk in wanted:
            _audit(Action.USE, cameos[pk], actor=user, subject=cameos[pk].owner)
    return [CameoInVideo(cameo_id=pk, owner=cameos[pk].owner, handle=cameos[pk].handle) for pk in wanted]


@transaction.atomic
def cameo_uses_record(*, video: Video) -> None:
    """After a draft featuring cameos was made: record each appearance and tell each cameo's owner."""
    for appearance in video.featured_cameos.select_related("owner"):
        _record(
            action=Action.APPEARANCE,
            cameo_id=appearance.cameo_id,
            cameo_handle=appearance.handle,
            actor=video.author,
            subject=appearance.owner,
            video_id=video.pk,
        ).save()
        notification_create(
            recipient=appearance.owner,
            kind=Notification.Kind.CAMEO_USED,
            actor=video.author,
            video=video,
            data={"cameo_id": str(appearance.cameo_id), "handle": appearance.handle},
        )


def cameo_uses_check(*, video: Video, actor: User) -> None:
    """Before ``video`` is published (feed's ``video_publishing`` hook): its author must still be allowed to
    use every cameo in it. Ids with no cameo behind them are not this app's to judge."""
    featured = set(video.featured_cameos.values_list("cameo_id", flat=True))
    known = set(Cameo.objects.filter(pk__in=featured).values_list("pk", flat=True))
    if known - set(usable_cameos(user=actor).filter(pk__in=known).values_list("pk", flat=True)):
        raise not_permitted()


# Verification and review ---------------------------------------------------------------------------------


def _require_verifiable(cameo: Cameo) -> None:
    if cameo.kind != Cameo.Kind.SELF:
        raise Conflict(
            "Only a `self` cameo is verified; a character is active at once.", code="verification_not_needed"
        )
    if cameo.status != Cameo.Status.PENDING_VERIFICATION:
        raise Conflict(
            f"This cameo is {cameo.status}, not waiting for verification.", code="not_pending_verification"
        )


def _head_turns() -> list[str]:
    turns: list[str] = []
    while len(turns) < HEAD_TURN_COUNT:
        turn = secrets.choice(HEAD_TURNS)
        if not turns or turn != turns[-1]:
            turns.append(turn)
    return turns


@transaction.atomic
def verification_challenge_create(*, cameo: Cameo, actor: User) -> VerificationChallenge:
    """A one-time challenge (a phrase to read and head turns to make on camera) that expires. At most
    ``CHALLENGES_PER_DAY`` per cameo, which caps verification attempts."""
    cameo = _lock(cameo)
    _require_owner(cameo, actor)
    _require_verifiable(cameo)
    now = timezone.now()
    recent = list(
        VerificationChallenge.objects.filter(cameo=cameo, created_at__gt=now - timedelta(days=1))
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    if len(recent) >= CHALLENGES_PER_DAY:
        retry_after = (recent[0] + timedelta(days=1) - now).total_seconds()
        raise RateLimited(
            f"At most {CHALLENGES_PER_DAY} verification attempts a day; try again later.",
            code="too_many_attempts",
            retry_after=int(retry_after) + 1,
        )
    return VerificationChallenge.objects.create(
        cameo=cameo,
        phrase=" ".join(secrets.choice(PHRASE_WORDS) for _ in range(PHRASE_LENGTH)),
        head_turns=_head_turns(),
        expires_at=now + CHALLENGE_TTL,
    )


def _challenge_for(cameo: Cameo, challenge_id: int | str) -> VerificationChallenge:
    challenge = VerificationChallenge.objects.filter(cameo=cameo, pk=parse_id(challenge_id) or -1).first()
    if challenge is None:
        raise _invalid("challenge_id", "No such challenge for this cameo.", code="challenge_invalid")
    if challenge.used_at is not None:
        raise _invalid(
            "challenge_id", "This challenge was already used; ask for a new one.", code="challenge_used"
        )
    if challenge.expires_at <= timezone.now():
        raise _invalid("challenge_id", "This challenge expired; ask for a new one.", code="challenge_expired")
    return challenge


def _read_recording(recording: IO[bytes]) -> bytes:
    size = getattr(recording, "size", None)
    if size is not None and size > likeness.MAX_RECORDING_BYTES:
        raise PayloadTooLarge(
            f"The recording is larger than {likeness.MAX_RECORDING_BYTES // (1024 * 1024)} MB.",
            code="file_too_large",
            fields={"recording": [f"At most {likeness.MAX_RECORDING_BYTES} bytes."]},
        )
    data = recording.read(likeness.MAX_RECORDING_BYTES + 1)
    if len(data) > likeness.MAX_RECORDING_BYTES:
        raise PayloadTooLarge("The recording is too large.", code="file_too_large")
    return data


def cameo_verify(*, cameo: Cameo, actor: User, challenge_id: int | str, recording: IO[bytes]) -> Cameo:
    """Check a recording made for a challenge against the cameo's reference images.

    pass: the cameo is active. inconclusive: it waits ``in_review`` with the recording kept for a
    moderator. fail: 400 ``verification_failed`` and the cameo still waits, for a new challenge. Every
    outcome uses up the challenge and is recorded, so this is deliberately not one transaction: a failure
    must not roll its own record back. A file that cannot be checked (413, 415, 400) uses up nothing.
    """
    _require_owner(cameo, actor)
    _require_verifiable(cameo)
    challenge = _challenge_for(cameo, challenge_id)
    data = _read_recording(recording)
    references = []
    for image in cameo.reference_images.all():
        with default_storage.open(image.image.name, "rb") as stored:
            references.append(stored.read())
    check = likeness.check_recording(data, references)

    kept = ""
    if check.outcome == likeness.INCONCLUSIVE:
        extension = likeness.EXTENSIONS[likeness.recording_format(data) or likeness.MP4]
        kept = default_storage.save(
            f"cameo_recordings/{cameo.owner_id}/{cameo.pk}/{secrets.token_hex(12)}.{extension}",
            ContentFile(data),
        )
    try:
        with transaction.atomic():
            cameo = _lock(cameo)
            _require_verifiable(cameo)
            used = VerificationChallenge.objects.filter(pk=challenge.pk, used_at__isnull=True).update(
                used_at=timezone.now()
            )
            if not used:
                raise _invalid("challenge_id", "This challenge was already used.", code="challenge_used")
            if check.outcome == likeness.PASS:
                cameo.status = Cameo.Status.ACTIVE
            elif check.outcome == likeness.INCONCLUSIVE:
                cameo.status, cameo.verification_recording = Cameo.Status.IN_REVIEW, kept
                signalled.send(
                    Signal(
                        kind=CAMEO_IN_REVIEW,
                        target_type="cameo",
                        target_id=cameo.pk,
                        details={"reason": check.reason, "detail": check.detail},
                    )
                )
            cameo.save(update_fields=["status", "verification_recording", "updated_at"])
            _audit(
                Action.VERIFICATION,
                cameo,
                actor=actor,
                details={
                    "outcome": check.outcome,
                    "reason": check.reason,
                    "detail": check.detail,
                    "metrics": check.metrics,
                    "challenge_id": str(challenge.pk),
                    "phrase": challenge.phrase,
                    "head_turns": challenge.head_turns,
                },
            )
    except BaseException:
        delete_files([kept])
        raise
    if check.outcome == likeness.FAIL:
        raise InvalidInput(f"Verification failed: {check.detail}", code="verification_failed")
    return cameo


@transaction.atomic
def cameo_review_decide(*, cameo: Cameo, moderator: User, approve: bool, note: str = "") -> Cameo:
    """A moderator's decision on a cameo in review: active or rejected. The kept recording is purged."""
    if not user_is_moderator(moderator):
        raise Forbidden("Only moderators decide cameo reviews.", code="not_moderator")
    cameo = _lock(cameo)
    if cameo.status != Cameo.Status.IN_REVIEW:
        raise Conflict(f"This cameo is {cameo.status}, not in review.", code="not_in_review")
    recording = cameo.verification_recording
    cameo.status = Cameo.Status.ACTIVE if approve else Cameo.Status.REJECTED
    cameo.verification_recording = ""
    cameo.save(update_fields=["status", "verification_recording", "updated_at"])
    _audit(
        Action.REVIEW,
        cameo,
        actor=moderator,
        subject=cameo.owner,
        details={"decision": "approved" if approve else "rejected", "note": note},
    )
    signalled.send(
        Signal(
            kind=CAMEO_REVIEWED,
            target_type="cameo",
            target_id=cameo.pk,
            details={
                "decision": "approved" if approve else "rejected",
                "moderator_id": moderator.pk,
                "note": note,
            },
        )
    )
    transaction.on_commit(lambda: delete_files([recording]))
    return cameo
