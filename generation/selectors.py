"""Reads of generation jobs (a user sees only their own) and of the provenance of videos."""

from __future__ import annotations

from django.db.models import QuerySet

from feed.selectors import video_get_visible
from feed.visibility import media_visible
from generation.models import GenerationJob
from generation.provenance import ProvenanceSummary, read_provenance, trust_anchors
from sora_social.accounts.models import User
from sora_social.core.errors import NotFound
from sora_social.core.ids import parse_id


def jobs_for(*, user: User) -> QuerySet[GenerationJob]:
    return GenerationJob.objects.filter(user=user).order_by("-id")


def job_get_own(*, user: User, job_id: int | str) -> GenerationJob:
    """The job, if it is ``user``'s; 404 otherwise (another person's job is as good as missing)."""
    job = GenerationJob.objects.filter(user=user, pk=parse_id(job_id) or -1).first()
    if job is None:
        raise NotFound("There is no such generation.", code="generation_not_found")
    return job


def video_provenance(*, viewer: User, video_id: int | str) -> ProvenanceSummary:
    """The verified provenance of a video ``viewer`` may see; a removed video has no file left (404)."""
    video = video_get_visible(viewer=viewer, video_id=video_id)
    if not media_visible(video) or not video.video_file:
        raise NotFound("This video's media was removed.", code="video_not_found")
    with video.video_file.open("rb") as handle:
        data = handle.read()
    return read_provenance(data, trust_anchors=trust_anchors())
