"""Every write to remix lineage."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from feed.models import Video


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
