"""``manage.py seed_demo_videos``: videos for the demo world of ``seed_demo``.

Each demo person gets a few short real MP4s (a moving pattern encoded with PyAV, since the video model
comes later), published with captions through the feed services, plus one draft waiting in their list;
some likes and comments follow, so feeds, counts and notifications have something to show. It does
nothing when the demo people already have videos, and refuses to run with ``DEBUG`` off unless ``--force``.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from feed import services
from feed.models import Video
from sora_social.accounts.models import User
from sora_social.core.media import poster_jpeg, test_pattern
from toolkit.mp4 import encode_mp4

# username -> (prompt, caption, visibility) of the videos they publish.
DEMO_VIDEOS: dict[str, list[tuple[str, str, str]]] = {
    "alice": [
        ("a white rabbit checks a pocket watch and runs down a hole", "late, as usual", "public"),
        ("a tea party in a garden, the cups refill themselves", "unbirthday vibes", "followers"),
    ],
    "bob": [
        ("a happy little cloud drifts over snowy mountains at dawn", "happy little clouds", "public"),
        ("painting a lake that ripples when the brush touches it", "for my mutuals only", "mutuals"),
    ],
    "carol": [("a corgi detective in a rainy noir alley", "he has range", "public")],
    "dave": [("a skateboarder kickflips in zero gravity above the moon", "one small kickflip", "public")],
}
DRAFT = ("a red ball drops onto the floor and bounces twice", "")
LIKES = [("bob", "alice"), ("carol", "alice"), ("alice", "bob"), ("dave", "carol")]
COMMENTS = [("bob", "alice", "The watch is a nice touch."), ("alice", "dave", "How did you land that?")]


class Command(BaseCommand):
    help = "Seed the demo people's videos, likes and comments (after seed_demo)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--force", action="store_true", help="Seed even though DEBUG is off.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("DEBUG is off: refusing to create demo videos. Pass --force if you mean it.")
        people = {user.username: user for user in User.objects.filter(username__in=DEMO_VIDEOS)}
        if len(people) < len(DEMO_VIDEOS):
            raise CommandError("Run seed_demo first: the demo people do not exist.")
        if Video.objects.filter(author__in=people.values()).exists():
            self.stdout.write("Demo videos already exist; nothing to do.")
            return
        with transaction.atomic():
            first: dict[str, Video] = {}
            for seed, (username, videos) in enumerate(DEMO_VIDEOS.items()):
                author = people[username]
                for offset, (prompt, caption, visibility) in enumerate(videos):
                    video = services.video_publish(
                        video=self._draft(author, prompt, seed * 10 + offset),
                        actor=author,
                        caption=caption,
                        visibility=visibility,
                        allow_remix=True,
                    )
                    first.setdefault(username, video)
                self._draft(author, DRAFT[0], seed * 10 + 9)
            for liker, liked in LIKES:
                services.like_create(video=first[liked], user=people[liker])
            for commenter, commented, text in COMMENTS:
                services.comment_create(video=first[commented], author=people[commenter], text=text)
        count = Video.objects.filter(author__in=people.values()).count()
        self.stdout.write(f"Seeded {count} demo videos (one draft each), with likes and comments.")

    def _draft(self, author: User, prompt: str, seed: int) -> Video:
        frames = test_pattern(frames=24, width=160, height=96, seed=seed)
        return services.video_create_draft(
            author=author,
            video_bytes=encode_mp4(frames, fps=12),
            poster_bytes=poster_jpeg(frames[0]),
            prompt=prompt,
        )
