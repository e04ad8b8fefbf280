"""``make run``: the whole stack on one machine, stopped together by Ctrl-C.

Run as ``python -m sora_social.stack``. It turns ``DEBUG`` on for its children unless the environment says
otherwise, starts an embedded Redis server when ``REDIS_URL`` is not set, migrates, makes a development C2PA
signing identity (once), seeds the demo world, then runs the ASGI server (daphne, through
``sora_social.server``, on ``PORT``, default 8000) and two Celery workers: one for the ``default`` and
``fanout`` queues (with the beat scheduler) and one for ``gpu``, which generates videos with the engine on
the CPU (or a GPU when there is one).

Ctrl-C, SIGTERM or SIGHUP stops everything: the children get SIGTERM, stragglers are killed after a
grace period, Redis goes last, and the exit status is 0. If a child exits on its own, the rest are stopped
the same way and the exit status is 1. Each child started here runs in its own process group, so a
Ctrl-C in the terminal reaches this process rather than the children, which it then stops in order, and a
worker's pool processes are killed together with it if it has to be killed.
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
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from sora_social import embedded_redis

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = ROOT / ".run"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE_SECONDS = 15.0
POLL_SECONDS = 0.2


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]


def log(message: str) -> None:
    print(f"[stack] {message}", file=sys.stderr, flush=True)


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=POLL_SECONDS):
            return True
    except OSError:
        return False


class Stack:
    def __init__(self) -> None:
        self.children: list[Child] = []
        self.redis: Child | None = None
        self.stop_signal: int | None = None

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stop_signal = signum

    def spawn(self, name: str, *args: str) -> Child:
        process = subprocess.Popen([sys.executable, *args], cwd=ROOT, process_group=0)
        child = Child(name, process)
        self.children.append(child)
        return child

    def watch(self, until: Callable[[], bool] = lambda: False) -> Child | None:
        """Wait for a process to exit (returned) or for a stop signal or ``until()`` (None)."""
        while self.stop_signal is None and not until():
            for child in [*self.children, *([self.redis] if self.redis else [])]:
                if child.process.poll() is not None:
                    return child
            time.sleep(POLL_SECONDS)
        return None

    def run(self) -> int:
        os.environ.setdefault("DEBUG", "1")
        os.environ.setdefault("PYTHONUNBUFFERED", "1")
        if not os.environ.get("REDIS_URL"):
            process, url = embedded_redis.start(RUN_DIR / "redis")
            self.redis = Child("redis-server", process)
            os.environ["REDIS_URL"] = url
            log(f"embedded Redis at {url}")

        steps = (
            ("migrate", "--noinput"),
            ("provenance_dev_identity",),
            ("seed_demo",),
            ("seed_demo_videos",),
            ("seed_demo_cameos",),
            ("seed_demo_reports",),
        )
        for step in steps:
            child = self.spawn(f"manage.py {step[0]}", "manage.py", *step)
            exited = self.watch()
            if exited is None:
                return 0
            if exited is not child or child.process.returncode != 0:
                return self.died(exited)
            self.children.remove(child)

        port = int(os.environ.get("PORT", "8000"))
        asgi_app = "sora_social.asgi:application"
        server = ("-m", "sora_social.server", "-b", "127.0.0.1", "-p", str(port), asgi_app)
        worker = ("-m", "celery", "-A", "sora_social", "worker", "--loglevel", "INFO")
        self.spawn("daphne", *server)
        # The default worker also runs the beat scheduler (``CELERY_BEAT_SCHEDULE``: moderation's sweep).
        RUN_DIR.mkdir(exist_ok=True)
        beat = ("--beat", "--schedule", str(RUN_DIR / "celerybeat-schedule"))
        self.spawn(
            "celery worker default", *worker, *beat, "-Q", "default,fanout", "-c", "2", "-n", "default@%h"
        )
        self.spawn(
            "celery worker gpu", *worker, "-Q", "gpu", "-c", "1", "--prefetch-multiplier", "1", "-n", "gpu@%h"
        )

        exited = self.watch(until=lambda: port_open(port))
        if exited is None and self.stop_signal is None:
            print(
                f"\n  sora_social is up\n"
                f"  API docs   http://127.0.0.1:{port}/api/docs/\n"
                f"  WebSocket  ws://127.0.0.1:{port}/ws/events/?ticket=<from POST /api/v1/realtime/ticket/>\n"
                f"  Admin      http://127.0.0.1:{port}/admin/\n"
                f"  Ctrl-C stops everything.\n",
                flush=True,
            )
            exited = self.watch()
        return 0 if exited is None else self.died(exited)

    def died(self, child: Child) -> int:
        log(f"{child.name} exited with status {child.process.returncode}; stopping everything.")
        return 1

    def stop(self) -> None:
        """SIGTERM to every child, SIGKILL to what is left after the grace period, then Redis."""
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup short
        running = [child for child in self.children if child.process.poll() is None]
        if running:
            log(f"stopping {', '.join(child.name for child in running)} ...")
        for child in running:
            child.process.terminate()
        deadline = time.monotonic() + GRACE_SECONDS
        for child in running:
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log(f"{child.name} did not stop within {GRACE_SECONDS:.0f} s; killing it.")
        for child in self.children:
            # The whole process group, so that no pool process of a killed worker survives it.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.process.pid, signal.SIGKILL)
            child.process.wait()
        if self.redis is not None:
            self.redis.process.terminate()
            try:
                self.redis.process.wait(timeout=GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                self.redis.process.kill()
                self.redis.process.wait()
        log("stopped.")


def main() -> int:
    stack = Stack()
    for sig in STOP_SIGNALS:
        signal.signal(sig, stack.request_stop)
    try:
        return stack.run()
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
