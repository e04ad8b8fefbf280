from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from sora_social.accounts.models import User
from tests.cameos.conftest import make_cameo, make_draft  # noqa: F401
from tests.feed.conftest import make_video  # noqa: F401


@pytest.fixture
def page_client() -> Callable[[User], Client]:
    """A browser signed in as ``user`` (a session, as the sign-in page makes)."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def alice_browser(page_client: Callable[[User], Client], alice: User) -> Client:
    return page_client(alice)


@pytest.fixture
def bob_browser(page_client: Callable[[User], Client], bob: User) -> Client:
    return page_client(bob)
