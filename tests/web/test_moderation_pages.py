"""The moderators' pages and a person's appeal page, used as each of them uses them: a signed-out visitor, a
plain user, a moderator, a second moderator, and the person an action was taken against."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from feed.services import comment_create
from moderation import services
from moderation.models import Appeal, AuditEntry, Enforcement, ReviewItem
from sora_social.accounts.models import User
from sora_social.accounts.selectors import MODERATORS_GROUP
from sora_social.core.pagination import DEFAULT_LIMIT
from tests.conftest import PASSWORD
from tests.web.pages import html, text_of

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/moderation/"}


def reported(reporter: User, target_type: str, target_id: object, reason: str = "spam") -> ReviewItem:
    report, _ = services.report_create(
        reporter=reporter, target_type=target_type, target_id=target_id, reason=reason
    )
    return report.item


def position(page: str, needle: str) -> int:
    assert needle in page, needle
    return page.index(needle)


def moderator(user: User) -> User:
    user.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return user


@pytest.fixture
def mod(make_user) -> User:
    return moderator(make_user("mod_one"))


@pytest.fixture
def mod2(make_user) -> User:
    return moderator(make_user("mod_two"))


@pytest.fixture
def mod_browser(page_client, mod) -> Client:
    return page_client(mod)


@pytest.fixture
def mod2_browser(page_client, mod2) -> Client:
    return page_client(mod2)


def test_only_moderators_reach_the_moderation_pages(alice, bob, make_video, alice_browser, mod_browser):
    item = reported(alice, "video", make_video(bob).pk)
    pages = ["/moderation/", f"/moderation/items/{item.pk}/", "/moderation/appeals/", "/moderation/audit/"]

    signed_out = Client()
    for page in pages:
        response = signed_out.get(page)
        assert response.status_code == 302 and response["Location"] == f"/sign-in/?next={page}"
    assert signed_out.post(f"/moderation/items/{item.pk}/claim/").status_code == 302

    for page in pages:
        response = alice_browser.get(page)
        assert response.status_code == 403, page
        assert "Only moderators can do this." in text_of(html(response))
    refused = alice_browser.post(f"/moderation/items/{item.pk}/resolve/", {"action": "dismiss"})
    assert refused.status_code == 403
    assert alice_browser.post(f"/moderation/items/{item.pk}/claim/").status_code == 403
    item.refresh_from_db()
    assert (item.status, item.claimed_by) == ("open", None)
    assert ">Moderation<" not in html(alice_browser.get("/"))

    for page in pages:
        assert mod_browser.get(page).status_code == 200, page
    assert 'href="/moderation/" aria-current="page">Moderation<' in html(mod_browser.get("/moderation/"))
    assert 'href="/moderation/">Moderation<' in html(mod_browser.get("/"))


def test_the_queue_is_gravest_first_with_each_target_shown(
    alice, bob, carol, make_video, make_cameo, mod_browser
):
    video = make_video(bob, caption="buy my course")
    comment = comment_create(video=make_video(alice), author=carol, text="you are awful")
    cameo = make_cameo(carol, images=2)
    reported(alice, "video", video.pk, "spam")
    reported(alice, "comment", comment.pk, "harassment")
    reported(alice, "cameo", cameo.pk, "likeness_misuse")
    reported(carol, "user", "bob", "other")

    page = html(mod_browser.get("/moderation/"))
    cameo_at = position(page, f"Picture 1 of cameo @{cameo.handle}")
    comment_at = position(page, "you are awful")
    video_at = position(page, '<video class="player"')
    profile_at = position(page, 'href="/u/bob/">@bob<')
    assert cameo_at < comment_at < video_at < profile_at
    assert f"Picture 2 of cameo @{cameo.handle}" in page
    assert "buy my course" in page and 'aria-label="Video by bob: buy my course"' in page
    assert page.count(">Claim<span") == 4
    assert 'Claim<span class="visually-hidden">: Cameo by @carol</span>' in page
    assert ">Profile of @bob</a></h2>" in page
    # Reasons read as words, not codes.
    assert "Likeness misuse ·" in page and "likeness_misuse" not in text_of(page)

    only_comments = html(mod_browser.get("/moderation/?target_type=comment"))
    assert "you are awful" in only_comments and "<video" not in only_comments


def test_a_queue_filter_it_does_not_know_is_refused_at_the_field(mod_browser):
    response = mod_browser.get("/moderation/?claim=someone")
    assert response.status_code == 400
    page = html(response)
    assert 'id="id_claim_error">One of: free, mine, others.<' in page


def test_claiming_and_releasing_from_the_queue(alice, bob, make_video, mod, mod2, mod_browser, mod2_browser):
    item = reported(alice, "video", make_video(bob).pk)

    claimed = mod_browser.post(f"/moderation/items/{item.pk}/claim/", {"next": "/moderation/"})
    assert claimed.status_code == 302 and claimed["Location"] == "/moderation/"
    item.refresh_from_db()
    assert item.claimed_by == mod
    assert "@mod_one (you) is reviewing it until" in text_of(html(mod_browser.get("/moderation/")))

    # A second moderator is told, next to the claim buttons, who holds it; nothing changes.
    taken = mod2_browser.post(f"/moderation/items/{item.pk}/claim/", {"next": "/moderation/"})
    assert taken.status_code == 409
    assert "@mod_one is reviewing this item until" in text_of(html(taken))
    item.refresh_from_db()
    assert item.claimed_by == mod

    # htmx swaps in the item's card again.
    released = mod_browser.post(f"/moderation/items/{item.pk}/release/", **HTMX)
    assert released.status_code == 200
    card = html(released)
    assert card.lstrip().startswith('<li class="card mod-card"') and "Nobody is reviewing it." in card
    assert 'name="next" value="/moderation/"' in card
    item.refresh_from_db()
    assert item.claimed_by is None
    # ... and a refusal goes to the page's alert region.
    mod2_browser.post(f"/moderation/items/{item.pk}/claim/")
    refused = mod_browser.post(f"/moderation/items/{item.pk}/claim/", **HTMX)
    assert refused.status_code == 409 and refused["HX-Retarget"] == "#alerts"
    assert "@mod_two is reviewing this item until" in text_of(html(refused))


def test_an_item_page_offers_every_action_and_says_why_one_is_refused(
    alice, bob, make_video, mod, mod_browser, mod2_browser
):
    video = make_video(bob, caption="spam spam")
    item = reported(alice, "video", video.pk)
    url = f"/moderation/items/{item.pk}/"

    page = html(mod_browser.get(url))
    for action in ("dismiss", "remove_content", "warn", "restrict", "suspend"):
        assert f'name="action" value="{action}"' in page
        assert f'<label for="id_note_{action}">' in page
    assert '<label for="id_duration_hours_suspend">' in page
    assert ">Remove the video</button>" in page
    assert "bob's record" in text_of(page).replace("@", "")
    entries = AuditEntry.objects.count()

    missing_note = mod_browser.post(f"{url}resolve/", {"action": "warn", "note": " "})
    assert missing_note.status_code == 400
    assert 'id="id_note_warn_error">A note is required for every action but dismiss.<' in html(missing_note)

    unknown = mod_browser.post(f"{url}resolve/", {"action": "explode", "note": "x"})
    assert unknown.status_code == 400 and '"explode" is not a valid choice.' in text_of(html(unknown))

    too_short = mod_browser.post(f"{url}resolve/", {"action": "restrict", "note": "x", "duration_hours": "0"})
    assert too_short.status_code == 400
    assert 'id="id_duration_hours_restrict_error">Ensure this value is greater than or equal to 1.<' in html(
        too_short
    )
    assert "x</textarea>" in html(too_short)

    mod_browser.post(f"{url}claim/")
    held = mod2_browser.post(f"{url}resolve/", {"action": "remove_content", "note": "spam"})
    assert held.status_code == 409
    assert "@mod_one is reviewing this item until" in text_of(html(held))

    item.refresh_from_db()
    video.refresh_from_db()
    assert item.status == "open" and video.status == "published"
    assert not Enforcement.objects.exists()
    assert AuditEntry.objects.count() == entries + 1  # the claim, nothing else


def test_a_removed_video_is_appealed_and_another_moderator_overturns_it(
    alice, bob, make_video, mod, mod2, mod_browser, mod2_browser, bob_browser
):
    video = make_video(bob, caption="cheap pills")
    item = reported(alice, "video", video.pk)

    done = mod_browser.post(
        f"/moderation/items/{item.pk}/resolve/", {"action": "remove_content", "note": "selling pills"}
    )
    assert done.status_code == 302 and done["Location"] == f"/moderation/items/{item.pk}/"
    video.refresh_from_db()
    assert video.status == "removed"
    resolved = text_of(html(mod_browser.get(done["Location"])))
    assert "Resolved: remove_content by @mod_one" in resolved

    notice = html(bob_browser.get("/notifications/"))
    assert "Your video was removed for spam." in text_of(notice)
    enforcement = Enforcement.objects.get()
    assert f'href="/appeals/#action-{enforcement.pk}">Appeal this decision<' in notice

    mine = html(bob_browser.get("/appeals/"))
    assert "Content removed" in mine and "For spam" in text_of(mine)
    assert f'<label for="id_text_{enforcement.pk}">Why was this decision wrong?</label>' in mine

    blank = bob_browser.post("/appeals/", {"action_id": str(enforcement.pk), "text": "  "})
    assert blank.status_code == 400
    assert f'id="id_text_{enforcement.pk}_error">This field may not be blank.<' in html(blank)
    assert not Appeal.objects.exists()

    sent = bob_browser.post("/appeals/", {"action_id": str(enforcement.pk), "text": "it was a joke"})
    assert sent.status_code == 302 and sent["Location"] == "/appeals/"
    appeal = Appeal.objects.get()
    shown = text_of(html(bob_browser.get("/appeals/")))
    assert "You appealed it: pending." in shown and "it was a joke" in shown

    again = bob_browser.post("/appeals/", {"action_id": str(enforcement.pk), "text": "please"})
    assert again.status_code == 409 and Appeal.objects.count() == 1

    listed = html(mod_browser.get("/moderation/appeals/"))
    assert "Appeal by @bob" in listed and "it was a joke" in listed
    assert f'<label for="id_note{appeal.pk}">Note to the record</label>' in listed

    own = mod_browser.post(f"/moderation/appeals/{appeal.pk}/", {"decision": "overturned", "note": "fine"})
    assert own.status_code == 403
    assert "A different moderator must decide an appeal of your own action." in text_of(html(own))
    appeal.refresh_from_db()
    assert appeal.status == "pending"

    decided = mod2_browser.post(
        f"/moderation/appeals/{appeal.pk}/",
        {"decision": "overturned", "note": "satire", "next": "/moderation/appeals/"},
    )
    assert decided.status_code == 302 and decided["Location"] == "/moderation/appeals/"
    video.refresh_from_db()
    appeal.refresh_from_db()
    assert (video.status, appeal.status, appeal.decided_by) == ("published", "overturned", mod2)
    final = text_of(html(bob_browser.get("/appeals/")))
    assert "Overturned: this action was undone" in final and "The action was undone. satire" in final
    assert "No appeals here." in text_of(html(mod_browser.get("/moderation/appeals/")))
    assert "Overturned by @mod_two" in text_of(html(mod_browser.get("/moderation/appeals/?status=all")))


def test_deciding_an_appeal_needs_a_decision_and_a_known_filter(
    alice, bob, make_video, mod, mod2_browser, mod_browser
):
    item = reported(alice, "video", make_video(bob).pk)
    enforcement = services.item_resolve(item=item, moderator=mod, action="warn", note="rude")
    appeal = services.appeal_create(appellant=bob, enforcement_id=enforcement.pk, text="no")

    missing = mod2_browser.post(f"/moderation/appeals/{appeal.pk}/", {"note": "hm"})
    assert missing.status_code == 400
    assert 'id="id_decision_error">This field is required.<' in html(missing)
    assert "hm</textarea>" in html(missing)
    appeal.refresh_from_db()
    assert appeal.status == "pending"

    unknown = mod_browser.get("/moderation/appeals/?status=lost")
    assert unknown.status_code == 400
    assert 'id="id_status_error">One of: pending, upheld, overturned, all.<' in html(unknown)
    assert mod_browser.get("/moderation/appeals/nope/").status_code == 404


def test_the_audit_log_filters_as_the_api_does(alice, bob, make_video, mod, mod_browser):
    first = reported(alice, "video", make_video(bob).pk)
    second = reported(alice, "user", "bob")
    services.item_claim(item=first, moderator=mod)
    services.item_resolve(item=second, moderator=mod, action="dismiss")

    everything = text_of(html(mod_browser.get("/moderation/audit/")))
    assert "claim" in everything and "dismiss" in everything and "report" in everything

    by_mod = html(mod_browser.get("/moderation/audit/?actor=mod_one"))
    assert "<td>claim</td>" in by_mod and "<td>report</td>" not in by_mod
    one_target = html(mod_browser.get(f"/moderation/audit/?target_type=user&target_id={bob.pk}"))
    assert "<td>dismiss</td>" in one_target and "<td>claim</td>" not in one_target

    not_an_id = mod_browser.get("/moderation/audit/?target_id=abc")
    assert not_an_id.status_code == 400
    assert 'id="id_target_id_error">Not an id.<' in html(not_an_id)
    unknown = mod_browser.get("/moderation/audit/?target_type=planet")
    assert unknown.status_code == 400 and 'id="id_target_type_error">One of:' in html(unknown)


def test_a_suspended_account_appeals_without_signing_in(alice, bob, make_video, mod, mod_browser):
    item = reported(alice, "user", "bob", "harassment")
    mod_browser.post(f"/moderation/items/{item.pk}/resolve/", {"action": "suspend", "note": "threats"})
    bob.refresh_from_db()
    assert not bob.is_active

    visitor = Client()
    page = html(visitor.get("/appeals/"))
    assert "<h1" in page and "Appeal a suspension" in page
    assert '<label for="id_password">Password</label>' in page

    wrong = visitor.post("/appeals/", {"username": "bob", "password": "guess", "text": "sorry"})
    assert wrong.status_code == 400 and "The username or password is not right." in text_of(html(wrong))
    nothing = visitor.post("/appeals/", {"text": "sorry"})
    assert nothing.status_code == 400
    assert 'id="id_username_error">This field is required.<' in html(nothing)
    assert not Appeal.objects.exists()

    sent = visitor.post("/appeals/", {"username": "bob", "password": PASSWORD, "text": "I was hacked"})
    assert sent.status_code == 302 and sent["Location"] == "/appeals/?sent=1"
    assert "Your appeal was sent." in text_of(html(visitor.get(sent["Location"])))
    appeal = Appeal.objects.get()
    assert (appeal.appellant, appeal.enforcement.kind, appeal.text) == (bob, "suspend", "I was hacked")


def test_a_person_with_nothing_against_them_sees_so(alice_browser):
    page = text_of(html(alice_browser.get("/appeals/")))
    assert "No action was taken against you." in page and "You have not appealed anything." in page
    stranger = alice_browser.post("/appeals/", {"action_id": "123456", "text": "why"})
    assert stranger.status_code == 404
    assert "There is no such action against you." in text_of(html(stranger))
    assert not Appeal.objects.exists()


def test_the_queue_pages_by_priority_and_keeps_its_filter(make_user, alice, mod_browser):
    for _ in range(DEFAULT_LIMIT + 1):
        reported(alice, "user", make_user().username, "other")
    first = html(mod_browser.get("/moderation/?target_type=user"))
    assert first.count('class="card mod-card"') == DEFAULT_LIMIT
    next_url = re.search(r'<a class="more" href="([^"]+)">Next page</a>', first)
    assert next_url and "target_type=user" in next_url[1]
    second = html(mod_browser.get("/moderation/" + next_url[1].replace("&amp;", "&")))
    assert second.count('class="card mod-card"') == 1 and "Next page" not in second


def test_the_queue_costs_the_same_queries_for_many_items_as_for_few(
    make_user, alice, bob, carol, make_video, make_cameo, mod_browser
):
    def report_one_of_each() -> None:
        reported(alice, "video", make_video(bob).pk)
        reported(alice, "comment", comment_create(video=make_video(carol), author=bob, text="hey").pk)
        reported(alice, "cameo", make_cameo(carol, images=2).pk)
        reported(alice, "user", make_user().username)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert mod_browser.get("/moderation/").status_code == 200
        return len(captured)

    report_one_of_each()
    few = queries()
    for _ in range(3):
        report_one_of_each()
    assert queries() == few
