"""Reactions to the layers below: a block or an unfollow withdraws the appearances of each side's cameos in
the other's videos that the rules no longer allow (an unfollow ends ``mutuals``)."""

from typing import Any

from django.dispatch import receiver

from cameos.services import cameo_appearances_reconcile_between
from sora_social.accounts.models import User
from sora_social.accounts.signals import block_created, follow_deleted


@receiver(block_created)
def on_block(sender: Any, *, blocker: User, blocked: User, **kwargs: Any) -> None:
    cameo_appearances_reconcile_between(a=blocker, b=blocked, reason="block")


@receiver(follow_deleted)
def on_unfollow(sender: Any, *, follower: User, followee: User, **kwargs: Any) -> None:
    cameo_appearances_reconcile_between(a=follower, b=followee, reason="unfollow")
