"""``manage.py seed_demo``: a small demo world for ``make run``.

Four people who follow each other (alice and bob are mutuals, so are carol and dave), a moderator ``mod``
in the ``moderators`` group and a superuser ``root_admin`` for the Django admin, all with one shared
password. It goes through the accounts services, changes nothing on a second run (existing accounts are
left as they are) and prints the logins each time. It refuses to run with ``DEBUG`` off unless
``--force`` is given, so demo accounts never land in production by accident.
"""

from __future__ import annotations

from argparse import ArgumentParser
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from sora_social.accounts import services
from sora_social.accounts.models import User
from sora_social.accounts.selectors import MODERATORS_GROUP
from sora_social.core.errors import Forbidden

DEMO_PASSWORD = "sora-demo-2025"


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    bio: str
    role: str = "user"


DEMO_USERS = (
    DemoUser("alice", "Alice Liddell", "Cats, clocks and long tea parties, rendered at 24 fps."),
    DemoUser("bob", "Bob Ross (no relation)", "Happy little clouds over happy little mountains."),
    DemoUser("carol", "Carol", "Makes my corgi star in noir films. He has range."),
    DemoUser("dave", "Dave", "Skateboarding in zero gravity, one remix at a time."),
    DemoUser("mod", "Moderator", "Keeps the place kind. Report things, I read them.", role="moderator"),
)
ADMIN = DemoUser("root_admin", "Site admin", "Runs the Django admin.", role="admin (Django admin, /admin/)")

# follower -> followee; alice<->bob and carol<->dave are mutuals.
DEMO_FOLLOWS = (
    ("alice", "bob"),
    ("bob", "alice"),
    ("carol", "alice"),
    ("dave", "alice"),
    ("bob", "carol"),
    ("carol", "dave"),
    ("dave", "carol"),
)


class Command(BaseCommand):
    help = "Seed a demo world (users who follow each other, a moderator, an admin) and print the logins."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--force", action="store_true", help="Seed even though DEBUG is off.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("DEBUG is off: refusing to create demo accounts. Pass --force if you mean it.")
        with transaction.atomic():
            users = {demo.username: self._ensure_user(demo) for demo in DEMO_USERS}
            self._ensure_admin()
            users["mod"].groups.add(Group.objects.get(name=MODERATORS_GROUP))
            # Staff status lets the moderator into the Django admin, where the queue can be worked too.
            User.objects.filter(pk=users["mod"].pk).update(is_staff=True)
            for follower, followee in DEMO_FOLLOWS:
                try:
                    services.follow_create(follower=users[follower], followee=users[followee])
                except Forbidden:
                    self.stderr.write(f"{follower} cannot follow {followee}: one blocks the other; skipped.")
        self._print_logins()

    def _ensure_user(self, demo: DemoUser) -> User:
        existing = User.objects.filter(username__iexact=demo.username).first()
        if existing is not None:
            return existing
        user = services.user_register(username=demo.username, password=DEMO_PASSWORD)
        return services.user_profile_update(user=user, display_name=demo.display_name, bio=demo.bio)

    def _ensure_admin(self) -> None:
        # "admin" and "root" are reserved for sign-ups, so the superuser is made by the manager directly.
        if not User.objects.filter(username__iexact=ADMIN.username).exists():
            User.objects.create_superuser(
                username=ADMIN.username, email="", password=DEMO_PASSWORD, display_name=ADMIN.display_name
            )

    def _print_logins(self) -> None:
        rows = [(demo.username, demo.role) for demo in (*DEMO_USERS, ADMIN)]
        width = max(len(username) for username, _ in rows) + 2
        self.stdout.write(self.style.SUCCESS("Demo logins:"))
        self.stdout.write(f"  {'username':<{width}}{'password':<{len(DEMO_PASSWORD) + 2}}role")
        for username, role in rows:
            self.stdout.write(f"  {username:<{width}}{DEMO_PASSWORD:<{len(DEMO_PASSWORD) + 2}}{role}")
