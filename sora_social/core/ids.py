"""Time-sortable 64-bit ids.

Layout, most significant bit first: 1 zero bit, 41 bits of milliseconds since 2025-01-01 UTC (about 69
years), 10 bits of node id, 12 bits of per-millisecond sequence. The node id is leased from Redis once per
process from a counter in Redis, so no two live processes (of up to 1024 started in a row) share one and
ids never collide without a database round trip. The counter must outlive the processes holding leases:
production Redis persists it; never delete ``ids:node`` while workers run. Sorting ids sorts by creation
time, which is what makes them good cursors and feed scores.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime

EPOCH_MS = 1_735_689_600_000  # 2025-01-01T00:00:00Z
NODE_BITS = 10
SEQUENCE_BITS = 12
MAX_NODE = (1 << NODE_BITS) - 1
MAX_SEQUENCE = (1 << SEQUENCE_BITS) - 1
MAX_ID = (1 << 63) - 1
TIMESTAMP_SHIFT = NODE_BITS + SEQUENCE_BITS
NODE_COUNTER_KEY = "ids:node"


class _Generator:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.node: int | None = None
        self.last_ms = -1
        self.sequence = 0

    def reset(self) -> None:
        """Forget the lease in a forked child; a fresh lock, since another thread may hold the old one."""
        self.lock = threading.Lock()
        self.node = None
        self.last_ms = -1
        self.sequence = 0

    def lease_node(self) -> int:
        from sora_social.core.redis import get_redis

        return int(get_redis().incr(NODE_COUNTER_KEY)) & MAX_NODE

    def next(self) -> int:
        with self.lock:
            if self.node is None:
                self.node = self.lease_node()
            now = max(int(time.time() * 1000) - EPOCH_MS, self.last_ms)
            if now == self.last_ms:
                self.sequence = (self.sequence + 1) & MAX_SEQUENCE
                if self.sequence == 0:
                    # 4096 ids in one millisecond: move on to the next millisecond.
                    while now <= self.last_ms:
                        time.sleep(0.0002)
                        now = int(time.time() * 1000) - EPOCH_MS
            else:
                self.sequence = 0
            self.last_ms = now
            return (now << TIMESTAMP_SHIFT) | (self.node << SEQUENCE_BITS) | self.sequence


_generator = _Generator()
os.register_at_fork(after_in_child=_generator.reset)


def new_id() -> int:
    return _generator.next()


def id_to_datetime(value: int) -> datetime:
    return datetime.fromtimestamp(((value >> TIMESTAMP_SHIFT) + EPOCH_MS) / 1000, tz=UTC)


def parse_decimal(value: object, *, highest: int) -> int | None:
    """A whole number from 0 to ``highest``, given as an int or written in ASCII digits; None otherwise.

    The one parser of the numbers clients send (ids, cursors, query parameters): ``str.isdigit()`` also
    accepts superscripts and other scripts' digits, which ``int()`` refuses or reads as numbers, and
    ``int()`` takes signs, spaces and underscores and refuses more than 4,300 digits. None of that is a
    number of ours, so every such text is simply not one, without ever reaching ``int()``.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit() and len(value) <= len(str(highest))):
            return None
        value = int(value)
    return value if isinstance(value, int) and 0 <= value <= highest else None


def parse_id(value: object) -> int | None:
    """An id from a URL, a body or a cursor (decimal string or int), or None when it cannot be one of ours."""
    parsed = parse_decimal(value, highest=MAX_ID)
    return parsed or None
