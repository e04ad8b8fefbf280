import pytest
from django.core.management import CommandError, call_command

from feed.models import Comment, Like, Notification, Video
from sora_social.core.media import probe_video

pytestmark = pytest.mark.django_db


def test_demo_videos_are_real_published_and_seeded_once(settings, django_capture_on_commit_callbacks):
    settings.DEBUG = True
    with pytest.raises(CommandError):
        call_command("seed_demo_videos")  # the demo people come first
    call_command("seed_demo")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo_videos")
    published = Video.objects.filter(status=Video.Status.PUBLISHED)
    assert published.count() == 6
    assert Video.objects.filter(status=Video.Status.DRAFT).count() == 4
    video = published.order_by("id").first()
    with video.video_file.open("rb") as handle:
        info = probe_video(handle.read())
    assert (info.width, info.height, info.frame_count) == (160, 96, 24)
    assert Like.objects.count() == 4 and Comment.objects.count() == 2
    assert Notification.objects.filter(kind__in=["like", "comment"]).count() == 6
    call_command("seed_demo_videos")
    assert Video.objects.count() == 10


def test_demo_videos_refuse_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo_videos")
