"""A raw-socket HTTP/1.1 client for ``python -m sora_social.server`` (daphne, as ``make run`` serves it).

It sends a request's head, then its body piece by piece for as long as no answer has come (as curl does),
so that a caller sees how much of a body the server let in before it answered; and it reads the server's
resident memory from ``/proc``. ``tests/core/test_limits.py`` asserts what the server does with a request;
``bench/uploads.py`` prints how long it takes.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIB = 1024 * 1024
REPOSITORY = Path(__file__).resolve().parents[1]
ASGI_APP = "sora_social.asgi:application"


@dataclass
class Server:
    port: int
    pid: int

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS line")


@dataclass
class Reply:
    status: int
    head: bytes
    body: bytes
    sent: int  # body bytes the client got to send before the answer came
    seconds: float

    def json(self) -> dict[str, Any]:
        assert b"content-type: application/json" in self.head.lower(), self.head
        return json.loads(self.body)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serve(environment: Mapping[str, str], timeout: float = 120) -> Iterator[Server]:
    """``python -m sora_social.server`` on a free port with ``environment``, once it takes connections; it
    needs a migrated database at the environment's ``DATABASE_URL``."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "sora_social.server", *("-b", "127.0.0.1", "-p", str(port)), ASGI_APP],
            cwd=REPOSITORY,
            env=dict(environment),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        output = log.read().decode(errors="replace")
                        raise RuntimeError(f"the server did not start:\n{output}") from None
                    time.sleep(0.1)
            yield Server(port, process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)


def exchange(server: Server, head: bytes, body: Iterable[bytes] = ()) -> Reply:
    """Send a request head, then its body for as long as no answer has come, and read the answer."""
    started = time.monotonic()
    sent = 0
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(head)
        connection.setblocking(False)
        for piece in body:
            readable, _, _ = select.select([connection], [connection], [], 30)
            if readable:
                break
            try:
                sent += connection.send(piece)
            except BlockingIOError:
                continue
            except OSError:
                break
        connection.setblocking(True)
        received = b""
        while not complete(received):
            data = connection.recv(65536)
            if not data:
                break
            received += data
    seconds = time.monotonic() - started
    head_bytes, _, answer_body = received.partition(b"\r\n\r\n")
    status = int(head_bytes.split(b" ", 2)[1]) if head_bytes else 0
    return Reply(status, head_bytes, answer_body, sent, seconds)


def complete(received: bytes) -> bool:
    """Whether ``received`` holds an answer's head and as much body as its Content-Length says."""
    head, separator, body = received.partition(b"\r\n\r\n")
    if not separator:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return True


def request_head(method: str, target: str, *headers: str) -> bytes:
    return "\r\n".join([f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", *headers, "", ""]).encode()


def in_chunks(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """A body in ``Transfer-Encoding: chunked`` framing, a chunk a piece, and its last chunk."""
    for piece in pieces:
        yield b"%x\r\n%s\r\n" % (len(piece), piece)
    yield b"0\r\n\r\n"


MULTIPART = "Content-Type: multipart/form-data; boundary=b"
UPLOAD_START = (
    b'--b\r\nContent-Disposition: form-data; name="reference_images"; filename="me.jpg"\r\n'
    b"Content-Type: image/jpeg\r\n\r\n"
)


def upload_pieces(total: int, piece: int = 65536) -> Iterator[bytes]:
    """``total`` bytes: the start of a multipart upload of an image, then the image."""
    yield UPLOAD_START
    whole, rest = divmod(total - len(UPLOAD_START), piece)
    for _ in range(whole):
        yield b"\xff" * piece
    yield b"\xff" * rest


def warm_up(server: Server) -> None:
    """Take the server through both paths once, so that what it allocates for good is counted before."""
    for _ in range(3):
        exchange(server, request_head("GET", "/api/v1/nothing/"))
        exchange(server, request_head("POST", "/api/v1/cameos/", "Content-Length: 999999999"))


@dataclass
class Upload:
    reply: Reply
    rss_before_kib: int
    rss_after_kib: int

    @property
    def rss_growth_kib(self) -> int:
        return self.rss_after_kib - self.rss_before_kib


def upload_image(server: Server, total: int, *, chunked: bool) -> Upload:
    """An anonymous ``POST /api/v1/cameos/`` of a ``total``-byte image, its length declared up front or its
    body chunked, with the server's resident memory just before (after a warm-up) and after."""
    warm_up(server)
    before = server.rss_kib()
    if chunked:
        head = request_head("POST", "/api/v1/cameos/", MULTIPART, "Transfer-Encoding: chunked")
        reply = exchange(server, head, in_chunks(upload_pieces(total)))
    else:
        head = request_head("POST", "/api/v1/cameos/", MULTIPART, f"Content-Length: {total}")
        reply = exchange(server, head, upload_pieces(total))
    return Upload(reply, before, server.rss_kib())
