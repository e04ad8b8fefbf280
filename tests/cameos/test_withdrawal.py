"""Withdrawn consent takes effect: on drafts (no publishing, hidden from the owner), on published videos
(gone from every read), on queued generations, and through each way of withdrawing it."""

import pytest

from cameos.models import ConsentRecord
from cameos.selectors import cameo_consent_still_given
from cameos.services import cameo_approval_grant, cameos_for_generation
from feed.models import FeaturedCameo, Video
from sora_social.accounts.services import block_create, follow_create
from tests.cameos.conftest import cameo_url
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db


def video_url(video, action=""):
    return f"/api/v1/videos/{video.pk}/{action + '/' if action else ''}"


def withdrawn(video):
    return FeaturedCameo.objects.get(video=video).withdrawn_at is not None


@pytest.fixture
def approved_cameo(alice, bob, make_cameo):
    """alice's cameo, for approved people only, with bob approved."""
    cameo = make_cameo(alice, audience="approved")
    cameo_approval_grant(cameo=cameo, username="bob", actor=alice)
    return cameo


# The ways of withdrawing ---------------------------------------------------------------------------------


def revoke_approval(as_alice, cameo, alice, bob):
    assert as_alice.delete(cameo_url(cameo, "approvals/bob")).status_code == 204


def narrow_audience(as_alice, cameo, alice, bob):
    assert as_alice.patch(cameo_url(cameo), {"audience": "only_me"}).status_code == 200


def owner_blocks(as_alice, cameo, alice, bob):
    assert as_alice.post("/api/v1/users/bob/block/").status_code == 201


def user_blocks_owner(as_alice, cameo, alice, bob):
    block_create(blocker=bob, blocked=alice)


def delete_cameo(as_alice, cameo, alice, bob):
    assert as_alice.delete(cameo_url(cameo)).status_code == 204


WITHDRAWALS = [revoke_approval, narrow_audience, owner_blocks, user_blocks_owner, delete_cameo]


@pytest.mark.parametrize("withdraw", WITHDRAWALS, ids=lambda f: f.__name__)
def test_each_withdrawal_withdraws_the_appearances(
    withdraw, alice, bob, carol, as_alice, as_bob, as_carol, approved_cameo, make_draft
):
    draft = make_draft(bob, approved_cameo)
    video = make_draft(bob, approved_cameo, publish=True)
    own = make_draft(alice, approved_cameo, publish=True)
    queued = cameos_for_generation(user=bob, cameo_ids=[approved_cameo.pk])
    assert as_carol.get(video_url(video)).status_code == 200
    assert as_alice.get(video_url(draft)).status_code == 200, "the owner sees drafts featuring the cameo"

    withdraw(as_alice, approved_cameo, alice, bob)

    assert withdrawn(draft) and withdrawn(video)
    assert not cameo_consent_still_given(user=bob, cameo_ids=[c.cameo_id for c in queued])
    if withdraw is delete_cameo:  # deleting the cameo also takes its videos down
        assert_error(as_bob.post(video_url(draft, "publish"), {}), 409, "video_removed")
    else:
        assert_error(as_bob.post(video_url(draft, "publish"), {}), 403, "cameo_not_permitted")
    assert_error(as_carol.get(video_url(video)), 404, "video_not_found")
    assert_error(as_alice.get(video_url(draft)), 404, "video_not_found")
    assert as_bob.get(video_url(video)).status_code == 200, "the author still sees their own video"
    # The owner's own appearance stands unless the cameo itself is gone.
    assert withdrawn(own) == (withdraw is delete_cameo)
    records = ConsentRecord.objects.filter(cameo_id=approved_cameo.pk, action="withdrawal", subject=bob)
    assert {r.video_id for r in records} == {draft.pk, video.pk}


def test_widening_the_audience_withdraws_nothing(alice, bob, as_alice, approved_cameo, make_draft):
    video = make_draft(bob, approved_cameo, publish=True)
    assert as_alice.patch(cameo_url(approved_cameo), {"audience": "everyone"}).status_code == 200
    assert not withdrawn(video)


def test_narrowing_to_mutuals_keeps_the_mutuals_appearances(
    alice, bob, carol, as_alice, make_cameo, make_draft
):
    cameo = make_cameo(alice, audience="everyone")
    follow_create(follower=alice, followee=bob)
    follow_create(follower=bob, followee=alice)
    mutuals = make_draft(bob, cameo, publish=True)
    strangers = make_draft(carol, cameo, publish=True)
    assert as_alice.patch(cameo_url(cameo), {"audience": "mutuals"}).status_code == 200
    assert not withdrawn(mutuals)
    assert withdrawn(strangers)


def test_another_users_block_leaves_the_appearance_alone(alice, bob, carol, approved_cameo, make_draft):
    video = make_draft(bob, approved_cameo, publish=True)
    block_create(blocker=carol, blocked=bob)
    block_create(blocker=alice, blocked=carol)
    assert not withdrawn(video)


# Races ---------------------------------------------------------------------------------------------------


def test_an_unfollow_that_ends_mutuals_withdraws_the_appearances(
    alice, bob, as_alice, as_bob, make_cameo, make_draft
):
    cameo = make_cameo(alice, audience="mutuals")
    follow_create(follower=alice, followee=bob)
    follow_create(follower=bob, followee=alice)
    draft = make_draft(bob, cameo)
    published = make_draft(bob, cameo, publish=True)
    assert as_alice.delete("/api/v1/users/bob/follow/").status_code == 200
    assert withdrawn(draft) and withdrawn(published)
    assert_error(as_bob.post(video_url(draft, "publish"), {}), 403, "cameo_not_permitted")
    assert_error(as_alice.get(video_url(published)), 404, "video_not_found")
    [record] = ConsentRecord.objects.filter(video_id=published.pk, action="withdrawal")
    assert record.details["reason"] == "unfollow"


def test_consent_lost_without_a_withdrawal_still_stops_publishing(alice, bob, as_bob, make_cameo, make_draft):
    """Consent can end with nothing withdrawn (the owner's account is deactivated): the consent check at
    publishing refuses all the same."""
    cameo = make_cameo(alice, audience="everyone")
    draft = make_draft(bob, cameo)
    type(alice).objects.filter(pk=alice.pk).update(is_active=False)
    assert not withdrawn(draft)
    assert_error(as_bob.post(video_url(draft, "publish"), {}), 403, "cameo_not_permitted")
    assert Video.objects.get(pk=draft.pk).status == "draft"
    type(alice).objects.filter(pk=alice.pk).update(is_active=True)
    assert as_bob.post(video_url(draft, "publish"), {}).status_code == 200


def test_consent_revoked_while_a_generation_is_queued(alice, bob, as_alice, approved_cameo, make_cameo):
    other = make_cameo(alice, audience="everyone")
    queued = [c.cameo_id for c in cameos_for_generation(user=bob, cameo_ids=[approved_cameo.pk, other.pk])]
    assert cameo_consent_still_given(user=bob, cameo_ids=queued)
    as_alice.delete(cameo_url(approved_cameo, "approvals/bob"))
    assert not cameo_consent_still_given(user=bob, cameo_ids=queued)
    assert cameo_consent_still_given(user=bob, cameo_ids=[other.pk])


@pytest.mark.django_db(transaction=True)
def test_a_withdrawn_video_leaves_the_feeds_and_the_profile(
    alice, bob, carol, client_for, approved_cameo, make_draft
):
    follow_create(follower=carol, followee=bob)
    as_carol = client_for(carol)
    feed = "/api/v1/feed/following/"
    assert as_carol.get(feed).json()["results"] == []  # the first read makes carol's feed live
    video = make_draft(bob, approved_cameo, publish=True)
    assert [v["id"] for v in as_carol.get(feed).json()["results"]] == [str(video.pk)]
    assert [v["id"] for v in as_carol.get("/api/v1/users/bob/videos/").json()["results"]] == [str(video.pk)]

    client_for(alice).delete(cameo_url(approved_cameo, "approvals/bob"))

    assert as_carol.get(feed).json()["results"] == []
    assert as_carol.get("/api/v1/users/bob/videos/").json()["results"] == []
    for_you = as_carol.get("/api/v1/feed/for-you/")
    assert str(video.pk) not in [v["id"] for v in for_you.json()["results"]]
