"""Hooks: the one way a lower layer tells the layers above it that something happened, without importing
them (moderation sits above every app, cameos above feed, and so on).

A layer declares each hook once, beside the services that send it, typed by what it carries (a frozen
dataclass): ``follow_created: Hook[Following] = Hook("accounts.follow_created")``. An app above subscribes
when it starts (``AppConfig.ready``), in one of two ways:

- ``hook.subscribe(handler)``: the handler runs inside ``send``, so inside the sender's transaction, before
  the sender goes on. What it writes commits or rolls back with the sender's write. Raising refuses: the
  error reaches the sender's caller (an ``ApiError`` is the client's answer) and the whole write rolls
  back. A check that may veto (may this video be published?) subscribes this way, and so does whatever must
  be kept exactly when what it is about is kept (a moderation flag).
- ``hook.subscribe_on_commit(handler)``: the handler runs once the sender's transaction has committed (at
  once when there is none), and never when it rolls back. For what must not happen for a write that was
  undone: queueing a task, telling a browser. A handler that raises there is logged and the others still
  run; what was committed stays.

Handlers run in the order they subscribed; subscribing the same handler again changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from django.db import transaction

logger = logging.getLogger(__name__)

P = TypeVar("P")


class Hook(Generic[P]):
    """Something that happens in one layer, which the layers above may subscribe to."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._now: list[Callable[[P], None]] = []
        self._on_commit: list[Callable[[P], None]] = []

    def __repr__(self) -> str:
        return f"Hook({self.name!r})"

    def subscribe(self, handler: Callable[[P], None]) -> None:
        """Run ``handler`` in the sender's transaction; it may refuse by raising."""
        if handler not in self._now:
            self._now.append(handler)

    def subscribe_on_commit(self, handler: Callable[[P], None]) -> None:
        """Run ``handler`` after the sender's transaction commits, never if it rolls back."""
        if handler not in self._on_commit:
            self._on_commit.append(handler)

    def unsubscribe(self, handler: Callable[[P], None]) -> None:
        for handlers in (self._now, self._on_commit):
            if handler in handlers:
                handlers.remove(handler)

    @contextmanager
    def subscribed(self, handler: Callable[[P], None], *, on_commit: bool = False) -> Iterator[None]:
        """``handler`` subscribed for the length of a ``with`` block (a test listening in)."""
        (self.subscribe_on_commit if on_commit else self.subscribe)(handler)
        try:
            yield
        finally:
            self.unsubscribe(handler)

    def send(self, payload: P) -> None:
        """Tell every subscriber: those in the transaction now (the first to raise stops the rest and the
        sender), those after commit once it commits."""
        for handler in list(self._now):
            handler(payload)
        for handler in list(self._on_commit):
            transaction.on_commit(self._after_commit(handler, payload))

    def _after_commit(self, handler: Callable[[P], None], payload: P) -> Callable[[], None]:
        def run() -> None:
            try:
                handler(payload)
            except Exception:
                logger.exception(
                    "%s: %s failed after commit", self.name, getattr(handler, "__qualname__", handler)
                )

        return run
