"""Every write to remix lineage."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from feed.models import Notification, Video
from feed.services import notification_create
from feed.visibility import visible_videos
from sora_social.accounts.models import User


@transaction.atomic
def remix_record(*, video: Video, parent: Video) -> None:
    """Make ``video``, a new draft, a remix of ``parent``: its place in the chain (parent, root, depth), and
    one more on the parent's count at once, with an atomic increment, so concurrent remixes lose no count."""
    video.remix_of, video.remix_root, video.remix_depth = (
        parent,
        parent.remix_root or parent,
        parent.remix_depth + 1,
    )
    video.save(update_fields=["remix_of", "remix_root", "remix_depth"])
    Video.objects.filter(pk=parent.pk).update(remix_count=F("remix_count") + 1)


def remix_notify_published(*, video: Video, actor: User) -> None:
    """Tell the parent's author that a remix of their video came out (``video``, just published), if the
    parent is still up and they may see the remix (a followers-only remix by someone they do not follow is
    not theirs to see)."""
    if video.remix_of_id is None:
        return
    parent = Video.objects.select_related("author").filter(pk=video.remix_of_id).first()
    if parent is None or parent.status != Video.Status.PUBLISHED:
        return
    if visible_videos(parent.author).filter(pk=video.pk).exists():
        notification_create(recipient=parent.author, kind=Notification.Kind.REMIX, actor=actor, video=video)
