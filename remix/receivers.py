"""What the remix app does when the layers below tell it something (``sora_social.core.hooks``), in the
sender's transaction: a published remix is announced to its parent's author."""

from feed.hooks import Published, video_published
from remix.services import remix_notify_published


def on_published(published: Published) -> None:
    remix_notify_published(video=published.video, actor=published.actor)


def subscribe() -> None:
    video_published.subscribe(on_published)
