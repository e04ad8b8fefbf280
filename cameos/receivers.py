"""What the cameos app does when the layers below tell it something (``sora_social.core.hooks``), all in the
sender's transaction: a block or an unfollow withdraws the appearances of each side's cameos in the other's
videos that the rules no longer allow (an unfollow ends ``mutuals``), and a draft is published only if its
author may still use every cameo in it."""

from cameos.services import cameo_appearances_reconcile_between, cameo_uses_check
from feed.hooks import Publishing, video_publishing
from sora_social.accounts.hooks import Blocking, Following, block_created, follow_deleted


def on_block(blocking: Blocking) -> None:
    cameo_appearances_reconcile_between(a=blocking.blocker, b=blocking.blocked, reason="block")


def on_unfollow(following: Following) -> None:
    cameo_appearances_reconcile_between(a=following.follower, b=following.followee, reason="unfollow")


def on_publishing(publishing: Publishing) -> None:
    cameo_uses_check(video=publishing.video, actor=publishing.actor)


def subscribe() -> None:
    block_created.subscribe(on_block)
    follow_deleted.subscribe(on_unfollow)
    video_publishing.subscribe(on_publishing)
