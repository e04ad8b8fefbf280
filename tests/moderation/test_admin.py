"""Moderation in the Django admin: the queue (filters, search, the item page), the decision actions with
their note page, claims, appeals and the audit log, with the same effects as the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import messages
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from feed.models import Video
from moderation.models import Appeal, AuditEntry, Enforcement, ReviewItem
from sora_social.accounts.models import User
from sora_social.accounts.selectors import MODERATORS_GROUP
from tests.moderation.conftest import audit, notifications, report, resolve

pytestmark = pytest.mark.django_db(transaction=True)

ITEMS = "/admin/moderation/reviewitem/"
APPEALS = "/admin/moderation/appeal/"
AUDIT = "/admin/moderation/auditentry/"
ENFORCEMENTS = "/admin/moderation/enforcement/"


def browser_for(user: User) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def item_of(target_type: str, target: object) -> ReviewItem:
    return ReviewItem.objects.get(target_type=target_type, target_id=target.pk)  # type: ignore[attr-defined]


def act(
    browser: Client, action: str, *rows: object, url: str = ITEMS, follow: bool = False, **values: object
):
    """Pick rows in a changelist and run an action on them (the first step of a decision)."""
    data = {"action": action, "_selected_action": [str(row.pk) for row in rows], **values}  # type: ignore[attr-defined]
    return browser.post(url, data, follow=follow)


def apply(browser: Client, action: str, *rows: object, note: str, url: str = ITEMS, duration_hours: str = ""):
    """The second step of a decision: the note page sent back with ``apply``."""
    return act(
        browser, action, *rows, url=url, follow=True, apply="yes", note=note, duration_hours=duration_hours
    )


def shown(response) -> list[int]:
    assert response.status_code == 200, response.content[:500]
    return [row.pk for row in response.context["cl"].result_list]


def said(response) -> list[tuple[int, str]]:
    return [(message.level, str(message)) for message in response.context["messages"]]


def action_names(response) -> list[str]:
    form = response.context["action_form"]  # None when the page offers no action at all
    return [] if form is None else [name for name, _ in form.fields["action"].choices if name]


def is_note_page(response, question: str) -> bool:
    used = [template.name for template in response.templates]
    return (
        response.status_code == 200
        and "admin/moderation/decide.html" in used
        and question in response.content.decode()
        and 'name="note"' in response.content.decode()
    )


# The queue ------------------------------------------------------------------------------------------------


@pytest.fixture
def queue_items(alice, bob, carol, make_user, client_for, make_video, mod, mod2, as_mod):
    """A: bob's video, reported by carol and caroline, flagged by a term in its caption, claimed by mod.
    B: alice's profile, reported by dave, claimed by mod2. C: alice's video, reported by dave, free.
    D: carol's video, reported by dave and dismissed."""
    caroline, dave = make_user("caroline"), make_user("dave")
    as_carol, as_caroline, as_dave = client_for(carol), client_for(caroline), client_for(dave)
    sunset = make_video(bob, caption="free crypto at sunset over the harbour")
    cats = make_video(alice, caption="a cat compilation")
    dance = make_video(carol, caption="my dance routine")
    for client, target_type, target, reason in (
        (as_carol, "video", sunset, "harassment"),
        (as_caroline, "video", sunset, "spam"),
        (as_dave, "user", alice, "spam"),
        (as_dave, "video", cats, "violence"),
        (as_dave, "video", dance, "other"),
    ):
        response = report(client, target_type, target.pk, reason)
        assert response.status_code == 201, response.content
    a, b, c, d = (
        item_of("video", sunset),
        item_of("user", alice),
        item_of("video", cats),
        item_of("video", dance),
    )
    assert resolve(as_mod, str(d.pk), "dismiss").status_code == 200
    claimed = act(browser_for(mod), "claim", a)
    assert claimed.status_code == 302
    assert act(browser_for(mod2), "claim", b).status_code == 302
    return a, b, c, d


def test_a_moderator_filters_and_searches_the_queue(mod, mod2, queue_items):
    a, b, c, d = queue_items
    browser = browser_for(mod)
    everything = browser.get(ITEMS)
    assert sorted(shown(everything)) == sorted([a.pk, b.pk, c.pk, d.pk])
    assert {"claim", "release", "dismiss", "remove_content", "warn", "restrict", "suspend"} <= set(
        action_names(everything)
    )

    filters = {
        "status__exact=open": [a, b, c],
        "status__exact=resolved": [d],
        "target_type__exact=user": [b],
        "target_type__exact=video": [a, c, d],
        "top_reason=violence": [c],
        "top_reason=harassment": [a],
        "claim=mine": [a],
        "claim=others": [b],
        "claim=free": [c, d],
        "status__exact=open&claim=free": [c],
    }
    for query, expected in filters.items():
        assert sorted(shown(browser.get(f"{ITEMS}?{query}"))) == sorted(i.pk for i in expected), query
    # The same filter is "mine" for one moderator and "others" for the other.
    assert shown(browser_for(mod2).get(f"{ITEMS}?claim=mine")) == [b.pk]
    assert sorted(shown(browser_for(mod2).get(f"{ITEMS}?claim=others"))) == [a.pk]

    searches = {
        "sunset": [a],  # the target's label
        "bob": [a],  # the subject's username
        "alice": [b, c],
        "dave": [b, c, d],  # a reporter's username
        "caroline": [a],
        "carol": [a, d],  # carol and caroline both reported A: still one row; D is carol's video
    }
    for term, expected in searches.items():
        assert sorted(shown(browser.get(ITEMS, {"q": term}))) == sorted(i.pk for i in expected), term
    assert browser.get(ITEMS, {"q": "carol"}).context["cl"].result_count == 2


def test_a_moderator_opens_an_item_with_its_reports_and_flags(mod, queue_items):
    a, *_ = queue_items
    response = browser_for(mod).get(f"{ITEMS}{a.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "free crypto at sunset over the harbour" in page
    # The target as it is now, with a link to watch it.
    assert "<b>status</b>: published" in page and "Watch the video" in page
    inlines = {
        formset.opts.model._meta.model_name: formset for formset in response.context["inline_admin_formsets"]
    }
    assert {"report", "flag"} <= set(inlines), f"inlines shown to a moderator: {sorted(inlines)}"
    reporters = {form.instance.reporter.username for form in inlines["report"].formset.forms}
    assert reporters == {"carol", "caroline"}
    kinds = [form.instance.kind for form in inlines["flag"].formset.forms]
    assert kinds == ["term_match"]
    assert "caroline" in page and "Term Match" in page


def test_the_admin_changes_nothing_by_hand(mod, queue_items):
    a, *_ = queue_items
    browser = browser_for(mod)
    assert browser.get(f"{ITEMS}add/").status_code == 403
    assert browser.get(f"{ITEMS}{a.pk}/delete/").status_code == 403
    assert browser.post(f"{ITEMS}{a.pk}/delete/", {"post": "yes"}).status_code == 403
    assert "delete_selected" not in action_names(browser.get(ITEMS))
    act(browser, "delete_selected", a, post="yes")
    page = browser.get(f"{ITEMS}{a.pk}/change/")
    assert page.context["has_change_permission"] is False and "_save" not in page.content.decode()
    browser.post(f"{ITEMS}{a.pk}/change/", {"status": "resolved", "resolution": "dismiss", "priority": "0"})
    a.refresh_from_db()
    assert a.status == ReviewItem.Status.OPEN and a.resolution == "" and a.priority > 0
    for url in (APPEALS, ENFORCEMENTS):
        assert browser.get(f"{url}add/").status_code == 403
        assert browser.get(url).status_code == 200


def test_the_admin_is_closed_to_people_without_staff_access(alice, make_user, queue_items):
    *_, c, _ = queue_items
    member = make_user("member")  # in the moderators group, but without admin access
    member.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    for user in (alice, member):
        browser = browser_for(user)
        for url in (ITEMS, f"{ITEMS}{c.pk}/change/", APPEALS, AUDIT):
            response = browser.get(url)
            assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url
        act(browser, "claim", c)
        apply(browser, "remove_content", c, note="sneaky")
    c.refresh_from_db()
    assert c.status == ReviewItem.Status.OPEN and c.claimed_by_id is None
    assert not Enforcement.objects.exists()


# Decisions ------------------------------------------------------------------------------------------------


def test_removing_content_in_the_admin(bob, carol, as_alice, as_bob, as_carol, mod, as_mod, make_video):
    video = make_video(bob, caption="you are all idiots")
    assert report(as_carol, "video", video.pk, "harassment").status_code == 201
    item = item_of("video", video)
    browser = browser_for(mod)

    # First the note page; nothing has happened yet.
    asked = act(browser, "remove_content", item)
    assert is_note_page(asked, "Remove the content of these items?")
    assert str(item) in asked.content.decode()
    video.refresh_from_db()
    item.refresh_from_db()
    assert video.status == Video.Status.PUBLISHED and item.status == ReviewItem.Status.OPEN
    assert as_alice.get(f"/api/v1/videos/{video.pk}/").status_code == 200

    # A note is required: without one the page comes back, still nothing done.
    again = act(browser, "remove_content", item, apply="yes", note="", duration_hours="")
    assert is_note_page(again, "Remove the content of these items?")
    assert again.context["form"].errors["note"]
    video.refresh_from_db()
    assert video.status == Video.Status.PUBLISHED and not Enforcement.objects.exists()

    done = apply(browser, "remove_content", item, note="targeted insults")
    assert done.redirect_chain and done.redirect_chain[-1][0].startswith(ITEMS)
    assert (messages.SUCCESS, "Resolved: 1.") in said(done)

    video.refresh_from_db()
    item.refresh_from_db()
    assert video.status == Video.Status.REMOVED
    assert item.status == ReviewItem.Status.RESOLVED and item.resolution == "remove_content"
    assert item.resolved_by_id == mod.pk
    assert as_alice.get(f"/api/v1/videos/{video.pk}/").status_code == 404
    assert as_bob.get(f"/api/v1/videos/{video.pk}/").json()["status"] == "removed"

    [enforcement] = Enforcement.objects.all()
    assert enforcement.kind == "remove_content" and enforcement.moderator_id == mod.pk
    assert enforcement.subject_id == bob.pk and enforcement.note == "targeted insults"
    [told] = [n for n in notifications(as_bob) if n["kind"] == "moderation"]
    assert told["data"]["action"] == "remove_content" and told["data"]["action_id"] == str(enforcement.pk)
    [heard] = [n for n in notifications(as_carol) if n["kind"] == "moderation"]
    assert heard["data"]["outcome"] == "action_taken"

    [removal] = [
        e for e in audit(as_mod, target_type="video", target_id=video.pk) if e["action"] == "remove_content"
    ]
    assert removal["actor"] == "mod_one" and removal["note"] == "targeted insults"
    assert removal["before"]["status"] == "published" and removal["after"]["status"] == "removed"
    entry = AuditEntry.objects.get(action="remove_content")
    assert entry.actor_id == mod.pk and entry.enforcement_id == enforcement.pk and entry.item_id == item.pk

    # Deciding the same item again is refused with a message, and changes nothing.
    twice = apply(browser, "dismiss", item, note="second thoughts")
    assert any(level == messages.WARNING and "already resolved" in text for level, text in said(twice))
    item.refresh_from_db()
    assert item.resolution == "remove_content"


def test_suspending_in_the_admin(alice, bob, carol, as_alice, as_bob, as_carol, mod, make_video):
    video = make_video(bob, caption="hello")
    assert as_bob.get("/api/v1/notifications/").status_code == 200
    report(as_carol, "video", video.pk, "harassment")
    item = item_of("video", video)
    browser = browser_for(mod)

    assert is_note_page(act(browser, "suspend", item), "Suspend the accounts these items are about?")
    bob.refresh_from_db()
    assert bob.is_active

    done = apply(browser, "suspend", item, note="repeated abuse")
    assert (messages.SUCCESS, "Resolved: 1.") in said(done)
    bob.refresh_from_db()
    assert not bob.is_active
    assert as_bob.get("/api/v1/notifications/").status_code == 401
    assert as_alice.get(f"/api/v1/videos/{video.pk}/").status_code == 404
    [enforcement] = Enforcement.objects.all()
    assert enforcement.kind == "suspend" and enforcement.note == "repeated abuse"
    assert enforcement.ends_at is not None and enforcement.ends_at > timezone.now()
    assert AuditEntry.objects.get(action="suspend").note == "repeated abuse"


def test_restricting_in_the_admin_stops_publishing(alice, bob, as_alice, as_bob, mod, make_video):
    draft = make_video(alice, publish=False)
    report(as_bob, "user", alice.pk, "spam")
    item = item_of("user", alice)
    browser = browser_for(mod)

    assert is_note_page(act(browser, "restrict", item), "Stop these people publishing for a while?")
    assert not Enforcement.objects.exists()

    done = apply(browser, "restrict", item, note="spamming links", duration_hours="48")
    assert (messages.SUCCESS, "Resolved: 1.") in said(done)
    [enforcement] = Enforcement.objects.all()
    assert enforcement.kind == "restrict" and enforcement.subject_id == alice.pk
    assert abs(enforcement.ends_at - (timezone.now() + timedelta(hours=48))) < timedelta(minutes=5)

    refused = as_alice.post(f"/api/v1/videos/{draft.pk}/publish/", {"caption": "new"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "publishing_restricted"
    draft.refresh_from_db()
    assert draft.status == Video.Status.DRAFT
    # She can still use the rest of the API.
    assert as_alice.get("/api/v1/notifications/").status_code == 200


def test_claims_in_the_admin(bob, carol, as_carol, mod, mod2, make_video):
    video = make_video(bob)
    report(as_carol, "video", video.pk, "spam")
    item = item_of("video", video)
    first, second = browser_for(mod), browser_for(mod2)

    claimed = act(first, "claim", item, follow=True)
    assert (messages.SUCCESS, "Claimed: 1.") in said(claimed)
    item.refresh_from_db()
    assert item.claimed_by_id == mod.pk and item.claimed_until > timezone.now()
    held_until = item.claimed_until

    for action in ("claim", "release"):
        refused = act(second, action, item, follow=True)
        warnings = [text for level, text in said(refused) if level == messages.WARNING]
        assert len(warnings) == 1 and "@mod_one is reviewing this item" in warnings[0], action
        assert not any(level == messages.SUCCESS for level, _ in said(refused))
        item.refresh_from_db()
        assert item.claimed_by_id == mod.pk and item.claimed_until == held_until
    # Nor can the second moderator decide it while it is held.
    blocked = apply(second, "remove_content", item, note="mine now")
    assert any(level == messages.WARNING and "@mod_one" in text for level, text in said(blocked))
    video.refresh_from_db()
    assert video.status == Video.Status.PUBLISHED and not Enforcement.objects.exists()

    released = act(first, "release", item, follow=True)
    assert (messages.SUCCESS, "Released: 1.") in said(released)
    item.refresh_from_db()
    assert item.claimed_by_id is None and item.claimed_until is None
    assert act(second, "claim", item).status_code == 302
    item.refresh_from_db()
    assert item.claimed_by_id == mod2.pk

    steps = list(
        AuditEntry.objects.filter(item_id=item.pk).order_by("id").values_list("action", "actor_username")
    )
    assert steps == [("report", "carol"), ("claim", "mod_one"), ("release", "mod_one"), ("claim", "mod_two")]


# Appeals --------------------------------------------------------------------------------------------------


def test_overturning_an_appeal_in_the_admin(
    alice, bob, carol, as_alice, as_bob, as_carol, mod, mod2, make_video
):
    video = make_video(bob, caption="it was a joke")
    report(as_carol, "video", video.pk, "harassment")
    item = item_of("video", video)
    apply(browser_for(mod), "remove_content", item, note="insults")
    [enforcement] = Enforcement.objects.all()
    made = as_bob.post("/api/v1/appeals/", {"action_id": str(enforcement.pk), "text": "Just friends joking."})
    assert made.status_code == 201, made.content
    appeal = Appeal.objects.get()
    assert str(appeal.pk) == made.json()["id"]

    # The appeals page lists it.
    other = browser_for(mod2)
    assert shown(other.get(APPEALS)) == [appeal.pk]
    assert shown(other.get(APPEALS, {"status__exact": "pending"})) == [appeal.pk]
    assert shown(other.get(APPEALS, {"q": "bob"})) == [appeal.pk]
    assert other.get(f"{APPEALS}{appeal.pk}/change/").status_code == 200
    assert {"uphold", "overturn"} <= set(action_names(other.get(APPEALS)))

    # The moderator who took the action cannot decide its appeal.
    own = browser_for(mod)
    question = "Overturn these actions and restore what they removed?"
    assert is_note_page(act(own, "overturn", appeal, url=APPEALS), question)
    refused = apply(own, "overturn", appeal, url=APPEALS, note="I was wrong")
    warnings = [text for level, text in said(refused) if level == messages.WARNING]
    assert len(warnings) == 1 and "different moderator" in warnings[0]
    assert not any(level == messages.SUCCESS for level, _ in said(refused))
    appeal.refresh_from_db()
    video.refresh_from_db()
    assert appeal.status == Appeal.Status.PENDING and video.status == Video.Status.REMOVED

    # A different moderator: the note page first, then the decision.
    asked = act(other, "overturn", appeal, url=APPEALS)
    assert is_note_page(asked, question)
    video.refresh_from_db()
    assert video.status == Video.Status.REMOVED
    done = apply(other, "overturn", appeal, url=APPEALS, note="context shows a joke")
    assert (messages.SUCCESS, "Overturned: 1.") in said(done)

    appeal.refresh_from_db()
    video.refresh_from_db()
    enforcement.refresh_from_db()
    assert appeal.status == Appeal.Status.OVERTURNED and appeal.decided_by_id == mod2.pk
    assert appeal.decision_note == "context shows a joke"
    assert video.status == Video.Status.PUBLISHED and video.removal_reason == ""
    assert enforcement.overturned_at is not None
    assert as_alice.get(f"/api/v1/videos/{video.pk}/").status_code == 200
    assert any(n["data"].get("decision") == "overturned" for n in notifications(as_bob))
    entry = AuditEntry.objects.get(action="appeal_overturned")
    assert entry.actor_id == mod2.pk and entry.note == "context shows a joke"

    # Decided once: a second decision is refused with a message.
    late = apply(other, "uphold", appeal, url=APPEALS, note="on reflection")
    assert any(level == messages.WARNING and "already decided" in text for level, text in said(late))
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.OVERTURNED


# The audit log ------------------------------------------------------------------------------------------


def test_the_audit_log_in_the_admin(bob, carol, as_carol, mod, make_video):
    video = make_video(bob, caption="a quiet lake")
    report(as_carol, "video", video.pk, "spam")
    item = item_of("video", video)
    browser = browser_for(mod)
    act(browser, "claim", item)
    apply(browser, "warn", item, note="mind the rules")

    entries = list(AuditEntry.objects.order_by("id"))
    assert [e.action for e in entries] == ["report", "claim", "warn"]
    listing = browser.get(AUDIT)
    assert sorted(shown(listing)) == sorted(e.pk for e in entries)
    assert "mind the rules" in listing.content.decode()
    assert shown(browser.get(AUDIT, {"action__exact": "warn"})) == [entries[2].pk]
    assert shown(browser.get(AUDIT, {"q": "carol"})) == [entries[0].pk]
    assert shown(browser.get(AUDIT, {"q": "mind the rules"})) == [entries[2].pk]

    assert browser.get(f"{AUDIT}add/").status_code == 403
    assert "delete_selected" not in action_names(listing)
    for entry in entries:
        page = browser.get(f"{AUDIT}{entry.pk}/change/")
        assert page.status_code == 200 and page.context["has_change_permission"] is False
        assert browser.get(f"{AUDIT}{entry.pk}/delete/").status_code == 403
    warn = entries[2]
    browser.post(f"{AUDIT}{warn.pk}/change/", {"action": "dismiss", "note": "rewritten"})
    act(browser, "delete_selected", *entries, url=AUDIT, post="yes")
    warn.refresh_from_db()
    assert warn.action == "warn" and warn.note == "mind the rules"
    assert AuditEntry.objects.count() == 3

    enforcements = browser.get(ENFORCEMENTS)
    assert shown(enforcements) == [Enforcement.objects.get().pk]
    assert browser.get(f"{ENFORCEMENTS}{Enforcement.objects.get().pk}/change/").status_code == 200
