"""Automatic flags: refused and nearly refused prompts, cameo verifications left for review, videos their
cameo's owner reported, and a term list over captions and comments. Each joins the review queue."""

from __future__ import annotations

import pytest

from cameos import likeness
from cameos.services import cameo_review_decide
from feed.services import comment_create
from tests.cameos.recordings import recording_of
from tests.cameos.test_verification import challenge, verify
from tests.moderation.conftest import audit, item_for, queue, report, resolve

pytestmark = pytest.mark.django_db

GENERATIONS = "/api/v1/generations/"


def flag_kinds(item):
    return sorted(flag["kind"] for flag in item["flags"])


def test_a_refused_prompt_flags_its_author(alice, as_alice, as_mod, generation_env):
    response = as_alice.post(
        GENERATIONS, {"prompt": "a naked child on a beach", "duration_seconds": 2, "aspect_ratio": "square"}
    )
    assert response.status_code == 422
    item = item_for(as_mod, "user", alice.pk)
    assert flag_kinds(item) == ["prompt_refused"]
    assert item["flags"][0]["text"] == "a naked child on a beach"
    assert item["subject"] == "alice" and item["report_count"] == 0


def test_a_near_miss_flags_its_author_and_the_job_goes_ahead(
    alice, as_alice, as_mod, generation_env, settings
):
    settings.PROMPT_POLICY_REVIEW_THRESHOLD = 0.0
    response = as_alice.post(
        GENERATIONS, {"prompt": "a knight fights a dragon", "duration_seconds": 2, "aspect_ratio": "square"}
    )
    assert response.status_code == 202, response.content
    [flag] = item_for(as_mod, "user", alice.pk)["flags"]
    assert flag["kind"] == "prompt_near_miss" and flag["details"]["job_id"] == response.json()["id"]


def test_repeated_refusals_gather_into_one_item(alice, as_alice, as_mod, generation_env):
    for prompt in ("naked people", "a gore scene", "make a bomb"):
        as_alice.post(GENERATIONS, {"prompt": prompt, "duration_seconds": 2, "aspect_ratio": "square"})
    [item] = queue(as_mod)
    assert item["flag_count"] == 3


def test_a_cameo_left_in_review_is_flagged_and_dismissing_approves_it(
    alice, as_alice, as_mod, make_cameo, monkeypatch
):
    monkeypatch.setattr(likeness, "PASS_THRESHOLD", 2.0)
    monkeypatch.setattr(likeness, "FAIL_THRESHOLD", -1.0)
    cameo = make_cameo(alice, kind="self", audience="everyone", seed=0, images=3)
    response = verify(as_alice, cameo, challenge(as_alice, cameo)["challenge_id"], recording_of(0))
    assert response.json()["status"] == "in_review"
    item = item_for(as_mod, "cameo", cameo.pk)
    assert flag_kinds(item) == ["cameo_in_review"]
    assert item["target"]["preview"]["status"] == "in_review"
    assert resolve(as_mod, item["id"], "dismiss").status_code == 200
    assert as_alice.get(f"/api/v1/cameos/{cameo.pk}/").json()["status"] == "active"


def test_a_cameo_review_decided_elsewhere_closes_its_item(
    alice, as_alice, mod, as_mod, make_cameo, monkeypatch
):
    monkeypatch.setattr(likeness, "PASS_THRESHOLD", 2.0)
    monkeypatch.setattr(likeness, "FAIL_THRESHOLD", -1.0)
    cameo = make_cameo(alice, kind="self", audience="everyone", seed=0, images=3)
    verify(as_alice, cameo, challenge(as_alice, cameo)["challenge_id"], recording_of(0))
    item = item_for(as_mod, "cameo", cameo.pk)
    cameo_review_decide(cameo=cameo, moderator=mod, approve=False, note="not the same person")
    assert queue(as_mod) == []
    closed = as_mod.get(f"/api/v1/moderation/items/{item['id']}/").json()
    assert (closed["status"], closed["resolution"], closed["resolved_by"]) == (
        "resolved",
        "remove_content",
        "mod_one",
    )
    [entry] = [
        e for e in audit(as_mod, target_type="cameo", target_id=cameo.pk) if e["action"] == "remove_content"
    ]
    assert entry["actor"] == "mod_one" and entry["note"] == "not the same person"


def test_a_video_reported_by_its_cameos_owner_comes_first(
    alice, bob, carol, as_bob, as_carol, as_alice, as_mod, make_cameo, make_draft, make_video
):
    cameo = make_cameo(bob, audience="everyone")
    abuse = make_draft(alice, cameo, publish=True)
    other = make_video(alice)
    for reporter in (as_carol, as_bob):
        assert report(reporter, "video", other.pk, "sexual").status_code == 201
    assert report(as_bob, "video", abuse.pk, "other", note="that is me and I hate it").status_code == 201
    first, second = queue(as_mod)
    assert first["target"]["id"] == str(abuse.pk)
    assert flag_kinds(first) == ["cameo_owner_report"]
    assert first["flags"][0]["details"]["handle"] == cameo.handle
    assert first["priority"] > second["priority"]


def test_terms_in_comments_and_captions_are_flagged(alice, bob, as_mod, make_video, settings):
    settings.MODERATION_TERMS = ["buy followers", "scam"]
    video = make_video(alice, caption="Buy Followers cheap!!")
    comment = comment_create(video=video, author=bob, text="total sc4m, avoid")
    clean = comment_create(video=video, author=bob, text="lovely")
    video_item = item_for(as_mod, "video", video.pk)
    assert flag_kinds(video_item) == ["term_match"]
    assert video_item["flags"][0]["details"]["term"] == "buy followers"
    comment_item = item_for(as_mod, "comment", comment.pk)
    assert comment_item["flags"][0]["details"]["term"] == "scam"
    assert comment_item["subject"] == "bob"
    assert not [i for i in queue(as_mod) if i["target"]["id"] == str(clean.pk)]


def test_a_draft_caption_is_checked_when_it_is_published(alice, as_alice, as_mod, make_video, settings):
    settings.MODERATION_TERMS = ["scam"]
    draft = make_video(alice, publish=False)
    assert as_alice.patch(f"/api/v1/videos/{draft.pk}/", {"caption": "a scam"}).status_code == 200
    assert queue(as_mod) == []
    assert as_alice.post(f"/api/v1/videos/{draft.pk}/publish/", {}).status_code == 200
    assert flag_kinds(item_for(as_mod, "video", draft.pk)) == ["term_match"]
