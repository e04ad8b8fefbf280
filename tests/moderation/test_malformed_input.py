"""Whatever is sent to moderation's endpoints, the answer is a clear error and never a 5xx: values of the
wrong type, empty, huge, or with characters no database takes."""

from __future__ import annotations

import itertools

import pytest

from tests.moderation.conftest import item_for, report

pytestmark = pytest.mark.django_db

WEIRD = [None, "", " ", 0, -1, 1.5, True, [], {}, ["1"], {"a": 1}, "9" * 40, "x" * 5000, "١٢٣", "\x00", 2**70]
QUERY_WEIRD = ["", "x", "-1", "9" * 30, "\x00", "%"]


def test_malformed_bodies_and_queries_never_get_a_5xx(as_carol, as_mod, as_bob, bob, make_video):
    video = make_video(bob)
    report(as_carol, "video", video.pk)
    item = item_for(as_mod, "video", video.pk)
    answers = []

    def send(client, path, body):
        answers.append((path, body, client.post(path, body, format="json").status_code))

    for field, value in itertools.product(["target_type", "target_id", "reason", "note"], WEIRD):
        body = {"target_type": "video", "target_id": str(video.pk), "reason": "spam", field: value}
        send(as_carol, "/api/v1/reports/", body)
    for field, value in itertools.product(["action", "note", "duration_hours"], WEIRD):
        send(
            as_mod,
            f"/api/v1/moderation/items/{item['id']}/resolve/",
            {"action": "warn", "note": "n", field: value},
        )
    for field, value in itertools.product(["action_id", "text", "username", "password"], WEIRD):
        send(as_bob, "/api/v1/appeals/", {"action_id": "123", "text": "t", field: value})
    for item_id in ["x", "0", "-1", "9" * 30, "1.5"]:
        for suffix in ("claim/", "release/", "resolve/"):
            send(as_mod, f"/api/v1/moderation/items/{item_id}/{suffix}", {"action": "dismiss"})
        send(as_mod, f"/api/v1/moderation/appeals/{item_id}/resolve/", {"decision": "upheld"})
        answers.append((item_id, None, as_mod.get(f"/api/v1/moderation/items/{item_id}/").status_code))
    lists = [
        "/api/v1/moderation/queue/",
        "/api/v1/moderation/audit/",
        "/api/v1/moderation/appeals/",
        "/api/v1/appeals/",
    ]
    names = ["cursor", "limit", "target_type", "target_id", "reason", "claim", "status", "actor"]
    for path, name, value in itertools.product(lists, names, QUERY_WEIRD):
        answers.append((path, {name: value}, as_mod.get(path, {name: value}).status_code))

    assert [answer for answer in answers if answer[2] >= 500] == []
    assert {status for *_, status in answers} >= {400, 404}
