"""What feed does when the layer below (accounts) tells it something (``sora_social.core.hooks``): a follow
notifies the followed, in the follow's transaction, and once it commits brings their recent videos into the
follower's feed."""

from feed import tasks
from feed.models import Notification
from feed.services import notification_create
from sora_social.accounts.hooks import Following, follow_created


def notify_followed(following: Following) -> None:
    notification_create(recipient=following.followee, kind=Notification.Kind.FOLLOW, actor=following.follower)


def merge_followed_author(following: Following) -> None:
    tasks.merge_followed_author.delay(following.follower.pk, following.followee.pk)


def subscribe() -> None:
    follow_created.subscribe(notify_followed)
    follow_created.subscribe_on_commit(merge_followed_author)
