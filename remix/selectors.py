"""Reads of remix lineage, and the rule for what may be remixed."""

from __future__ import annotations

from feed.models import Video
from feed.selectors import video_get_visible
from sora_social.accounts.models import User
from sora_social.core.errors import Forbidden


def remix_parent_for(*, user: User, video_id: int | str) -> Video:
    """The video ``user`` asks to remix: 404 when they may not see it, 403 ``remix_not_allowed`` when it is
    not published or its author turned remixing off."""
    parent = video_get_visible(viewer=user, video_id=video_id)
    if parent.status != Video.Status.PUBLISHED or not parent.allow_remix:
        raise Forbidden("This video cannot be remixed.", code="remix_not_allowed")
    return parent
