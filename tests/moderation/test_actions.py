"""What each action does, seen from outside: feeds, lists, profiles, publishing, sign-in, tokens and
sockets; escalation and the end of a period; and undoing each one on appeal."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.utils import timezone

from feed.models import Comment, Video
from feed.services import comment_create
from moderation.models import Enforcement
from moderation.services import enforcements_expire
from remix.selectors import lineage_of
from sora_social.accounts.models import AuthToken
from sora_social.accounts.services import follow_create
from sora_social.core.events import decode_events, read_events
from sora_social.core.redis import get_redis
from sora_social.realtime.presence import PRESENCE_KEY
from tests.moderation.conftest import audit, item_for, notifications, report, resolve
from tests.realtime.test_socket import open_socket

pytestmark = pytest.mark.django_db(transaction=True)


def act(reporter, moderator, target_type, target_id, action, reason="harassment", **extra):
    assert report(reporter, target_type, target_id, reason).status_code in (200, 201)
    item = item_for(moderator, target_type, target_id)
    response = resolve(moderator, item["id"], action, **extra)
    assert response.status_code == 200, response.content
    return response.json()["action"]


def appeal_and_overturn(appellant, other_moderator, action):
    appeal = appellant.post("/api/v1/appeals/", {"action_id": action["id"], "text": "I disagree."})
    assert appeal.status_code == 201, appeal.content
    decided = other_moderator.post(
        f"/api/v1/moderation/appeals/{appeal.json()['id']}/resolve/", {"decision": "overturned", "note": "ok"}
    )
    assert decided.status_code == 200, decided.content


def publish(client, video):
    return client.post(f"/api/v1/videos/{video.pk}/publish/", {})


def test_warn_leaves_a_strike_and_a_notification_and_nothing_else(bob, as_bob, as_carol, as_mod, make_video):
    video = make_video(bob)
    action = act(as_carol, as_mod, "video", video.pk, "warn")
    assert action["kind"] == "warn" and action["ends_at"] is None
    assert as_carol.get(f"/api/v1/videos/{video.pk}/").status_code == 200
    [told] = [n for n in notifications(as_bob) if n["kind"] == "moderation"]
    assert told["data"]["action"] == "warn" and told["data"]["reason"] == "harassment"
    assert told["data"]["message"].startswith("You received a warning about your video for harassment. ")
    assert "You can appeal until" in told["data"]["message"]
    item = as_mod.get(f"/api/v1/moderation/items/{item_id_of(video)}/").json()
    assert item["subject_record"]["strikes"] == 1


def item_id_of(video):
    return str(Enforcement.objects.get(target_id=video.pk).item_id)


def test_restrict_stops_publishing_until_it_ends_and_escalates(bob, as_bob, as_carol, as_mod, make_video):
    videos = [make_video(bob) for _ in range(3)]
    first = act(as_carol, as_mod, "video", videos[0].pk, "restrict")
    draft = make_video(bob, publish=False)
    refused = publish(as_bob, draft)
    assert refused.status_code == 403 and refused.json()["code"] == "publishing_restricted"
    # Bob can still read, comment and make drafts: only publishing is restricted.
    assert as_bob.get("/api/v1/feed/following/").status_code == 200

    Enforcement.objects.filter(pk=first["id"]).update(ends_at=timezone.now() - timedelta(seconds=1))
    assert publish(as_bob, draft).status_code == 200
    assert enforcements_expire() == 1
    assert any(e["action"] == "lift" for e in audit(as_mod))

    # The second restriction lasts longer by default (24 h, then 72 h).
    second = act(as_carol, as_mod, "video", videos[1].pk, "restrict", reason="spam")
    first_length = Enforcement.objects.get(pk=first["id"])
    second_length = Enforcement.objects.get(pk=second["id"])
    assert second_length.ends_at - second_length.created_at == timedelta(hours=72)
    assert first_length.ends_at < second_length.ends_at
    # A moderator may set the length.
    third = act(as_carol, as_mod, "video", videos[2].pk, "restrict", reason="other", duration_hours=5)
    third_row = Enforcement.objects.get(pk=third["id"])
    assert third_row.ends_at - third_row.created_at == timedelta(hours=5)


def test_an_overturned_restriction_lets_the_author_publish(
    bob, as_bob, as_carol, as_mod, as_mod2, make_video
):
    action = act(as_carol, as_mod, "video", make_video(bob).pk, "restrict")
    draft = make_video(bob, publish=False)
    assert publish(as_bob, draft).status_code == 403
    appeal_and_overturn(as_bob, as_mod2, action)
    assert publish(as_bob, draft).status_code == 200
    record = as_mod.get(
        f"/api/v1/moderation/items/{Enforcement.objects.get(pk=action['id']).item_id}/"
    ).json()
    assert record["subject_record"]["strikes"] == 0


def test_suspend_shuts_the_account_and_hides_its_content(
    alice, bob, as_alice, as_bob, as_carol, as_mod, as_mod2, make_video, anon
):
    follow_create(follower=alice, followee=bob)
    video = make_video(bob)
    assert as_alice.get(f"/api/v1/videos/{video.pk}/").status_code == 200
    action = act(as_carol, as_mod, "user", bob.pk, "suspend")
    assert action["ends_at"] is not None

    assert as_bob.get("/api/v1/me/").status_code == 401
    assert not AuthToken.objects.filter(user=bob).exists()
    login = anon.post("/api/v1/auth/token/", {"username": "bob", "password": "correct-horse-battery-staple"})
    assert login.status_code == 403 and login.json()["code"] == "account_suspended"
    assert as_alice.get(f"/api/v1/videos/{video.pk}/").status_code == 404
    assert as_alice.get("/api/v1/users/bob/").status_code == 404
    assert as_alice.get("/api/v1/feed/following/").json()["results"] == []

    # A suspended account appeals with its password, since it cannot sign in.
    appeal = anon.post(
        "/api/v1/appeals/",
        {
            "action_id": action["id"],
            "text": "Hacked.",
            "username": "bob",
            "password": "correct-horse-battery-staple",
        },
    )
    assert appeal.status_code == 201, appeal.content
    wrong = anon.post(
        "/api/v1/appeals/", {"action_id": action["id"], "text": "x", "username": "bob", "password": "nope"}
    )
    assert wrong.status_code == 401
    # Without the action's id (the notification cannot be read while suspended), it is the suspension.
    again = anon.post(
        "/api/v1/appeals/", {"text": "Hacked!", "username": "bob", "password": "correct-horse-battery-staple"}
    )
    assert again.status_code == 409 and again.json()["code"] == "already_appealed"
    decided = as_mod2.post(
        f"/api/v1/moderation/appeals/{appeal.json()['id']}/resolve/",
        {"decision": "overturned", "note": "hacked"},
    )
    assert decided.status_code == 200
    login = anon.post("/api/v1/auth/token/", {"username": "bob", "password": "correct-horse-battery-staple"})
    assert login.status_code == 200
    assert as_alice.get(f"/api/v1/videos/{video.pk}/").status_code == 200


def test_a_suspension_ends_by_itself(bob, as_carol, as_mod, anon, make_video):
    action = act(as_carol, as_mod, "user", bob.pk, "suspend", duration_hours=2)
    credentials = {"username": "bob", "password": "correct-horse-battery-staple"}
    assert anon.post("/api/v1/auth/token/", credentials).status_code == 403
    assert enforcements_expire() == 0
    Enforcement.objects.filter(pk=action["id"]).update(ends_at=timezone.now() - timedelta(seconds=1))
    assert enforcements_expire() == 1
    assert anon.post("/api/v1/auth/token/", credentials).status_code == 200
    assert enforcements_expire() == 0


def test_suspensions_escalate_to_permanent(bob, as_carol, as_mod, make_video, settings):
    settings.MODERATION_SUSPEND_HOURS = [1, None]
    first = act(as_carol, as_mod, "video", make_video(bob).pk, "warn")
    second = act(as_carol, as_mod, "user", bob.pk, "suspend")
    assert first["kind"] == "warn" and second["ends_at"] is None


async def test_suspend_closes_the_accounts_sockets(bob, carol, client_for, mod, make_video):
    as_bob, as_carol, as_mod = [await sync_to_async(client_for)(user) for user in (bob, carol, mod)]
    socket = await open_socket(as_bob)
    try:
        await sync_to_async(act)(as_carol, as_mod, "user", bob.pk, "suspend")
        # The notification of the suspension may come first; then the socket is closed.
        message = await socket.receive_json_from(timeout=5)
        while message["type"] == "notification":
            assert message["data"]["notification"]["data"]["action"] == "suspend"
            message = await socket.receive_json_from(timeout=5)
        assert message["type"] == "error" and message["data"]["code"] == "signed_out"
        assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
        ticket = await sync_to_async(as_bob.post)("/api/v1/realtime/ticket/")
        assert ticket.status_code == 401
    finally:
        await sync_to_async(connections.close_all)()


def test_removing_a_comment_hides_it_and_overturning_brings_it_back(
    alice, bob, as_alice, as_bob, as_carol, as_mod, as_mod2, make_video
):
    video = make_video(alice)
    comment = comment_create(video=video, author=bob, text="nobody likes you")
    action = act(as_carol, as_mod, "comment", comment.pk, "remove_content")
    listed = as_alice.get(f"/api/v1/videos/{video.pk}/comments/").json()["results"]
    assert listed == []
    assert as_alice.get(f"/api/v1/videos/{video.pk}/").json()["comment_count"] == 0
    appeal_and_overturn(as_bob, as_mod2, action)
    listed = as_alice.get(f"/api/v1/videos/{video.pk}/comments/").json()["results"]
    assert [c["id"] for c in listed] == [str(comment.pk)]
    assert Comment.objects.get(pk=comment.pk).removed_at is None


def test_removing_a_profile_blanks_it_and_overturning_restores_it(bob, as_bob, as_carol, as_mod, as_mod2):
    as_bob.patch("/api/v1/me/", {"display_name": "Scam King", "bio": "buy followers here"})
    action = act(as_carol, as_mod, "user", bob.pk, "remove_content", reason="spam")
    profile = as_carol.get("/api/v1/users/bob/").json()
    assert profile["display_name"] == "" and profile["bio"] == ""
    appeal_and_overturn(as_bob, as_mod2, action)
    profile = as_carol.get("/api/v1/users/bob/").json()
    assert profile["display_name"] == "Scam King" and profile["bio"] == "buy followers here"


def test_removing_a_cameo_hides_its_videos_and_overturning_restores_them(
    alice, bob, as_alice, as_bob, as_carol, as_mod, as_mod2, make_cameo, make_draft
):
    cameo = make_cameo(bob, audience="everyone")
    video = make_draft(alice, cameo, publish=True)
    assert as_carol.get(f"/api/v1/videos/{video.pk}/").status_code == 200
    action = act(as_carol, as_mod, "cameo", cameo.pk, "remove_content", reason="likeness_misuse")
    assert as_carol.get(f"/api/v1/videos/{video.pk}/").status_code == 404
    assert as_alice.get(f"/api/v1/cameos/{cameo.pk}/").status_code == 404
    assert as_bob.get(f"/api/v1/cameos/{cameo.pk}/").json()["status"] == "removed"
    consent = [e["action"] for e in audit(as_mod, target_type="cameo", target_id=cameo.pk)]
    assert "consent.removal" in consent and "consent.withdrawal" in consent
    appeal_and_overturn(as_bob, as_mod2, action)
    assert as_bob.get(f"/api/v1/cameos/{cameo.pk}/").json()["status"] == "active"
    assert as_carol.get(f"/api/v1/videos/{video.pk}/").status_code == 200


def test_a_removed_parent_stays_in_its_remixes_lineage_as_unavailable(
    alice, bob, as_alice, as_carol, as_mod, make_video
):
    parent = make_video(bob)
    remix = make_video(alice)
    Video.objects.filter(pk=remix.pk).update(remix_of=parent, remix_root=parent, remix_depth=1)
    act(as_carol, as_mod, "video", parent.pk, "remove_content")
    nodes, _ = lineage_of(viewer=alice, video_id=remix.pk)
    assert [node.id for node in nodes] == [parent.pk, remix.pk]
    assert nodes[0].video is None and nodes[1].video is not None
    response = as_alice.get(f"/api/v1/videos/{remix.pk}/lineage/").json()["results"]
    assert [node["available"] for node in response] == [False, True]


def test_kept_media_is_purged_when_no_appeal_came_in_time(bob, as_carol, as_mod, make_video):
    from pathlib import Path

    from django.conf import settings

    video = make_video(bob)
    action = act(as_carol, as_mod, "video", video.pk, "remove_content")
    path = Path(settings.MEDIA_ROOT, video.video_file.name)
    assert enforcements_expire() == 0 and path.exists()
    Enforcement.objects.filter(pk=action["id"]).update(appeal_until=timezone.now() - timedelta(seconds=1))
    assert enforcements_expire() == 1
    assert not path.exists()
    assert any(e["action"] == "purge" for e in audit(as_mod))


def following_ids(client):
    response = client.get("/api/v1/feed/following/")
    assert response.status_code == 200, response.content
    return [video["id"] for video in response.json()["results"]]


@pytest.mark.parametrize(
    "action, stays_in_feed, signs_in, next_video_reaches_followers",
    [
        ("dismiss", True, True, True),
        ("warn", True, True, True),
        ("remove_content", False, True, True),
        ("restrict", True, True, False),
        ("suspend", False, False, False),
    ],
)
def test_each_action_on_feeds_sockets_and_sign_in(
    action, stays_in_feed, signs_in, next_video_reaches_followers, alice, bob, as_alice, as_bob, as_carol,
    as_mod, make_video, anon,
):  # fmt: skip
    follow_create(follower=alice, followee=bob)
    following_ids(as_alice)  # the first read makes alice's feed live
    reported, draft = make_video(bob), make_video(bob, publish=False)
    get_redis().zadd(PRESENCE_KEY, {str(alice.pk): time.time()})  # alice has a socket open

    report(as_carol, "video", reported.pk)
    assert resolve(as_mod, item_for(as_mod, "video", reported.pk)["id"], action).status_code == 200

    assert (str(reported.pk) in following_ids(as_alice)) == stays_in_feed
    credentials = {"username": "bob", "password": "correct-horse-battery-staple"}
    assert (anon.post("/api/v1/auth/token/", credentials).status_code == 200) == signs_in
    published = publish(as_bob, draft)
    assert published.status_code == {True: 200, False: 403 if signs_in else 401}[next_video_reaches_followers]
    pushed = [
        event["data"]["video"]["id"]
        for event in decode_events(read_events(get_redis(), alice.pk, "0-0"))
        if event["type"] == "feed.video"
    ]
    assert (str(draft.pk) in pushed) == next_video_reaches_followers
    assert (str(draft.pk) in following_ids(as_alice)) == next_video_reaches_followers


def test_overlapping_suspensions_give_the_account_back_when_the_last_ends(
    bob, as_carol, as_mod, anon, make_video
):
    videos = [make_video(bob) for _ in range(2)]
    items = []
    for video in videos:  # both reported before the first suspension hides bob's videos
        report(as_carol, "video", video.pk)
        items.append(item_for(as_mod, "video", video.pk))
    first, second = (
        resolve(as_mod, item["id"], "suspend", duration_hours=hours).json()["action"]
        for item, hours in zip(items, (1, 5), strict=True)
    )
    credentials = {"username": "bob", "password": "correct-horse-battery-staple"}
    Enforcement.objects.filter(pk=first["id"]).update(ends_at=timezone.now() - timedelta(seconds=1))
    assert enforcements_expire() == 1
    assert anon.post("/api/v1/auth/token/", credentials).status_code == 403
    Enforcement.objects.filter(pk=second["id"]).update(ends_at=timezone.now() - timedelta(seconds=1))
    assert enforcements_expire() == 1
    assert anon.post("/api/v1/auth/token/", credentials).status_code == 200


def test_a_permanent_restriction_outranks_a_timed_one(bob, as_bob, as_carol, as_mod, make_video, settings):
    videos = [make_video(bob) for _ in range(2)]
    settings.MODERATION_RESTRICT_HOURS = [None]  # "-" in the environment
    act(as_carol, as_mod, "video", videos[0].pk, "restrict")
    act(as_carol, as_mod, "video", videos[1].pk, "restrict", duration_hours=3)
    refused = publish(as_bob, make_video(bob, publish=False))
    assert refused.status_code == 403 and refused.json()["detail"].endswith("for now.")
    record = as_mod.get(f"/api/v1/moderation/items/{item_id_of(videos[1])}/").json()["subject_record"]
    assert record["restricted"] is True and record["restricted_until"] is None


def test_no_one_acts_on_their_own_content_and_only_a_superuser_on_a_superuser(
    as_carol, mod, as_mod, as_mod2, make_user, make_video
):
    own = make_video(mod)
    report(as_carol, "video", own.pk)
    item = item_for(as_mod, "video", own.pk)
    refused = resolve(as_mod, item["id"], "warn")
    assert refused.status_code == 403 and refused.json()["code"] == "own_content"
    assert resolve(as_mod2, item["id"], "warn").status_code == 200

    chief = make_user("chief")
    chief.is_superuser = True
    chief.save(update_fields=["is_superuser"])
    theirs = make_video(chief)
    report(as_carol, "video", theirs.pk)
    item = item_for(as_mod, "video", theirs.pk)
    refused = resolve(as_mod, item["id"], "suspend")
    assert refused.status_code == 403 and refused.json()["code"] == "protected_account"
    assert chief.__class__.objects.get(pk=chief.pk).is_active


def test_a_target_already_gone_can_only_be_dismissed(bob, as_bob, as_carol, as_mod, make_video):
    deleted, vanished = make_video(bob), make_video(bob)
    for video in (deleted, vanished):
        report(as_carol, "video", video.pk)
    deleted_item, vanished_item = (
        item_for(as_mod, "video", deleted.pk),
        item_for(as_mod, "video", vanished.pk),
    )
    assert as_bob.delete(f"/api/v1/videos/{deleted.pk}/").status_code == 204
    refused = resolve(as_mod, deleted_item["id"], "remove_content")
    assert refused.status_code == 409 and refused.json()["code"] == "already_removed"
    Video.objects.filter(pk=vanished.pk).delete()
    refused = resolve(as_mod, vanished_item["id"], "warn")
    assert refused.status_code == 409 and refused.json()["code"] == "target_gone"
    assert resolve(as_mod, vanished_item["id"], "dismiss").status_code == 200


def test_a_removed_video_its_author_deletes_stays_gone_whatever_the_appeal(
    bob, as_bob, as_carol, as_mod, as_mod2, make_video
):
    from pathlib import Path

    from django.conf import settings

    video = make_video(bob)
    action = act(as_carol, as_mod, "video", video.pk, "remove_content")
    path = Path(settings.MEDIA_ROOT, video.video_file.name)
    assert path.exists()
    assert as_bob.delete(f"/api/v1/videos/{video.pk}/").status_code == 204
    assert not path.exists()
    appeal_and_overturn(as_bob, as_mod2, action)
    video.refresh_from_db()
    assert video.status == Video.Status.REMOVED and video.removal_reason == "author_deleted"
