"""The following feed at scale: ``python -m bench.feed [--quick] [--users N] [--videos M] ...``.

Seeds a synthetic world into a database of its own (PostgreSQL through COPY, or SQLite through batched
inserts) and a Redis db of its own, then prints:

1. ``GET /api/v1/feed/following/?limit=20`` timed in this process (server side) beside the naive baseline
   (one SQL query over the follow table plus hydration of those rows) timed the same way, and the same
   page through daphne under concurrent load (client side);
2. fan-out time for a publish by accounts with about 1k, 10k, 50k and 100k followers, and what merging big
   accounts at read time costs a read, to place ``FEED_BIG_ACCOUNT_FOLLOWERS``;
3. publish-to-delivery latency to 1,000 WebSocket followers, through daphne and a Celery worker.

The world: the account ranked r has about (N - 1) / r^0.8 followers, picked at random (so the top account
is followed by everyone else); how much people post is a second, independent power law (r^-0.6). Ids are
time-sortable ids in the layout of ``sora_social.core.ids``, spread over the past weeks.

Everything started here stops by itself; the database is dropped and the Redis db flushed at the end
(``--keep-db`` keeps both; ``--reuse-db`` then skips seeding).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import itertools
import json
import logging
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import types
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/sora_social_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
FOLLOW_ALPHA = 0.8  # the account ranked r has (N - 1) / r ** FOLLOW_ALPHA followers
HEAVY_SHARE = 0.01  # users who follow HEAVY_FOLLOWS (log-uniform) accounts on top of the power law
HEAVY_FOLLOWS = (300, 5_000)
POST_ALPHA = 0.6  # the author ranked r (an independent ranking) posts in proportion to 1 / r ** POST_ALPHA
SEED_NODE = 1023  # the node bits of seeded ids; live ids lease nodes counting up from 1
PAGE = 20
FEED_PATH = f"/api/v1/feed/following/?limit={PAGE}"
NAIVE_PATH = f"/bench/naive-following/?limit={PAGE}"
MEDIA = {
    "video_file": "bench/placeholder.mp4",
    "poster_file": "bench/placeholder.jpg",
    "width": 720,
    "height": 1280,
    "duration_seconds": 10.0,
    "fps": 30.0,
}
SIZES = {  # full, --quick
    "users": (100_000, 5_000),
    "videos": (1_000_000, 50_000),
    "sample": (500, 100),
    "requests": (1_500, 150),
    "server_requests": (1_000, 150),
    "sockets": (1_000, 500),
    "push_rounds": (5, 2),
}
SECTIONS = ("feed", "http", "fanout", "push")


def say(*parts: Any) -> None:
    print(*parts, flush=True)


def quantiles(samples: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99 and max of durations in seconds, in milliseconds."""
    ordered = sorted(samples)

    def at(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000

    return {
        "min": ordered[0] * 1000,
        "p50": at(0.5),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": ordered[-1] * 1000,
    }


def describe(samples: Sequence[float]) -> str:
    if not samples:
        return "no samples"
    q = quantiles(samples)
    return (
        f"min {q['min']:7.2f}  p50 {q['p50']:7.2f}  p95 {q['p95']:7.2f}  p99 {q['p99']:7.2f}"
        f"  max {q['max']:7.2f} ms  (n={len(samples)})"
    )


# --- seeding -------------------------------------------------------------------------------------------


def snowflakes(ms: np.ndarray) -> np.ndarray:
    """Unique ids for creation times (Unix ms, sorted), in the layout of ``core.ids``."""
    from sora_social.core.ids import EPOCH_MS, MAX_SEQUENCE, SEQUENCE_BITS, TIMESTAMP_SHIFT

    sequence = np.arange(len(ms)) - np.searchsorted(ms, ms)
    assert sequence.max(initial=0) <= MAX_SEQUENCE, "too many ids in one millisecond"
    return ((ms - EPOCH_MS) << TIMESTAMP_SHIFT) | (SEED_NODE << SEQUENCE_BITS) | sequence


def random_times(
    rng: np.random.Generator, count: int, now_ms: int, days_ago: tuple[float, float]
) -> np.ndarray:
    oldest, newest = (now_ms - int(days * 86_400_000) for days in days_ago)
    return np.sort(rng.integers(oldest, newest, size=count, dtype=np.int64))


def follow_graph(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(follower, followee) user numbers: the account ranked r gets (n - 1) / r^FOLLOW_ALPHA distinct
    followers, chosen uniformly among the others; and a few heavy followers (HEAVY_SHARE of users) follow
    HEAVY_FOLLOWS accounts more each, a number drawn log-uniformly, as some real people do."""
    account_at_rank = rng.permutation(n)
    wanted = np.maximum(1, ((n - 1) / np.arange(1, n + 1) ** FOLLOW_ALPHA).astype(np.int64))
    large = wanted > max(1, n // 50)
    followers, followees = [], []
    for account, count in zip(account_at_rank[large].tolist(), wanted[large].tolist(), strict=True):
        picked = rng.choice(n - 1, size=count, replace=False)
        followers.append(picked + (picked >= account))
        followees.append(np.full(count, account))
    # Small accounts: draw with replacement, then drop the rare repeats.
    accounts = np.repeat(account_at_rank[~large], wanted[~large])
    picked = rng.integers(0, n - 1, size=len(accounts))
    small = accounts * n + picked + (picked >= accounts)
    heavy = rng.choice(n, size=max(1, int(n * HEAVY_SHARE)), replace=False)
    low, high = (min(bound, n - 1) for bound in HEAVY_FOLLOWS)
    counts = np.exp(rng.uniform(np.log(low), np.log(high), size=len(heavy))).astype(np.int64)
    readers = np.repeat(heavy, counts)
    picked = rng.integers(0, n - 1, size=len(readers))
    extra = (picked + (picked >= readers)) * n + readers
    edges = np.unique(np.concatenate([small, extra]))
    followers.append(edges % n)
    followees.append(edges // n)
    follower, followee = np.concatenate(followers), np.concatenate(followees)
    # The large accounts' followers were drawn apart from the rest: drop what both drew.
    unique = np.unique(followee.astype(np.int64) * n + follower, return_index=True)[1]
    return follower[unique], followee[unique]


def _as_text(value: Any, n: int) -> Iterable[str]:
    """A column in PostgreSQL's COPY text format (values here hold no tabs, newlines or backslashes)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "M":
            return np.datetime_as_string(value, unit="ms").tolist()
        return map(str, value.tolist())
    if isinstance(value, list):
        return value
    return itertools.repeat(r"\N" if value is None else str(value), n)


def _as_python(value: Any, n: int) -> Iterable[Any]:
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "M":
            return [text.replace("T", " ") for text in np.datetime_as_string(value, unit="us").tolist()]
        return value.tolist()
    return value if isinstance(value, list) else itertools.repeat(value, n)


def _load(model: Any, columns: dict[str, Any], n: int, batch: int = 50_000) -> None:
    """Insert ``n`` rows given as columns (arrays, lists or one value for all): COPY on PostgreSQL,
    batched executemany elsewhere."""
    from django.db import connection, transaction

    table = model._meta.db_table
    expected = {field.column for field in model._meta.concrete_fields}
    assert set(columns) == expected, f"{table}: columns differ by {set(columns) ^ expected}"
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        rows = zip(*(_as_text(value, n) for value in columns.values()), strict=True)
        with (
            connection.connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            while chunk := list(itertools.islice(rows, batch)):
                copy.write("".join("\t".join(row) + "\n" for row in chunk))
        return
    rows = zip(*(_as_python(value, n) for value in columns.values()), strict=True)
    placeholders = ", ".join(["%s"] * len(columns))
    with transaction.atomic(), connection.cursor() as cursor:
        while chunk := list(itertools.islice(rows, batch)):
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", chunk)


@contextlib.contextmanager
def _bulk_load_mode(tables: list[str]) -> Iterator[None]:
    """On PostgreSQL: no foreign-key triggers during the load (rows are consistent by construction), and
    secondary indexes and unique constraints dropped before it and rebuilt once after it."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    rebuild: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET session_replication_role = replica")
        for table in tables:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = %s::regclass AND contype = 'u'",
                [table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
                rebuild.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index i"
                " JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint k"
                " WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)",
                [table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f"DROP INDEX {name}")
                rebuild.append(definition)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
            started = time.perf_counter()
            for statement in rebuild:
                cursor.execute(statement)
            say(
                f"  {len(rebuild)} indexes and unique constraints rebuilt in"
                f" {time.perf_counter() - started:.1f} s"
            )


def seed(users: int, videos: int, weeks: float, seed_value: int) -> None:
    from django.db import connection

    from feed.models import Video
    from sora_social.accounts.models import Follow, User

    rng = np.random.default_rng(seed_value)
    now_ms = int(time.time() * 1000) - 1000  # every seeded id is older than any live one
    started = time.perf_counter()
    user_ms = random_times(rng, users, now_ms, (120, 60))
    user_ids = snowflakes(user_ms)
    follower, followee = follow_graph(rng, users)
    shuffle = rng.permutation(len(follower))
    follower, followee = follower[shuffle], followee[shuffle]
    follow_ms = random_times(rng, len(follower), now_ms, (60, 0))
    author_at_rank = rng.permutation(users)
    weights = 1 / np.arange(1, users + 1) ** POST_ALPHA
    authors = author_at_rank[rng.choice(users, size=videos, p=weights / weights.sum())]
    video_ms = random_times(rng, videos, now_ms, (7 * weeks, 0))
    generated = time.perf_counter()
    say(f"  generated in {generated - started:.1f} s")

    with _bulk_load_mode([User._meta.db_table, Follow._meta.db_table, Video._meta.db_table]):
        _load(
            User,
            {
                "id": user_ids,
                "password": "!",
                "last_login": None,
                "is_superuser": False,
                "username": [f"u{i}" for i in range(users)],
                "first_name": "",
                "last_name": "",
                "email": "",
                "is_staff": False,
                "is_active": True,
                "date_joined": user_ms.astype("datetime64[ms]"),
                "display_name": "",
                "bio": "",
                "avatar": "",
                "birth_date": None,
                "follower_count": np.bincount(followee, minlength=users),
                "following_count": np.bincount(follower, minlength=users),
            },
            users,
        )
        _load(
            Follow,
            {
                "id": snowflakes(follow_ms),
                "follower_id": user_ids[follower],
                "followee_id": user_ids[followee],
                "created_at": follow_ms.astype("datetime64[ms]"),
            },
            len(follower),
        )
        published = video_ms.astype("datetime64[ms]")
        _load(
            Video,
            {
                "id": snowflakes(video_ms),
                "author_id": user_ids[authors],
                "status": Video.Status.PUBLISHED.value,
                "visibility": np.where(
                    rng.random(videos) < 0.9, Video.Visibility.PUBLIC.value, Video.Visibility.FOLLOWERS.value
                ),
                "caption": "a clip from the bench",
                "allow_remix": True,
                "prompt": "a red ball bounces down a staircase in slow motion",
                **MEDIA,
                "remix_of_id": None,
                "remix_root_id": None,
                "remix_depth": 0,
                "remix_count": 0,
                "like_count": rng.geometric(0.02, size=videos) - 1,
                "comment_count": rng.geometric(0.2, size=videos) - 1,
                "created_at": published,
                "published_at": published,
                "removed_at": None,
                "removal_reason": "",
            },
            videos,
        )
        say(f"  rows loaded in {time.perf_counter() - generated:.1f} s")
    analysed = time.perf_counter()
    with connection.cursor() as cursor:
        for model in (User, Follow, Video):
            vacuum = "VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE"
            cursor.execute(f"{vacuum} {model._meta.db_table}")
    say(f"  vacuum/analyze in {time.perf_counter() - analysed:.1f} s")


def describe_world() -> None:
    from django.conf import settings
    from django.db.models import Count

    from feed.models import Video
    from sora_social.accounts.models import Follow, User

    followers = np.array(User.objects.values_list("follower_count", flat=True))
    following = np.array(User.objects.values_list("following_count", flat=True))
    per_author = np.array(
        Video.objects.filter(status=Video.Status.PUBLISHED)
        .values("author_id")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )
    threshold = settings.FEED_BIG_ACCOUNT_FOLLOWERS
    say(
        f"world: {len(followers):,} users, {Follow.objects.count():,} follows,"
        f" {per_author.sum():,} published videos\n"
        f"  followers per account: max {followers.max():,}, {(followers >= 100_000).sum()} accounts >= 100k,"
        f" {(followers >= 50_000).sum()} >= 50k, {(followers >= 10_000).sum()} >= 10k,"
        f" {(followers > threshold).sum()} above the big-account threshold ({threshold:,});"
        f" median {int(np.median(followers))}\n"
        f"  following per user: median {int(np.median(following))}, max {following.max():,}\n"
        f"  videos per author: {len(per_author):,} authors, max {per_author.max():,},"
        f" median {int(np.median(per_author))}"
    )
    if followers.max() < 100_000:
        say(f"  (with {len(followers):,} users the largest possible audience is {len(followers) - 1:,})")


# --- the home feed, server side ------------------------------------------------------------------------


def naive_sql() -> str:
    from feed.models import Video
    from sora_social.accounts.models import Follow

    return (
        f"SELECT id FROM {Video._meta.db_table} WHERE status = %s AND author_id IN"
        f" (SELECT followee_id FROM {Follow._meta.db_table} WHERE follower_id = %s) ORDER BY id DESC LIMIT %s"
    )


def naive_urlconf() -> types.ModuleType:
    """The project's URLs plus ``/bench/naive-following/``: the same page from one SQL query over the
    follow table, then hydration of those rows, with the same serializer as the real view."""
    from django.db import connection
    from django.urls import path
    from rest_framework.request import Request
    from rest_framework.response import Response
    from rest_framework.utils.urls import replace_query_param
    from rest_framework.views import APIView

    from feed.api import videos_data
    from feed.models import Video
    from sora_social import urls
    from sora_social.accounts.authentication import request_user
    from sora_social.core.pagination import encode_cursor, parse_limit

    query = naive_sql()

    class NaiveFollowingFeed(APIView):
        def get(self, request: Request) -> Response:
            user = request_user(request)
            limit = parse_limit(request)
            with connection.cursor() as cursor:
                cursor.execute(query, [Video.Status.PUBLISHED, user.pk, limit + 1])
                ids = [row[0] for row in cursor.fetchall()]
            found = (
                Video.objects.select_related("author")
                .prefetch_related("featured_cameos__owner")
                .in_bulk(ids[:limit])
            )
            page = [found[pk] for pk in ids[:limit] if pk in found]
            next_url = None
            if len(ids) > limit:
                next_url = replace_query_param(
                    request.build_absolute_uri(), "cursor", encode_cursor(page[-1].pk)
                )
            return Response({"results": videos_data(page, request), "next": next_url})

    module = types.ModuleType("bench_feed_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("bench/naive-following/", NaiveFollowingFeed.as_view()),
        *urls.urlpatterns,
    ]
    return module


def prepare_big_authors() -> int:
    """Big accounts' recent videos in ``feed:author:<id>``, as ``remember_big_author_video`` leaves them."""
    from django.conf import settings

    from feed import store
    from feed.models import Video
    from sora_social.accounts.models import User

    big = User.objects.filter(follower_count__gt=settings.FEED_BIG_ACCOUNT_FOLLOWERS)
    for author in big:
        recent = Video.objects.filter(author=author, status=Video.Status.PUBLISHED).order_by("-id")
        for video_id in reversed(list(recent.values_list("id", flat=True)[: store.cap()])):
            store.remember_big_author_video(author.pk, video_id)
    return big.count()


def sample_readers(rng: np.random.Generator, count: int) -> list[tuple[Any, str]]:
    """Random users with a fresh API token each, their feeds warmed (the first read rebuilds a missing
    feed from SQL)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from sora_social.accounts.models import User
    from sora_social.accounts.services import auth_token_create

    ids = np.array(User.objects.values_list("id", flat=True))
    chosen = rng.choice(ids, size=min(count, len(ids)), replace=False).tolist()
    users = User.objects.in_bulk(chosen)
    readers = [(users[pk], auth_token_create(user=users[pk], user_agent="bench")[1]) for pk in chosen]
    client = Client()
    started = time.perf_counter()
    full = 0
    for _user, key in readers:
        response = client.get(FEED_PATH, HTTP_AUTHORIZATION=f"Token {key}")
        assert response.status_code == 200, response.content[:300]
        full += len(response.json()["results"]) == PAGE
    queries = {}
    for name, path in (("feed", FEED_PATH), ("naive", NAIVE_PATH)):
        with CaptureQueriesContext(connection) as captured:
            client.get(path, HTTP_AUTHORIZATION=f"Token {readers[0][1]}")
        queries[name] = len(captured)
    say(
        f"  {len(readers)} readers' feeds warmed in {time.perf_counter() - started:.1f} s, full pages:"
        f" {full}/{len(readers)}; queries per page: feed {queries['feed']}, naive {queries['naive']}"
    )
    return readers


@dataclasses.dataclass
class ServerSide:
    samples: dict[str, list[float]]  # seconds, per variant
    full_gc: dict[str, list[bool]]  # whether a full (generation 2) garbage collection ran inside the sample
    gc_pauses: list[float]
    gc_objects: int
    connect: list[float]
    big_followed: float


def server_side(readers: list[tuple[Any, str]], requests: int) -> ServerSide:
    """Pages timed in this process with django.test.Client (middleware, URL routing, authentication, the
    view, JSON rendering; no socket, one persistent database connection): the feed, the naive baseline,
    and the feed with no big account merged; then the id selection alone, store against SQL. The variants
    are interleaved; full garbage collections are recorded, to tell their pauses from the code's time."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from feed import store
    from feed.models import Video
    from sora_social.accounts.models import Follow
    from sora_social.core.redis import get_redis

    client = Client()
    # As if no account were big: the store finds no big authors to merge.
    no_merge = mock.patch.object(store, "BIG_AUTHORS_KEY", "feed:big_authors:none")
    query = naive_sql()
    collections: list[tuple[float, float]] = []

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if info["generation"] == 2:
            if phase == "start":
                collections.append((time.perf_counter(), 0.0))
            else:
                collections[-1] = (collections[-1][0], time.perf_counter())

    def page(path: str, key: str) -> None:
        response = client.get(path, HTTP_AUTHORIZATION=f"Token {key}")
        assert response.status_code == 200, (path, response.status_code, response.content[:300])

    def store_ids(user: Any) -> None:
        store.candidates(user, None, PAGE + 1)  # what the view asks for first

    def sql_ids(user: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute(query, [Video.Status.PUBLISHED, user.pk, PAGE + 1])
            cursor.fetchall()

    def page_no_merge(key: str) -> None:
        with no_merge:
            page(FEED_PATH, key)

    def store_ids_no_merge(user: Any) -> None:
        with no_merge:
            store_ids(user)

    variants: dict[str, Callable[[Any, str], None]] = {
        "feed": lambda _user, key: page(FEED_PATH, key),
        "naive": lambda _user, key: page(NAIVE_PATH, key),
        "feed, no merge": lambda _user, key: page_no_merge(key),
        "ids: store": lambda user, _key: store_ids(user),
        "ids: store, no merge": lambda user, _key: store_ids_no_merge(user),
        "ids: big-followee lookup": lambda user, _key: store._big_authors_followed(get_redis(), user),
        "ids: naive SQL": lambda user, _key: sql_ids(user),
    }
    windows: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    # As the server does once its app is loaded (sora_social.asgi): what is alive now is never scanned
    # again, so a full collection walks only what requests leave behind.
    gc.collect()
    gc.freeze()
    gc.callbacks.append(on_gc)
    try:
        for i in range(requests):
            user, key = readers[i % len(readers)]
            first = i % len(variants)  # rotate the order, so that no variant always runs first
            for name in itertools.islice(itertools.cycle(variants), first, first + len(variants)):
                started = time.perf_counter()
                variants[name](user, key)
                windows[name].append((started, time.perf_counter()))
    finally:
        gc.callbacks.remove(on_gc)

    connect: list[float] = []
    for _ in range(50):
        connection.close()
        started = time.perf_counter()
        connection.ensure_connection()
        connect.append(time.perf_counter() - started)
    big = settings.FEED_BIG_ACCOUNT_FOLLOWERS
    return ServerSide(
        samples={name: [end - start for start, end in spans] for name, spans in windows.items()},
        full_gc={
            name: [any(start <= gc_start <= end for gc_start, _ in collections) for start, end in spans]
            for name, spans in windows.items()
        },
        gc_pauses=[end - start for start, end in collections],
        gc_objects=len(gc.get_objects()),
        connect=connect,
        big_followed=float(
            np.mean(
                [
                    Follow.objects.filter(follower=user, followee__follower_count__gt=big).count()
                    for user, _key in readers
                ]
            )
        ),
    )


def report_server_side(server: ServerSide) -> None:
    from django.conf import settings

    say(
        "  server side: pages timed in this process with django.test.Client (middleware, routing, token"
        " auth, view,\n  JSON rendering; no socket, a persistent DB connection), variants interleaved over"
        " the same readers:"
    )
    for name, samples in server.samples.items():
        if not name.startswith("ids"):
            say(f"    {name:22s} {describe(samples)}")
    feed, naive = quantiles(server.samples["feed"]), quantiles(server.samples["naive"])
    say(
        f"    naive / feed: {naive['p50'] / feed['p50']:.2f}x at p50, {naive['p99'] / feed['p99']:.2f}x at"
        f" p99 (readers follow {server.big_followed:.1f} big accounts on average;\n    'no merge': the"
        f" threshold at its maximum, so no author key is read)\n"
        f"  the id selection alone, the step the store replaces: store.candidates for {2 * (PAGE + 1)} ids as"
        f" the view asks,\n  the big-followee lookup inside it, and the naive SQL for {PAGE + 1} ids:"
    )
    for name, samples in server.samples.items():
        if name.startswith("ids"):
            say(f"    {name:22s} {describe(samples)}")
    if server.gc_pauses:
        say(
            f"  full garbage collections during the timing ({server.gc_objects:,} objects tracked in this"
            f" process): {len(server.gc_pauses)}, each {describe(server.gc_pauses)}"
        )
        for name, samples in server.samples.items():
            if not name.startswith("ids"):
                clean = [t for t, hit in zip(samples, server.full_gc[name], strict=True) if not hit]
                say(f"    {name:22s} without one: {describe(clean)}")
    pooled = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    source = "from the pool" if pooled else "opened anew"
    say(f"  a DB connection for a request ({source}): {describe(server.connect)}")


# --- the home feed, through daphne ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def stop_process(process: subprocess.Popen[bytes], grace: float = 10) -> None:
    """SIGTERM to the child's process group, SIGKILL to whatever is left after the grace period."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(grace)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@contextlib.contextmanager
def child_process(
    name: str, args: list[str], log_path: Path, ready: Callable[[], bool], timeout: float = 90
) -> Iterator[subprocess.Popen[bytes]]:
    """A Python child in its own process group, with this environment and production settings."""
    env = {
        **os.environ,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "THROTTLE_AUTH": "1000000/min",
        "THROTTLE_REGISTER": "1000000/min",
        "PYTHONUNBUFFERED": "1",
    }
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, process_group=0
        )
        try:
            deadline = time.monotonic() + timeout
            while not ready():
                if process.poll() is not None or time.monotonic() > deadline:
                    tail = log_path.read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"{name} did not come up (exit status {process.poll()}):\n{tail}")
                time.sleep(0.2)
            yield process
        finally:
            stop_process(process)


def log_problems(path: Path) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    errors = Counter(
        line.split(": ", 2)[-1][:80] for line in text.splitlines() if " ERROR " in line and ": " in line
    )
    listed = "; ".join(f"{count} x {message!r}" for message, count in errors.most_common(3))
    return f"{path.name}: {text.count('Traceback')} tracebacks" + (f" ({listed})" if listed else "")


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """One HTTP/1.1 response: status, body, and whether the server closes the connection."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin1").split("\r\n")
    status = int(head[0].split()[1])
    headers = {
        name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in head[1:])
    }
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while size := int((await reader.readline()).split(b";")[0], 16):
            body += (await reader.readexactly(size + 2))[:-2]
        await reader.readline()
    else:
        raise RuntimeError(f"a response without a length: {head}")
    return status, body, headers.get("connection", "").lower() == "close"


async def http_load(
    port: int, requests: list[bytes], total: int, concurrency: int, time_limit: float
) -> tuple[list[float], Counter[int], float]:
    """``total`` requests (or as many as fit in ``time_limit``) over ``concurrency`` keep-alive
    connections; each timed from writing the request to having read the whole response."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    counter = itertools.count()
    deadline = time.perf_counter() + time_limit

    async def one_connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while (i := next(counter)) < total and time.perf_counter() < deadline:
                started = time.perf_counter()
                writer.write(requests[i % len(requests)])
                status, _body, close = await asyncio.wait_for(read_response(reader), 30)
                latencies.append(time.perf_counter() - started)
                statuses[status] += 1
                if close:
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(one_connection() for _ in range(concurrency)))
    return latencies, statuses, time.perf_counter() - started


async def check_pages(port: int, requests: list[bytes]) -> list[int]:
    """Every reader's page once over HTTP, untimed: how many videos each holds."""
    counts = []
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for request in requests:
            writer.write(request)
            status, body, _close = await asyncio.wait_for(read_response(reader), 30)
            assert status == 200, (status, body[:300])
            counts.append(len(json.loads(body)["results"]))
    finally:
        writer.close()
    return counts


def client_side(port: int, readers: list[tuple[Any, str]], args: argparse.Namespace) -> dict[int, float]:
    """Client-side p99 per concurrency level."""
    requests = [
        f"GET {FEED_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Token {key}\r\n"
        f"Accept: application/json\r\n\r\n".encode()
        for _user, key in readers
    ]
    pages = asyncio.run(check_pages(port, requests))
    say(
        f"  client side: daphne (one process, production settings) on 127.0.0.1:{port}; an asyncio client"
        f" on keep-alive\n  connections, timed from writing a request to reading the whole response;"
        f" {args.requests} requests or {args.time_limit:.0f} s per level (first checked: {sum(pages)}"
        f" videos in {len(pages)} pages):"
    )
    p99 = {}
    for concurrency in [int(level) for level in args.concurrency.split(",")]:
        latencies, statuses, elapsed = asyncio.run(
            http_load(port, requests, args.requests, concurrency, args.time_limit)
        )
        p99[concurrency] = quantiles(latencies)["p99"]
        codes = ", ".join(f"{count} x {status}" for status, count in sorted(statuses.items()))
        say(
            f"    {concurrency:2d} connections: {describe(latencies)},"
            f" {len(latencies) / elapsed:5.1f} req/s [{codes}]"
        )
    return p99


# --- fan-out --------------------------------------------------------------------------------------------


def account_near(followers: int, minimum: int = 0) -> Any:
    """The account whose follower count is closest to ``followers`` (and at least ``minimum``)."""
    from django.db.models import F
    from django.db.models.functions import Abs

    from sora_social.accounts.models import User

    return (
        User.objects.filter(follower_count__gte=minimum)
        .order_by(Abs(F("follower_count") - followers), "pk")
        .first()
    )


def make_live_feeds(follower_ids: list[int], size: int) -> int:
    """Give followers a live home feed (their key exists) of ``size`` placeholder entries plus the
    sentinel, copied inside Redis from one template; keys that exist are left alone. Returns how many
    were created."""
    from feed import store
    from feed.models import Video
    from sora_social.core.redis import get_redis

    client = get_redis()
    template = "bench:home-template"
    ids = Video.objects.order_by("?").values_list("id", flat=True)[:size]
    client.delete(template)
    client.zadd(template, {store.SENTINEL: float("inf"), **{str(pk): pk for pk in ids}})
    created = 0
    for start in range(0, len(follower_ids), 5000):
        pipe = client.pipeline(transaction=False)
        for user_id in follower_ids[start : start + 5000]:
            pipe.copy(template, store.home_key(user_id))
        created += sum(bool(done) for done in pipe.execute())
    client.delete(template)
    return created


def new_published_video(author: Any) -> Any:
    from django.utils import timezone

    from feed.models import Video

    return Video.objects.create(
        author=author, status=Video.Status.PUBLISHED, published_at=timezone.now(), caption="bench", **MEDIA
    )


def time_fan_out(author: Any, force: bool) -> tuple[float, int]:
    """``fan_out_video`` with every chunk run in this process (Celery eager mode), from the task's start
    to the last chunk's end; ``force`` lifts the big-account threshold so that every feed is written.
    Returns the seconds and the video's id."""
    from django.test.utils import override_settings

    from feed import tasks

    video = new_published_video(author)
    with override_settings(FEED_BIG_ACCOUNT_FOLLOWERS=10**12) if force else contextlib.nullcontext():
        started = time.perf_counter()
        tasks.fan_out_video(video.pk)
        return time.perf_counter() - started, video.pk


def fan_out_parts(author: Any) -> dict[str, float]:
    """Where a forced fan-out spends its time: the audience query, the Redis writes, the live push."""
    from django.conf import settings

    from feed import services, store
    from feed.visibility import feed_audience

    video = new_published_video(author)
    parts = {}
    started = time.perf_counter()
    audience = list(feed_audience(video).order_by("pk").values_list("pk", flat=True))
    parts["audience query"] = time.perf_counter() - started
    size = settings.FEED_FANOUT_CHUNK
    chunks = [audience[i : i + size] for i in range(0, len(audience), size)]
    started = time.perf_counter()
    for chunk in chunks:
        store.fan_out(video.pk, chunk)
    parts["Redis writes"] = time.perf_counter() - started
    started = time.perf_counter()
    services.video_push_to_online(video_id=video.pk, user_ids=audience)
    parts["video_push_to_online"] = time.perf_counter() - started
    return parts


@dataclasses.dataclass
class FanOut:
    followers: int
    seconds: float  # median
    runs: list[float]
    written: bool  # False: a big account, left to read-time merging (only the online pass ran)


def fan_out_section(rng: np.random.Generator, sizes: list[int], repeats: int, home_size: int) -> list[FanOut]:
    from django.conf import settings

    from feed import store
    from sora_social.accounts.models import Follow
    from sora_social.celery import app as celery_app
    from sora_social.core.redis import get_redis

    say(
        f"\nfan-out of one publish: feed.tasks.fan_out_video and all its chunks run in this process (Celery"
        f" eager mode),\n  FEED_FANOUT_CHUNK={settings.FEED_FANOUT_CHUNK}, big-account threshold"
        f" {settings.FEED_BIG_ACCOUNT_FOLLOWERS:,} followers; median of {repeats} publishes each"
    )
    accounts = []
    for size in sizes:
        account = account_near(size)
        if account.pk in {chosen.pk for chosen in accounts}:
            say(
                f"  (asked {size:,}: the nearest account, with {account.follower_count:,} followers, is in"
                f" already)"
            )
        else:
            accounts.append(account)
    followers = {
        account.pk: list(Follow.objects.filter(followee=account).values_list("follower_id", flat=True))
        for account in accounts
    }
    started = time.perf_counter()
    everyone = sorted({pk for ids in followers.values() for pk in ids})
    created = make_live_feeds(everyone, home_size)
    say(
        f"  every follower's feed is live: {created:,} keys created ({home_size} entries each), the other"
        f" {len(everyone) - created:,} were; {time.perf_counter() - started:.1f} s; Redis now holds"
        f" {get_redis().info('memory')['used_memory_human']}"
    )
    results: list[FanOut] = []
    celery_app.conf.task_always_eager = True
    try:
        for account in accounts:
            big = store.is_big_account(account)
            for force in (False, True) if big else (False,):
                runs = sorted(time_fan_out(account, force=force)[0] for _ in range(repeats))
                result = FanOut(account.follower_count, runs[len(runs) // 2], runs, not big or force)
                results.append(result)
                note = (
                    "written"
                    if not big
                    else "forced: threshold lifted, written"
                    if force
                    else "big: not written, merged at read time; the online pass only"
                )
                say(
                    f"  {result.followers:>7,} followers: {result.seconds:6.3f} s"
                    f" ({', '.join(f'{run:.3f}' for run in runs)}),"
                    f" {result.followers / result.seconds:>8,.0f} followers/s  [{note}]"
                )
        largest = max(accounts, key=lambda account: account.follower_count)
        parts = fan_out_parts(largest)
        say(
            f"  a forced fan-out to {largest.follower_count:,}, step by step: "
            + ", ".join(f"{name} {seconds:.3f} s" for name, seconds in parts.items())
        )
        sample = rng.choice(followers[largest.pk], size=min(200, len(followers[largest.pk])), replace=False)
        _seconds, latest = time_fan_out(largest, force=True)
        present = sum(get_redis().zscore(store.home_key(int(pk)), str(latest)) is not None for pk in sample)
        say(f"  check: a forced fan-out's video is in {present}/{len(sample)} sampled followers' feeds")
    finally:
        celery_app.conf.task_always_eager = False
    return results


# --- live push -------------------------------------------------------------------------------------------


async def _read_frames(
    ws: Any, arrivals: dict[int, list[float]], complete: dict[int, asyncio.Event], sockets: int
) -> None:
    """Notes each watched video's ``feed.video`` frame on ``ws``; sets its event when all ``sockets`` have."""
    with contextlib.suppress(Exception):
        async for message in ws:
            arrived = time.perf_counter()
            event = json.loads(message)
            if event.get("type") == "feed.video":
                video_id = int(event["data"]["video"]["id"])
                if video_id in arrivals:
                    arrivals[video_id].append(arrived)
                    if len(arrivals[video_id]) == sockets:
                        complete[video_id].set()


async def _watch_hints(hints: Any, chosen: set[int], hint_times: list[float]) -> None:
    """Notes the time of every hint on ``hints`` that names one of the ``chosen`` users."""
    async for message in hints.listen():
        if any(entry[0] in chosen for entry in json.loads(message["data"])["entries"]):
            hint_times.append(time.perf_counter())


async def push_rounds(
    port: int, user_ids: list[int], videos: list[int], publish: Callable[[int], Any], warmups: int
) -> list[list[float]]:
    """Open one socket per user, wait until all are online, then publish ``videos`` one at a time and time,
    per socket, from the publish call to its ``feed.video`` frame. Returns, per timed round, the latencies
    of the frames that came within the wait."""
    from websockets.asyncio.client import connect

    from sora_social.core.events import HINT_CHANNEL, deliver_event
    from sora_social.core.redis import get_async_redis
    from sora_social.realtime.presence import online_among
    from sora_social.realtime.services import realtime_ticket_create

    loop = asyncio.get_running_loop()
    executor = ThreadPoolExecutor(1, thread_name_prefix="bench-publish")  # one thread, one DB connection
    arrivals: dict[int, list[float]] = {pk: [] for pk in videos}
    complete = {pk: asyncio.Event() for pk in videos}
    gate = asyncio.Semaphore(50)

    async def open_socket(user_id: int) -> Any:
        async with gate:
            ticket = realtime_ticket_create(user_id=user_id, token_id=None, session_key="bench-feed")
            return await connect(
                f"ws://127.0.0.1:{port}/ws/events/?ticket={ticket.key}",
                open_timeout=30,
                close_timeout=2,
                ping_interval=None,
                compression=None,
            )

    def closed() -> int:
        return sum(task.done() for task in readers)

    # The hints tell the worker's part (publish -> the last hint naming a chosen user) from the server's.
    chosen = set(user_ids)
    hint_times: list[float] = []
    hints = get_async_redis().pubsub(ignore_subscribe_messages=True)
    await hints.subscribe(HINT_CHANNEL)
    hint_watcher = asyncio.create_task(_watch_hints(hints, chosen, hint_times))

    started = time.perf_counter()
    opened = await asyncio.gather(*(open_socket(pk) for pk in user_ids), return_exceptions=True)
    sockets = [ws for ws in opened if not isinstance(ws, BaseException)]
    readers = [asyncio.create_task(_read_frames(ws, arrivals, complete, len(sockets))) for ws in sockets]
    results: list[list[float]] = []
    within: dict[int, int] = {}
    try:
        deadline = time.monotonic() + 60
        while len(online := online_among(user_ids)) < len(user_ids) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        say(
            f"  {len(sockets)} sockets opened ({len(opened) - len(sockets)} failed), {len(online)} online"
            f" (presence) after {time.perf_counter() - started:.1f} s"
        )
        for n, video_id in enumerate(videos):
            await asyncio.sleep(0.5)
            hint_times.clear()
            sent = time.perf_counter()
            await loop.run_in_executor(executor, publish, video_id)
            published = time.perf_counter() - sent
            wait = 15 if n == 0 else 5  # frames whose hint is lost come only with a later event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(complete[video_id].wait(), wait)
            latencies = [arrived - sent for arrived in arrivals[video_id]]
            within[video_id] = len(latencies)
            if n >= warmups:
                results.append(latencies)
            label = "warm-up" if n < warmups else f"round {n - warmups + 1}"
            hinted = ", ".join(f"{(at - sent) * 1000:.0f}" for at in hint_times) or "none"
            say(
                f"  {label:9s}: {len(latencies):4d}/{len(sockets)} within {wait} s, publish call"
                f" {published * 1000:5.1f} ms, hints at {hinted} ms, frames {describe(latencies)};"
                f" sockets closed by the server: {closed()}"
            )

        # The fan-out's last step, run here for the same users: the event-log writes plus the one hint
        # naming them all (deliver_event). Its hint also lets sockets whose own hint was lost read the last
        # round's event from their log.
        def probe() -> float:
            began = time.perf_counter()
            deliver_event(sorted(user_ids), "bench.probe", json.dumps({"probe": True}))
            return time.perf_counter() - began

        deliver = await loop.run_in_executor(executor, probe)
        await asyncio.sleep(3)
        late = sum(len(arrivals[pk]) - within[pk] for pk in videos)
        say(
            f"  frames that came only with a later event (their own hint was lost): {late}\n"
            f"  the fan-out's last step, run here for these {len(user_ids)} users: deliver_event"
            f" {deliver * 1000:.0f} ms"
        )
    finally:
        hint_watcher.cancel()
        await asyncio.gather(hint_watcher, return_exceptions=True)
        await hints.aclose()
        for task in readers:
            task.cancel()
        await asyncio.wait_for(asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True), 30)
        await asyncio.gather(*readers, return_exceptions=True)
        from django.db import connections

        await loop.run_in_executor(executor, connections.close_all)
        executor.shutdown()
    return results


def push_section(port: int, sockets: int, rounds: int, logs: Path, rng: np.random.Generator) -> list[float]:
    from django.conf import settings

    from feed.models import Video
    from feed.services import video_publish
    from sora_social.accounts.models import Follow
    from sora_social.celery import app as celery_app
    from sora_social.core.events import DELIVERY_BATCH

    # A regular account (below the threshold), so that its followers' feeds are written too.
    author = account_near(int(sockets * 1.2), minimum=sockets)
    assert author is not None, "no account has enough followers"
    follower_ids = list(Follow.objects.filter(followee=author).values_list("follower_id", flat=True))
    chosen = sorted(rng.choice(follower_ids, size=min(sockets, len(follower_ids)), replace=False).tolist())
    warmups = 2
    drafts = [
        Video.objects.create(author=author, status=Video.Status.DRAFT, caption="", **MEDIA).pk
        for _ in range(rounds + warmups)
    ]
    say(
        f"\npublish -> feed.video on {len(chosen)} WebSocket followers of @{author.username}"
        f" ({author.follower_count:,} followers; threshold {settings.FEED_BIG_ACCOUNT_FOLLOWERS:,})\n"
        f"  path: video_publish here -> on commit, fan_out_video through the broker to a real Celery worker"
        f" (a subprocess,\n  -Q fanout -c 2) -> online followers -> event logs + one hint per"
        f" {DELIVERY_BATCH} -> daphne -> socket (feeds are written after);\n  timed from the video_publish"
        f" call to each frame's arrival; {warmups} warm-ups"
    )

    def publish(video_id: int) -> None:
        video = Video.objects.get(pk=video_id)
        video_publish(
            video=video, actor=author, caption="live", visibility=Video.Visibility.PUBLIC, allow_remix=True
        )

    node = f"benchfanout{os.getpid()}@{socket.gethostname()}"
    worker = ["-m", "celery", "-A", "sora_social", "worker", "-Q", "fanout", "-c", "2", "-n", node]
    worker += ["--without-gossip", "--without-mingle", "--loglevel", "WARNING"]

    def worker_ready() -> bool:
        return bool(celery_app.control.ping(destination=[node], timeout=0.5))

    with child_process("celery worker", worker, logs / "celery.log", worker_ready):
        results = asyncio.run(push_rounds(port, chosen, drafts, publish, warmups))
    latencies = [latency for round_latencies in results for latency in round_latencies]
    say(
        f"  all {len(results)} timed rounds: {len(latencies)}/{len(chosen) * len(results)} frames within"
        f" the wait, {describe(latencies)}\n  {log_problems(logs / 'celery.log')}"
    )
    return latencies


# --- main ------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.feed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small world (5k users, 50k videos), < 2 min")
    parser.add_argument("--users", type=int, help="users (default 100,000; quick 5,000)")
    parser.add_argument("--videos", type=int, help="published videos (default 1,000,000; quick 50,000)")
    parser.add_argument("--weeks", type=float, default=4, help="videos spread over this many weeks")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help="dropped and recreated")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL, help="a Redis db of its own: flushed")
    parser.add_argument("--sample", type=int, help="readers whose feeds are read (default 500; quick 100)")
    parser.add_argument("--server-requests", type=int, help="in-process pages per variant (default 1,000)")
    parser.add_argument("--requests", type=int, help="HTTP requests per concurrency level (default 1,500)")
    parser.add_argument("--concurrency", default="1,16,32", help="HTTP connections, one run per level")
    parser.add_argument("--time-limit", type=float, default=60, help="seconds at most per concurrency level")
    parser.add_argument("--fanout-sizes", default="1000,10000,50000,100000", help="followers of publishers")
    parser.add_argument("--fanout-repeats", type=int, default=3)
    parser.add_argument("--home-size", type=int, default=200, help="entries in each follower's live feed")
    parser.add_argument("--sockets", type=int, help="WebSocket followers (default 1,000; quick 500)")
    parser.add_argument("--push-rounds", type=int, help="timed publishes, after 2 warm-ups (default 5)")
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"sections to run, of {','.join(SECTIONS)}"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep-db", action="store_true", help="keep the database and the Redis db")
    parser.add_argument("--reuse-db", action="store_true", help="skip seeding if the database exists")
    args = parser.parse_args(argv)
    for name, (full, quick) in SIZES.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    args.only = set(args.only.split(","))
    if unknown := args.only - set(SECTIONS):
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    return args


def _maintenance_connection(config: dict[str, Any]) -> Any:
    import psycopg

    return psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def prepare_database(url: str, reuse: bool) -> bool:
    """Create the bench database, dropping an old one; True when an existing one is kept for reuse."""
    import dj_database_url
    from psycopg import sql

    config = dj_database_url.parse(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        path = Path(config["NAME"])
        if reuse and path.exists():
            return True
        path.unlink(missing_ok=True)
        return False
    with _maintenance_connection(config) as conn:
        name = config["NAME"]
        if reuse and conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return True
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return False


def drop_database(url: str) -> None:
    import dj_database_url
    from django.db import connections
    from psycopg import sql

    connections.close_all()
    config = dj_database_url.parse(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        Path(config["NAME"]).unlink(missing_ok=True)
        return
    with _maintenance_connection(config) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(config["NAME"]))
        )


def report_targets(
    server: ServerSide | None, fan_out: list[FanOut], push: list[float], client_p99: dict[int, float]
) -> None:
    from django.conf import settings

    written = [run for run in fan_out if run.written]
    if written:
        largest = max(written, key=lambda run: run.followers)
        per_follower = largest.seconds / largest.followers
        say(
            f"\nwhere the big-account threshold should sit (now {settings.FEED_BIG_ACCOUNT_FOLLOWERS:,}"
            f" followers)\n  writing: {per_follower * 1e6:.1f} us per follower (the largest written fan-out,"
            f" {largest.followers:,} in {largest.seconds:.3f} s), ~{1 / per_follower:,.0f} followers per"
            f" second of one worker process"
        )
        for run in fan_out:
            if not run.written:
                forced = next(
                    other for other in fan_out if other.written and other.followers == run.followers
                )
                say(
                    f"  a big account's publish still costs {run.seconds / forced.seconds:.0%} of writing"
                    f" every feed ({run.followers:,} followers: {run.seconds:.3f} s against"
                    f" {forced.seconds:.3f} s)"
                )
    if server is not None:
        ids, plain = (
            quantiles(server.samples["ids: store"]),
            quantiles(server.samples["ids: store, no merge"]),
        )
        page = quantiles(server.samples["feed"])["p50"] - quantiles(server.samples["feed, no merge"])["p50"]
        query = quantiles(server.samples["ids: big-followee lookup"])["p50"]
        if server.big_followed:
            say(
                f"  merging, for readers following {server.big_followed:.1f} big accounts on average: id"
                f" selection {ids['p50'] - plain['p50']:+.2f} ms at p50, {ids['p99'] - plain['p99']:+.2f} ms"
                f" at p99 (~{(ids['p50'] - plain['p50']) / server.big_followed:.2f} ms per big account per"
                f" read);\n  whole page {page:+.2f} ms at p50; and every read, big accounts followed or not,"
                f" looks up the big accounts it follows: {query:.2f} ms at p50"
            )
        else:
            say("  merging: no reader follows a big account in this world (none is above the threshold)")

    targets = []
    if server is not None:
        feed, naive = quantiles(server.samples["feed"]), quantiles(server.samples["naive"])
        targets += [
            ("home feed p99, server side <= 30 ms", f"{feed['p99']:.1f} ms", feed["p99"] <= 30),
            (
                "naive p99 / feed p99 >= 10x",
                f"{naive['p99'] / feed['p99']:.2f}x",
                naive["p99"] >= 10 * feed["p99"],
            ),
        ]
    ten_k = [run for run in fan_out if run.written and 5_000 <= run.followers <= 20_000]
    if ten_k:
        targets.append(
            ("fan-out to 10k followers <= 1 s", f"{ten_k[0].seconds:.3f} s", ten_k[0].seconds <= 1)
        )
    if push:
        push_p99 = quantiles(push)["p99"]
        targets.append(("push p99 <= 300 ms", f"{push_p99:.0f} ms", push_p99 <= 300))
    say("\ntargets")
    for name, value, met in targets:
        say(f"  {name:40s} {value:>10s}  {'met' if met else 'MISSED'}")
    if client_p99:
        levels = ", ".join(f"{level} connections {p99:.1f} ms" for level, p99 in client_p99.items())
        say(f"  (client side through daphne, p99: {levels})")


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    began = time.perf_counter()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4 * args.sockets + 1024:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(4 * args.sockets + 1024, hard), hard))
    import redis

    redis.Redis.from_url(args.redis_url).flushdb(asynchronous=True)
    reused = prepare_database(args.database_url, args.reuse_db)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["REDIS_URL"] = args.redis_url
    os.environ.pop("DEBUG", None)  # production settings, here and in the children
    from bench.setup import setup_django

    setup_django()
    from django.conf import settings
    from django.db import connection

    for noisy in ("celery", "channels_redis"):  # eager tasks log each run; channels_redis each lost message
        logging.getLogger(noisy).setLevel(logging.WARNING)
    rng = np.random.default_rng(args.seed + 1)
    logs = Path(tempfile.mkdtemp(prefix="bench-feed-"))
    say(
        f"bench.feed on {connection.vendor} ({args.database_url}), Redis {args.redis_url},"
        f" {os.cpu_count()} CPUs; children's logs in {logs}"
    )
    server: ServerSide | None = None
    fan_out: list[FanOut] = []
    push: list[float] = []
    client_p99: dict[int, float] = {}
    try:
        if reused:
            say("seeding skipped (--reuse-db, the database is there)")
        else:
            say(f"seeding {args.users:,} users and {args.videos:,} videos")
            started = time.perf_counter()
            seed(args.users, args.videos, args.weeks, args.seed)
            say(f"  seeded in {time.perf_counter() - started:.1f} s")
        describe_world()
        say(f"  Redis: feed:author keys for {prepare_big_authors()} big accounts")

        readers: list[tuple[Any, str]] = []
        if args.only & {"feed", "http"}:
            say(f"\nhome feed, GET {FEED_PATH}, {args.sample} random readers")
            settings.ROOT_URLCONF = naive_urlconf()  # type: ignore[misc]
            readers = sample_readers(rng, args.sample)
        if "feed" in args.only:
            server = server_side(readers, args.server_requests)
            report_server_side(server)
        if args.only & {"http", "push"}:
            port = free_port()
            daphne = ["-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "sora_social.asgi:application"]
            with child_process("daphne", daphne, logs / "daphne.log", lambda: port_open(port)):
                if "http" in args.only:
                    client_p99 = client_side(port, readers, args)
                if "fanout" in args.only:
                    sizes = [int(size) for size in args.fanout_sizes.split(",")]
                    fan_out = fan_out_section(rng, sizes, args.fanout_repeats, args.home_size)
                if "push" in args.only:
                    push = push_section(port, args.sockets, args.push_rounds, logs, rng)
            say(f"  {log_problems(logs / 'daphne.log')}")
        elif "fanout" in args.only:
            sizes = [int(size) for size in args.fanout_sizes.split(",")]
            fan_out = fan_out_section(rng, sizes, args.fanout_repeats, args.home_size)
        report_targets(server, fan_out, push, client_p99)
        say(f"\ntotal {time.perf_counter() - began:.0f} s")
    finally:
        if not args.keep_db:
            redis.Redis.from_url(args.redis_url).flushdb(asynchronous=True)
            drop_database(args.database_url)


if __name__ == "__main__":
    main()
