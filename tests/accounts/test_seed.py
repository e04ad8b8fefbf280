import pytest
from django.core.management import CommandError, call_command

from sora_social.accounts.models import Follow, User

pytestmark = pytest.mark.django_db


def test_seed_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert User.objects.count() == 0


def test_seed_builds_the_demo_world_once(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    printed = capsys.readouterr().out
    assert "alice" in printed and "sora-demo-2025" in printed
    alice = User.objects.get(username="alice")
    assert (alice.follower_count, alice.following_count) == (Follow.objects.filter(followee=alice).count(), 1)
    assert User.objects.get(username="mod").groups.filter(name="moderators").exists()
    assert User.objects.get(username="root_admin").is_superuser
    counts = (User.objects.count(), Follow.objects.count())
    call_command("seed_demo", "--force")
    assert (User.objects.count(), Follow.objects.count()) == counts
