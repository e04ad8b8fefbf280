"""Celery entry points of the feed: fan-out of a published video, and its removal from feeds."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from feed import services, store
from feed.models import Video
from feed.visibility import feed_audience
from sora_social.accounts.models import Follow


def _chunks(ids: list[int]) -> list[list[int]]:
    size = settings.FEED_FANOUT_CHUNK
    return [ids[i : i + size] for i in range(0, len(ids), size)]


@shared_task(acks_late=True, ignore_result=True)
def fan_out_video(video_id: int) -> None:
    """Send a published video live to the followers online now, then write it into every follower's feed,
    in chunks, each its own task; big accounts' videos are merged at read time instead."""
    video = Video.objects.select_related("author").filter(pk=video_id).first()
    if video is None:
        return
    audience = list(feed_audience(video).order_by("pk").values_list("pk", flat=True))
    # Live first, so that how long the feeds take to write never delays the event.
    services.video_push_to_online(video_id=video_id, user_ids=audience)
    if store.is_big_account(video.author):
        store.remember_big_author_video(video.author_id, video.pk)
        return
    for chunk in _chunks(audience):
        fan_out_chunk.delay(video_id, chunk)


@shared_task(acks_late=True, ignore_result=True)
def fan_out_chunk(video_id: int, follower_ids: list[int]) -> None:
    store.fan_out(video_id, follower_ids)


@shared_task(acks_late=True, ignore_result=True)
def remove_from_feeds(video_id: int, author_id: int) -> None:
    store.forget_big_author_video(author_id, video_id)
    follower_ids = list(Follow.objects.filter(followee_id=author_id).values_list("follower_id", flat=True))
    for chunk in _chunks(follower_ids):
        store.remove_video(video_id, chunk)


@shared_task(acks_late=True, ignore_result=True)
def merge_followed_author(follower_id: int, author_id: int) -> None:
    recent = Video.objects.filter(author_id=author_id, status=Video.Status.PUBLISHED).order_by("-id")
    store.add_to_home(follower_id, list(recent.values_list("id", flat=True)[: store.cap()]))


@shared_task(acks_late=True, ignore_result=True)
def embed_video(video_id: int) -> None:
    video = Video.objects.filter(pk=video_id).first()
    if video is not None:
        services.video_embed(video=video)
