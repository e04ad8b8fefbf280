import multiprocessing
from datetime import UTC, datetime, timedelta

from sora_social.core import ids


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
