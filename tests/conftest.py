from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator

import pytest
from rest_framework.test import APIClient

from sora_social.accounts.models import User
from sora_social.accounts.services import auth_token_create, user_register
from sora_social.core.ids import NODE_COUNTER_KEY
from sora_social.core.redis import get_redis

pytest_plugins = ["tests.s3"]

PASSWORD = "correct-horse-battery-staple"
_names = itertools.count(1)


def chromium_path() -> str | None:
    """The Chromium the browser tests drive: ``CHROMIUM_PATH``, else Debian's ``chromium`` on the PATH."""
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skips, with the reason, what this machine cannot run: ``postgres`` tests on SQLite, ``browser`` tests
    without Chromium. ``make test`` runs everything else; CI points it at PostgreSQL and installs Chromium."""
    from django.db import connection

    missing = {
        "postgres": None if connection.vendor == "postgresql" else "needs PostgreSQL: set DATABASE_URL",
        "browser": None if chromium_path() else NO_CHROMIUM,
    }
    for item in items:
        for marker, reason in missing.items():
            if reason and marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


NO_CHROMIUM = "needs Chromium (apt-get install chromium) or CHROMIUM_PATH"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One plain line when the browser tests did not run for want of a Chromium, and how to get one."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if NO_CHROMIUM in str(getattr(report, "longrepr", ""))
    ]
    if skipped:
        terminalreporter.write_line(
            f"The {len(skipped)} browser tests were skipped: no Chromium was found. Install one with "
            "`apt-get install chromium` (CI does), or point CHROMIUM_PATH at a Chromium binary.",
            yellow=True,
            bold=True,
        )


@pytest.fixture(autouse=True)
def _clean_redis() -> Iterator[None]:
    """Each test starts with empty Redis state, except the id node counter: processes keep their leases."""
    client = get_redis()
    stale = [key for key in client.scan_iter(count=1000) if key != NODE_COUNTER_KEY]
    if stale:
        client.delete(*stale)
    yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: object) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(username: str | None = None, **fields: object) -> User:
        return user_register(username=username or f"user{next(_names)}", password=PASSWORD, **fields)  # type: ignore[arg-type]

    return make


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for() -> Callable[[User], APIClient]:
    def make(user: User) -> APIClient:
        client = APIClient()
        _, key = auth_token_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


@pytest.fixture
def alice(make_user: Callable[..., User]) -> User:
    return make_user("alice")


@pytest.fixture
def bob(make_user: Callable[..., User]) -> User:
    return make_user("bob")


@pytest.fixture
def as_alice(client_for: Callable[[User], APIClient], alice: User) -> APIClient:
    return client_for(alice)


@pytest.fixture
def as_bob(client_for: Callable[[User], APIClient], bob: User) -> APIClient:
    return client_for(bob)


@pytest.fixture
def carol(make_user: Callable[..., User]) -> User:
    return make_user("carol")


@pytest.fixture
def as_carol(client_for: Callable[[User], APIClient], carol: User) -> APIClient:
    return client_for(carol)
