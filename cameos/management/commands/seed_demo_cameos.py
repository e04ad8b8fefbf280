"""``manage.py seed_demo_cameos``: cameos for the demo world of ``seed_demo``.

carol's corgi (a ``character``, usable by everyone), dave's robot (a ``character`` for approved people,
with alice approved) and bob's own likeness (``self``, waiting for his verification recording), all made
through the cameo services with procedurally drawn reference images, so ``/cameos/available/`` and the
consent rules have something to show. It does nothing when the demo people already have cameos, and
refuses to run with ``DEBUG`` off unless ``--force``.
"""

from __future__ import annotations

import io
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from PIL import Image, ImageDraw

from cameos import services
from cameos.models import Cameo
from sora_social.accounts.models import User

# owner -> (kind, handle, display name, audience, preferences, colour, approved usernames)
DEMO_CAMEOS = [
    ("carol", "character", "sir_corgi", "Sir Corgi", "everyone", "always wearing a tiny detective hat",
     (214, 150, 70), ()),
    ("dave", "character", "boltbot", "Boltbot", "approved", "never in scary scenes", (90, 140, 220),
     ("alice",)),
    ("bob", "self", "bob_ross_ish", "Bob", "mutuals", "", (120, 180, 110), ()),
]  # fmt: skip


def reference_image(colour: tuple[int, int, int], variant: int) -> ContentFile:
    """A simple drawn figure in ``colour`` on a plain background, shifted a little per ``variant``."""
    image = Image.new("RGB", (256, 256), (235, 235, 225))
    draw = ImageDraw.Draw(image)
    x = 128 + (variant - 1) * 12
    draw.ellipse((x - 50, 40, x + 50, 140), fill=colour)
    draw.rectangle((x - 60, 140, x + 60, 240), fill=tuple(value // 2 for value in colour))
    for eye in (x - 20, x + 20):
        draw.ellipse((eye - 8, 80, eye + 8, 96), fill=(20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return ContentFile(buffer.getvalue(), name=f"reference{variant}.jpg")


class Command(BaseCommand):
    help = "Seed the demo people's cameos (after seed_demo)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--force", action="store_true", help="Seed even though DEBUG is off.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("DEBUG is off: refusing to create demo cameos. Pass --force if you mean it.")
        usernames = {owner for owner, *_ in DEMO_CAMEOS} | {
            name for *_, approved in DEMO_CAMEOS for name in approved
        }
        people = {user.username: user for user in User.objects.filter(username__in=usernames)}
        if len(people) < len(usernames):
            raise CommandError("Run seed_demo first: the demo people do not exist.")
        if Cameo.objects.filter(owner__in=people.values()).exists():
            self.stdout.write("Demo cameos already exist; nothing to do.")
            return
        with transaction.atomic():
            for owner, kind, handle, name, audience, preferences, colour, approved in DEMO_CAMEOS:
                cameo = services.cameo_create(
                    owner=people[owner],
                    kind=kind,
                    handle=handle,
                    display_name=name,
                    audience=audience,
                    preferences=preferences,
                    reference_images=[reference_image(colour, variant) for variant in range(3)],
                )
                for username in approved:
                    services.cameo_approval_grant(cameo=cameo, username=username, actor=people[owner])
        self.stdout.write(f"Seeded {len(DEMO_CAMEOS)} demo cameos.")
