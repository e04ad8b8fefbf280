from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from sora_social.accounts.models import User
from sora_social.accounts.selectors import MODERATORS_GROUP
from tests.cameos.conftest import make_cameo, make_draft  # noqa: F401 (fixtures the moderation tests use)
from tests.feed.conftest import make_video  # noqa: F401
from tests.generation.conftest import generation_env, provenance_dir  # noqa: F401


@pytest.fixture
def make_moderator(make_user: Callable[..., User]) -> Callable[..., User]:
    """A member of the ``moderators`` group, with staff status so that the admin lets them in."""

    def make(username: str) -> User:
        user = make_user(username)
        user.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
        User.objects.filter(pk=user.pk).update(is_staff=True)
        user.refresh_from_db()
        return user

    return make


@pytest.fixture
def mod(make_moderator: Callable[..., User]) -> User:
    return make_moderator("mod_one")


@pytest.fixture
def mod2(make_moderator: Callable[..., User]) -> User:
    return make_moderator("mod_two")


@pytest.fixture
def as_mod(client_for: Callable[[User], APIClient], mod: User) -> APIClient:
    return client_for(mod)


@pytest.fixture
def as_mod2(client_for: Callable[[User], APIClient], mod2: User) -> APIClient:
    return client_for(mod2)


def report(
    client: APIClient, target_type: str, target_id: Any, reason: str = "harassment", **extra: Any
) -> Any:
    return client.post(
        "/api/v1/reports/",
        {"target_type": target_type, "target_id": str(target_id), "reason": reason, **extra},
    )


def queue(client: APIClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/moderation/queue/", params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def item_for(client: APIClient, target_type: str, target_id: Any) -> dict[str, Any]:
    [item] = [
        i for i in queue(client) if i["target"]["type"] == target_type and i["target"]["id"] == str(target_id)
    ]
    return item


def resolve(client: APIClient, item_id: str, action: str, note: str = "per the rules", **extra: Any) -> Any:
    return client.post(
        f"/api/v1/moderation/items/{item_id}/resolve/", {"action": action, "note": note, **extra}
    )


def notifications(client: APIClient) -> list[dict[str, Any]]:
    response = client.get("/api/v1/notifications/")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def audit(client: APIClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/moderation/audit/", params)
    assert response.status_code == 200, response.content
    return response.json()["results"]
