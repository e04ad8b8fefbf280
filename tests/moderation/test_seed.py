import pytest
from django.core.management import CommandError, call_command

from moderation.models import Flag, Report, ReviewItem

pytestmark = pytest.mark.django_db


def test_demo_reports_fill_the_queue_once(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError):
        call_command("seed_demo_reports")  # the demo people and videos come first
    call_command("seed_demo")
    call_command("seed_demo_videos")
    call_command("seed_demo_reports")
    items = ReviewItem.objects.filter(status="open")
    assert sorted(items.values_list("target_type", flat=True)) == ["comment", "video"]
    assert Report.objects.count() == 3
    assert Flag.objects.get().kind == "term_match"
    call_command("seed_demo_reports")
    assert Report.objects.count() == 3


def test_demo_reports_refuse_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo_reports")
