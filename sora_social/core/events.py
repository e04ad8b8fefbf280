"""Events to users' live connections, sent only after the transaction commits.

Each user has an event log: a Redis stream ``events:user:<id>`` whose entry ids are the event ids that
clients see. ``publish_event`` appends to the logs of the given users once the surrounding transaction
commits (never for a rolled-back one), then publishes one hint on ``HINT_CHANNEL`` for all of them. The hint
carries the event itself and, per recipient, the id of the new entry and of the entry before it; every server
process hands it to its sockets of those users (``realtime.dispatch``). A socket that last sent exactly that
previous entry sends the event straight from the hint; any other socket (it missed something, or it is
replaying) reads its log from where it stopped. The log, not the hint, is the truth, so a socket never skips
an event and a reconnecting client can ``resume`` from the last id it saw. Entries are kept for
``EVENT_RETENTION_SECONDS`` (at least 24 hours).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any

import redis.connection
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from sora_social.core.ids import parse_decimal
from sora_social.core.redis import get_redis

logger = logging.getLogger(__name__)

MAX_STREAM_PART = (1 << 64) - 1


def hint_channel(redis_url: str) -> str:
    """The pub/sub channel of the event hints. Redis delivers a publish to subscribers on every logical
    database, so the channel carries the database's number: two deployments (or test workers) sharing one
    server on different databases never hear each other."""
    return f"events:hint:{redis.connection.parse_url(redis_url).get('db', 0)}"


HINT_CHANNEL = hint_channel(settings.REDIS_URL)
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


def publish_event_now(user_ids: Iterable[int], type: str, data: Mapping[str, Any]) -> None:
    """Deliver an event at once, not after commit: for a writer whose events must keep the order of its
    row lock (it sends while holding the lock, so a later writer's events come after). Only for changes
    that cannot roll back once made, such as one UPDATE about to commit."""
    recipients = sorted({int(user_id) for user_id in user_ids})
    if recipients:
        deliver_event(recipients, type, json.dumps(data, cls=DjangoJSONEncoder))


# Appends one event to each log in KEYS and returns, per log, the id of the entry before it and its own id:
# in one script, so that no other append can come between the two. (All keys in one call: one Redis server,
# or one hash slot in a cluster.)
_APPEND_SCRIPT = """
local appended = {}
for _, key in ipairs(KEYS) do
  local last = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
  local previous = last[1] and last[1][1] or '0-0'
  local id = redis.call('XADD', key, 'MINID', '~', ARGV[3], '*', 'type', ARGV[1], 'data', ARGV[2])
  redis.call('EXPIRE', key, ARGV[4])
  appended[#appended + 1] = previous
  appended[#appended + 1] = id
end
return appended
"""


DELIVERY_BATCH = 1000  # users per script call and per hint: Redis runs one script at a time


def deliver_event(user_ids: list[int], type: str, payload: str) -> None:
    retention = settings.EVENT_RETENTION_SECONDS
    oldest_kept = f"{int((time.time() - retention) * 1000)}-0"
    client = get_redis()
    for start in range(0, len(user_ids), DELIVERY_BATCH):
        batch = user_ids[start : start + DELIVERY_BATCH]
        keys = [event_log_key(user_id) for user_id in batch]
        appended = client.eval(_APPEND_SCRIPT, len(keys), *keys, type, payload, oldest_kept, retention)
        entries = [
            [user_id, previous, entry_id]
            for user_id, previous, entry_id in zip(batch, appended[::2], appended[1::2], strict=True)
        ]
        client.publish(HINT_CHANNEL, json.dumps({"type": type, "data": payload, "entries": entries}))


def frame(event_id: str, type: str, payload: str) -> str:
    """The text a socket sends for one event: ``{"id", "type", "data"}``, with ``payload`` (the event's
    data, already JSON) spliced in rather than decoded and encoded again."""
    return f'{{"id": "{event_id}", "type": {json.dumps(type)}, "data": {payload}}}'


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
    """An event id a client sends back, ``<milliseconds>-<sequence>`` (two unsigned 64-bit numbers, as Redis
    stream ids are), or None for anything else."""
    if not isinstance(value, str):
        return None
    raw_ms, dash, raw_sequence = value.partition("-")
    ms = parse_decimal(raw_ms, highest=MAX_STREAM_PART)
    sequence = parse_decimal(raw_sequence, highest=MAX_STREAM_PART)
    return f"{ms}-{sequence}" if dash and ms is not None and sequence is not None else None


def read_events(client: Any, user_id: int, after: str, *, until: str = "+", count: int = 500) -> Any:
    """Entries of a user's log strictly after ``after`` (up to ``until``), oldest first.

    ``client`` is a sync or asyncio Redis client; the call returns what its ``xrange`` returns: pairs of an
    entry id and its fields (``type``, ``data``), for ``frame`` or ``decode_events``.
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


def account_group(user_id: int) -> str:
    """Every socket of one user, whatever it was opened with: closed when the account is suspended."""
    return f"account.{user_id}"


def session_group(session_key: str) -> str:
    return f"session.{hashlib.sha256(session_key.encode()).hexdigest()[:40]}"
