"""One-time tickets that let a client without cookies (a mobile app) open the event socket."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from sora_social.core.redis import get_redis

TICKET_PREFIX = "ws:ticket:"


@dataclass(frozen=True)
class Ticket:
    key: str
    expires_at: datetime


def realtime_ticket_create(*, user_id: int, token_id: int | None, session_key: str | None) -> Ticket:
    """A ticket valid for one connection within the TTL, bound to the token or session that asked for it
    (so revoking that token also closes the socket opened with the ticket)."""
    key = secrets.token_urlsafe(32)
    ttl = settings.WEBSOCKET_TICKET_TTL_SECONDS
    grant = {"user_id": user_id, "token_id": token_id, "session_key": session_key}
    get_redis().set(TICKET_PREFIX + key, json.dumps(grant), ex=ttl)
    return Ticket(key=key, expires_at=timezone.now() + timedelta(seconds=ttl))
