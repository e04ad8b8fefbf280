"""Who may use a cameo: the matrix of audience x role, through every door that asks (the generation hook,
publishing a draft, the available list, reading the cameo, its appearances), and the statuses that nobody
may use. The list and the single answer are checked to agree over the whole matrix."""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser

from cameos.models import Cameo, ConsentRecord
from cameos.selectors import (
    cameo_consent_still_given,
    cameo_preferences,
    cameo_use_permitted,
    usable_cameos,
)
from cameos.services import cameo_approval_grant, cameo_delete, cameos_for_generation
from feed.models import Video
from sora_social.accounts.services import block_create, follow_create
from sora_social.core.errors import Forbidden, InvalidInput
from tests.cameos.conftest import cameo_url, draft_featuring
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db

AUDIENCES = ["only_me", "approved", "mutuals", "everyone"]
ROLES = ["owner", "approved", "mutual", "follower", "stranger", "blocked", "blocker"]
UNUSABLE = ["pending_verification", "in_review", "rejected", "deleted"]


def permitted(audience, role):
    if role == "owner":
        return True
    if role in ("blocked", "blocker"):
        return False
    return {
        "only_me": False,
        "approved": role == "approved",
        "mutuals": role == "mutual",
        "everyone": True,
    }[audience]


@pytest.fixture
def world(make_user, client_for):
    """The owner and one user per role: approved (on every approved list), a mutual, a follower who is not
    followed back, a stranger, someone the owner blocks and someone who blocks the owner (both approved
    and mutuals before the block, so only the block stands in their way)."""
    users = {role: make_user(role) for role in ROLES}
    owner = users["owner"]
    for role in ("mutual", "blocked", "blocker"):
        follow_create(follower=owner, followee=users[role])
        follow_create(follower=users[role], followee=owner)
    follow_create(follower=users["follower"], followee=owner)
    return users, {role: client_for(user) for role, user in users.items()}


def approve_all(cameo, users):
    for role in ("approved", "blocked", "blocker"):
        cameo_approval_grant(cameo=cameo, username=users[role].username, actor=users["owner"])


def block(users):
    block_create(blocker=users["owner"], blocked=users["blocked"])
    block_create(blocker=users["blocker"], blocked=users["owner"])


def available_ids(client, **params):
    response = client.get("/api/v1/cameos/available/", params)
    assert response.status_code == 200, response.content[:500]
    return {int(item["id"]) for item in response.json()["results"]}


def may_generate(user, cameo):
    try:
        cameos_for_generation(user=user, cameo_ids=[cameo.pk])
    except Forbidden as error:
        assert error.code == "cameo_not_permitted"
        return False
    return True


def test_the_consent_matrix_through_every_door(world, make_cameo):
    users, clients = world
    owner = users["owner"]
    cameos = {audience: make_cameo(owner, audience=audience) for audience in AUDIENCES}
    for cameo in cameos.values():
        approve_all(cameo, users)
    block(users)
    drafts = {
        (audience, role): draft_featuring(users[role], [cameo])
        for (audience, cameo), role in itertools.product(cameos.items(), ROLES)
    }

    for role, client in clients.items():
        listed = available_ids(client)
        for audience, cameo in cameos.items():
            want = permitted(audience, role)
            context = (audience, role)
            assert cameo_use_permitted(cameo=cameo, user=users[role]) == want, context
            assert (cameo.pk in listed) == want, context
            assert may_generate(users[role], cameo) == want, context

            detail = client.get(cameo_url(cameo))
            assert detail.status_code == (200 if want else 404), context
            if want:
                assert ("preferences" in detail.json()) == (role == "owner"), context

            appearances = client.get(cameo_url(cameo, "appearances"))
            if role == "owner":
                assert appearances.status_code == 200
            elif want:
                assert_error(appearances, 403, "not_owner")
            else:
                assert_error(appearances, 404, "cameo_not_found")

            draft = drafts[(audience, role)]
            published = client.post(f"/api/v1/videos/{draft.pk}/publish/", {})
            if want:
                assert published.status_code == 200, (context, published.content[:300])
            else:
                assert_error(published, 403, "cameo_not_permitted")
                assert Video.objects.get(pk=draft.pk).status == "draft"


def test_anonymous_may_do_nothing(anon, alice, make_cameo):
    cameo = make_cameo(alice, audience="everyone")
    for method, path in [
        ("get", "/api/v1/cameos/"),
        ("post", "/api/v1/cameos/"),
        ("get", "/api/v1/cameos/available/"),
        ("get", cameo_url(cameo)),
        ("patch", cameo_url(cameo)),
        ("delete", cameo_url(cameo)),
        ("get", cameo_url(cameo, "approvals")),
        ("post", cameo_url(cameo, "approvals")),
        ("delete", cameo_url(cameo, "approvals/bob")),
        ("post", cameo_url(cameo, "verification/challenge")),
        ("post", cameo_url(cameo, "verification")),
        ("get", cameo_url(cameo, "appearances")),
        ("delete", cameo_url(cameo, "appearances/1")),
    ]:
        assert_error(getattr(anon, method)(path), 401, "not_authenticated")
    assert Cameo.objects.get(pk=cameo.pk).status == "active"
    assert not cameo_use_permitted(cameo=cameo, user=AnonymousUser())


@pytest.mark.parametrize("status", UNUSABLE)
def test_a_cameo_that_is_not_active_is_usable_by_nobody_not_even_its_owner(status, world, make_cameo):
    users, clients = world
    owner = users["owner"]
    cameo = make_cameo(owner, audience="everyone", kind="self", status=status)
    drafts = {role: draft_featuring(users[role], [cameo]) for role in ROLES}
    for role, client in clients.items():
        assert not cameo_use_permitted(cameo=cameo, user=users[role]), role
        assert not may_generate(users[role], cameo), role
        assert cameo.pk not in available_ids(client), role
        want_detail = 200 if role == "owner" and status != "deleted" else 404
        assert client.get(cameo_url(cameo)).status_code == want_detail, role
        assert_error(
            client.post(f"/api/v1/videos/{drafts[role].pk}/publish/", {}), 403, "cameo_not_permitted"
        )


def test_a_deactivated_owner_lends_their_cameo_to_nobody(world, make_cameo):
    users, clients = world
    cameo = make_cameo(users["owner"], audience="everyone")
    assert cameo_use_permitted(cameo=cameo, user=users["stranger"])
    users["owner"].is_active = False
    users["owner"].save(update_fields=["is_active"])
    assert not cameo_use_permitted(cameo=cameo, user=users["stranger"])
    assert cameo.pk not in available_ids(clients["stranger"])


def test_the_list_and_the_single_answer_agree_over_the_whole_matrix(world, make_cameo):
    """Every audience x status, for every role: the available list (SQL, and through the API) holds exactly
    the cameos for which ``cameo_use_permitted`` says yes, and that is what the rules say."""
    users, clients = world
    owner = users["owner"]
    cases = []
    for audience, status in itertools.product(AUDIENCES, ["active", *UNUSABLE]):
        cameo = make_cameo(owner, audience=audience, kind="self" if status != "active" else "character")
        approve_all(cameo, users)
        if status == "deleted":
            cameo_delete(cameo=cameo, actor=owner)
        elif status != "active":
            Cameo.objects.filter(pk=cameo.pk).update(status=status)
        cases.append((cameo, audience, status))
    block(users)
    others = make_cameo(users["stranger"], audience="everyone")

    for role, user in users.items():
        listed = set(usable_cameos(user=user).values_list("pk", flat=True))
        assert listed == available_ids(clients[role], limit=50), role
        assert others.pk in listed, role
        for cameo, audience, status in cases:
            single = cameo_use_permitted(cameo=cameo, user=user)
            assert single == (cameo.pk in listed), (role, audience, status)
            assert single == (status == "active" and permitted(audience, role)), (role, audience, status)


def test_available_searches_by_handle_prefix(as_bob, alice, make_cameo):
    whiskers = make_cameo(alice, handle="Whiskers_the_cat")
    make_cameo(alice, handle="rex_the_dog")
    assert available_ids(as_bob, q="whisk") == {whiskers.pk}
    assert available_ids(as_bob, q="@WHISKERS") == {whiskers.pk}
    assert available_ids(as_bob, q="nobody") == set()
    assert_error(as_bob.get("/api/v1/cameos/available/", {"q": "x" * 31}), 400, "invalid")


def test_available_includes_my_own_and_pages(alice, as_alice, make_user, make_cameo):
    mine = make_cameo(alice, audience="only_me")
    theirs = [make_cameo(make_user(), audience="everyone") for _ in range(3)]
    items, path = [], "/api/v1/cameos/available/?limit=2"
    while path:
        body = as_alice.get(path).json()
        items += [int(item["id"]) for item in body["results"]]
        path = body["next"]
    assert items == sorted([mine.pk, *(c.pk for c in theirs)], reverse=True)


# The generation hooks ------------------------------------------------------------------------------------


def test_generation_takes_at_most_two_cameos(alice, make_user, make_cameo):
    cameos = [make_cameo(make_user(), audience="everyone") for _ in range(3)]
    with pytest.raises(InvalidInput) as error:
        cameos_for_generation(user=alice, cameo_ids=[c.pk for c in cameos])
    assert error.value.code == "too_many_cameos"
    two = cameos_for_generation(user=alice, cameo_ids=[cameos[0].pk, str(cameos[1].pk), cameos[0].pk])
    assert [(c.cameo_id, c.owner, c.handle) for c in two] == [
        (cameos[0].pk, cameos[0].owner, cameos[0].handle),
        (cameos[1].pk, cameos[1].owner, cameos[1].handle),
    ]


def test_generation_does_not_tell_a_private_cameo_from_a_missing_one(alice, bob, make_cameo):
    private = make_cameo(bob, audience="only_me")
    errors = []
    for ids in ([private.pk], [private.pk + 1], ["not-an-id"], [2**70]):
        with pytest.raises(Forbidden) as error:
            cameos_for_generation(user=alice, cameo_ids=ids)
        errors.append((error.value.code, error.value.detail))
    assert len(set(errors)) == 1 and errors[0][0] == "cameo_not_permitted"


def test_each_use_is_recorded(alice, bob, make_cameo):
    cameo = make_cameo(bob, audience="everyone")
    cameos_for_generation(user=alice, cameo_ids=[cameo.pk])
    record = cameo_records(cameo, "use")[0]
    assert (record.actor, record.actor_username, record.subject, record.subject_username) == (
        alice,
        "alice",
        bob,
        "bob",
    )


def cameo_records(cameo, action):
    return list(ConsentRecord.objects.filter(cameo_id=cameo.pk, action=action).order_by("id"))


def test_consent_still_given_for_a_queued_job(alice, bob, make_cameo):
    cameo = make_cameo(bob, audience="approved")
    cameo_approval_grant(cameo=cameo, username="alice", actor=bob)
    asked = cameos_for_generation(user=alice, cameo_ids=[cameo.pk])
    assert cameo_consent_still_given(user=alice, cameo_ids=[c.cameo_id for c in asked])
    assert cameo_consent_still_given(user=alice, cameo_ids=[])
    assert not cameo_consent_still_given(user=alice, cameo_ids=[cameo.pk, cameo.pk + 1])


def test_preferences_reach_generation(alice, as_alice, make_cameo):
    cameo = make_cameo(alice)
    as_alice.patch(cameo_url(cameo), {"preferences": "  always wearing a red hat  "})
    assert cameo_preferences(cameo_ids=[cameo.pk]) == {cameo.pk: "always wearing a red hat"}
