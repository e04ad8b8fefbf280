"""The hand-built representations of videos and users say exactly what their declared fields (the OpenAPI
schema) say, field by field, in every state a video can be in."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.test import RequestFactory
from rest_framework import serializers
from rest_framework.request import Request

from feed.models import Video
from feed.serializers import VideoSerializer
from feed.services import video_take_down
from sora_social.accounts.api import UserSummarySerializer
from tests.feed.conftest import tiny_media


def field_by_field(serializer: serializers.Serializer, instance: object) -> dict:
    return dict(serializers.Serializer.to_representation(serializer, instance))


def test_video_representation_matches_its_fields(alice, bob, carol, make_video):
    context = {"request": Request(RequestFactory().get("/")), "liked_ids": set()}
    bob.avatar.save("a.jpg", ContentFile(tiny_media()[1]))
    draft = make_video(alice, publish=False, cameo_owners=(bob, carol))
    published = make_video(bob, caption="hello", visibility="mutuals")
    remix = Video.objects.create(
        author=carol,
        status=Video.Status.DRAFT,
        width=32,
        height=24,
        duration_seconds=1,
        fps=8,
        remix_of=published,
        remix_root=published,
        remix_depth=1,
        video_file="v.mp4",
        poster_file="p.jpg",
    )
    removed = video_take_down(video=make_video(alice), reason=Video.Removal.MODERATION)
    context["liked_ids"] = {published.pk}
    videos = Video.objects.select_related("author").prefetch_related("featured_cameos__owner")
    for video in videos.filter(pk__in=[draft.pk, published.pk, remix.pk, removed.pk]):
        serializer = VideoSerializer(context=context)
        fast = serializer.to_representation(video)
        assert fast == field_by_field(serializer, video), video.status
        assert list(fast) == list(serializer.fields)
    assert VideoSerializer(videos.get(pk=removed.pk), context=context).data["media"] is None
    assert VideoSerializer(videos.get(pk=published.pk), context=context).data["liked_by_me"] is True


def test_user_summary_matches_its_fields(alice, bob):
    bob.avatar.save("a.jpg", ContentFile(tiny_media()[1]))
    for user in (alice, bob):
        serializer = UserSummarySerializer(context={"request": None})
        assert serializer.to_representation(user) == field_by_field(serializer, user)
