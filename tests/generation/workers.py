"""Real Celery workers for the tests that run generation end to end.

Each worker is ``python -m celery -A sora_social worker -Q gpu -c 1`` (or other queues) started as its own
process group, so that a test can SIGKILL the whole of it (the main process and its pool child) the way a
machine dies. It shares the test database, Redis and the media folder with the test process through its
environment, and the generation settings too: they are read from the test process's settings, so both sides
agree.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from django.conf import settings
from django.db import connection

T = TypeVar("T")

REPOSITORY = Path(__file__).resolve().parents[2]
# Generation settings that the workers get from the test process, so that the two sides agree.
SHARED_SETTINGS = (
    "GENERATION_ENGINE_CONFIG",
    "GENERATION_CHECKPOINT",
    "GENERATION_DEVICE",
    "GENERATION_STEPS",
    "GENERATION_MAX_ATTEMPTS",
    "GENERATION_LEASE_SECONDS",
    "GENERATION_PROGRESS_INTERVAL_SECONDS",
    "GENERATION_RETRY_DELAY_SECONDS",
    "GENERATION_QUEUED_RESEND_SECONDS",
    "GENERATION_DAILY_QUOTA",
    "PROVENANCE_CHAIN_FILE",
    "PROVENANCE_KEY_FILE",
    "PROVENANCE_TRUST_ANCHORS_FILE",
    "MEDIA_ROOT",
    "REDIS_URL",
)


def database_url() -> str:
    """The URL of the database the test process uses now (the test database, once pytest-django made it)."""
    database = connection.settings_dict
    if database["ENGINE"] == "django.db.backends.sqlite3":
        name = str(database["NAME"])
        if name == ":memory:" or name.startswith("file:"):
            raise RuntimeError("The SQLite test database is in memory; a worker process cannot open it.")
        return f"sqlite:///{name}"
    user = quote(database.get("USER") or "", safe="")
    password = quote(str(database.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = database.get("HOST") or "127.0.0.1"
    port = f":{database['PORT']}" if database.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(str(database['NAME']), safe='')}"


def worker_environment(**overrides: object) -> dict[str, str]:
    environment = dict(os.environ)
    for name in SHARED_SETTINGS:
        value = getattr(settings, name, None)
        environment[name] = "" if value is None else str(value)
    environment.update(
        DJANGO_SETTINGS_MODULE="sora_social.settings",
        DATABASE_URL=database_url(),
        CELERY_TASK_ALWAYS_EAGER="0",
        DEBUG="1",
        SECRET_KEY=settings.SECRET_KEY,
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        # One thread for torch: the test process and the worker share two cores.
        OMP_NUM_THREADS="1",
    )
    environment.update({name: str(value) for name, value in overrides.items()})
    return environment


def spawn(arguments: list[str], log_path: Path, environment: dict[str, str]) -> subprocess.Popen[bytes]:
    """``python <arguments>`` in the repository as its own process group (so that it can be killed whole),
    its output in ``log_path``."""
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            [sys.executable, *arguments],
            cwd=REPOSITORY,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


class Worker:
    def __init__(self, name: str, log_path: Path, environment: dict[str, str], queues: str = "gpu") -> None:
        self.name = name
        self.log_path = log_path
        self.killed = False
        celery = ("-m", "celery", "-A", "sora_social", "worker", "-Q", queues, "-c", "1")
        options = ("--prefetch-multiplier", "1", "-n", f"{name}@%h", "--without-mingle", "--without-gossip")
        self.process = spawn([*celery, *options, "--loglevel", "INFO"], log_path, environment)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def exited(self) -> bool:
        return self.process.poll() is not None

    def kill(self) -> None:
        """SIGKILL the whole process group: the worker and its pool child die at once, mid-job."""
        self.killed = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


class Workers:
    """The workers one test started; all of them are killed at its end."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.started: list[Worker] = []

    def start(self, *, queues: str = "gpu", **environment: object) -> Worker:
        name = f"worker{len(self.started) + 1}"
        worker = Worker(name, self.directory / f"{name}.log", worker_environment(**environment), queues)
        self.started.append(worker)
        return worker

    def kill_all(self) -> None:
        for worker in self.started:
            if not worker.exited():
                worker.kill()

    def logs(self) -> str:
        return "\n".join(f"----- {worker.name} -----\n{worker.log()}" for worker in self.started)

    def check(self) -> None:
        """Fail at once, with its log, when a worker that no test killed has exited."""
        for worker in self.started:
            if not worker.killed and worker.exited():
                raise AssertionError(
                    f"{worker.name} exited with {worker.process.returncode}:\n{worker.log()}"
                )

    def wait_until(self, check: Callable[[], T | None], *, what: str, timeout: float = 60) -> T:
        """Poll ``check`` until it returns something true; a timeout is a failure guard, not a measure."""
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            self.check()
            if time.monotonic() > deadline:
                raise AssertionError(f"Timed out after {timeout} s waiting for {what}.")
            time.sleep(0.05)


class Server:
    """The ASGI server that ``make run`` starts (``python -m sora_social.server``, WebSockets included) as its
    own process group on a free port, sharing the test process's database, Redis and media folder through
    ``worker_environment``; ``stop()`` ends it (SIGTERM, then SIGKILL after 15 s)."""

    ASGI_APP = "sora_social.asgi:application"

    def __init__(self, log_path: Path, **environment: object) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        server = ("-m", "sora_social.server", "-b", "127.0.0.1", "-p", str(self.port), self.ASGI_APP)
        self.process = spawn(list(server), log_path, worker_environment(**environment))

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def exited(self) -> bool:
        return self.process.poll() is not None

    def listening(self) -> bool:
        """Whether it answers on its port; an exited server is a failure, with its log."""
        if self.exited():
            raise AssertionError(f"the server exited with {self.process.returncode}:\n{self.log()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
            return True
        return False

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=15)


def session_key_for(user: Any) -> str:
    """A session signed in as ``user``, as the sign-in page makes one; its key is the cookie's value."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    assert session.session_key is not None
    return session.session_key
