"""What feed tells the layers above it (``sora_social.core.hooks``)."""

from __future__ import annotations

from dataclasses import dataclass

from feed.models import Video
from sora_social.accounts.models import User
from sora_social.core.hooks import Hook


@dataclass(frozen=True)
class Publishing:
    video: Video  # the draft, locked, before it changes
    actor: User


# A draft is about to be published, inside ``video_publish``'s transaction once feed's own rules passed: a
# subscriber refuses by raising an ``ApiError`` (the cameos' consent, moderation's restrictions).
video_publishing: Hook[Publishing] = Hook("feed.video_publishing")


@dataclass(frozen=True)
class Published:
    video: Video  # just published, as saved
    actor: User


# A draft was published, inside ``video_publish``'s transaction after it was saved: what a subscriber writes
# commits or rolls back with the publish (remix tells the parent's author).
video_published: Hook[Published] = Hook("feed.video_published")
