import multiprocessing
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group

from sora_social.accounts.selectors import MODERATORS_GROUP
from sora_social.core import ids
from sora_social.core.pagination import encode_token
from tests.core.routes import api_routes
from tests.helpers import assert_error


def test_ids_are_unique_and_increase_within_a_process():
    values = [ids.new_id() for _ in range(20_000)]
    assert len(set(values)) == len(values)
    assert values == sorted(values)
    assert all(0 < value < 2**63 for value in values)


def test_an_id_carries_its_creation_time():
    before = datetime.now(UTC) - timedelta(milliseconds=5)
    value = ids.new_id()
    after = datetime.now(UTC) + timedelta(milliseconds=5)
    assert before <= ids.id_to_datetime(value) <= after


def _child_id(queue):
    queue.put(ids.new_id())


def test_a_forked_process_leases_its_own_node():
    parent = ids.new_id()
    queue = multiprocessing.get_context("fork").Queue()
    child = multiprocessing.get_context("fork").Process(target=_child_id, args=(queue,))
    child.start()
    child_value = queue.get(timeout=20)
    child.join(timeout=20)
    node = lambda value: (value >> ids.SEQUENCE_BITS) & ids.MAX_NODE  # noqa: E731
    assert node(child_value) != node(parent)


# Ids and cursors from clients --------------------------------------------------------------------------

# Text that str.isdigit() accepts but that is not ASCII decimal: int() refuses some and reads others as
# numbers; and a number longer than int() reads at all.
NOT_ASCII_DECIMAL = [
    "\u00b9",  # superscript one
    "\u00b2\u00b3",  # superscripts two, three
    "\u2460",  # circled one
    "\u0661\u0662\u0663",  # Arabic-Indic one two three
    "\uff11\uff12",  # full-width one two
    "\U0001d7d7",  # mathematical bold nine
]
BAD_IDS = [*NOT_ASCII_DECIMAL, "9" * 5000, "0", "-1", "+1", " 1", "1_0", "9" * 20, str(2**63)]


@pytest.mark.parametrize("value", BAD_IDS)
def test_only_ascii_decimal_ids_parse(value):
    assert ids.parse_id(value) is None


def test_ids_parse_from_decimal_text_and_numbers():
    assert ids.parse_id("1234") == 1234 == ids.parse_id(1234)
    assert ids.parse_id(str(2**63 - 1)) == 2**63 - 1
    assert ids.parse_id(True) is None and ids.parse_id(1.0) is None and ids.parse_id(None) is None
    assert ids.parse_decimal("0", highest=5) == 0 and ids.parse_decimal("6", highest=5) is None


@pytest.fixture
def as_moderator(alice, as_alice):
    """Alice in the moderators group, so that every route reaches its lookup of the id."""
    alice.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return as_alice


def test_a_path_id_that_is_not_one_is_a_404_on_every_route(as_moderator):
    answers = []
    for route in [route for route in api_routes() if route.params]:
        for value in [*NOT_ASCII_DECIMAL, "9" * 5000]:
            for method in route.methods:
                response = getattr(as_moderator, method.lower())(route.path(default=value), {}, format="json")
                answers.append((method, route.template, value[:8], response.status_code))
    assert [answer for answer in answers if answer[0] == "GET" and answer[3] != 404] == []
    # A body is checked before the id on some routes (a 400); no route may fail on the id.
    assert [answer for answer in answers if answer[3] not in (400, 404)] == []


@pytest.mark.django_db
@pytest.mark.parametrize("value", [*NOT_ASCII_DECIMAL, "9" * 5000, "abc", "0"])
def test_a_body_id_that_is_not_one_is_a_400_naming_its_field(as_alice, value):
    generation = {"prompt": "a red ball bounces", "duration_seconds": 2, "aspect_ratio": "square"}
    sent = [
        ("/api/v1/generations/", {**generation, "cameo_ids": [value]}, "cameo_ids"),
        ("/api/v1/generations/", {**generation, "remix_of": value}, "remix_of"),
        ("/api/v1/reports/", {"target_type": "video", "target_id": value, "reason": "spam"}, "target_id"),
        ("/api/v1/reports/", {"target_type": "comment", "target_id": value, "reason": "spam"}, "target_id"),
        ("/api/v1/appeals/", {"action_id": value, "text": "It was not spam."}, "action_id"),
        ("/api/v1/notifications/read/", {"ids": [value]}, "ids"),
    ]
    for path, body, field in sent:
        answer = assert_error(as_alice.post(path, body, format="json"), 400, "invalid")
        assert field in answer["fields"], (path, answer)


@pytest.mark.django_db
@pytest.mark.parametrize("key", [*NOT_ASCII_DECIMAL, "9" * 5000, "0", "-5"])
def test_a_cursor_that_is_not_one_is_a_400(as_moderator, key):
    cursors = {
        "/api/v1/me/blocks/": encode_token(f"k1:{key}"),
        "/api/v1/feed/following/": encode_token(f"k1:{key}"),
        "/api/v1/moderation/audit/": encode_token(f"k1:{key}"),
        "/api/v1/feed/for-you/": encode_token(f"fy1:0123456789abcdef:{key}"),
        "/api/v1/moderation/queue/": encode_token(f"q1:{key}:{key}"),
    }
    for path, cursor in cursors.items():
        body = assert_error(as_moderator.get(path, {"cursor": cursor}), 400, "invalid_cursor")
        assert "cursor" in body["fields"], path


@pytest.mark.django_db
@pytest.mark.parametrize("value", [*NOT_ASCII_DECIMAL, "9" * 5000])
def test_a_query_number_or_id_that_is_not_one_is_a_400(as_moderator, value):
    for path, name in [
        ("/api/v1/me/blocks/", "limit"),
        ("/api/v1/moderation/audit/", "target_id"),
        ("/api/v1/moderation/audit/", "limit"),
    ]:
        body = assert_error(as_moderator.get(path, {name: value}), 400, "invalid")
        assert name in body["fields"], (path, name)
