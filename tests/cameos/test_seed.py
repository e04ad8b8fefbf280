import pytest
from django.core.management import CommandError, call_command

from cameos.models import Cameo
from cameos.selectors import cameos_available
from sora_social.accounts.models import User

pytestmark = pytest.mark.django_db


def test_demo_cameos_follow_the_consent_rules_and_are_seeded_once(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError):
        call_command("seed_demo_cameos")  # the demo people come first
    call_command("seed_demo")
    call_command("seed_demo_cameos")
    assert dict(Cameo.objects.values_list("handle", "status")) == {
        "sir_corgi": "active",
        "boltbot": "active",
        "bob_ross_ish": "pending_verification",
    }
    available = {
        name: set(cameos_available(user=User.objects.get(username=name)).values_list("handle", flat=True))
        for name in ("alice", "carol", "dave")
    }
    assert available == {
        "alice": {"sir_corgi", "boltbot"},
        "carol": {"sir_corgi"},
        "dave": {"sir_corgi", "boltbot"},
    }
    call_command("seed_demo_cameos")
    assert Cameo.objects.count() == 3


def test_demo_cameos_refuse_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo_cameos")
