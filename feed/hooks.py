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
