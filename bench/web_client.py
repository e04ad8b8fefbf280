"""The web client's three targets: ``python -m bench.web_client [--requests N] [--rounds N]`` (also part of
``python -m bench``).

1. **Server time of the Following page** (``GET /``, signed in, 20 video cards, some with cameo credits,
   likes and comments): the view's time through Django's test ``Client`` in this process, no network, and
   the SQL queries one page makes. Target: p95 <= 50 ms.
2. **Page weight** of that page without the video bytes: what a phone downloads for its first view. The
   page is opened in headless Chromium (Playwright, a system Chromium as the browser tests use) at 390x844
   on the served stack (``python -m sora_social.server``, whitenoise for static files, the signed media
   view for posters and avatars), and the bytes of every response but ``video/mp4`` are summed once the
   load has settled (lazy images far below the fold are not fetched; the video in view plays and its bytes
   are left out), as sent: the server gzips text answers (``sora_social.core.compression``; a sum with any
   text still sent plain gzip'd is printed beside it). Target: <= 150 KB. Also printed, labelled, the old
   static sum: the HTML and everything it names (stylesheets, scripts with their imports, images,
   posters), fetched whether lazy or not, raw and with text compressed; it is what the page would weigh if
   every image loaded at once. Without a Chromium only the static sum is printed. ``--no-browser`` skips
   the live part (3), not this.
3. **Published -> visible** in a follower's open page: the real stack (``python -m sora_social.server`` and a
   Celery worker for ``default,fanout``) on this throwaway database and Redis; the follower's Following page
   open in headless Chromium (Playwright, a system Chromium as the browser tests use); a followed author's
   draft published through ``feed.services.video_publish`` (what the publish page and the API call), so the
   fan-out task runs on the worker and its ``feed.video`` event reaches the page over the socket; timed
   until the "new videos" pill (``#new-videos``) shows. Target: p95 <= 1 s. Skipped, with the reason,
   where there is no Chromium.

Seeding uses the services (eager Celery), so the page reads what a real one does: the feed store in Redis,
signed media links, avatars normalised by the profile service (with their thumbnails), posters the size the
shipped ``demo`` engine makes (480x288, with texture like a generated frame's, JPEG as
``generation.rendering`` writes it).

The first view, measured so (Chromium 390x844): before the posters were lazy images and the cards showed
avatar thumbnails, 701.9 KB as sent (every poster, all five 512x512 avatars, and all 20 clips fetched); then
~207-227 KB as sent (4 or 5 posters, as Chromium's lazy-load margin reaches, two 96x96 avatars, one clip
playing), of which 44 KB of HTML and 72 KB of CSS and JS sent uncompressed; since the server gzips text,
~120-140 KB (the posters are most of it).

Where the page's time goes (timed piece by piece, and cProfile over 100 pages; 2 cores shared with other
work): about 22 ms of CPU a page, with no single hot spot. The feed selector takes ~6.5 ms (the Redis read
0.3 ms; hydration 6 ms, half of it Django building the SQL of the visibility rules, the rest the video query
and the prefetch of cameo credits); ``videos_data`` ~3.3 ms (the serializer, ~45 signed media links, the
liked and block look-ups); the template ~8 ms (the 20 cards ~5 ms, ~100 ``{% url %}`` reversals a third
of that); the middleware, session, user and the base template's badge and moderator queries ~4 ms. Under
contention the wall-clock tail is waiting for a core (the CPU-time line shows the view's own cost), which
is why both are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import gzip
import io
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import numpy as np

from bench.setup import percentiles

PAGE_PATH = "/"
AUTHORS = 10
VIDEOS_PER_AUTHOR = 3  # 30 published: a full first page of 20 and a next page
SERVER_TARGET_MS = 50.0
WEIGHT_TARGET_KB = 150.0
LIVE_TARGET_MS = 1000.0
GUARD_SECONDS = 30.0  # how long a browser round may wait before it fails; a guard, not a measure


def say(*parts: Any) -> None:
    print(*parts, flush=True)


def ms(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def verdict(value: float, target: float) -> str:
    return "meets" if value <= target else "MISSES"


# --- the world -----------------------------------------------------------------------------------------


@dataclass
class World:
    reader: Any  # User
    authors: list[Any]
    drafts: list[Any]  # of authors[0], for the live rounds


def _poster(seed: int) -> bytes:
    """A poster as the demo engine's pipeline makes one: a native 80x48 frame with some texture, upscaled
    (Lanczos) to the display size and written as JPEG."""
    from generation.engine.video import upscale
    from sora_social.core.media import poster_jpeg, test_pattern

    frames = test_pattern(frames=3, width=48, height=80, seed=seed).astype(np.int16)
    noise = np.random.default_rng(seed).normal(0, 14, frames.shape[1:]).astype(np.int16)
    frame = np.clip(frames[1] + noise, 0, 255).astype(np.uint8)
    return poster_jpeg(upscale(frame[None], (480, 288))[0])


def _photo(seed: int) -> io.BytesIO:
    from PIL import Image

    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, size=(16, 16, 3), dtype=np.uint8)
    image = Image.fromarray(base).resize((600, 600), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    buffer.seek(0)
    buffer.name = "avatar.jpg"
    return buffer


def seed_world(drafts: int) -> World:
    """A reader following AUTHORS people with VIDEOS_PER_AUTHOR published videos each: a third with cameo
    credits, half liked (some by the reader), a third commented; half the authors with an avatar."""
    from feed.services import CameoInVideo, comment_create, like_create, video_create_draft, video_publish
    from sora_social.accounts.models import User
    from sora_social.accounts.services import follow_create, user_profile_update
    from sora_social.celery import app as celery_app
    from toolkit.mp4 import encode_mp4

    for noisy in ("celery", "channels_redis"):  # eager tasks log each run
        logging.getLogger(noisy).setLevel(logging.WARNING)
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        reader = User.objects.create_user(username="wc_reader", password="bench-password-0123")
        fans = [User.objects.create_user(username=f"wc_fan{i}") for i in range(5)]
        authors = [
            User.objects.create_user(username=f"wc_author{i}", display_name=f"Author Number {i}")
            for i in range(AUTHORS)
        ]
        for i, author in enumerate(authors):
            follow_create(follower=reader, followee=author)
            if i % 2 == 0:
                user_profile_update(user=author, avatar=_photo(i))
        clip = encode_mp4(np.zeros((8, 48, 80, 3), dtype=np.uint8), fps=8)
        n = 0
        for round_ in range(VIDEOS_PER_AUTHOR):
            for author in authors:
                n += 1
                cameos = (
                    [CameoInVideo(cameo_id=5000 + n, owner=fans[n % 5], handle=f"wc_fan{n % 5}_cameo")]
                    if n % 3 == 0
                    else []
                )
                draft = video_create_draft(
                    author=author,
                    video_bytes=clip,
                    poster_bytes=_poster(n),
                    prompt=f"a paper boat drifting down a rainy street, take {n}",
                    cameos=cameos,
                )
                video = video_publish(
                    video=draft, actor=author, caption=f"Rainy day {round_}: boat #{n}", allow_remix=True
                )
                if n % 2 == 0:
                    for fan in fans[: 1 + n % 5]:
                        like_create(video=video, user=fan)
                if n % 4 == 0:
                    like_create(video=video, user=reader)
                if n % 3 == 1:
                    comment_create(video=video, author=fans[n % 5], text="Lovely, how did you prompt this?")
        kept = [
            video_create_draft(
                author=authors[0],
                video_bytes=clip,
                poster_bytes=_poster(1000 + k),
                prompt=f"a live round {k}",
            )
            for k in range(drafts)
        ]
    finally:
        celery_app.conf.task_always_eager = eager
    return World(reader=reader, authors=authors, drafts=kept)


# --- 1. server time --------------------------------------------------------------------------------------


def server_time(world: World, requests: int) -> str:
    from django.db import connection
    from django.test import Client

    # What seeding left in this process (the world's objects, the text model the eager embedding loaded) is
    # no web process's: out of the garbage collector's sight, so its passes cost what a server's would.
    gc.collect()
    gc.freeze()
    client = Client()
    client.force_login(world.reader)
    for _ in range(5):  # warm: templates, URL resolvers, connections
        client.get(PAGE_PATH)
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(PAGE_PATH)
    html = response.content.decode()
    cards = html.count('class="card"')
    assert response.status_code == 200 and cards == 20, (response.status_code, cards)
    samples, cpu = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(PAGE_PATH)
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    p95 = ms(samples, 0.95)
    say(f"1. Following page, server time ({requests} GETs through the test Client, {cards} cards)")
    target = f"target p95 <= {SERVER_TARGET_MS:.0f} ms: {verdict(p95, SERVER_TARGET_MS)}"
    say(f"   wall {percentiles(samples)}  {target}")
    say(f"   CPU  {percentiles(cpu)}  (this process's CPU time: the view's cost without waiting for a core)")
    say(f"   SQL queries per page: {len(queries)}  (Redis: the feed store read)")
    return html


# --- 2. page weight --------------------------------------------------------------------------------------


class _References(HTMLParser):
    """The URLs a page makes the browser fetch at load: stylesheets, scripts, images, video posters (not the
    videos themselves)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "link" and "stylesheet" in a.get("rel", "").split() and a.get("href"):
            self.urls.append(("stylesheet", a["href"]))
        elif tag == "script" and a.get("src"):
            self.urls.append(("module" if a.get("type") == "module" else "script", a["src"]))
        elif tag == "img" and "player-poster" in a.get("class", "").split() and a.get("src"):
            self.urls.append(("poster", a["src"]))
        elif tag == "img" and a.get("src"):
            self.urls.append(("image", a["src"]))
        elif tag == "video" and a.get("poster"):
            self.urls.append(("poster", a["poster"]))


IMPORTS = re.compile(r"""(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*['"]([^'"]+)['"]""")
CSS_URLS = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


def _body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def _gzip(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def page_weight(world: World, html: str) -> None:
    from tests.conftest import chromium_path

    say("2. Following page weight without video bytes")
    chromium = chromium_path()
    if chromium:
        # As in the live part: the ORM calls made beside Playwright's loop are plain sync code.
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"
        folder = Path(tempfile.mkdtemp(prefix="sora-social-bench-weight-"))
        try:
            first_view_weight(world, folder, chromium)
        except Exception:
            say(f"   failed; the server's log is in {folder}")
            raise
        shutil.rmtree(folder, ignore_errors=True)
    else:
        say("   first view in a browser: skipped, no Chromium (apt-get install chromium, or CHROMIUM_PATH)")
    static_weight(world, html)


def static_weight(world: World, html: str) -> None:
    from django.test import Client

    client = Client()
    client.force_login(world.reader)
    parser = _References()
    parser.feed(html)
    queue = [(kind, urljoin("http://testserver/", url)) for kind, url in parser.urls]
    seen: set[str] = set()
    rows: list[tuple[str, str, int, int, str]] = []  # kind, path, raw, gzip -9, served encoding
    html_bytes = html.encode()
    rows.append(("html", PAGE_PATH, len(html_bytes), _gzip(html_bytes), "identity"))
    while queue:
        kind, url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        plain = _body(client.get(path))
        served = client.get(path, HTTP_ACCEPT_ENCODING="br, gzip")
        encoding = served.headers.get("Content-Encoding", "identity")
        compressed = len(_body(served)) if encoding != "identity" else _gzip(plain)
        text = kind in ("stylesheet", "script", "module")
        rows.append((kind, parts.path, len(plain), compressed if text else len(plain), encoding))
        if kind == "module":
            for found in IMPORTS.finditer(plain.decode(errors="replace")):
                queue.append(("module", urljoin(url, found[1] or found[2])))
        if kind == "stylesheet":
            for found in CSS_URLS.finditer(plain.decode(errors="replace")):
                target = found[1] or found[2]
                if not target.startswith("data:"):
                    queue.append(("image" if found[1] else "stylesheet", urljoin(url, target)))
    raw = sum(row[2] for row in rows)
    compressed = sum(row[3] for row in rows)
    say(
        "   the old static sum, for comparison (not what a phone downloads): the HTML and all it names,"
        " lazy images and posters included, as if all loaded at once"
    )
    groups: dict[str, list[tuple[str, str, int, int, str]]] = {}
    for row in rows:
        groups.setdefault(row[0], []).append(row)
    for kind, members in groups.items():
        encodings = sorted({row[4] for row in members})
        names = ", ".join(sorted({Path(row[1]).name for row in members})) if len(members) <= 3 else ""
        say(
            f"     {kind:10s} x{len(members):2d}  raw {sum(r[2] for r in members) / 1024:7.1f} KB"
            f"  compressed {sum(r[3] for r in members) / 1024:7.1f} KB  served as {'/'.join(encodings)}"
            + (f"  ({names})" if names else "")
        )
    say(
        f"     static sum: raw {raw / 1024:.1f} KB, with text compressed (gzip -9; images as they are)"
        f" {compressed / 1024:.1f} KB"
    )
    textual = [row for row in rows if row[0] not in ("poster", "image")]
    say(
        f"     of which HTML, CSS and JS: raw {sum(r[2] for r in textual) / 1024:.1f} KB,"
        f" compressed {sum(r[3] for r in textual) / 1024:.1f} KB; images: posters are"
        f" {len(groups.get('poster', []))} demo-size stand-ins (480x288 JPEG), avatars the profile"
        " service's 96x96 thumbnails shown at 36x36"
    )
    served_compressed = [row for row in rows if row[4] != "identity"]
    say(
        "     static files come back "
        + (
            f"compressed ({len(served_compressed)} of them)"
            if served_compressed
            else "uncompressed: whitenoise serves the apps' own files through its finders"
            " (WHITENOISE_USE_FINDERS is on), which have no .gz/.br variants, and it would do so even with"
            " STATIC_ROOT set and collected, the finders' files replacing the collected ones; the HTML is"
            " compressed only by a proxy in front"
        )
    )


SETTLE_MS = 1500  # after the network is idle: time for the observers (lazy images, the player) to act
TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg")


@dataclass
class Fetched:
    url: str
    content_type: str
    body: int  # bytes on the wire: the body as sent (compressed or not)
    headers: int
    gzipped: int  # the body gzip -9'd where it is text and was sent uncompressed, else as sent


def _kind(fetched: Fetched) -> str:
    path = urlsplit(fetched.url).path
    if fetched.content_type.startswith("text/html"):
        return "html"
    if fetched.content_type.startswith("text/css"):
        return "stylesheet"
    if "javascript" in fetched.content_type:
        return "script"
    if fetched.content_type.startswith("image/"):
        return "avatar" if "/avatars/" in path else "poster" if "/media/" in path else "image"
    return fetched.content_type.split(";")[0] or "other"


def _first_view(url: str, cookie: str, chromium: str) -> tuple[list[Fetched], list[str], dict[str, Any]]:
    """Opens ``url`` as a phone would and returns every finished response with its sizes, the video
    responses left out (their URLs), and what the page shows (posters loaded, videos playing)."""
    from django.conf import settings
    from playwright.sync_api import sync_playwright

    fetched: list[Fetched] = []
    videos: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        context = browser.new_context(
            base_url=url, viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True
        )
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": url}])
        page = context.new_page()

        def finished(request: Any) -> None:
            response = request.response()
            if response is None:
                return
            content_type = response.headers.get("content-type", "")
            if content_type.startswith("video/mp4"):
                videos.append(request.url)
                return
            sizes = request.sizes()
            body = max(0, sizes["responseBodySize"])
            gzipped = body
            sent_plain = "content-encoding" not in response.headers
            if sent_plain and any(content_type.startswith(t) for t in TEXT_TYPES):
                gzipped = _gzip(response.body())
            fetched.append(Fetched(request.url, content_type, body, sizes["responseHeadersSize"], gzipped))

        page.on("requestfinished", finished)
        page.goto(PAGE_PATH, wait_until="load")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(SETTLE_MS)
        page.wait_for_load_state("networkidle")
        shown = page.evaluate(
            """() => ({
                posters: document.querySelectorAll("img.player-poster").length,
                postersLoaded: [...document.querySelectorAll("img.player-poster")]
                    .filter(i => i.complete && i.naturalWidth > 0).length,
                playing: [...document.querySelectorAll("video")].filter(v => !v.paused).length,
                videos: document.querySelectorAll("video").length,
            })"""
        )
        browser.close()
    return fetched, videos, shown


def first_view_weight(world: World, folder: Path, chromium: str) -> None:
    from tests.generation.workers import session_key_for

    with real_stack(folder, worker=False) as url:
        fetched, videos, shown = _first_view(url, session_key_for(world.reader), chromium)
    groups: dict[str, list[Fetched]] = {}
    for item in fetched:
        groups.setdefault(_kind(item), []).append(item)
    body = sum(f.body for f in fetched)
    headers = sum(f.headers for f in fetched)
    gzipped = sum(f.gzipped for f in fetched)
    say(
        "   first view on a phone (headless Chromium, 390x844, the page as the server sends it, every"
        " response but video/mp4 once the load settled):"
    )
    for kind, members in sorted(groups.items()):
        say(
            f"     {kind:10s} x{len(members):2d}  {sum(f.body for f in members) / 1024:7.1f} KB as sent"
            f"  ({sum(f.gzipped for f in members) / 1024:6.1f} KB with text gzip'd)"
        )
    say(
        f"     posters shown {shown['postersLoaded']} of {shown['posters']}, videos playing"
        f" {shown['playing']} of {shown['videos']}; video responses left out: {len(videos)}"
    )
    say(
        f"   first-view weight: {body / 1024:.1f} KB of bodies as sent (+ {headers / 1024:.1f} KB of"
        f" headers)  target <= {WEIGHT_TARGET_KB:.0f} KB: {verdict(body / 1024, WEIGHT_TARGET_KB)};"
        f" with the HTML and text gzip'd as a proxy in front would send them: {gzipped / 1024:.1f} KB"
        f" ({verdict(gzipped / 1024, WEIGHT_TARGET_KB)})"
    )


# --- 3. published -> visible -----------------------------------------------------------------------------


def _wait_until(check: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


@contextlib.contextmanager
def real_stack(directory: Path, worker: bool = True) -> Iterator[str]:
    """The ASGI server and (unless ``worker`` is False) one Celery worker for ``default,fanout``, as their own
    process groups on this process's database, Redis and media folder; yields the server's URL."""
    from tests.generation.workers import Server, Workers

    server = Server(directory / "server.log")
    workers = Workers(directory)
    try:
        started = workers.start(queues="default,fanout") if worker else None

        def up() -> bool:
            if started is not None and started.exited():
                raise RuntimeError(f"the worker died:\n{workers.logs()}")
            return server.listening() and (started is None or " ready." in started.log())

        _wait_until(up, "the server and the worker", timeout=120)
        yield server.url
    finally:
        server.stop()
        workers.kill_all()


def published_to_visible(world: World, rounds: int) -> None:
    from tests.conftest import chromium_path

    say(f"3. Published -> '#new-videos' visible in the follower's open page ({rounds} rounds, 1 warm-up)")
    chromium = chromium_path()
    if not chromium:
        say("   skipped: no Chromium (apt-get install chromium, or set CHROMIUM_PATH)")
        return
    # Playwright's sync API keeps an asyncio loop marked running in this thread; the ORM calls made between
    # browser steps are plain sync code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"
    folder = Path(tempfile.mkdtemp(prefix="sora-social-bench-stack-"))
    try:
        samples = _live_rounds(world, folder, chromium)
    except Exception:
        say(f"   failed; the stack's logs are in {folder}")
        raise
    shutil.rmtree(folder, ignore_errors=True)
    p95 = ms(samples, 0.95)
    say(f"   {percentiles(samples)}  target p95 <= {LIVE_TARGET_MS:.0f} ms: {verdict(p95, LIVE_TARGET_MS)}")


def _live_rounds(world: World, folder: Path, chromium: str) -> list[float]:
    from django.conf import settings
    from playwright.sync_api import sync_playwright

    from feed.models import VideoEmbedding
    from feed.services import video_publish
    from sora_social.core.redis import get_redis
    from sora_social.realtime.presence import PRESENCE_KEY
    from tests.generation.workers import session_key_for

    def marked_online() -> float:
        return float(get_redis().zscore(PRESENCE_KEY, str(world.reader.pk)) or 0)

    with real_stack(folder) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        context = browser.new_context(base_url=url, viewport={"width": 390, "height": 844})
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session_key_for(world.reader), "url": url}]
        )
        page = context.new_page()
        samples: list[float] = []
        for n, draft in enumerate(world.drafts):
            opened = time.time()
            page.goto("/")
            page.wait_for_selector("#new-videos", state="hidden")
            # This page's socket is in (the consumer marks its user online once it has joined its groups).
            _wait_until(lambda since=opened: marked_online() >= since, "the page's socket")
            started = time.perf_counter()
            video_publish(video=draft, actor=world.authors[0], caption=f"Live round {n}")
            page.wait_for_selector("#new-videos", state="visible", timeout=GUARD_SECONDS * 1000)
            elapsed = time.perf_counter() - started
            if n:  # the first round warms the worker (and its first embedding loads the text model)
                samples.append(elapsed)
            # The worker is idle again (the publish's embedding task done) before the next round.
            _wait_until(
                lambda video=draft: VideoEmbedding.objects.filter(video=video).exists(), "the embedding"
            )
        browser.close()
    return samples


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run(requests: int = 200, rounds: int = 20, browser: bool = True) -> None:
    say(f"web client (load average before: {_load()})")
    world = seed_world(drafts=rounds + 1)
    html = server_time(world, requests)
    page_weight(world, html)
    if browser:
        published_to_visible(world, rounds)
    say(f"   (load average after: {_load()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="GETs for the server time (default 200)")
    parser.add_argument("--rounds", type=int, default=20, help="publishes for the live part (default 20)")
    parser.add_argument(
        "--no-browser", action="store_true", help="skip the live part (the page weight still opens the page)"
    )
    args = parser.parse_args()
    from bench.setup import setup_django

    setup_django()
    run(args.requests, args.rounds, browser=not args.no_browser)


if __name__ == "__main__":
    main()
