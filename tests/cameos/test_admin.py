import pytest
from django.contrib.auth.models import Group
from django.test import Client

from cameos.models import Cameo, ConsentRecord
from sora_social.accounts.models import User

pytestmark = pytest.mark.django_db


def browser_for(user):
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def superuser():
    return User.objects.create_superuser("site_admin", "root@example.com", "a-long-admin-password")


@pytest.fixture
def moderator(make_user):
    """A moderator with admin access and no model permissions of their own."""
    user = make_user("moderator1")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get(name="moderators"))
    return user


@pytest.fixture
def in_review(alice, make_cameo):
    return make_cameo(alice, kind="self", handle="alice_in_review", status="in_review")


def decide(browser, action, *cameos):
    return browser.post(
        "/admin/cameos/cameo/", {"action": action, "_selected_action": [str(c.pk) for c in cameos]}
    )


def test_admin_lists_searches_and_filters_cameos_and_records(superuser, alice, bob, make_cameo, in_review):
    make_cameo(bob, handle="rex_the_dog")
    browser = browser_for(superuser)
    for path in (
        "/admin/cameos/cameo/",
        "/admin/cameos/cameo/?kind__exact=self&status__exact=in_review&audience__exact=everyone",
        f"/admin/cameos/cameo/{in_review.pk}/change/",
        "/admin/cameos/consentrecord/",
        "/admin/cameos/consentrecord/?action__exact=create",
    ):
        assert browser.get(path).status_code == 200, path
    found = browser.get("/admin/cameos/cameo/?q=rex").content
    assert b"rex_the_dog" in found and b"alice_in_review" not in found
    assert b"rex_the_dog" in browser.get("/admin/cameos/consentrecord/?q=rex").content
    assert b"alice_in_review" in browser.get("/admin/cameos/cameo/?q=alice").content


def test_a_moderator_decides_reviews_in_the_admin(moderator, alice, make_cameo, in_review):
    rejected = make_cameo(alice, kind="self", handle="second_take", status="in_review")
    browser = browser_for(moderator)
    assert browser.get("/admin/cameos/cameo/").status_code == 200
    assert decide(browser, "approve_review", in_review).status_code == 302
    assert decide(browser, "reject_review", rejected).status_code == 302
    assert Cameo.objects.get(pk=in_review.pk).status == "active"
    assert Cameo.objects.get(pk=rejected.pk).status == "rejected"
    reviews = ConsentRecord.objects.filter(action="review").values_list("actor_username", "details")
    assert sorted(d["decision"] for _, d in reviews) == ["approved", "rejected"]
    # A cameo that is not in review is left alone, with a message.
    response = browser.post(
        "/admin/cameos/cameo/",
        {"action": "reject_review", "_selected_action": [str(in_review.pk)]},
        follow=True,
    )
    assert b"not in review" in response.content
    assert Cameo.objects.get(pk=in_review.pk).status == "active"


def test_the_admin_changes_nothing_by_hand(superuser, alice, in_review):
    browser = browser_for(superuser)
    record = ConsentRecord.objects.get(cameo_id=in_review.pk)
    assert browser.get("/admin/cameos/consentrecord/add/").status_code == 403
    assert browser.post(f"/admin/cameos/consentrecord/{record.pk}/delete/").status_code == 403
    browser.post(f"/admin/cameos/consentrecord/{record.pk}/change/", {"action": "tampered"})
    assert ConsentRecord.objects.get(pk=record.pk).action == "create"
    browser.post(f"/admin/cameos/cameo/{in_review.pk}/change/", {"status": "active"})
    assert Cameo.objects.get(pk=in_review.pk).status == "in_review"


def test_the_admin_is_closed_to_ordinary_users_and_to_moderators_without_staff_access(
    alice, make_user, in_review
):
    member = make_user("member")
    member.groups.add(Group.objects.get(name="moderators"))
    for user in (alice, member):
        browser = browser_for(user)
        assert browser.get("/admin/cameos/cameo/").status_code == 302
        decide(browser, "approve_review", in_review)
    assert Cameo.objects.get(pk=in_review.pk).status == "in_review"
