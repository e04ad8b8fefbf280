"""Reactions to the layer below (accounts): a follow notifies the followed and fills the follower's feed."""

from typing import Any

from django.db import transaction
from django.dispatch import receiver

from feed import tasks
from feed.models import Notification
from feed.services import notification_create
from sora_social.accounts.models import User
from sora_social.accounts.signals import follow_created


@receiver(follow_created)
def on_follow(sender: Any, *, follower: User, followee: User, **kwargs: Any) -> None:
    """Notify the person followed, and bring their recent videos into the follower's feed."""
    notification_create(recipient=followee, kind=Notification.Kind.FOLLOW, actor=follower)
    transaction.on_commit(lambda: tasks.merge_followed_author.delay(follower.pk, followee.pk))
