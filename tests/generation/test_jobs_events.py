"""What a client sees of a generation on its WebSocket (task run inline after commit), and the provenance
endpoint of the video it makes."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections

from generation.models import GenerationJob
from sora_social.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("generation_env")]

TERMINAL = {"generation.succeeded", "generation.failed"}


@pytest.fixture(autouse=True)
async def _close_worker_thread_connections():
    yield
    await sync_to_async(connections.close_all)()


async def open_socket(client) -> WebsocketCommunicator:
    ticket = (await sync_to_async(client.post)("/api/v1/realtime/ticket/")).json()["ticket"]
    socket = WebsocketCommunicator(application, f"/ws/events/?ticket={ticket}")
    connected, _ = await socket.connect(timeout=5)
    assert connected
    return socket


async def job_events(socket: WebsocketCommunicator, job_id: str) -> list[dict]:
    """Every generation event of ``job_id`` up to a terminal one; then nothing more of it arrives."""
    events: list[dict] = []
    while not events or events[-1]["type"] not in TERMINAL:
        event = await socket.receive_json_from(timeout=10)
        if event["type"].startswith("generation.") and event["data"]["job"]["id"] == job_id:
            events.append(event)
    while not await socket.receive_nothing(timeout=0.3):
        later = await socket.receive_json_from()
        assert not later["type"].startswith("generation."), later
    return events


def assert_in_order(events: list[dict], terminal: str) -> None:
    ids = [tuple(int(part) for part in event["id"].split("-")) for event in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert [event["type"] for event in events[:-1]] == ["generation.progress"] * (len(events) - 1)
    assert events[-1]["type"] == terminal
    progress = [event["data"]["job"]["progress"] for event in events]
    assert progress == sorted(progress)


async def test_progress_events_arrive_in_order_and_end_in_one_terminal_event(alice, as_alice, settings):
    settings.GENERATION_STEPS = 5
    socket = await open_socket(as_alice)
    body = {"prompt": "a blue box slides left", "duration_seconds": 2, "aspect_ratio": "landscape"}
    response = await sync_to_async(as_alice.post)("/api/v1/generations/", body, format="json")
    assert response.status_code == 202
    events = await job_events(socket, response.json()["id"])
    assert_in_order(events, "generation.succeeded")
    statuses = [event["data"]["job"]["status"] for event in events]
    assert statuses[0] == "queued" and "running" in statuses and statuses[-1] == "succeeded"
    # Every sampling step was reported (no throttling in tests), then the render, then the end.
    assert len([s for s in statuses if s == "running"]) >= 5
    done = events[-1]["data"]["job"]
    assert done["progress"] == 100 and done["video"]
    await socket.disconnect()


async def test_a_cancelled_job_ends_with_one_failed_event(alice, as_alice, monkeypatch, settings):
    from generation import rendering

    settings.GENERATION_STEPS = 6
    real = await sync_to_async(rendering.engine)()

    class CancellingEngine:
        def generate(self, request, *, callback):
            def step(progress):
                if progress.step == 3:
                    job = GenerationJob.objects.get(user=alice)
                    assert as_alice.post(f"/api/v1/generations/{job.pk}/cancel/").status_code == 200
                return callback(progress)

            return real.generate(request, callback=step)

    monkeypatch.setattr(rendering, "engine", CancellingEngine)
    socket = await open_socket(as_alice)
    body = {"prompt": "a green ball rolls", "duration_seconds": 2, "aspect_ratio": "square"}
    response = await sync_to_async(as_alice.post)("/api/v1/generations/", body, format="json")
    events = await job_events(socket, response.json()["id"])
    assert_in_order(events, "generation.failed")
    last = events[-1]["data"]["job"]
    assert last["status"] == "cancelled" and last["error"]["code"] == "cancelled" and last["video"] is None
    await socket.disconnect()


def make_video(client, **overrides) -> str:
    body = {"prompt": "a red ball bounces", "duration_seconds": 2, "aspect_ratio": "square", **overrides}
    job = client.post("/api/v1/generations/", body, format="json").json()
    return client.get(f"/api/v1/generations/{job['id']}/").json()["video"]


@sync_to_async
def provenance_checks(as_alice, as_bob) -> None:
    from feed.models import Video

    video_id = make_video(as_alice)
    response = as_alice.get(f"/api/v1/videos/{video_id}/provenance/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["video"] == video_id and body["valid"] and body["trusted"] and body["ai_generated"]
    assert body["creator"] == "alice" and body["model"] == "tiny" and body["problems"] == []
    assert body["generator"] and "sora_social" in body["generator"]

    # A draft is not bob's to see, nor its provenance.
    assert as_bob.get(f"/api/v1/videos/{video_id}/provenance/").status_code == 404
    assert as_alice.post(f"/api/v1/videos/{video_id}/publish/", {}, format="json").status_code == 200
    assert as_bob.get(f"/api/v1/videos/{video_id}/provenance/").json()["valid"]

    # Someone swaps frames in the stored file: the manifest no longer matches the content.
    video = Video.objects.get(pk=video_id)
    data = bytearray(video.video_file.read())
    start = data.index(b"mdat") + 64
    data[start : start + 32] = bytes(32)
    with video.video_file.storage.open(video.video_file.name, "wb") as handle:
        handle.write(bytes(data))
    tampered = as_bob.get(f"/api/v1/videos/{video_id}/provenance/").json()
    assert not tampered["valid"] and tampered["problems"]

    assert as_alice.delete(f"/api/v1/videos/{video_id}/").status_code == 204
    assert as_alice.get(f"/api/v1/videos/{video_id}/provenance/").status_code == 404
    assert as_alice.get("/api/v1/videos/123/provenance/").status_code == 404


async def test_provenance_verifies_and_notices_tampering(as_alice, as_bob):
    await provenance_checks(as_alice, as_bob)
