"""The whole life of a report, through the API: report → item → claim → resolve → notifications → appeal →
overturn → restored, with the audit log following every step."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from feed.models import Video
from sora_social.accounts.services import follow_create
from tests.moderation.conftest import audit, item_for, notifications, queue, report, resolve

pytestmark = pytest.mark.django_db(transaction=True)


def following_ids(client):
    response = client.get("/api/v1/feed/following/")
    assert response.status_code == 200, response.content
    return [v["id"] for v in response.json()["results"]]


def test_report_to_overturned_appeal(
    alice, bob, carol, as_alice, as_bob, as_carol, mod, mod2, as_mod, as_mod2, make_video
):
    follow_create(follower=alice, followee=bob)
    following_ids(as_alice)  # the first read makes alice's feed live
    video = make_video(bob, caption="you are all idiots")
    assert following_ids(as_alice) == [str(video.pk)]

    response = report(as_carol, "video", video.pk, "harassment", note="insults everyone")
    assert response.status_code == 201, response.content
    assert response.json()["outcome"] == "pending"

    item = item_for(as_mod, "video", video.pk)
    assert item["subject"] == "bob"
    assert item["reasons"] == {"harassment": 1}
    assert [r["reporter"] for r in item["reports"]] == ["carol"]
    assert item["target"]["preview"]["caption"] == "you are all idiots"

    claimed = as_mod.post(f"/api/v1/moderation/items/{item['id']}/claim/")
    assert claimed.status_code == 200 and claimed.json()["claimed_by"] == "mod_one"

    resolved = resolve(as_mod, item["id"], "remove_content", note="targeted insults")
    assert resolved.status_code == 200, resolved.content
    action = resolved.json()["action"]
    assert action["kind"] == "remove_content" and action["subject"] == "bob"
    assert resolved.json()["item"]["status"] == "resolved"

    # Gone from every feed and list at once; the author sees it as removed; the media is kept for appeal.
    assert following_ids(as_alice) == []
    assert as_alice.get(f"/api/v1/videos/{video.pk}/").status_code == 404
    assert as_bob.get(f"/api/v1/videos/{video.pk}/").json()["status"] == "removed"
    video.refresh_from_db()
    assert Path(settings.MEDIA_ROOT, video.video_file.name).exists()
    assert queue(as_mod) == []

    [told] = [n for n in notifications(as_bob) if n["kind"] == "moderation"]
    assert told["data"]["action"] == "remove_content" and told["data"]["action_id"] == action["id"]
    [heard] = [n for n in notifications(as_carol) if n["kind"] == "moderation"]
    assert heard["data"]["outcome"] == "action_taken"

    appeal = as_bob.post(
        "/api/v1/appeals/", {"action_id": action["id"], "text": "It was a joke among friends."}
    )
    assert appeal.status_code == 201, appeal.content
    appeal_id = appeal.json()["id"]
    [mine] = as_bob.get("/api/v1/appeals/").json()["results"]
    assert mine["id"] == appeal_id and mine["status"] == "pending" and mine["action_id"] == action["id"]
    assert as_carol.get("/api/v1/appeals/").json()["results"] == []
    unnamed = as_carol.post("/api/v1/appeals/", {"text": "me too"})
    assert unnamed.status_code == 400 and "action_id" in unnamed.json()["fields"]
    [pending] = as_mod2.get("/api/v1/moderation/appeals/").json()["results"]
    assert pending["id"] == appeal_id and pending["appellant"] == "bob" and pending["acted_by"] == "mod_one"

    own = as_mod.post(
        f"/api/v1/moderation/appeals/{appeal_id}/resolve/", {"decision": "overturned", "note": ""}
    )
    assert own.status_code == 403 and own.json()["code"] == "own_action"

    decided = as_mod2.post(
        f"/api/v1/moderation/appeals/{appeal_id}/resolve/",
        {"decision": "overturned", "note": "context shows a joke"},
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "overturned"

    # Restored where it was: published, in alice's feed again, playable.
    assert as_alice.get(f"/api/v1/videos/{video.pk}/").status_code == 200
    assert following_ids(as_alice) == [str(video.pk)]
    video.refresh_from_db()
    assert video.status == Video.Status.PUBLISHED and video.removal_reason == ""
    assert any(n["data"].get("decision") == "overturned" for n in notifications(as_bob))
    assert as_bob.get("/api/v1/appeals/").json()["results"][0]["status"] == "overturned"

    steps = [entry["action"] for entry in reversed(audit(as_mod2, target_type="video", target_id=video.pk))]
    assert steps == ["report", "claim", "remove_content", "appeal", "appeal_overturned"]
    removal = next(e for e in audit(as_mod2, target_type="video") if e["action"] == "remove_content")
    assert removal["actor"] == "mod_one" and removal["note"] == "targeted insults"
    assert removal["before"]["status"] == "published" and removal["after"]["status"] == "removed"


def test_an_upheld_appeal_purges_the_kept_media(bob, carol, as_bob, as_carol, as_mod, as_mod2, make_video):
    video = make_video(bob)
    report(as_carol, "video", video.pk, "spam")
    item = item_for(as_mod, "video", video.pk)
    action = resolve(as_mod, item["id"], "remove_content").json()["action"]
    appeal = as_bob.post("/api/v1/appeals/", {"action_id": action["id"], "text": "please"}).json()
    decided = as_mod2.post(f"/api/v1/moderation/appeals/{appeal['id']}/resolve/", {"decision": "upheld"})
    assert decided.status_code == 200 and decided.json()["status"] == "upheld"
    video.refresh_from_db()
    assert video.status == Video.Status.REMOVED
    assert not Path(settings.MEDIA_ROOT, video.video_file.name).exists()
    again = as_mod2.post(f"/api/v1/moderation/appeals/{appeal['id']}/resolve/", {"decision": "overturned"})
    assert again.status_code == 409 and again.json()["code"] == "already_decided"
