"""What moderation does when the layers below tell it something (``sora_social.core.hooks``), all in the
sender's transaction: safety signals become flags on review items, and a restricted account cannot
publish."""

from feed.hooks import Publishing, video_publishing
from moderation.services import flag_from_signal, restriction_check_publishing
from sora_social.core.safety import signalled


def on_publishing(publishing: Publishing) -> None:
    restriction_check_publishing(actor=publishing.actor)


def subscribe() -> None:
    signalled.subscribe(flag_from_signal)
    video_publishing.subscribe(on_publishing)
