"""The web client in a real Chromium, against the real stack: the ASGI server (``sora_social.server``, the
same daphne that ``make run`` starts, WebSockets included) and Celery workers for the ``gpu`` queue (the
shipped engine, short clips) and for ``default`` and ``fanout`` (events, notifications, feeds), all as
their own processes on the test database, Redis and media folder.

Playwright's own browser download cannot run everywhere, so the browser is a system Chromium
(``tests.conftest.chromium_path``); without one, these tests are skipped with that reason. The stack starts
once per test session; each test gets an empty database (``transaction=True``) and fresh browser contexts.

Screenshots go to ``BROWSER_SCREENSHOTS`` (default ``.run/screenshots``); axe's report of a page is checked
for serious and critical violations.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserType, Playwright, sync_playwright

from sora_social.accounts.models import User
from sora_social.celery import app as celery_app
from tests.cameos.conftest import make_cameo  # noqa: F401 (a fixture the pages use)
from tests.conftest import chromium_path
from tests.feed.conftest import make_video  # noqa: F401 (a fixture the flows use)
from tests.generation.conftest import provenance_dir  # noqa: F401 (the stack's signing identity)
from tests.generation.workers import REPOSITORY, Server, Workers, session_key_for

SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS") or REPOSITORY / ".run" / "screenshots")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# How long a browser waits for what the stack does in the background (a clip, an event); a guard against
# hanging, not a measure.
EVENTUAL_MS = 90_000
# The shipped engine, with few sampling steps: a 2-second clip in seconds on one core.
ENGINE_STEPS = 6


@dataclass
class Stack:
    server: Server
    workers: Workers

    @property
    def url(self) -> str:
        return self.server.url

    def check(self) -> None:
        """Fail with the logs when a process of the stack has died."""
        self.server.listening()
        self.workers.check()

    def logs(self) -> str:
        return f"----- server -----\n{self.server.log()}\n{self.workers.logs()}"


def _bind_queues() -> None:
    """Declare the stack's queues again: each test's Redis wipe removed their bindings, without which a
    message sent before a worker declares its queue again would be dropped."""
    with celery_app.connection_for_write() as connection:
        for queue in celery_app.amqp.queues.values():
            queue.bind(connection.default_channel).declare()


@pytest.fixture(scope="session")
def stack(
    django_db_setup: None,
    tmp_path_factory: pytest.TempPathFactory,
    provenance_dir: Path,  # noqa: F811 (the fixture imported above)
) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp("stack")
    environment = {
        "GENERATION_ENGINE_CONFIG": "demo",
        "GENERATION_CHECKPOINT": "",
        "GENERATION_DEVICE": "cpu",
        "GENERATION_STEPS": ENGINE_STEPS,
        "GENERATION_DAILY_QUOTA": 50,
        "GENERATION_PROGRESS_INTERVAL_SECONDS": 0.2,
        "PROVENANCE_CHAIN_FILE": provenance_dir / "chain.pem",
        "PROVENANCE_KEY_FILE": provenance_dir / "key.pem",
        "PROVENANCE_TRUST_ANCHORS_FILE": provenance_dir / "ca.pem",
    }
    server = Server(directory / "server.log", **environment)
    workers = Workers(directory)
    try:
        workers.start(queues="gpu", **environment)
        workers.start(queues="default,fanout", **environment)
        deadline = time.monotonic() + 60
        while not server.listening():
            assert time.monotonic() < deadline, f"the server did not listen within 60 s:\n{server.log()}"
            time.sleep(0.1)
        yield Stack(server, workers)
    finally:
        server.stop()
        workers.kill_all()


@pytest.fixture(autouse=True)
def _browser_test(
    stack: Stack,
) -> Iterator[None]:
    """Each browser test: the queues bound again after the Redis wipe, and the stack's logs printed (pytest
    shows them when it fails)."""
    _bind_queues()
    yield
    stack.check()
    print(stack.logs()[-20_000:])


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Playwright for one module of browser tests, stopped after it (pytest-playwright keeps it for the whole
    session). While it lives, its sync API keeps an asyncio loop running in this thread: the async tests
    that may follow in this process could not run their own, and Django takes the test's ORM calls for
    async code, so its guard is off for the module (those calls are plain sync code between browser steps)."""
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"
    driver = sync_playwright().start()
    try:
        yield driver
    finally:
        driver.stop()
        if before is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(scope="module")
def browser_type(playwright: Playwright, browser_name: str) -> BrowserType:
    return cast(BrowserType, getattr(playwright, browser_name))


@pytest.fixture(scope="module")
def browser(browser_type: BrowserType, browser_type_launch_args: dict[str, Any]) -> Iterator[Browser]:
    launched = browser_type.launch(**browser_type_launch_args)
    yield launched
    launched.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": chromium_path()}


@pytest.fixture(scope="session")
def browser_context_args(stack: Stack) -> dict[str, Any]:
    return {"base_url": stack.url}


@pytest.fixture
def signed_in(new_context: Callable[..., Any], stack: Stack) -> Callable[..., Any]:
    """A browser context signed in as ``user`` (a session as the sign-in page makes one), and its page: a
    phone's unless ``viewport`` says otherwise."""

    def make(user: User, **context_args: Any) -> Any:
        context_args.setdefault("viewport", PHONE)
        context = new_context(**context_args)
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session_key_for(user), "url": stack.url}]
        )
        context.set_default_timeout(15_000)
        return context.new_page()

    return make


def screenshot(page: Any, name: str) -> None:
    """The page as a person sees it, whole, in ``SCREENSHOTS/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    file_name = re.sub(r"[^a-z0-9-]+", "-", name.lower())
    page.screenshot(path=str(SCREENSHOTS / f"{file_name}.png"), full_page=True)


def axe_problems(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(str(node["target"]) for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
