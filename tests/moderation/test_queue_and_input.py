"""Who may use the moderation API, how reports gather and rank in the queue, claims, what bad input gets,
appeals, and the audit log: all through the HTTP API, checked against the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feed.services import comment_create
from moderation.models import Appeal, AuditEntry, Enforcement, Report, ReviewItem
from sora_social.accounts.models import User
from sora_social.core.models import AppendOnlyError
from tests.helpers import assert_error
from tests.moderation.conftest import audit, item_for, queue, report, resolve

pytestmark = pytest.mark.django_db


def reported_item(reporter_client, mod_client, target_type, target_id, reason="harassment"):
    """Report a target and return its queue item."""
    response = report(reporter_client, target_type, target_id, reason)
    assert response.status_code == 201, response.content
    return item_for(mod_client, target_type, target_id)


def warned(as_reporter, as_mod, subject, make_video):
    """A warning against ``subject``: (item id, action id)."""
    video = make_video(subject, caption="buy my stuff")
    item = reported_item(as_reporter, as_mod, "video", video.pk, "spam")
    response = resolve(as_mod, item["id"], "warn", note="spam in captions")
    assert response.status_code == 200, response.content
    return item["id"], response.json()["action"]["id"]


def all_pages(client, url, **params):
    """Every result of a cursor list, following ``next``; and how many pages it took."""
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    results, pages = list(response.json()["results"]), 1
    while response.json()["next"]:
        response = client.get(response.json()["next"])
        assert response.status_code == 200, response.content
        results += response.json()["results"]
        pages += 1
    return results, pages


# 1. Only moderators ---------------------------------------------------------------------------------------


ENDPOINTS = [
    ("get", "/api/v1/moderation/queue/"),
    ("get", "/api/v1/moderation/items/{item}/"),
    ("post", "/api/v1/moderation/items/{item}/claim/"),
    ("post", "/api/v1/moderation/items/{item}/release/"),
    ("post", "/api/v1/moderation/items/{item}/resolve/"),
    ("get", "/api/v1/moderation/appeals/"),
    ("post", "/api/v1/moderation/appeals/{appeal}/resolve/"),
    ("get", "/api/v1/moderation/audit/"),
]
ENDPOINT_IDS = [f"{method} {path}" for method, path in ENDPOINTS]


@pytest.fixture
def existing(bob, carol, as_bob, as_carol, as_mod, make_video):
    """A real open item (on bob's second video) and a real pending appeal (of a warning to bob)."""
    _, action_id = warned(as_carol, as_mod, bob, make_video)
    appeal = as_bob.post("/api/v1/appeals/", {"action_id": action_id, "text": "It was not spam."})
    assert appeal.status_code == 201, appeal.content
    video = make_video(bob)
    item = reported_item(as_carol, as_mod, "video", video.pk)
    return {"item": item["id"], "appeal": appeal.json()["id"]}


def call(client, method, path, ids):
    url = path.format(**ids)
    if method == "get":
        return client.get(url)
    return client.post(url, {"action": "dismiss", "decision": "upheld", "note": "x"})


@pytest.mark.parametrize(("method", "path"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_a_regular_user_gets_403_not_moderator_everywhere(method, path, existing, make_user, client_for):
    regular = client_for(make_user("dave"))
    assert_error(call(regular, method, path, existing), 403, "not_moderator")
    item = ReviewItem.objects.get(pk=existing["item"])
    assert (item.status, item.claimed_by_id) == ("open", None)
    assert Appeal.objects.get(pk=existing["appeal"]).status == "pending"


@pytest.mark.parametrize(("method", "path"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_anonymous_gets_401_everywhere(method, path, existing, anon):
    assert_error(call(anon, method, path, existing), 401, "not_authenticated")
    assert ReviewItem.objects.get(pk=existing["item"]).status == "open"
    assert Appeal.objects.get(pk=existing["appeal"]).status == "pending"


def test_the_reporter_and_the_cameo_owner_are_not_moderators(
    alice, bob, as_alice, as_carol, as_mod, make_video, make_cameo
):
    cameo = make_cameo(alice)
    video = make_video(bob, cameo_owners=(alice,))
    cameo_item = reported_item(as_carol, as_mod, "cameo", cameo.pk, "likeness_misuse")
    video_item = reported_item(as_alice, as_mod, "video", video.pk, "likeness_misuse")
    for client, item in ((as_carol, cameo_item), (as_alice, cameo_item), (as_alice, video_item)):
        assert_error(client.get("/api/v1/moderation/queue/"), 403, "not_moderator")
        assert_error(client.get(f"/api/v1/moderation/items/{item['id']}/"), 403, "not_moderator")
        assert_error(resolve(client, item["id"], "dismiss"), 403, "not_moderator")
    assert ReviewItem.objects.filter(status="open").count() == 2


def test_a_staff_superuser_may_read_the_queue(make_user, client_for, carol, as_carol, bob, make_video):
    chief = make_user("chief")
    User.objects.filter(pk=chief.pk).update(is_superuser=True, is_staff=True)
    chief.refresh_from_db()
    video = make_video(bob)
    assert report(as_carol, "video", video.pk).status_code == 201
    response = client_for(chief).get("/api/v1/moderation/queue/")
    assert response.status_code == 200, response.content
    assert [i["target"]["id"] for i in response.json()["results"]] == [str(video.pk)]
    # Staff status alone (admin access for other work) is not moderation.
    staff = make_user("operator")
    User.objects.filter(pk=staff.pk).update(is_staff=True)
    assert_error(client_for(staff).get("/api/v1/moderation/queue/"), 403, "not_moderator")


# 2. Aggregation -------------------------------------------------------------------------------------------


def test_reports_of_one_target_gather_into_one_item(
    bob, carol, as_alice, as_carol, make_user, client_for, as_mod, make_video
):
    video = make_video(bob, caption="loud")
    dave = client_for(make_user("dave"))
    first = report(as_alice, "video", video.pk, "harassment", note="mean")
    assert first.status_code == 201, first.content
    assert report(as_carol, "video", video.pk, "harassment").status_code == 201
    assert report(dave, "video", video.pk, "spam").status_code == 201

    [item] = queue(as_mod)
    assert (item["target"]["type"], item["target"]["id"], item["subject"]) == ("video", str(video.pk), "bob")
    assert item["report_count"] == 3
    assert item["reasons"] == {"harassment": 2, "spam": 1}
    assert item["top_reason"] == "harassment"
    assert sorted(r["reporter"] for r in item["reports"]) == ["alice", "carol", "dave"]
    assert ReviewItem.objects.filter(target_type="video", target_id=video.pk).count() == 1

    # The same reporter again, even with another reason: their first report, no new row.
    again = report(as_alice, "video", video.pk, "sexual")
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["reason"] == "harassment"
    assert Report.objects.filter(item_id=item["id"]).count() == 3
    assert queue(as_mod)[0]["report_count"] == 3

    # Once resolved, the next report opens a new item; the earlier reporter may report again.
    assert resolve(as_mod, item["id"], "dismiss", note="").status_code == 200
    assert queue(as_mod) == []
    fresh = report(as_alice, "video", video.pk, "spam")
    assert fresh.status_code == 201, fresh.content
    assert fresh.json()["id"] != first.json()["id"]
    [new_item] = queue(as_mod)
    assert new_item["id"] != item["id"]
    assert (new_item["report_count"], new_item["reasons"]) == (1, {"spam": 1})
    items = ReviewItem.objects.filter(target_type="video", target_id=video.pk)
    assert sorted(items.values_list("status", flat=True)) == ["open", "resolved"]


def test_an_items_counts_agree_with_its_reports_after_a_reporter_leaves(
    bob, as_alice, make_user, client_for, as_mod, make_video
):
    video = make_video(bob)
    dave = make_user("dave")
    assert report(as_alice, "video", video.pk, "harassment").status_code == 201
    assert report(client_for(dave), "video", video.pk, "spam").status_code == 201
    assert item_for(as_mod, "video", video.pk)["report_count"] == 2

    User.objects.get(pk=dave.pk).delete()

    item = item_for(as_mod, "video", video.pk)
    assert item["report_count"] == len(item["reports"]) == sum(item["reasons"].values())


# 3. Priority and the queue --------------------------------------------------------------------------------


def test_the_gravest_reason_comes_first_then_the_newest(bob, make_user, client_for, as_mod, make_video):
    reporters = [client_for(make_user(f"reporter{i}")) for i in range(6)]
    spam, older_harassment, likeness, newer_harassment, minor = (make_video(bob) for _ in range(5))
    for client in reporters:
        assert report(client, "video", spam.pk, "spam").status_code == 201
    assert report(reporters[0], "video", older_harassment.pk, "harassment").status_code == 201
    assert report(reporters[0], "video", likeness.pk, "likeness_misuse").status_code == 201
    assert report(reporters[0], "video", newer_harassment.pk, "harassment").status_code == 201
    assert report(reporters[0], "video", minor.pk, "minor_safety").status_code == 201

    items = queue(as_mod)
    assert [i["target"]["id"] for i in items] == [
        str(v.pk) for v in (minor, likeness, newer_harassment, older_harassment, spam)
    ]
    assert items[-1]["report_count"] == 6
    priorities = [i["priority"] for i in items]
    assert priorities == sorted(priorities, reverse=True)
    assert items[2]["priority"] == items[3]["priority"]  # a tie: the newer item first


def test_a_reporters_record_weighs_their_reports(bob, make_user, client_for, as_mod, make_video):
    dismissed_one, upheld_one, newcomer = (make_user(n) for n in ("dismissed_one", "upheld_one", "newcomer"))
    as_dismissed, as_upheld, as_newcomer = (client_for(u) for u in (dismissed_one, upheld_one, newcomer))

    # Their history, made through the API: one report dismissed, one upheld.
    false_alarm = reported_item(as_dismissed, as_mod, "video", make_video(bob).pk, "spam")
    assert resolve(as_mod, false_alarm["id"], "dismiss", note="").status_code == 200
    borne_out = reported_item(as_upheld, as_mod, "video", make_video(bob).pk, "spam")
    assert resolve(as_mod, borne_out["id"], "warn", note="spam").status_code == 200
    assert Report.objects.get(reporter=dismissed_one).outcome == "dismissed"
    assert Report.objects.get(reporter=upheld_one).outcome == "upheld"

    older, newer = make_video(bob), make_video(bob)
    assert report(as_newcomer, "video", older.pk, "harassment").status_code == 201
    assert report(as_dismissed, "video", newer.pk, "harassment").status_code == 201
    assert report(as_upheld, "video", newer.pk, "harassment").status_code == 201
    assert report(as_newcomer, "video", newer.pk, "harassment").status_code == 201

    weights = {r["reporter"]: r["weight"] for r in item_for(as_mod, "video", newer.pk)["reports"]}
    assert weights["dismissed_one"] < 0.5
    assert weights["newcomer"] == 0.5
    assert weights["upheld_one"] > 0.5

    # One report from a discredited reporter ranks below one from a newcomer, even on a newer item.
    third = make_video(bob)
    assert report(as_dismissed, "video", third.pk, "harassment").status_code == 201
    order = [i["target"]["id"] for i in queue(as_mod)]
    assert order.index(str(older.pk)) < order.index(str(third.pk))
    assert item_for(as_mod, "video", third.pk)["priority"] < item_for(as_mod, "video", older.pk)["priority"]


def test_the_queue_pages_with_next_links(bob, make_user, client_for, as_mod, make_video):
    reasons = ["spam", "harassment", "harassment", "violence", "other"]
    reporter = client_for(make_user("dave"))
    for reason in reasons:
        assert report(reporter, "video", make_video(bob).pk, reason).status_code == 201
    everything = [i["id"] for i in queue(as_mod)]
    assert len(everything) == 5

    paged, pages = all_pages(as_mod, "/api/v1/moderation/queue/", limit=2)
    assert [i["id"] for i in paged] == everything
    assert pages == 3

    # While a moderator pages, a seen item gains reports (it rises) and a new low item arrives: the rest
    # of the pages bring every other item once and the new one, nothing twice.
    first = as_mod.get("/api/v1/moderation/queue/", {"limit": 2}).json()
    seen = first["results"][1]["target"]["id"]  # the very item the cursor points at
    for name in ("erin", "frank"):
        assert report(client_for(make_user(name)), "video", seen, "harassment").status_code == 201
    late = make_video(bob)
    assert report(reporter, "video", late.pk, "other").status_code == 201
    rest, _ = all_pages(as_mod, first["next"])
    late_item = item_for(as_mod, "video", late.pk)["id"]
    combined = [i["id"] for i in first["results"] + rest]
    assert sorted(combined) == sorted([*everything, late_item])
    assert combined == [i["id"] for i in queue(as_mod)]  # the tie with the older "other" item: newest first

    for bad in ("garbage!!", "bm90LWEtY3Vyc29y", "cTE6eDp5"):  # junk, "not-a-cursor", "q1:x:y"
        response = as_mod.get("/api/v1/moderation/queue/", {"cursor": bad})
        body = assert_error(response, 400, "invalid_cursor")
        assert "cursor" in body["fields"]


def test_the_queue_filters_by_target_type_and_reason(alice, bob, as_alice, as_carol, as_mod, make_video):
    video = make_video(bob)
    comment = comment_create(video=video, author=bob, text="first!")
    assert report(as_carol, "video", video.pk, "spam").status_code == 201
    assert report(as_carol, "comment", comment.pk, "harassment").status_code == 201
    assert report(as_alice, "user", "bob", "harassment").status_code == 201

    assert [i["target"]["id"] for i in queue(as_mod, target_type="comment")] == [str(comment.pk)]
    assert [i["target"]["id"] for i in queue(as_mod, target_type="user")] == [str(bob.pk)]
    assert [i["target"]["id"] for i in queue(as_mod, reason="spam")] == [str(video.pk)]
    harassment = {i["target"]["type"] for i in queue(as_mod, reason="harassment")}
    assert harassment == {"comment", "user"}
    assert queue(as_mod, target_type="video", reason="harassment") == []

    body = assert_error(as_mod.get("/api/v1/moderation/queue/", {"target_type": "song"}), 400, "invalid")
    assert "target_type" in body["fields"]
    body = assert_error(as_mod.get("/api/v1/moderation/queue/", {"reason": "rudeness"}), 400, "invalid")
    assert "reason" in body["fields"]


# 4. Claims ------------------------------------------------------------------------------------------------


def test_one_moderator_at_a_time(bob, as_carol, mod, mod2, as_mod, as_mod2, make_video):
    video = make_video(bob)
    item = reported_item(as_carol, as_mod, "video", video.pk)
    claim_url = f"/api/v1/moderation/items/{item['id']}/claim/"
    release_url = f"/api/v1/moderation/items/{item['id']}/release/"

    claimed = as_mod.post(claim_url)
    assert claimed.status_code == 200, claimed.content
    assert claimed.json()["claimed_by"] == "mod_one"
    assert_error(as_mod2.post(claim_url), 409, "already_claimed")
    assert_error(resolve(as_mod2, item["id"], "dismiss", note=""), 409, "already_claimed")
    assert_error(as_mod2.post(release_url), 409, "already_claimed")
    item_row = ReviewItem.objects.get(pk=item["id"])
    assert (item_row.status, item_row.claimed_by_id) == ("open", mod.pk)
    # Each moderator can narrow the queue to what is theirs, others' or nobody's.
    assert [i["id"] for i in queue(as_mod, claim="mine")] == [item["id"]]
    assert [i["id"] for i in queue(as_mod2, claim="others")] == [item["id"]]
    assert queue(as_mod2, claim="mine") == [] and queue(as_mod, claim="free") == []
    assert_error(as_mod.get("/api/v1/moderation/queue/", {"claim": "yours"}), 400, "invalid")

    # The claim runs out: the other moderator may take it.
    ReviewItem.objects.filter(pk=item["id"]).update(claimed_until=timezone.now() - timedelta(seconds=1))
    taken = as_mod2.post(claim_url)
    assert taken.status_code == 200, taken.content
    assert taken.json()["claimed_by"] == "mod_two"
    assert_error(as_mod.post(claim_url), 409, "already_claimed")

    # Its holder gives it back: anyone may take it again.
    released = as_mod2.post(release_url)
    assert released.status_code == 200, released.content
    assert (released.json()["claimed_by"], released.json()["claimed_until"]) == (None, None)
    assert ReviewItem.objects.get(pk=item["id"]).claimed_by_id is None
    assert as_mod.post(claim_url).status_code == 200

    done = resolve(as_mod, item["id"], "dismiss", note="")
    assert done.status_code == 200, done.content
    assert_error(resolve(as_mod, item["id"], "dismiss", note=""), 409, "already_resolved")
    assert_error(resolve(as_mod2, item["id"], "warn"), 409, "already_resolved")
    assert_error(as_mod2.post(claim_url), 409, "already_resolved")
    assert ReviewItem.objects.get(pk=item["id"]).resolved_by_id == mod.pk
    assert not Enforcement.objects.filter(item_id=item["id"]).exists()


# 5. Bad input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target_type", "code"),
    [
        ("video", "video_not_found"),
        ("comment", "comment_not_found"),
        ("user", "user_not_found"),
        ("cameo", "cameo_not_found"),
    ],
)
def test_reporting_something_that_does_not_exist_is_404(target_type, code, as_alice):
    assert_error(report(as_alice, target_type, "987654321987654321"), 404, code)
    if target_type == "user":  # a user may be named by username too
        assert_error(report(as_alice, target_type, "nonesuch"), 404, code)
    else:
        body = assert_error(report(as_alice, target_type, "nonesuch"), 400, "invalid")
        assert "target_id" in body["fields"]
    assert not ReviewItem.objects.exists() and not Report.objects.exists()


def test_reporting_something_you_cannot_see_is_404(
    alice, bob, carol, as_alice, client_for, make_video, make_cameo
):
    followers_only = make_video(bob, visibility="followers")
    assert_error(report(as_alice, "video", followers_only.pk), 404, "video_not_found")
    private_cameo = make_cameo(bob, audience="only_me")
    assert_error(report(as_alice, "cameo", private_cameo.pk), 404, "cameo_not_found")

    public = make_video(carol)
    comment = comment_create(video=public, author=carol, text="hello")
    blocked = client_for(carol).post("/api/v1/users/alice/block/")
    assert blocked.status_code in (200, 201), blocked.content
    assert_error(report(as_alice, "user", "carol"), 404, "user_not_found")
    assert_error(report(as_alice, "user", carol.pk), 404, "user_not_found")
    assert_error(report(as_alice, "video", public.pk), 404, "video_not_found")
    assert_error(report(as_alice, "comment", comment.pk), 404, "comment_not_found")
    assert not ReviewItem.objects.exists()


def test_invalid_reports_are_400(alice, bob, as_alice, as_bob, anon, make_video):
    video = make_video(bob)
    body = assert_error(report(as_alice, "video", video.pk, "rudeness"), 400, "invalid")
    assert "reason" in body["fields"]
    body = assert_error(report(as_alice, "song", video.pk), 400, "invalid")
    assert "target_type" in body["fields"]
    body = assert_error(report(as_alice, "video", video.pk, "spam", severity="high"), 400, "invalid")
    assert "severity" in body["fields"]
    body = assert_error(
        as_alice.post("/api/v1/reports/", {"target_type": "video", "reason": "spam"}), 400, "invalid"
    )
    assert "target_id" in body["fields"]

    assert_error(report(anon, "video", video.pk), 401, "not_authenticated")
    assert_error(report(as_bob, "video", video.pk), 400, "cannot_report_yourself")
    assert_error(report(as_bob, "user", "bob"), 400, "cannot_report_yourself")
    assert not ReviewItem.objects.exists() and not Report.objects.exists()


def test_a_user_may_be_reported_by_username_or_id(alice, bob, as_alice, as_carol, as_mod):
    by_name = report(as_alice, "user", "BOB", "harassment")
    assert by_name.status_code == 201, by_name.content
    assert (by_name.json()["target_type"], by_name.json()["target_id"]) == ("user", str(bob.pk))
    by_id = report(as_carol, "user", bob.pk, "harassment")
    assert by_id.status_code == 201, by_id.content
    assert by_id.json()["target_id"] == str(bob.pk)
    [item] = queue(as_mod)
    assert (item["target"]["id"], item["subject"], item["report_count"]) == (str(bob.pk), "bob", 2)
    # alice again, by id this time: her first report.
    again = report(as_alice, "user", bob.pk, "spam")
    assert again.status_code == 200 and again.json()["id"] == by_name.json()["id"]


def test_invalid_resolutions_are_400(bob, as_carol, as_mod, make_video):
    item = reported_item(as_carol, as_mod, "video", make_video(bob).pk)
    body = assert_error(resolve(as_mod, item["id"], "banish"), 400, "invalid")
    assert "action" in body["fields"]
    for action in ("remove_content", "warn", "restrict", "suspend"):
        body = assert_error(resolve(as_mod, item["id"], action, note="  "), 400, "invalid")
        assert "note" in body["fields"]
    body = assert_error(
        as_mod.post(f"/api/v1/moderation/items/{item['id']}/resolve/", {"action": "warn"}), 400, "invalid"
    )
    assert "note" in body["fields"]
    body = assert_error(resolve(as_mod, item["id"], "dismiss", note="", reason="x"), 400, "invalid")
    assert "reason" in body["fields"]
    assert ReviewItem.objects.get(pk=item["id"]).status == "open"
    assert not Enforcement.objects.exists()
    assert_error(resolve(as_mod, "123456789", "dismiss", note=""), 404, "item_not_found")


def test_reports_are_rate_limited(settings, bob, as_alice, make_video):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "report": "3/hour"},
    }
    videos = [make_video(bob) for _ in range(4)]
    for video in videos[:3]:
        assert report(as_alice, "video", video.pk, "spam").status_code == 201
    refused = report(as_alice, "video", videos[3].pk, "spam")
    assert_error(refused, 429, "rate_limited")
    assert int(refused["Retry-After"]) > 0
    assert Report.objects.count() == 3
    assert not ReviewItem.objects.filter(target_id=videos[3].pk).exists()


# 6. Appeals -----------------------------------------------------------------------------------------------


def test_appeal_rules(bob, carol, as_bob, as_carol, as_mod, anon, make_video):
    _, action_id = warned(as_carol, as_mod, bob, make_video)

    assert_error(as_bob.post("/api/v1/appeals/", {"action_id": action_id, "text": ""}), 400, "invalid")
    assert_error(as_bob.post("/api/v1/appeals/", {"action_id": action_id, "text": "   "}), 400, "invalid")
    assert_error(as_bob.post("/api/v1/appeals/", {"action_id": action_id}), 400, "invalid")
    assert_error(
        anon.post("/api/v1/appeals/", {"action_id": action_id, "text": "let me"}), 401, "not_authenticated"
    )
    assert_error(
        as_carol.post("/api/v1/appeals/", {"action_id": action_id, "text": "mine?"}), 404, "action_not_found"
    )
    assert_error(
        as_bob.post("/api/v1/appeals/", {"action_id": "123456789", "text": "hm"}), 404, "action_not_found"
    )
    for malformed in ("nope", "\u00b9\u00b2\u00b3", "\uff11\uff12\uff13"):  # superscript, full-width digits
        body = assert_error(
            as_bob.post("/api/v1/appeals/", {"action_id": malformed, "text": "hm"}), 400, "invalid"
        )
        assert "action_id" in body["fields"]
    assert not Appeal.objects.exists()

    first = as_bob.post("/api/v1/appeals/", {"action_id": action_id, "text": "It was not spam."})
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "pending"
    assert_error(
        as_bob.post("/api/v1/appeals/", {"action_id": action_id, "text": "Really!"}), 409, "already_appealed"
    )
    enforcement = Enforcement.objects.get(pk=action_id)
    assert enforcement.appeal.text == "It was not spam."

    _, late_id = warned(as_carol, as_mod, bob, make_video)
    Enforcement.objects.filter(pk=late_id).update(appeal_until=timezone.now() - timedelta(seconds=1))
    late = as_bob.post("/api/v1/appeals/", {"action_id": late_id, "text": "I was away."})
    assert_error(late, 409, "appeal_window_closed")
    assert not Appeal.objects.filter(enforcement_id=late_id).exists()


# 7. The audit log -----------------------------------------------------------------------------------------


def test_the_audit_log_includes_consent_records(alice, as_mod, make_cameo):
    cameo = make_cameo(alice)
    [entry] = [e for e in audit(as_mod) if e["source"] == "consent"]
    assert entry["action"] == "consent.create"
    assert (entry["actor"], entry["target_type"], entry["target_id"]) == ("alice", "cameo", str(cameo.pk))
    assert cameo.handle in entry["target_label"]
    assert [e["id"] for e in audit(as_mod, target_type="video")] == []


def test_the_audit_log_pages_newest_first_across_both_sources(
    alice, bob, as_alice, as_carol, mod, as_mod, make_video, make_cameo
):
    for i in range(3):
        make_cameo(alice)
        video = make_video(bob)
        assert report(as_carol, "video", video.pk, "spam").status_code == 201
        if i == 1:
            assert report(as_alice, "cameo", make_cameo(bob).pk, "other").status_code == 201
        item = item_for(as_mod, "video", video.pk)
        assert as_mod.post(f"/api/v1/moderation/items/{item['id']}/claim/").status_code == 200

    everything = audit(as_mod, limit=50)
    ids = [int(e["id"]) for e in everything]
    assert ids == sorted(ids, reverse=True)
    assert {e["source"] for e in everything} == {"moderation", "consent"}
    assert AuditEntry.objects.count() == len([e for e in everything if e["source"] == "moderation"])

    paged, pages = all_pages(as_mod, "/api/v1/moderation/audit/", limit=2)
    assert [e["id"] for e in paged] == [e["id"] for e in everything]
    assert len({e["id"] for e in paged}) == len(paged)
    assert pages == (len(everything) + 1) // 2

    by_mod = audit(as_mod, actor="MOD_ONE", limit=50)
    assert [e["action"] for e in by_mod] == ["claim"] * 3
    by_alice = audit(as_mod, actor="alice", limit=50)
    assert sorted(e["action"] for e in by_alice) == ["consent.create"] * 3 + ["report"]
    assert audit(as_mod, actor="nobody_at_all") == []

    assert_error(as_mod.get("/api/v1/moderation/audit/", {"cursor": "garbage!!"}), 400, "invalid_cursor")


def test_the_audit_log_outlives_the_people_in_it(bob, carol, as_bob, as_carol, as_mod, make_video):
    item_id, action_id = warned(as_carol, as_mod, bob, make_video)
    assert as_bob.post("/api/v1/appeals/", {"action_id": action_id, "text": "not spam"}).status_code == 201
    before = audit(as_mod, limit=50)

    User.objects.get(pk=bob.pk).delete()
    User.objects.get(pk=carol.pk).delete()

    after = audit(as_mod, limit=50)
    assert [(e["id"], e["action"], e["actor"], e["target_label"]) for e in after] == [
        (e["id"], e["action"], e["actor"], e["target_label"]) for e in before
    ]
    actors = {e["action"]: e["actor"] for e in after}
    assert actors == {"report": "carol", "warn": "mod_one", "appeal": "bob"}
    assert all(e["target_label"] == "video by @bob: buy my stuff" for e in after)
    assert AuditEntry.objects.get(action="appeal").actor_id is None
    assert AuditEntry.objects.get(action="report").actor_id is None
    assert [e["action"] for e in audit(as_mod, actor="bob")] == ["appeal"]

    item = as_mod.get(f"/api/v1/moderation/items/{item_id}/")
    assert item.status_code == 200, item.content
    assert (item.json()["subject"], item.json()["target"]["exists"]) == ("bob", False)
    [appeal] = as_mod.get("/api/v1/moderation/appeals/").json()["results"]
    assert appeal["acted_by"] == "mod_one"


def test_audit_entries_refuse_change_in_the_model_layer(bob, as_carol, as_mod, make_video):
    reported_item(as_carol, as_mod, "video", make_video(bob).pk)
    entry = AuditEntry.objects.get(action="report")
    entry.note = "forged"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(note="forged")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).note == ""


@pytest.mark.postgres  # the trigger exists on PostgreSQL
def test_the_database_refuses_changes_to_audit_entries(bob, carol, as_carol, as_mod, make_video):
    reported_item(as_carol, as_mod, "video", make_video(bob).pk)
    entry = AuditEntry.objects.get(action="report")
    for sql in (
        "UPDATE moderation_auditentry SET note = 'forged' WHERE id = %s",
        "UPDATE moderation_auditentry SET actor_id = NULL, actor_username = 'x' WHERE id = %s",
        "DELETE FROM moderation_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert (entry.note, entry.actor_username, entry.actor_id) == ("", "carol", carol.pk)


def test_a_queue_page_of_20_costs_what_a_page_of_4_costs(
    as_mod, make_user, make_video, make_cameo, client_for
):
    author = make_user("prolific")
    reporters = [client_for(make_user(f"watcher{i}")) for i in range(2)]
    for i in range(7):
        video = make_video(author)
        comment = comment_create(video=video, author=author, text=f"comment {i}")
        cameo = make_cameo(author, audience="everyone")
        for target_type, target_id in (("video", video.pk), ("comment", comment.pk), ("cameo", cameo.pk)):
            for reporter in reporters:
                assert report(reporter, target_type, target_id, "spam").status_code == 201

    def queries(limit):
        with CaptureQueriesContext(connection) as captured:
            response = as_mod.get("/api/v1/moderation/queue/", {"limit": limit})
        assert response.status_code == 200 and len(response.json()["results"]) == limit
        return len(captured)

    queries(4)
    assert queries(4) == queries(20)
