from __future__ import annotations

from functools import partial
from typing import Any

from django.http import HttpRequest

from feed.selectors import unread_notification_count
from sora_social.accounts.models import User
from sora_social.accounts.selectors import user_is_moderator


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The navigation bar's unread-notification count and whether it shows the moderators' link, each found
    only when a template asks (templates call what they are given)."""
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {}
    return {
        "unread_notifications": partial(unread_notification_count, user=user),
        "is_moderator": partial(user_is_moderator, user),
    }
