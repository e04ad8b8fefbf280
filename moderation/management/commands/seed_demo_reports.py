"""``manage.py seed_demo_reports``: something in the demo moderator's queue (after ``seed_demo_videos``).

dave leaves a spammy comment on bob's cloud video, which the term list flags, and carol reports it; alice
and carol report dave's kickflip video. Everything goes through the moderation services, as the API does.
It does nothing once there are reports, and refuses to run with ``DEBUG`` off unless ``--force``.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from feed.models import Video
from feed.services import comment_create
from moderation.models import Report
from moderation.services import report_create
from sora_social.accounts.models import User

SPAM_COMMENT = "free crypto giveaway!! whatsapp me for the link"


class Command(BaseCommand):
    help = "Seed a few reports and flags for the demo moderator (after seed_demo_videos)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--force", action="store_true", help="Seed even though DEBUG is off.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("DEBUG is off: refusing to create demo reports. Pass --force if you mean it.")
        people = {
            user.username: user
            for user in User.objects.filter(username__in=("alice", "carol", "dave", "bob"))
        }
        first = {
            username: Video.objects.filter(author=people.get(username), status=Video.Status.PUBLISHED)
            .order_by("id")
            .first()
            for username in ("bob", "dave")
        }
        videos = {username: video for username, video in first.items() if video is not None}
        if len(people) < 4 or len(videos) < 2:
            raise CommandError("Run seed_demo and seed_demo_videos first.")
        if Report.objects.exists():
            self.stdout.write("Demo reports already exist; nothing to do.")
            return
        with transaction.atomic():
            comment = comment_create(video=videos["bob"], author=people["dave"], text=SPAM_COMMENT)
            report_create(
                reporter=people["carol"], target_type="comment", target_id=comment.pk, reason="spam"
            )
            for reporter in ("alice", "carol"):
                report_create(
                    reporter=people[reporter],
                    target_type="video",
                    target_id=videos["dave"].pk,
                    reason="other",
                    note="Looks copied from someone else's clip.",
                )
        self.stdout.write("Seeded demo reports: two items wait in the moderation queue.")
