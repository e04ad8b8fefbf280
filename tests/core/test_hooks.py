"""The one way a lower layer tells a higher one (``sora_social.core.hooks``), through a real sender: accounts'
``follow_created``, sent inside ``follow_create``'s transaction."""

import logging

import pytest
from django.db import transaction

from sora_social.accounts.hooks import Following, follow_created
from sora_social.accounts.models import Follow
from sora_social.accounts.services import follow_create
from sora_social.core.errors import Forbidden
from sora_social.core.hooks import Hook

pytestmark = pytest.mark.django_db


def test_a_subscriber_is_told_what_happened_in_the_senders_transaction(alice, bob):
    heard = []

    def subscriber(following: Following) -> None:
        heard.append((following, Follow.objects.filter(follower=alice, followee=bob).exists()))

    with follow_created.subscribed(subscriber):
        follow_create(follower=alice, followee=bob)
        follow_create(follower=alice, followee=bob)  # already following: nothing happened
    assert heard == [(Following(follower=alice, followee=bob), True)]


def test_a_subscriber_that_raises_refuses_and_the_whole_write_rolls_back(alice, bob):
    later = []

    def veto(following: Following) -> None:
        raise Forbidden("Not today.", code="not_today")

    with follow_created.subscribed(veto), follow_created.subscribed(later.append), pytest.raises(Forbidden):
        follow_create(follower=alice, followee=bob)
    assert not Follow.objects.exists()
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert (alice.following_count, bob.follower_count) == (0, 0)
    assert later == []


def test_an_after_commit_subscriber_waits_for_the_commit(alice, bob, django_capture_on_commit_callbacks):
    heard = []
    with follow_created.subscribed(heard.append, on_commit=True):
        with django_capture_on_commit_callbacks() as callbacks:
            follow_create(follower=alice, followee=bob)
            assert heard == []
        for callback in callbacks:
            callback()
    assert heard == [Following(follower=alice, followee=bob)]


def test_an_after_commit_subscriber_never_hears_of_a_rollback(alice, bob, django_capture_on_commit_callbacks):
    heard = []
    with (
        follow_created.subscribed(heard.append, on_commit=True),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        follow_create(follower=alice, followee=bob)
        raise RuntimeError("something later in the same transaction failed")
    assert callbacks == []
    assert heard == [] and not Follow.objects.exists()


def test_an_after_commit_subscriber_that_fails_is_logged_and_the_others_still_run(
    alice, bob, caplog, django_capture_on_commit_callbacks
):
    heard = []

    def broken(following: Following) -> None:
        raise RuntimeError("the broker is down")

    with (
        follow_created.subscribed(broken, on_commit=True),
        follow_created.subscribed(heard.append, on_commit=True),
        caplog.at_level(logging.ERROR, logger="sora_social.core.hooks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert follow_create(follower=alice, followee=bob) is True
    assert heard == [Following(follower=alice, followee=bob)]
    assert Follow.objects.filter(follower=alice, followee=bob).exists()
    assert "accounts.follow_created" in caplog.text and "the broker is down" in caplog.text


def test_subscribers_run_in_the_order_they_came_and_subscribing_again_changes_nothing():
    hook: Hook[int] = Hook("test.numbers")
    heard: list[tuple[str, int]] = []

    def first(number: int) -> None:
        heard.append(("first", number))

    def second(number: int) -> None:
        heard.append(("second", number))

    for subscriber in (first, second, first):
        hook.subscribe(subscriber)
    hook.send(7)
    hook.unsubscribe(first)
    hook.send(8)
    assert heard == [("first", 7), ("second", 7), ("second", 8)]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_an_after_commit_subscriber_runs_at_once():
    hook: Hook[str] = Hook("test.words")
    heard: list[str] = []
    hook.subscribe_on_commit(heard.append)
    hook.send("now")
    assert heard == ["now"]
