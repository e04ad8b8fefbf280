"""Events to users' live connections, sent only after the transaction commits.

Each user has an event log: a Redis stream ``events:user:<id>`` whose entry ids are the event ids that
clients see. ``publish_event`` appends to the logs of the given users once the surrounding transaction
commits (never for a rolled-back one), then publishes one hint naming the recipients on ``HINT_CHANNEL``;
every server process wakes its sockets of those users (``realtime.dispatch``), which read their log from
where they stopped. The log, not the hint, is the truth, so a socket never skips an event and a
reconnecting client can ``resume`` from the last id it saw. Entries are kept for
``EVENT_RETENTION_SECONDS`` (at least 24 hours).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from sora_social.core.redis import get_redis

logger = logging.getLogger(__name__)

EVENT_ID_PATTERN = re.compile(r"^\d{1,20}-\d{1,20}$")
HINT_CHANNEL = "events:hint"
REVOKE_MESSAGE = {"type": "auth.revoked"}


def event_log_key(user_id: int) -> str:
    return f"events:user:{user_id}"


def publish_event(user_ids: Iterable[int], type: str, data: Mapping[str, Any]) -> None:
    """Deliver ``{"id", "type", "data"}`` to each user's sockets and event log after commit.

    ``data`` is serialised now, so the event shows the state as of this call.
    """
    recipients = sorted({int(user_id) for user_id in user_ids})
    if not recipients:
        return
    payload = json.dumps(data, cls=DjangoJSONEncoder)
    transaction.on_commit(lambda: deliver_event(recipients, type, payload), robust=True)


def deliver_event(user_ids: list[int], type: str, payload: str) -> None:
    retention = settings.EVENT_RETENTION_SECONDS
    oldest_kept = f"{int((time.time() - retention) * 1000)}-0"
    pipe = get_redis().pipeline(transaction=False)
    for user_id in user_ids:
        key = event_log_key(user_id)
        pipe.xadd(key, {"type": type, "data": payload}, minid=oldest_kept, approximate=True)
        pipe.expire(key, retention)
    pipe.publish(HINT_CHANNEL, ",".join(map(str, user_ids)))
    pipe.execute()


def close_sockets(groups: Iterable[str]) -> None:
    """After commit, close every socket that joined one of ``groups`` (a revoked token or session)."""
    targets = list(groups)
    if targets:
        transaction.on_commit(lambda: send_to_groups(targets, REVOKE_MESSAGE), robust=True)


def send_to_groups(groups: list[str], message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return

    async def send_all() -> None:
        for group in groups:
            await layer.group_send(group, message)

    async_to_sync(send_all)()


def parse_event_id(value: Any) -> str | None:
    return value if isinstance(value, str) and EVENT_ID_PATTERN.match(value) else None


def read_events(client: Any, user_id: int, after: str, *, until: str = "+", count: int = 500) -> Any:
    """Entries of a user's log strictly after ``after`` (up to ``until``), oldest first, as events.

    ``client`` is a sync or asyncio Redis client; the call returns what its ``xrange`` returns, to be
    decoded with ``decode_events``.
    """
    return client.xrange(event_log_key(user_id), min=f"({after}", max=until, count=count)


def decode_events(entries: list[tuple[str, dict[str, str]]]) -> list[dict[str, Any]]:
    return [
        {"id": entry_id, "type": fields["type"], "data": json.loads(fields["data"])}
        for entry_id, fields in entries
    ]


def oldest_retained_id() -> str:
    """The oldest event id a resume can still ask for without a gap (older ones may be trimmed)."""
    return f"{int((time.time() - settings.EVENT_RETENTION_SECONDS) * 1000)}-0"


def token_group(token_id: int) -> str:
    return f"token.{token_id}"


def session_group(session_key: str) -> str:
    return f"session.{hashlib.sha256(session_key.encode()).hexdigest()[:40]}"
