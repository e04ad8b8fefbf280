"""Reactions to events of the layer below (accounts): a follow notifies the person followed."""

from typing import Any

from django.dispatch import receiver

from feed.models import Notification
from feed.services import notification_create
from sora_social.accounts.models import User
from sora_social.accounts.signals import follow_created


@receiver(follow_created)
def notify_followed(sender: Any, *, follower: User, followee: User, **kwargs: Any) -> None:
    notification_create(recipient=followee, kind=Notification.Kind.FOLLOW, actor=follower)
