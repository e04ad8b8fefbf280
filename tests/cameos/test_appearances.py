"""Appearances: every video featuring a cameo, for its owner only; taking one down; the owner told of
each use."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cameos.models import ConsentRecord
from cameos.services import cameo_approval_grant
from feed.models import Video
from feed.services import video_take_down
from sora_social.accounts.services import block_create
from tests.cameos.conftest import cameo_url
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def cameo(alice, make_cameo):
    return make_cameo(alice, audience="everyone")


def appearances(client, cameo, **params):
    response = client.get(cameo_url(cameo, "appearances"), params)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def notifications(client, kind):
    return [n for n in client.get("/api/v1/notifications/").json()["results"] if n["kind"] == kind]


def test_the_owner_sees_every_appearance_drafts_of_others_included(
    as_alice, alice, bob, carol, cameo, make_draft
):
    bobs_draft = make_draft(bob, cameo)
    carols_video = make_draft(carol, cameo, publish=True, visibility="mutuals")
    removed = make_draft(carol, cameo, publish=True)
    video_take_down(video=removed, reason=Video.Removal.MODERATION)
    own = make_draft(alice, cameo)
    body = appearances(as_alice, cameo)
    assert body["next"] is None
    rows = {item["video"]: item for item in body["results"]}
    assert [item["video"] for item in body["results"]] == [
        str(v.pk) for v in (own, removed, carols_video, bobs_draft)
    ]
    assert (rows[str(bobs_draft.pk)]["author"]["username"], rows[str(bobs_draft.pk)]["status"]) == (
        "bob",
        "draft",
    )
    assert rows[str(carols_video.pk)]["status"] == "published"
    assert rows[str(carols_video.pk)]["visibility"] == "mutuals"
    assert rows[str(carols_video.pk)]["poster_url"].startswith("http://testserver/media/")
    assert (rows[str(removed.pk)]["status"], rows[str(removed.pk)]["poster_url"]) == ("removed", None)
    assert all(item["withdrawn_at"] is None for item in body["results"])
    # The owner may watch the others' draft too (consent means seeing every use).
    assert as_alice.get(f"/api/v1/videos/{bobs_draft.pk}/").status_code == 200


def test_appearances_are_for_the_owner_only(
    as_bob, as_carol, as_alice, alice, bob, carol, make_cameo, make_user, client_for
):
    approved = make_cameo(alice, audience="approved")
    cameo_approval_grant(cameo=approved, username="bob", actor=alice)
    assert_error(as_bob.get(cameo_url(approved, "appearances")), 403, "not_owner")
    assert_error(as_carol.get(cameo_url(approved, "appearances")), 404, "cameo_not_found")
    moderator = make_user("moderator1")
    moderator.groups.add(Group.objects.get(name="moderators"))
    assert_error(client_for(moderator).get(cameo_url(approved, "appearances")), 404, "cameo_not_found")


def test_a_page_of_50_appearances_costs_the_queries_of_a_page_of_5(
    as_alice, alice, cameo, make_user, make_draft
):
    authors = [make_user() for _ in range(6)]
    for i in range(55):
        make_draft(authors[i % 6], cameo, publish=i % 3 == 0)
    path = cameo_url(cameo, "appearances")
    as_alice.get(path)  # warm the token's last-used stamp
    counts = []
    for limit in (5, 50):
        with CaptureQueriesContext(connection) as captured:
            body = appearances(as_alice, cameo, limit=limit)
        counts.append((len(captured), len(body["results"])))
    assert [n for _, n in counts] == [5, 50]
    assert counts[0][0] == counts[1][0], counts
    seen, next_url = [], cameo_url(cameo, "appearances") + "?limit=20"
    while next_url:
        body = as_alice.get(next_url).json()
        seen += [item["video"] for item in body["results"]]
        next_url = body["next"]
    assert len(seen) == len(set(seen)) == 55


def test_the_owner_takes_an_appearance_down_and_its_author_is_told(
    as_alice, as_bob, as_carol, alice, bob, cameo, make_draft, django_capture_on_commit_callbacks
):
    video = make_draft(bob, cameo, publish=True)
    path = cameo_url(cameo, f"appearances/{video.pk}")
    assert_error(as_bob.delete(path), 403, "not_owner")
    with django_capture_on_commit_callbacks(execute=True):
        assert as_alice.delete(path).status_code == 204
    video.refresh_from_db()
    assert (video.status, video.removal_reason) == ("removed", "cameo_withdrawn")
    assert_error(as_carol.get(f"/api/v1/videos/{video.pk}/"), 404, "video_not_found")
    [told] = notifications(as_bob, "cameo_removed")
    assert (told["video"], told["actor"]["username"], told["data"]["handle"]) == (
        str(video.pk),
        "alice",
        cameo.handle,
    )
    record = ConsentRecord.objects.get(cameo_id=cameo.pk, action="takedown")
    assert (record.actor, record.subject, record.video_id) == (alice, bob, video.pk)
    # Again: nothing more happens, and the author is not told twice.
    assert as_alice.delete(path).status_code == 204
    assert len(notifications(as_bob, "cameo_removed")) == 1
    assert appearances(as_alice, cameo)["results"][0]["status"] == "removed"


def test_taking_down_a_video_the_cameo_is_not_in_is_404(as_alice, alice, bob, cameo, make_cameo, make_draft):
    other = make_draft(bob, make_cameo(bob))
    assert_error(as_alice.delete(cameo_url(cameo, f"appearances/{other.pk}")), 404, "appearance_not_found")
    assert_error(as_alice.delete(cameo_url(cameo, "appearances/nonsense")), 404, "appearance_not_found")
    assert Video.objects.get(pk=other.pk).status == "draft"


def test_the_owner_is_told_of_each_use(as_alice, as_bob, alice, bob, cameo, make_draft):
    video = make_draft(bob, cameo)
    [told] = notifications(as_alice, "cameo_used")
    assert (told["video"], told["actor"]["username"], told["data"]["cameo_id"]) == (
        str(video.pk),
        "bob",
        str(cameo.pk),
    )
    record = ConsentRecord.objects.get(cameo_id=cameo.pk, action="appearance")
    assert (record.actor, record.subject, record.video_id) == (bob, alice, video.pk)
    make_draft(alice, cameo)
    assert len(notifications(as_alice, "cameo_used")) == 1, "no notification for using your own cameo"
    assert ConsentRecord.objects.filter(cameo_id=cameo.pk, action="appearance").count() == 2


def test_approvals_are_listed_granted_and_revoked_by_the_owner(
    as_alice, as_bob, alice, bob, carol, make_cameo
):
    cameo = make_cameo(alice, audience="approved")
    path = cameo_url(cameo, "approvals")
    assert as_alice.post(path, {"username": "BOB"}).status_code == 201
    again = as_alice.post(path, {"username": "bob"})
    assert again.status_code == 200 and again.json()["user"]["username"] == "bob"
    assert [a["user"]["username"] for a in as_alice.get(path).json()["results"]] == ["bob"]
    assert_error(as_alice.post(path, {"username": "alice"}), 400, "cannot_approve_self")
    assert_error(as_alice.post(path, {"username": "nobody_here"}), 404, "user_not_found")
    assert_error(as_bob.get(path), 403, "not_owner")
    assert_error(as_bob.post(path, {"username": "carol"}), 403, "not_owner")
    assert_error(as_bob.delete(cameo_url(cameo, "approvals/bob")), 403, "not_owner")
    assert as_alice.delete(cameo_url(cameo, "approvals/Bob")).status_code == 204
    assert_error(as_alice.delete(cameo_url(cameo, "approvals/bob")), 404, "approval_not_found")
    assert_error(as_bob.get(path), 404, "cameo_not_found")
    actions = (
        ConsentRecord.objects.filter(cameo_id=cameo.pk)
        .order_by("id")
        .values_list("action", "subject_username")
    )
    assert list(actions) == [("create", ""), ("grant", "bob"), ("revoke", "bob")]


def test_approving_someone_across_a_block(as_alice, alice, bob, carol, make_cameo):
    cameo = make_cameo(alice, audience="approved")
    block_create(blocker=alice, blocked=bob)
    block_create(blocker=carol, blocked=alice)
    path = cameo_url(cameo, "approvals")
    assert_error(as_alice.post(path, {"username": "bob"}), 403, "blocked")
    assert_error(as_alice.post(path, {"username": "carol"}), 404, "user_not_found")
