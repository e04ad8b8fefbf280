"""Generation end to end against Redis and real Celery worker processes: the API queues the job on commit,
a ``gpu`` worker (``tests/generation/workers.py``) claims and runs it, and the test sees what a user sees:
the API's answers, the WebSocket's events, the database and the media folder. Workers are killed with
SIGKILL, the way a machine dies, to check that a job still ends exactly once.

The untrained ``tiny`` engine runs on the CPU. A 2-second square clip is quick; the jobs that a test
interrupts ask for an 8-second landscape clip, about a second of sampling here, so that they can be caught
running. Timeouts only guard against hanging; nothing asserts how long anything took.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from rest_framework.test import APIClient

from cameos.models import Cameo
from cameos.services import cameo_approval_grant, cameo_approval_revoke
from feed.models import Notification, Video
from generation.engine.video import read_video
from generation.models import GenerationJob
from sora_social.asgi import application
from sora_social.celery import app as celery_app
from tests.cameos.conftest import media_files
from tests.generation.workers import Worker, Workers, worker_environment

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

URL = "/api/v1/generations/"
SHORT = {
    "prompt": "a red ball drops onto the floor and bounces twice",
    "duration_seconds": 2,
    "aspect_ratio": "square",
}
LONG = {
    "prompt": "a paper boat drifts down a rainy street",
    "duration_seconds": 8,
    "aspect_ratio": "landscape",
}
FINISHED = {"succeeded", "failed", "cancelled"}
TERMINAL_EVENTS = {"generation.succeeded", "generation.failed"}
# Sampling reports 5 % as it starts; above that, the worker is part way through the clip.
SAMPLING_STARTED = 5
TIMEOUT = 60


@pytest.fixture(autouse=True)
def real_worker_settings(generation_env: Any, settings: Any) -> Iterator[None]:
    """The generation settings both sides use (the workers get these values in their environment), and
    the API's on-commit enqueue sent to Redis instead of run inline."""
    settings.GENERATION_STEPS = 200
    settings.GENERATION_LEASE_SECONDS = 2
    settings.GENERATION_PROGRESS_INTERVAL_SECONDS = 0.05
    settings.GENERATION_MAX_ATTEMPTS = 3
    settings.GENERATION_RETRY_DELAY_SECONDS = 1
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    # The Redis wipe before each test removed the queue's binding, without which a message sent before a
    # worker declares the queue again would be dropped.
    with celery_app.connection_for_write() as connection:
        celery_app.amqp.queues["gpu"].bind(connection.default_channel).declare()
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def workers(tmp_path: Any) -> Iterator[Workers]:
    """Start workers with ``workers.start()``; all are killed at the end, and their logs are printed (pytest
    shows them when the test failed)."""
    pool = Workers(tmp_path)
    yield pool
    pool.kill_all()
    print(pool.logs())


@pytest.fixture
async def close_thread_connections() -> AsyncIterator[None]:
    """An async test reaches the ORM from sync_to_async's thread; its connection must not outlive the test."""
    yield
    await sync_to_async(connections.close_all)()


def request(client: APIClient, body: dict[str, Any], *, key: str | None = None) -> dict[str, Any]:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    response = client.post(URL, body, format="json", **headers)
    assert response.status_code == 202, response.json()
    return response.json()


def job_of(client: APIClient, job_id: str) -> dict[str, Any]:
    response = client.get(f"{URL}{job_id}/")
    assert response.status_code == 200, response.json()
    return response.json()


def wait_for_end(
    workers: Workers, client: APIClient, job_id: str, *, timeout: float = TIMEOUT
) -> dict[str, Any]:
    last: dict[str, Any] = {}

    def ended() -> dict[str, Any] | None:
        nonlocal last
        last = job_of(client, job_id)
        return last if last["status"] in FINISHED else None

    try:
        return workers.wait_until(ended, what=f"job {job_id} to end", timeout=timeout)
    except AssertionError as error:
        raise AssertionError(f"{error} The job was left {last.get('status')}: {last}") from None


def running_on(worker: Worker, job_id: str) -> GenerationJob | None:
    """The job, once ``worker`` claimed it and is sampling (or it ended: the caller then fails on that)."""
    job = GenerationJob.objects.get(pk=job_id)
    if job.status in FINISHED:
        return job
    mine = job.status == "running" and job.worker.startswith(f"{worker.name}@")
    return job if mine and job.progress > SAMPLING_STARTED else None


def wait_until_running(workers: Workers, worker: Worker, job_id: str) -> GenerationJob:
    job = workers.wait_until(
        lambda: running_on(worker, job_id), what=f"{worker.name} to run job {job_id}", timeout=TIMEOUT
    )
    assert job.status == "running", f"the job ended ({job.status}) before the test could interrupt it"
    return job


def tasks_done(worker: Worker) -> int:
    """How many task messages ``worker`` has finished with (whatever the job's fate)."""
    return worker.log().count("] succeeded in ")


def assert_kept_nothing(job: dict[str, Any], author: Any, files_before: set[str]) -> None:
    assert job["video"] is None
    assert not Video.objects.filter(author=author).exists()
    assert media_files() == files_before


# A job through a real worker -------------------------------------------------------------------------------


def test_a_real_worker_makes_the_draft(as_alice, alice, workers):
    files_before = media_files()
    workers.start()
    job_id = request(as_alice, SHORT)["id"]

    job = wait_for_end(workers, as_alice, job_id)
    assert job["status"] == "succeeded", job
    assert job["progress"] == 100 and job["error"] is None and job["attempts"] == 1
    assert job["started_at"] and job["finished_at"]

    video = Video.objects.get(author=alice)
    assert job["video"] == str(video.pk) and video.status == Video.Status.DRAFT
    shown = as_alice.get(f"/api/v1/videos/{video.pk}/").json()
    assert shown["status"] == "draft" and shown["media"]["duration_seconds"] == 2.0
    frames, fps = read_video(video.video_file.read())
    assert frames.shape == (8, 128, 128, 3) and fps == 4
    assert media_files() - files_before == {
        video.video_file.name,
        video.poster_file.name,
        video.raw_file.name,
    }
    assert Notification.objects.filter(recipient=alice, kind="video_ready", video=video).count() == 1


def test_a_worker_answers_the_liveness_ping_the_readme_gives_and_a_dead_one_does_not(workers):
    """README, "Probes": a worker's liveness is ``celery -A sora_social inspect ping -d <name>@<host>``."""
    worker = workers.start()
    name = f"{worker.name}@{socket.gethostname()}"
    command = [sys.executable, "-m", "celery", "-A", "sora_social", "inspect", "ping", "-d", name, "-t", "5"]
    environment = worker_environment()

    def ping() -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60)

    def pong() -> subprocess.CompletedProcess[str] | None:
        done = ping()
        return done if done.returncode == 0 else None

    answered = workers.wait_until(pong, what="the worker to answer its ping", timeout=TIMEOUT)
    assert "pong" in answered.stdout
    worker.kill()
    assert ping().returncode != 0


def test_the_same_idempotency_key_makes_one_video(as_alice, alice, workers):
    first = request(as_alice, SHORT, key="tap-1")
    # Tapped again while the job waits for a worker: the same job, and no second message.
    again = request(as_alice, SHORT, key="tap-1")
    assert again["id"] == first["id"] and again["status"] == "queued"

    workers.start()
    workers.wait_until(
        lambda: job_of(as_alice, first["id"])["status"] == "running", what="the job to run", timeout=TIMEOUT
    )
    while_running = request(as_alice, SHORT, key="tap-1")
    assert while_running["id"] == first["id"]

    job = wait_for_end(workers, as_alice, first["id"])
    assert job["status"] == "succeeded" and job["attempts"] == 1
    assert request(as_alice, SHORT, key="tap-1") == job
    assert GenerationJob.objects.filter(user=alice).count() == 1
    assert Video.objects.filter(author=alice).count() == 1


def test_refused_requests_send_the_worker_nothing(as_alice, alice, bob, make_cameo, workers, settings):
    """Every refusal at the request (a bad field, the prompt policy, a cameo without consent, the quota)
    answers at once in the contract's format and queues nothing: the worker receives exactly the one
    message of the request that was accepted."""
    settings.GENERATION_DAILY_QUOTA = 1
    worker = workers.start()
    refusals = [
        ({**SHORT, "duration_seconds": 3}, 400, "invalid"),
        ({**SHORT, "prompt": "a naked child on a beach"}, 422, "prompt_blocked"),
        ({**SHORT, "cameo_ids": [str(make_cameo(bob, audience="only_me").pk)]}, 403, "cameo_not_permitted"),
    ]
    for body, status, code in refusals:
        response = as_alice.post(URL, body, format="json")
        assert (response.status_code, response.json()["code"]) == (status, code), response.json()
    job = wait_for_end(workers, as_alice, request(as_alice, SHORT)["id"])
    assert job["status"] == "succeeded", job
    over = as_alice.post(URL, SHORT, format="json")
    assert (
        over.status_code == 429 and over.json()["code"] == "quota_exceeded" and int(over["Retry-After"]) > 0
    )

    # A moment for a stray message to arrive, had one been sent.
    time.sleep(1)
    assert worker.log().count("] received") == 1
    assert GenerationJob.objects.filter(user=alice).count() == 1
    assert Video.objects.filter(author=alice).count() == 1


# What the socket shows -------------------------------------------------------------------------------------


async def open_socket(client: APIClient) -> WebsocketCommunicator:
    response = await sync_to_async(client.post)("/api/v1/realtime/ticket/")
    assert response.status_code == 201, response.content
    socket = WebsocketCommunicator(application, f"/ws/events/?ticket={response.json()['ticket']}")
    connected, _ = await socket.connect(timeout=5)
    assert connected
    return socket


async def job_events(socket: WebsocketCommunicator, job_id: str, *, quiet: float = 1.5) -> list[dict]:
    """The job's generation events up to its first terminal one, then any that come in ``quiet`` seconds
    after it (there should be none)."""
    events: list[dict] = []
    deadline = time.monotonic() + TIMEOUT
    while not any(event["type"] in TERMINAL_EVENTS for event in events):
        assert time.monotonic() < deadline, f"no terminal event for job {job_id}: {events}"
        event = await socket.receive_json_from(timeout=TIMEOUT)
        if event["type"].startswith("generation.") and event["data"]["job"]["id"] == job_id:
            events.append(event)
    quiet_until = time.monotonic() + quiet
    # receive_nothing, not a receive that times out: a timed-out receive stops the application.
    while (left := quiet_until - time.monotonic()) > 0 and not await socket.receive_nothing(timeout=left):
        event = await socket.receive_json_from(timeout=5)
        if event["type"].startswith("generation.") and event["data"]["job"]["id"] == job_id:
            events.append(event)
    return events


def assert_one_terminal_event_last(events: list[dict], terminal: str) -> None:
    ids = [tuple(int(part) for part in event["id"].split("-")) for event in events]
    assert ids == sorted(set(ids)), "event ids must increase"
    assert [event["type"] for event in events[:-1]] == ["generation.progress"] * (len(events) - 1), events
    assert events[-1]["type"] == terminal
    progress = [event["data"]["job"]["progress"] for event in events]
    assert progress == sorted(progress), f"progress went back: {progress}"


async def test_progress_arrives_on_the_socket_then_one_terminal_event(
    as_alice, workers, close_thread_connections
):
    socket = await open_socket(as_alice)
    workers.start()
    response = await sync_to_async(as_alice.post)(URL, SHORT, format="json")
    assert response.status_code == 202
    events = await job_events(socket, response.json()["id"])
    await socket.disconnect()

    assert_one_terminal_event_last(events, "generation.succeeded")
    statuses = [event["data"]["job"]["status"] for event in events]
    # Queued once, then running until the end: never back in the queue.
    assert statuses[0] == "queued" and statuses[-1] == "succeeded"
    assert set(statuses[1:-1]) == {"running"}, statuses
    assert any(SAMPLING_STARTED < event["data"]["job"]["progress"] < 100 for event in events)
    done = events[-1]["data"]["job"]
    assert done["progress"] == 100 and done["video"] and done["attempts"] == 1


# Cancelling ------------------------------------------------------------------------------------------------


def test_cancel_while_queued(as_alice, alice, workers):
    files_before = media_files()
    job_id = request(as_alice, SHORT)["id"]
    cancelled = as_alice.post(f"{URL}{job_id}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"

    # The worker comes up, takes the message and finds nothing to do.
    worker = workers.start()
    workers.wait_until(
        lambda: tasks_done(worker) == 1, what="the worker to take the message", timeout=TIMEOUT
    )
    job = job_of(as_alice, job_id)
    assert job["status"] == "cancelled" and job["attempts"] == 0 and job["error"]["code"] == "cancelled"
    assert_kept_nothing(job, alice, files_before)


async def test_cancel_while_running(as_alice, alice, workers, close_thread_connections):
    files_before = await sync_to_async(media_files)()
    socket = await open_socket(as_alice)
    worker = workers.start()
    response = await sync_to_async(as_alice.post)(URL, LONG, format="json")
    job_id = response.json()["id"]
    await sync_to_async(wait_until_running)(workers, worker, job_id)

    cancelled = await sync_to_async(as_alice.post)(f"{URL}{job_id}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    events = await job_events(socket, job_id)
    await socket.disconnect()
    assert_one_terminal_event_last(events, "generation.failed")
    last = events[-1]["data"]["job"]
    assert last["status"] == "cancelled" and last["error"]["code"] == "cancelled" and last["video"] is None

    # The worker notices at its next step and keeps nothing; the job stays cancelled.
    await sync_to_async(workers.wait_until)(
        lambda: tasks_done(worker) == 1, what="the worker to give the job up", timeout=TIMEOUT
    )
    job = await sync_to_async(job_of)(as_alice, job_id)
    assert job["status"] == "cancelled" and job["attempts"] == 1
    await sync_to_async(assert_kept_nothing)(job, alice, files_before)


# Consent ---------------------------------------------------------------------------------------------------


def test_consent_revoked_while_queued(as_alice, alice, bob, make_cameo, workers):
    cameo = make_cameo(bob, audience="approved")
    cameo_approval_grant(cameo=cameo, username="alice", actor=bob)
    files_before = media_files()
    job_id = request(as_alice, {**SHORT, "cameo_ids": [str(cameo.pk)]})["id"]
    cameo_approval_revoke(cameo=Cameo.objects.get(pk=cameo.pk), username="alice", actor=bob)

    workers.start()
    job = wait_for_end(workers, as_alice, job_id)
    assert job["status"] == "failed" and job["error"]["code"] == "consent_revoked", job
    assert_kept_nothing(job, alice, files_before)
    assert Notification.objects.filter(recipient=alice, kind="generation_failed").count() == 1


# Workers that die ------------------------------------------------------------------------------------------


def test_a_job_whose_worker_is_killed_completes_once_on_another(as_alice, alice, workers, settings):
    files_before = media_files()
    first = workers.start()
    job_id = request(as_alice, LONG)["id"]
    wait_until_running(workers, first, job_id)
    first.kill()
    assert job_of(as_alice, job_id)["status"] == "running"  # nobody has noticed yet

    workers.start()
    job = wait_for_end(workers, as_alice, job_id)
    assert job["status"] == "succeeded", job
    assert job["attempts"] == 2 <= settings.GENERATION_MAX_ATTEMPTS
    video = Video.objects.get(author=alice)
    assert job["video"] == str(video.pk)
    assert media_files() - files_before == {
        video.video_file.name,
        video.poster_file.name,
        video.raw_file.name,
    }

    # Nothing runs it a third time: after a couple of leases it is still the same, once.
    time.sleep(2 * settings.GENERATION_LEASE_SECONDS + 1)
    assert job_of(as_alice, job_id) == job
    assert Video.objects.filter(author=alice).count() == 1
    assert Notification.objects.filter(recipient=alice, kind="video_ready").count() == 1


def test_a_worker_killed_while_holding_a_retry_does_not_strand_the_job(as_alice, alice, workers, settings):
    """A requeued job's message waits out its retry delay inside the worker that received it. If that
    worker dies then, the job is queued with no message anywhere a live worker can reach (Redis hands an
    unacknowledged message back only after its visibility timeout, hours): it must still end."""
    settings.GENERATION_RETRY_DELAY_SECONDS = 5
    settings.GENERATION_QUEUED_RESEND_SECONDS = 3
    first = workers.start()
    job_id = request(as_alice, LONG)["id"]
    wait_until_running(workers, first, job_id)
    first.kill()

    second = workers.start()
    workers.wait_until(
        lambda: job_of(as_alice, job_id)["status"] == "queued" and "] received" in second.log(),
        what="the recovered job's message to reach the second worker",
        timeout=TIMEOUT,
    )
    second.kill()

    workers.start()
    job = wait_for_end(workers, as_alice, job_id, timeout=30)
    assert job["status"] == "succeeded" and job["attempts"] == 2, job
    assert Video.objects.filter(author=alice).count() == 1


def assert_failed_for_good(workers: Workers, client: APIClient, job_id: str, settings: Any) -> dict[str, Any]:
    job = wait_for_end(workers, client, job_id)
    assert job["status"] == "failed" and job["error"]["code"] == "attempts_exhausted", job
    assert job["attempts"] == settings.GENERATION_MAX_ATTEMPTS
    # Not picked up again: a couple of leases later, with a worker still up, nothing has changed.
    time.sleep(2 * settings.GENERATION_LEASE_SECONDS + 1)
    workers.check()
    assert job_of(client, job_id) == job
    return job


def test_a_job_that_cannot_load_the_engine_fails_after_its_attempts(as_alice, alice, workers, settings):
    files_before = media_files()
    workers.start(GENERATION_CHECKPOINT="/nonexistent/checkpoint.safetensors")
    job_id = request(as_alice, SHORT)["id"]
    job = assert_failed_for_good(workers, as_alice, job_id, settings)
    assert_kept_nothing(job, alice, files_before)


def test_a_job_that_kills_every_worker_fails_after_its_attempts(as_alice, alice, workers, settings):
    files_before = media_files()
    job_id = request(as_alice, LONG)["id"]
    kills = 0
    worker = workers.start()
    while True:
        job = workers.wait_until(
            lambda worker=worker: running_on(worker, job_id),
            what=f"{worker.name} to run the job",
            timeout=TIMEOUT,
        )
        if job.status in FINISHED:
            break
        worker.kill()
        kills += 1
        assert kills <= settings.GENERATION_MAX_ATTEMPTS, "the job was run after its attempts were spent"
        worker = workers.start()
    assert kills == settings.GENERATION_MAX_ATTEMPTS
    job = assert_failed_for_good(workers, as_alice, job_id, settings)
    assert_kept_nothing(job, alice, files_before)


def test_a_fresh_worker_is_not_taken_for_lost_while_it_loads(as_alice, workers, settings):
    """A worker loads its models once, on its first job; a lease shorter than that loading must not make
    the job look abandoned while the worker is busy with it."""
    settings.GENERATION_LEASE_SECONDS = 1
    workers.start()
    job_id = request(as_alice, SHORT)["id"]
    job = wait_for_end(workers, as_alice, job_id)
    assert job["status"] == "succeeded" and job["attempts"] == 1, job
