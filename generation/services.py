"""Every write to generation jobs.

The request path (``generation_request``) checks the input, the daily quota, the prompt policy (with the
wishes of the owners of the cameos asked for) and cameo consent, in that order, writes the job and queues it
on the ``gpu`` queue once the transaction commits. Refused and nearly refused prompts are signalled to
moderation (``sora_social.core.safety``).

The worker path (``generation_run``, called by ``tasks.generate_video``) claims the job row, so that a
redelivered or duplicate message finds nothing to do; runs the engine, with progress written to the row and
sent as ``generation.progress`` events; renders the media (watermark, MP4, poster, C2PA manifest); re-checks
consent; stores the files and makes the draft through the feed's service. Every status change happens under
the job's row lock and only from the state it expects, so exactly one terminal event is ever sent: a
cancellation, a finished worker and a recovery sweep cannot both win.

A worker keeps ``heartbeat_at`` fresh while it runs a job. ``generation_recover_lost`` requeues running jobs
whose worker has gone silent for ``GENERATION_LEASE_SECONDS`` (a killed process, a lost machine), until
``GENERATION_MAX_ATTEMPTS`` claims were spent; then the job fails. It also sends again the message of a
queued job that no worker took long after it was due (``GENERATION_QUEUED_RESEND_SECONDS``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from cameos.models import Cameo
from cameos.selectors import cameo_consent_still_given, usable_cameos
from cameos.services import cameo_uses_record, cameos_for_generation
from feed.models import Notification, Video
from feed.services import CameoInVideo, notification_create, video_create_draft
from generation import policy, rendering
from generation.engine.config import EngineConfig, get_config
from generation.engine.errors import GenerationCancelled, InvalidRequest
from generation.engine.requests import Beat, GenerationRequest, validate_request
from generation.engine.text import shared_encoder
from generation.models import GenerationJob, PromptRefusal
from generation.serializers import job_data
from remix.selectors import remix_defaults, remix_parent_for, remix_still_allowed
from remix.services import remix_record
from sora_social.accounts.models import User
from sora_social.core.errors import Conflict, InvalidInput, RateLimited, RefusedByPolicy
from sora_social.core.events import publish_event, publish_event_now
from sora_social.core.ids import parse_id
from sora_social.core.locks import each_locked
from sora_social.core.media import VideoInfo
from sora_social.core.queue import task
from sora_social.core.safety import PROMPT_NEAR_MISS, PROMPT_REFUSED, Signal, signalled
from sora_social.core.storage import delete_files

logger = logging.getLogger(__name__)

Status = GenerationJob.Status
QUOTA_WINDOW = timedelta(days=1)
# Failures that are the service's fault do not count against the user's quota.
SERVICE_FAULTS = ("attempts_exhausted", "timed_out")
MAX_IDEMPOTENCY_KEY = 255

# Progress, in percent: sampling fills 5..90, then the media and the draft.
PROGRESS_SAMPLING = (5, 90)
PROGRESS_RENDERED = 94
PROGRESS_DONE = 100


def engine_config() -> EngineConfig:
    return get_config(settings.GENERATION_ENGINE_CONFIG)


def _send(job: GenerationJob, type: str) -> None:
    publish_event([job.user_id], type, {"job": job_data(job)})


# The request path ------------------------------------------------------------------------------------------


def _fingerprint(**request: Any) -> str:
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


def _existing(user: User, key: str | None, fingerprint: str) -> GenerationJob | None:
    if key is None:
        return None
    job = GenerationJob.objects.filter(user=user, idempotency_key=key).first()
    if job is not None and job.request_fingerprint != fingerprint:
        raise Conflict(
            "This Idempotency-Key was used for a different request; use a new key for a new video.",
            code="idempotency_key_reused",
        )
    return job


def _quota_check(user: User) -> None:
    limit = settings.GENERATION_DAILY_QUOTA
    since = timezone.now() - QUOTA_WINDOW
    counted = (
        GenerationJob.objects.filter(user=user, created_at__gt=since)
        .exclude(status=Status.FAILED, error_code__in=SERVICE_FAULTS)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    used = list(counted[: limit + 1]) if limit > 0 else [timezone.now()]
    if len(used) >= max(limit, 1) or limit <= 0:
        oldest = used[len(used) - limit] if 0 < limit <= len(used) else timezone.now()
        retry_after = int((oldest + QUOTA_WINDOW - timezone.now()).total_seconds()) + 1
        raise RateLimited(
            f"You have made {limit} videos in the last 24 hours, the daily limit. Try again later.",
            code="quota_exceeded",
            retry_after=retry_after,
        )


def _validate(
    *,
    prompt: str,
    duration_seconds: int,
    aspect_ratio: str,
    seed: int | None,
    storyboard: Sequence[Beat],
    remix_strength: float | None,
) -> tuple[str, int]:
    """The prompt as the engine reads it and the seed (drawn now when not given); a 400 naming the field."""
    config = engine_config()
    try:
        checked = validate_request(
            GenerationRequest(
                prompt=prompt,
                duration_seconds=duration_seconds,
                aspect_ratio=aspect_ratio,
                seed=seed,
                storyboard=storyboard,
                remix_strength=remix_strength,
            ),
            config,
            text=shared_encoder(),
        )
    except InvalidRequest as error:
        field = error.field.split("[", 1)[0]
        raise InvalidInput(
            f"{error}.", fields={field: [f"{str(error)[0].upper()}{str(error)[1:]}."]}
        ) from None
    return checked.prompt, checked.seed


def _refuse(user: User, prompt: str, verdict: policy.PolicyVerdict) -> RefusedByPolicy:
    """Record the refusal and tell moderation, together; the error to raise."""
    with transaction.atomic():
        refusal = PromptRefusal.objects.create(
            user=user,
            prompt=prompt,
            reason=verdict.reason,
            matched=verdict.matched[:255],
            score=verdict.score,
        )
        signalled.send(
            Signal(
                kind=PROMPT_REFUSED,
                target_type="user",
                target_id=user.pk,
                text=prompt,
                details={
                    "reason": verdict.reason,
                    "matched": verdict.matched,
                    "score": verdict.score,
                    "refusal_id": str(refusal.pk),
                },
            )
        )
    logger.info("prompt refused for user %s: %s (%r)", user.pk, verdict.reason, verdict.matched)
    if verdict.reason == policy.CAMEO_PREFERENCE:
        return RefusedByPolicy(
            f'@{verdict.cameo} does not want to appear in videos like this ("{verdict.matched}").',
            code="cameo_preferences",
        )
    return RefusedByPolicy(
        "This prompt asks for something we do not make. Describe a different video.", code="prompt_blocked"
    )


def _cameo_wishes(user: User, cameo_ids: Sequence[int | str]) -> list[tuple[str, str]]:
    """(handle, preferences) of each cameo asked for that ``user`` may use and does not own, in the order
    asked. Those it may not use are left to the consent check, so that a refusal tells nothing about them;
    an owner's preferences speak to others, and they may change them whenever they like."""
    ids = [pk for pk in dict.fromkeys(parse_id(value) for value in cameo_ids) if pk is not None]
    if not ids:
        return []
    found = {
        pk: (handle, preferences)
        for pk, handle, preferences in usable_cameos(user=user)
        .filter(pk__in=ids)
        .exclude(preferences="")
        .exclude(owner=user)
        .values_list("pk", "handle", "preferences")
    }
    return [found[pk] for pk in ids if pk in found]


def generation_request(
    *,
    user: User,
    prompt: str,
    duration_seconds: int | None,
    aspect_ratio: str | None,
    cameo_ids: Sequence[int | str] | None = None,
    remix_of: int | str | None = None,
    remix_strength: float | None = None,
    seed: int | None = None,
    storyboard: Sequence[Beat] = (),
    idempotency_key: str | None = None,
) -> tuple[GenerationJob, bool]:
    """Accept a request for a video: the job, and whether it is new (False: the same ``idempotency_key``
    came before, and its job is returned as it is now).

    A remix (``remix_of``) is refused unless ``user`` may see the parent (404) and it is published with
    remixing on (403 ``remix_not_allowed``). What it leaves out it takes from the parent: the length, the
    shape and, when ``cameo_ids`` is None, the parent's cameos, each of which ``user`` must be allowed to
    use like any other; a list replaces them (``[]`` none, one's own to swap oneself in)."""
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
        raise InvalidInput(
            f"The Idempotency-Key header must be 1 to {MAX_IDEMPOTENCY_KEY} characters.",
            fields={"Idempotency-Key": [f"1 to {MAX_IDEMPOTENCY_KEY} characters."]},
        )
    fingerprint = _fingerprint(
        prompt=prompt,
        duration_seconds=duration_seconds,
        aspect_ratio=aspect_ratio,
        cameo_ids=None if cameo_ids is None else [str(value) for value in cameo_ids],
        remix_of=remix_of,
        remix_strength=remix_strength,
        seed=seed,
        storyboard=[(beat.at_seconds, beat.prompt) for beat in storyboard],
    )
    existing = _existing(user, idempotency_key, fingerprint)
    if existing is not None:
        return existing, False

    parent = remix_parent_for(user=user, video_id=remix_of) if remix_of is not None else None
    if parent is not None:
        defaults = remix_defaults(parent=parent, durations=engine_config().durations)
        duration_seconds = defaults.duration_seconds if duration_seconds is None else duration_seconds
        aspect_ratio = defaults.aspect_ratio if aspect_ratio is None else aspect_ratio
        cameo_ids = defaults.cameo_ids if cameo_ids is None else cameo_ids
    if duration_seconds is None or aspect_ratio is None:
        named = {"duration_seconds": duration_seconds, "aspect_ratio": aspect_ratio}
        raise InvalidInput(
            "Say how long and what shape the video is.",
            fields={name: ["This field is required."] for name, value in named.items() if value is None},
        )
    prompt, seed = _validate(
        prompt=prompt,
        duration_seconds=duration_seconds,
        aspect_ratio=aspect_ratio,
        seed=seed,
        storyboard=storyboard,
        remix_strength=remix_strength,
    )
    _quota_check(user)
    texts = [prompt, *(beat.prompt for beat in storyboard)]
    verdict = policy.check_prompt(texts)
    if verdict.blocked:
        raise _refuse(user, prompt, verdict)
    # Before the transaction: a refusal raised inside it would roll back the refusal's record.
    against_wishes = policy.check_cameo_preferences(texts, _cameo_wishes(user, cameo_ids or ()))
    if against_wishes.blocked:
        raise _refuse(user, prompt, against_wishes)

    try:
        with transaction.atomic():
            # One request at a time per user, so that two at once cannot both take the last of the quota.
            User.objects.select_for_update().filter(pk=user.pk).first()
            existing = _existing(user, idempotency_key, fingerprint)
            if existing is not None:
                return existing, False
            _quota_check(user)
            cameos = cameos_for_generation(user=user, cameo_ids=list(cameo_ids or ()))
            job = GenerationJob.objects.create(
                user=user,
                idempotency_key=idempotency_key or "",
                prompt=prompt,
                duration_seconds=duration_seconds,
                aspect_ratio=aspect_ratio,
                seed=seed,
                storyboard=[{"at_seconds": beat.at_seconds, "prompt": beat.prompt} for beat in storyboard],
                cameo_ids=[str(cameo.cameo_id) for cameo in cameos],
                remix_of=parent,
                remix_strength=remix_strength,
                engine_config=settings.GENERATION_ENGINE_CONFIG,
                steps=settings.GENERATION_STEPS,
                request_fingerprint=fingerprint,
                policy_score=round(verdict.score, 4),
                enqueued_at=timezone.now(),
            )
            if verdict.near_miss:
                signalled.send(
                    Signal(
                        kind=PROMPT_NEAR_MISS,
                        target_type="user",
                        target_id=user.pk,
                        text=prompt,
                        details={
                            "job_id": str(job.pk),
                            "matched": verdict.matched,
                            "score": round(verdict.score, 4),
                        },
                    )
                )
            _send(job, "generation.progress")
            transaction.on_commit(lambda: _enqueue(job.pk))
    except IntegrityError:
        # Another request with the same key won the race: it made the job.
        existing = _existing(user, idempotency_key, fingerprint)
        if existing is None:
            raise
        return existing, False
    return job, True


def _enqueue(job_id: int, *, countdown: float = 0) -> None:
    task("generation.tasks.generate_video").apply_async((job_id,), queue="gpu", countdown=countdown)


@transaction.atomic
def generation_cancel(*, job: GenerationJob, actor: User) -> GenerationJob:
    """End a queued or running job as ``cancelled`` (its owner, or staff in the admin; callers check who).
    A running job's worker notices at its next step, or before it makes the draft, and keeps nothing.
    Cancelling a cancelled job again is a no-op; a finished one is a 409."""
    job = GenerationJob.objects.select_for_update().get(pk=job.pk)
    if job.status == Status.CANCELLED:
        return job
    if job.finished:
        raise Conflict(f"This generation already {job.status}.", code="generation_finished")
    _finish(job, Status.CANCELLED, "cancelled", "Cancelled at your request.")
    return job


@transaction.atomic
def generation_retry(*, job: GenerationJob, actor: User) -> GenerationJob:
    """Queue a failed or cancelled job again from the start, with its attempts reset (staff, from the
    admin, once what made it fail is fixed). It keeps its seed, so it makes the video it would have made."""
    job = GenerationJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in (Status.FAILED, Status.CANCELLED):
        raise Conflict(f"Only a failed or cancelled generation can be retried; this one is {job.status}.")
    logger.info("generation %s retried by %s", job.pk, actor.username)
    job.attempts, job.progress, job.error_code, job.error_detail, job.finished_at = 0, 0, "", "", None
    job.save(update_fields=["attempts", "progress", "error_code", "error_detail", "finished_at"])
    _requeue(job)
    return job


def _finish(job: GenerationJob, status: str, code: str = "", detail: str = "") -> None:
    """A terminal status, under the row lock; the terminal event goes out after commit."""
    job.status, job.error_code, job.error_detail = status, code, detail[:2000]
    job.finished_at = timezone.now()
    fields = ["status", "error_code", "error_detail", "finished_at", "video", "progress"]
    if status == Status.SUCCEEDED:
        job.progress = PROGRESS_DONE
    job.save(update_fields=fields)
    _send(job, "generation.succeeded" if status == Status.SUCCEEDED else "generation.failed")
    if status == Status.FAILED:
        notification_create(
            recipient=job.user,
            kind=Notification.Kind.GENERATION_FAILED,
            data={"job_id": str(job.pk), "code": code, "detail": job.error_detail},
        )


# The worker path -------------------------------------------------------------------------------------------


@dataclass
class Claim:
    """A job a worker holds: what it reads, and what it writes back under the row lock."""

    job: GenerationJob
    worker: str
    last_sent: float = 0.0

    def locked(self) -> GenerationJob | None:
        """The job, locked for the rest of the transaction, while it is still this worker's; None once not."""
        return (
            GenerationJob.objects.select_for_update()
            .filter(pk=self.job.pk, status=Status.RUNNING, worker=self.worker)
            .first()
        )

    def still_mine(self) -> bool:
        """Whether the job is still this worker's; a sign of life too (the heartbeat)."""
        return bool(
            GenerationJob.objects.filter(pk=self.job.pk, status=Status.RUNNING, worker=self.worker).update(
                heartbeat_at=timezone.now()
            )
        )

    def report(self, percent: int, *, force: bool = False) -> bool:
        """Write progress (throttled) and tell the user; False once the job is no longer this worker's
        (cancelled, or given to another worker after this one was presumed lost)."""
        now = time.monotonic()
        if not force and now - self.last_sent < settings.GENERATION_PROGRESS_INTERVAL_SECONDS:
            return self.still_mine()
        with transaction.atomic():
            job = self.locked()
            if job is None:
                return False
            job.heartbeat_at = timezone.now()
            fields = ["heartbeat_at"]
            if percent > job.progress:
                job.progress = percent
                fields.append("progress")
            job.save(update_fields=fields)
            if "progress" in fields:
                # Sent while the row is locked: a cancellation waits for the lock, so its terminal event
                # always comes after this one.
                publish_event_now([job.user_id], "generation.progress", {"job": job_data(job)})
                self.last_sent = now
            self.job = job
        return True


def generation_claim(*, job_id: int, worker: str) -> Claim | None:
    """Take a queued job for ``worker``; None when there is nothing to do (it is not queued: finished,
    cancelled, or running on another worker), so a duplicate or redelivered message is a no-op."""
    with transaction.atomic():
        job = GenerationJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != Status.QUEUED:
            return None
        if job.attempts >= settings.GENERATION_MAX_ATTEMPTS:
            _finish(job, Status.FAILED, "attempts_exhausted", _attempts_detail(job))
            return None
        now = timezone.now()
        job.status, job.worker, job.attempts = Status.RUNNING, worker, job.attempts + 1
        job.started_at, job.heartbeat_at = job.started_at or now, now
        job.save(update_fields=["status", "worker", "attempts", "started_at", "heartbeat_at"])
        publish_event_now([job.user_id], "generation.progress", {"job": job_data(job)})
    return Claim(job=job, worker=worker)


def _attempts_detail(job: GenerationJob) -> str:
    return f"The generation failed {job.attempts} times; it was not tried again."


def generation_requeue_or_fail(*, claim: Claim) -> None:
    """After an attempt failed with an error that another attempt may not meet (a fault of the machine or
    of the service): queue it again, or, with the attempts spent, fail it."""
    with transaction.atomic():
        job = claim.locked()
        if job is None:
            return
        if job.attempts < settings.GENERATION_MAX_ATTEMPTS:
            _requeue(job)
        else:
            _finish(job, Status.FAILED, "attempts_exhausted", _attempts_detail(job))


def _requeue(job: GenerationJob) -> None:
    delay = settings.GENERATION_RETRY_DELAY_SECONDS * job.attempts
    job.status, job.worker, job.heartbeat_at = Status.QUEUED, "", None
    job.enqueued_at = timezone.now() + timedelta(seconds=delay)
    job.save(update_fields=["status", "worker", "heartbeat_at", "enqueued_at"])
    _send(job, "generation.progress")
    transaction.on_commit(lambda: _enqueue(job.pk, countdown=delay))


def generation_fail(*, claim: Claim, code: str, detail: str) -> None:
    with transaction.atomic():
        job = claim.locked()
        if job is not None:
            _finish(job, Status.FAILED, code, detail)


def generation_recover_lost() -> int:
    """The recovery sweep; returns how many jobs it acted on. Safe to run from any number of workers at once.

    - A running job whose worker has been silent for longer than the lease is requeued, or failed once its
      attempts are spent.
    - A queued job whose message was due more than ``GENERATION_QUEUED_RESEND_SECONDS`` ago and that no
      worker has claimed is sent again. Its message may be stranded: held, unacknowledged, by a worker
      that died while it waited out a retry delay (Redis hands it back only after its visibility timeout,
      hours), or lost with the broker. If the old message turns up as well, whichever comes second finds
      the job claimed and does nothing.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.GENERATION_LEASE_SECONDS)
    recovered = 0
    for job in each_locked(GenerationJob.objects.filter(status=Status.RUNNING, heartbeat_at__lt=stale)):
        logger.warning("generation %s: worker %s went silent; recovering", job.pk, job.worker)
        if job.attempts < settings.GENERATION_MAX_ATTEMPTS:
            _requeue(job)
        else:
            _finish(job, Status.FAILED, "attempts_exhausted", _attempts_detail(job))
        recovered += 1
    overdue = now - timedelta(seconds=settings.GENERATION_QUEUED_RESEND_SECONDS)
    for job in each_locked(GenerationJob.objects.filter(status=Status.QUEUED, enqueued_at__lt=overdue)):
        logger.warning("generation %s: due since %s and not taken; sent again", job.pk, job.enqueued_at)
        job.enqueued_at = timezone.now()
        job.save(update_fields=["enqueued_at"])
        transaction.on_commit(functools.partial(_enqueue, job.pk))
        recovered += 1
    return recovered


def generation_complete(
    *,
    claim: Claim,
    video_bytes: bytes,
    poster_bytes: bytes,
    raw_clip: bytes | None = None,
    made: VideoInfo | None = None,
) -> Video | None:
    """Make the draft from the rendered media (``made``: its properties, known from the frames, so the
    draft's MP4 is not decoded again), if the job is still this worker's, every cameo's owner still
    consents and a remix's parent may still be remixed; otherwise keep nothing. Returns the draft, or
    None."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            job = claim.locked()
            if job is None:
                return None
            cameo_ids = [int(pk) for pk in job.cameo_ids]
            if not cameo_consent_still_given(user=job.user, cameo_ids=cameo_ids, lock=True):
                _finish(
                    job,
                    Status.FAILED,
                    "consent_revoked",
                    "A cameo's owner withdrew consent while the video was being made; nothing was kept.",
                )
                return None
            if job.remix_of_id is not None and not remix_still_allowed(parent_id=job.remix_of_id):
                _finish(
                    job,
                    Status.FAILED,
                    "remix_not_allowed",
                    "The video you remixed was taken down, or its author turned remixing off, while yours "
                    "was being made; nothing was kept.",
                )
                return None
            found = {
                cameo.pk: cameo for cameo in Cameo.objects.filter(pk__in=cameo_ids).select_related("owner")
            }
            video = video_create_draft(
                author=job.user,
                video_bytes=video_bytes,
                poster_bytes=poster_bytes,
                prompt=job.prompt,
                cameos=[
                    CameoInVideo(cameo_id=pk, owner=found[pk].owner, handle=found[pk].handle)
                    for pk in cameo_ids
                ],
                raw_clip=raw_clip,
                made=made,
            )
            stored = [
                name for name in (video.video_file.name, video.poster_file.name, video.raw_file.name) if name
            ]
            if job.remix_of is not None:
                remix_record(video=video, parent=job.remix_of)
            cameo_uses_record(video=video)
            job.video = video
            _finish(job, Status.SUCCEEDED)
            notification_create(
                recipient=job.user,
                kind=Notification.Kind.VIDEO_READY,
                video=video,
                data={"job_id": str(job.pk)},
            )
    except BaseException:
        # The draft was rolled back (or never committed): its files go with it.
        delete_files(stored)
        raise
    return video


def generation_run(*, job_id: int, worker: str) -> None:
    """The worker's whole part for one job message. Loads the engine (once per process) before it claims
    the job, so that the claim's heartbeat covers the work and not the loading."""
    try:
        model = rendering.engine()
    except Exception:
        # A broken deployment (a missing checkpoint, no GPU memory): the attempt counts, so that the job
        # ends after the attempts are spent instead of waiting forever.
        logger.exception("generation %s: the engine could not be loaded on %s", job_id, worker)
        claim = generation_claim(job_id=job_id, worker=worker)
        if claim is not None:
            generation_requeue_or_fail(claim=claim)
        return
    claim = generation_claim(job_id=job_id, worker=worker)
    if claim is None:
        return
    low, high = PROGRESS_SAMPLING
    started = time.perf_counter()
    try:
        clip = model.generate(
            rendering.engine_request(claim.job),
            callback=lambda p: claim.report(low + int((high - low) * p.fraction)),
        )
        sampled = time.perf_counter()
        rendered = rendering.render(claim.job, clip)
        if not claim.report(PROGRESS_RENDERED, force=True):
            return
        GenerationJob.objects.filter(pk=claim.job.pk).update(
            timings={
                **claim.job.timings,
                "sample_s": round(sampled - started, 3),
                "render_s": round(time.perf_counter() - sampled, 3),
            }
        )
        generation_complete(
            claim=claim,
            video_bytes=rendered.video,
            poster_bytes=rendered.poster,
            raw_clip=rendered.raw_clip,
            made=rendered.info,
        )
    except GenerationCancelled:
        return
    except InvalidRequest as error:
        generation_fail(claim=claim, code="invalid_request", detail=f"{error}.")
    except SoftTimeLimitExceeded:
        generation_fail(
            claim=claim,
            code="timed_out",
            detail=f"The generation took longer than {settings.GENERATION_TIME_LIMIT_SECONDS} s.",
        )
    except Exception:
        logger.exception("generation %s failed on %s (attempt %s)", job_id, worker, claim.job.attempts)
        generation_requeue_or_fail(claim=claim)
