import json
import time

import pytest
from django.db import transaction

from sora_social.core import events
from sora_social.core.redis import get_redis

pytestmark = pytest.mark.django_db


def logged(user_id):
    return events.decode_events(events.read_events(get_redis(), user_id, "0-0"))


def test_an_event_is_logged_only_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        events.publish_event([1, 2, 2], "test.thing", {"n": 1})
        assert logged(1) == []
    assert len(callbacks) == 1
    for user_id in (1, 2):
        [event] = logged(user_id)
        assert event["type"] == "test.thing" and event["data"] == {"n": 1}
        assert events.parse_event_id(event["id"]) == event["id"]


def test_a_rolled_back_event_is_never_logged(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                events.publish_event([1], "test.thing", {"n": 1})
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert logged(1) == []


def test_data_is_captured_when_published(django_capture_on_commit_callbacks):
    data = {"state": "before"}
    with django_capture_on_commit_callbacks(execute=True):
        events.publish_event([7], "test.thing", data)
        data["state"] = "after"
    assert logged(7)[0]["data"] == {"state": "before"}


def test_event_log_expires_with_retention(django_capture_on_commit_callbacks, settings):
    settings.EVENT_RETENTION_SECONDS = 100
    with django_capture_on_commit_callbacks(execute=True):
        events.publish_event([3], "test.thing", {})
    assert 0 < get_redis().ttl(events.event_log_key(3)) <= 100


@pytest.mark.parametrize("value", ["1-1", "1732500000000-0"])
def test_event_ids_parse(value):
    assert events.parse_event_id(value) == value


@pytest.mark.parametrize(
    "value",
    [
        None,
        5,
        "",
        "abc",
        "1-",
        "-1",
        "1-1-1",
        "1 -1",
        "9" * 30 + "-0",
        f"{2**64}-0",
        "1-1\n",
        "\u00b9-1",  # superscript one
        "\uff11-1",  # full-width one
    ],
)
def test_bad_event_ids_are_refused(value):
    assert events.parse_event_id(value) is None


def test_a_large_delivery_goes_out_in_batches_each_with_its_hint(monkeypatch):
    monkeypatch.setattr(events, "DELIVERY_BATCH", 2)
    hints = get_redis().pubsub(ignore_subscribe_messages=True)
    hints.subscribe(events.HINT_CHANNEL)
    hints.get_message(timeout=1)  # the subscription's confirmation: it holds from here
    events.deliver_event([1, 2, 3, 4, 5], "test.thing", '{"n": 1}')
    received = []
    deadline = time.monotonic() + 5
    while len(received) < 3 and time.monotonic() < deadline:
        if message := hints.get_message(timeout=0.5):
            received.append(json.loads(message["data"]))
    hints.close()
    assert [[entry[0] for entry in hint["entries"]] for hint in received] == [[1, 2], [3, 4], [5]]
    for user_id in range(1, 6):
        [event] = logged(user_id)
        assert event["data"] == {"n": 1}
        assert [user_id, "0-0", event["id"]] in received[(user_id - 1) // 2]["entries"]


def test_the_hint_channel_is_the_redis_databases_own():
    """Redis hands a publish to subscribers on every database: deployments on two databases of one server get
    two channels, and this process's hints go out on its own database's."""
    assert events.hint_channel("redis://cache:6379/3") != events.hint_channel("redis://cache:6379/4")
    assert events.hint_channel("redis://cache:6379") == events.hint_channel("redis://other:6380/0")
    db = get_redis().connection_pool.connection_kwargs.get("db", 0)
    assert events.hint_channel(f"redis://any/{db}") == events.HINT_CHANNEL
