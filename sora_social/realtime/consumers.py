"""The event socket, ``/ws/events/``.

Authentication is the session cookie (browsers; the Origin must be one of ours) or a one-time ``ticket``
from ``POST /api/v1/realtime/ticket/``. The socket joins the channel-layer group of the token or session it
was opened with, so revoking that token closes it. Events come from the user's event log (``core.events``):
a hint (``realtime.dispatch``) wakes the socket, which reads the log from where it stopped, so events
arrive in log order, each once. A client resumes after a reconnect with ``{"type": "resume", "after":
"<last event id>"}`` (or ``?after=`` on the URL, which cannot race with live events): every retained event
after that id that this connection has not sent yet is replayed, in order.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qs, urlparse

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.http.request import split_domain_port, validate_host

from sora_social.accounts.models import AuthToken, User
from sora_social.core import events, parsers
from sora_social.core.redis import get_async_redis
from sora_social.realtime import dispatch, presence
from sora_social.realtime.services import TICKET_PREFIX

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN_ORIGIN = 4403
CLOSE_NOT_FOUND = 4404
BATCH = 500


def _id_key(event_id: str) -> tuple[int, int]:
    ms, seq = event_id.split("-")
    return int(ms), int(seq)


class AuthError(Exception):
    def __init__(self, code: str, detail: str, close_code: int = CLOSE_UNAUTHENTICATED) -> None:
        super().__init__(detail)
        self.code, self.detail, self.close_code = code, detail, close_code


@database_sync_to_async
def _active_user(user_id: int, token_id: int | None) -> User | None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None and token_id is not None and not AuthToken.objects.filter(pk=token_id).exists():
        return None
    return user


def _origin_allowed(scope: dict[str, Any]) -> bool:
    origin = dict(scope.get("headers", [])).get(b"origin")
    if not origin:
        return False
    host = urlparse(origin.decode("latin1")).netloc
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


class EventsConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.joined: list[str] = []
        self.redis = get_async_redis()
        query = parse_qs(self.scope.get("query_string", b"").decode("latin1"))
        try:
            self.user_id, auth_group = await self._authenticate(query)
        except AuthError as error:
            await self.accept()
            await self.send_json({"type": "error", "data": {"code": error.code, "detail": error.detail}})
            await self.close(code=error.close_code)
            return
        for group in (auth_group, events.account_group(self.user_id)):
            await self.channel_layer.group_add(group, self.channel_name)
            self.joined.append(group)
        # Listen for hints before reading the log's tip, so no event can fall between the two.
        self.woken = asyncio.Event()
        self.offered: list[tuple[str, str, str]] = []
        self.read_log = False
        self.sending = asyncio.Lock()
        dispatch.register(self.user_id, self)
        self.registered = True
        # Everything after the tip is delivered live; everything up to it only on resume.
        latest = await self.redis.xrevrange(events.event_log_key(self.user_id), count=1)
        self.cursor: str = str(latest[0][0]) if latest else "0-0"
        self.replay_floor: str = self.cursor
        await self.accept()
        self.tasks = [asyncio.create_task(self._stay_online()), asyncio.create_task(self._pump())]
        after = query.get("after", [None])[0]
        if after is not None:
            await self._resume(after)

    async def _authenticate(self, query: dict[str, list[str]]) -> tuple[int, str]:
        ticket = query.get("ticket", [None])[0]
        if ticket:
            raw = await self.redis.getdel(TICKET_PREFIX + ticket)
            if raw is None:
                raise AuthError("invalid_ticket", "The ticket is unknown, expired or already used.")
            grant = json.loads(raw)
            if await _active_user(grant["user_id"], grant["token_id"]) is None:
                raise AuthError(
                    "invalid_ticket", "The account or token behind this ticket is no longer valid."
                )
            if grant["token_id"] is not None:
                return grant["user_id"], events.token_group(grant["token_id"])
            return grant["user_id"], events.session_group(grant["session_key"] or "")
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            raise AuthError(
                "not_authenticated", "Sign in, or connect with a ticket from /api/v1/realtime/ticket/."
            )
        if not _origin_allowed(self.scope):
            raise AuthError(
                "forbidden_origin", "Cookie sign-in needs an Origin of this site.", CLOSE_FORBIDDEN_ORIGIN
            )
        return user.pk, events.session_group(self.scope["session"].session_key or "")

    def wake(self) -> None:
        """Called by the dispatcher (and the heartbeat): this user may have new events in the log."""
        self.read_log = True
        self.woken.set()

    def offer(self, previous_id: str, event_id: str, text: str) -> None:
        """Called by the dispatcher with a new event of this user."""
        self.offered.append((previous_id, event_id, text))
        self.woken.set()

    async def _pump(self) -> None:
        """Send new events each time the socket is woken, in log order, each once: the offered ones that
        follow on from the last one sent, and whatever else from the log."""
        while True:
            await self.woken.wait()
            self.woken.clear()
            offered, self.offered = self.offered, []
            read_log, self.read_log = self.read_log, False
            async with self.sending:
                for previous_id, event_id, text in offered:
                    if previous_id == self.cursor:
                        await self.send(text_data=text)
                        self.cursor = event_id
                    elif _id_key(event_id) > _id_key(self.cursor):
                        read_log = True  # something this socket has not sent came in between
                        break
                if read_log:
                    self.cursor = await self._send_range(self.cursor, until="+")

    async def _stay_online(self) -> None:
        while True:
            await presence.mark_online(self.redis, self.user_id)
            self.wake()  # and a look at the log, in case a hint went missing
            await asyncio.sleep(presence.HEARTBEAT_SECONDS)

    async def disconnect(self, code: int) -> None:
        for task in getattr(self, "tasks", []):
            task.cancel()
        await asyncio.gather(*getattr(self, "tasks", []), return_exceptions=True)
        if getattr(self, "registered", False):
            await dispatch.unregister(self.user_id, self)
        for group in getattr(self, "joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        if hasattr(self, "redis"):
            await self.redis.aclose()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "resume":
            await self._resume(content.get("after"))
        elif kind == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self._error(
                "unknown_message", 'Send {"type": "resume", "after": "<event id>"} or {"type": "ping"}.'
            )

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        try:
            await super().receive(text_data=text_data, bytes_data=bytes_data, **kwargs)
        except (ValueError, TypeError):
            await self._error("malformed_message", "Messages are JSON objects.")

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        return parsers.loads(text_data)

    async def _error(self, code: str, detail: str) -> None:
        await self.send_json({"type": "error", "data": {"code": code, "detail": detail}})

    async def _resume(self, after: Any) -> None:
        after = events.parse_event_id(after)
        if after is None:
            await self._error("invalid_event_id", "`after` must be an event id received earlier.")
            return
        if _id_key(after) < _id_key(events.oldest_retained_id()):
            # Older events may be gone: the client refetches its state over HTTP, then gets what is kept.
            await self.send_json(
                {"type": "resync_required", "data": {"oldest_event_id": events.oldest_retained_id()}}
            )
        if _id_key(after) >= _id_key(self.replay_floor):
            return
        async with self.sending:
            await self._send_range(after, until=self.replay_floor)
        self.replay_floor = after

    async def _send_range(self, after: str, *, until: str) -> str:
        while True:
            entries = await events.read_events(self.redis, self.user_id, after, until=until, count=BATCH)
            for entry_id, fields in entries:
                await self.send(text_data=events.frame(entry_id, fields["type"], fields["data"]))
            if entries:
                after = entries[-1][0]
            if len(entries) < BATCH:
                return after

    async def auth_revoked(self, message: dict[str, Any]) -> None:
        await self._error("signed_out", "This sign-in was revoked.")
        await self.close(code=CLOSE_UNAUTHENTICATED)


class UnknownPathConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        await self.accept()
        await self.send_json(
            {"type": "error", "data": {"code": "not_found", "detail": "Connect to /ws/events/."}}
        )
        await self.close(code=CLOSE_NOT_FOUND)
