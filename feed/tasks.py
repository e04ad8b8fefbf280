"""Celery entry points of the feed: fan-out of a published video, and its removal from feeds."""

from __future__ import annotations

from celery import shared_task

from feed import services
from feed.models import Video


@shared_task(acks_late=True, ignore_result=True)
def fan_out_video(video_id: int) -> None:
    services.video_fan_out(video_id=video_id)


@shared_task(acks_late=True, ignore_result=True)
def fan_out_chunk(video_id: int, follower_ids: list[int]) -> None:
    services.video_fan_out_chunk(video_id=video_id, follower_ids=follower_ids)


@shared_task(acks_late=True, ignore_result=True)
def remove_from_feeds(video_id: int, author_id: int) -> None:
    services.video_remove_from_feeds(video_id=video_id, author_id=author_id)


@shared_task(acks_late=True, ignore_result=True)
def merge_followed_author(follower_id: int, author_id: int) -> None:
    services.feed_merge_followed_author(follower_id=follower_id, author_id=author_id)


@shared_task(acks_late=True, ignore_result=True)
def embed_video(video_id: int) -> None:
    video = Video.objects.filter(pk=video_id).first()
    if video is not None:
        services.video_embed(video=video)
