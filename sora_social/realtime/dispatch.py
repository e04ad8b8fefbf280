"""Handing new events to the sockets of their users, with one message per delivery however many users it
reaches: the sender publishes the event and its recipients on one Redis channel; each server process
listens once and hands it only to the sockets it holds. (One channel-layer group message per user cost
~0.4-0.9 ms each, in turn: most of a second for a thousand followers.)

The message is only a hint: a socket sends the event from it only if it follows on from the last event
that socket sent; otherwise it reads its user's event log from where it stopped. If a hint is lost (Redis
restarting, the listener resubscribing), the socket's heartbeat wakes it to read the log anyway.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections import defaultdict
from typing import Any, Protocol

import redis

from sora_social.core.events import HINT_CHANNEL, frame
from sora_social.core.redis import get_async_redis

logger = logging.getLogger(__name__)


class Wakeable(Protocol):
    def wake(self) -> None:
        """Read the event log from where you stopped."""

    def offer(self, previous_id: str, event_id: str, text: str) -> None:
        """The event ``event_id`` (as ``text``), which follows ``previous_id`` in your user's log."""


class _Listener:
    """The sockets of one event loop, by user, and the one subscription that wakes them."""

    def __init__(self) -> None:
        self.sockets: defaultdict[int, set[Wakeable]] = defaultdict(set)
        self.task: asyncio.Task[None] | None = None

    def add(self, user_id: int, socket: Wakeable) -> None:
        self.sockets[user_id].add(socket)
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self._listen())

    async def remove(self, user_id: int, socket: Wakeable) -> None:
        self.sockets[user_id].discard(socket)
        if not self.sockets[user_id]:
            del self.sockets[user_id]
        if not self.sockets and self.task is not None:
            task, self.task = self.task, None
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def _wake_all(self) -> None:
        for sockets in self.sockets.values():
            for socket in sockets:
                socket.wake()

    def _hand_out(self, hint: dict[str, Any]) -> None:
        for user_id, previous_id, event_id in hint["entries"]:
            if sockets := self.sockets.get(user_id):
                text = frame(event_id, hint["type"], hint["data"])
                for socket in sockets:
                    socket.offer(previous_id, event_id, text)

    async def _listen(self) -> None:
        while True:
            client = get_async_redis()
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(HINT_CHANNEL)
                # Anything published before the subscription took hold is in the logs: look once.
                self._wake_all()
                async for message in pubsub.listen():
                    self._hand_out(json.loads(message["data"]))
            except redis.RedisError:
                logger.warning("Event hints unavailable; resubscribing.", exc_info=True)
                await asyncio.sleep(1)
            finally:
                await pubsub.aclose()
                await client.aclose()


_listeners: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Listener] = weakref.WeakKeyDictionary()


def _listener() -> _Listener:
    return _listeners.setdefault(asyncio.get_running_loop(), _Listener())


def register(user_id: int, socket: Wakeable) -> None:
    _listener().add(user_id, socket)


async def unregister(user_id: int, socket: Wakeable) -> None:
    await _listener().remove(user_id, socket)
