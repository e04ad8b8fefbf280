"""The HTTP server: daphne, with the HTTP/1.1 handling this service needs.

Run as ``python -m sora_social.server`` with daphne's own arguments (``make run`` starts
``python -m sora_social.server -b 127.0.0.1 -p 8000 sora_social.asgi:application``). Daphne's HTTP/1.1 is
Twisted's, adjusted here in three ways:

- **Bodies are bounded before they are read.** Twisted reads a whole body (into a temporary file) before
  daphne calls the application, and daphne then queues all of it in memory at once, so the limits that
  ``sora_social.core.limits`` applies in front of Django are applied here as well, from the same settings:
  a declared ``Content-Length`` over the route's limit is answered 413 as soon as the headers are in (no
  ``100 Continue``), and a chunked body is cut off with a 413 as soon as it passes the limit.
- **Bodies are Django's to parse.** Twisted parses every ``multipart/form-data`` POST itself, whole and in
  memory, into ``request.args`` (which daphne never reads), and answers a body its parser refuses with a
  bare 400 that never reaches the application. Requests here turn that off (``parsePOSTFormSubmission``).
- **Every answer is the contract's JSON.** A request line longer than ``MAX_LENGTH`` (16 KiB) is a 414
  instead of a dropped connection; what Twisted or daphne refuse to read (headers over 16 KiB in all, a
  malformed header or chunk, a path that is not ASCII) is a JSON 400 instead of a bare or HTML one.

A refused request's connection is closed after the answer; what the client still sends is read and dropped
for up to ``LINGER_SECONDS``, so that a client that writes its whole body before reading (most do) gets
the answer instead of a reset connection.

HTTP/2 is for the proxy in front: this server speaks HTTP/1.1 only (daphne offers HTTP/2 only over TLS).
"""

from __future__ import annotations

# daphne.server installs the asyncio Twisted reactor, which must happen before anything imports another.
import daphne.server  # isort: skip

from http import HTTPStatus
from typing import Any, cast

import daphne.cli
import daphne.http_protocol
from twisted.internet.base import DelayedCall
from twisted.internet.protocol import connectionDone
from twisted.python.failure import Failure
from twisted.web import http

from sora_social.core import limits

LINGER_SECONDS = 5.0

_DAPHNE_ERROR_CODES = {400: "malformed_request", 500: "server_error", 503: "unavailable"}


def _response(status: int, code: str, detail: str) -> bytes:
    body = limits.error_json(code, detail)
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class Channel(http.HTTPChannel):
    """One HTTP/1.1 connection."""

    _refused = False
    _linger: DelayedCall | None = None

    def refuse(self, status: int, code: str, detail: str) -> None:
        """Answer ``status`` with the contract's error and end the connection; the request being read
        goes no further."""
        if self._refused:
            return
        self._refused = True
        self.setTimeout(None)
        transport: Any = self.transport  # TCP or TLS; twisted types it as a zope interface
        transport.write(_response(status, code, detail))
        transport.loseWriteConnection()
        self._linger = cast(DelayedCall, self.callLater(LINGER_SECONDS, transport.abortConnection))

    def dataReceived(self, data: bytes) -> None:
        if not self._refused:
            super().dataReceived(data)

    def lineReceived(self, line: bytes) -> None:
        if not self._refused:
            super().lineReceived(line)

    def rawDataReceived(self, data: bytes) -> None:
        if not self._refused:
            super().rawDataReceived(data)

    def allHeadersReceived(self) -> None:
        limit = limits.raw_path_limit(cast(bytes, self._path))
        if self.length is not None and self.length > limit:
            self.refuse(*limits.too_large(limit))
            return
        cast(Request, self.requests[-1]).body_limit = limit
        super().allHeadersReceived()

    def allContentReceived(self) -> None:
        # The chunked decoder finishes the data it was given even after a chunk of it made the body too long.
        if not self._refused:
            super().allContentReceived()

    def lineLengthExceeded(self, line: bytes) -> None:
        if self._receivedHeaderSize == 0:  # nothing of this request read yet: it is the request line
            self.refuse(414, "uri_too_long", f"The address is too long: at most {self.MAX_LENGTH} bytes.")
        else:
            self.refuse(400, "malformed_request", f"A header line is longer than {self.MAX_LENGTH} bytes.")

    def _respondToBadRequestAndDisconnect(self) -> None:
        # Twisted's one way out for a request it cannot read; it writes a bare "400 Bad Request".
        if self._receivedHeaderSize > self.totalHeadersSize:
            detail = f"The request line and headers are longer than {self.totalHeadersSize} bytes in all."
        else:
            detail = "The request could not be read as HTTP/1.1."
        self.refuse(400, "malformed_request", detail)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        if self._linger is not None and self._linger.active():
            self._linger.cancel()
        super().connectionLost(reason)


class Request(daphne.http_protocol.WebRequest):
    """daphne's request, counting its body against the route's limit as it arrives and leaving its parsing to
    Django."""

    body_limit: int | None = None
    body_received = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, parsePOSTFormSubmission=False, **kwargs)

    def handleContentChunk(self, data: bytes) -> None:
        self.body_received += len(data)
        if self.body_limit is not None and self.body_received > self.body_limit:
            cast(Channel, self.channel).refuse(*limits.too_large(self.body_limit))
            return
        super().handleContentChunk(data)

    def basic_error(self, status: int, status_text: bytes, body: str) -> None:
        """daphne's own error answers (a header or path it refuses, an application that fails or times
        out), in the contract's shape instead of an HTML page."""
        content = limits.error_json(_DAPHNE_ERROR_CODES.get(status, "error"), body.rstrip(".") + ".")
        headers = [(b"Content-Type", b"application/json"), (b"Content-Length", str(len(content)).encode())]
        self.handle_reply({"type": "http.response.start", "status": status, "headers": headers})
        self.handle_reply({"type": "http.response.body", "body": content})


class HTTPFactory(daphne.http_protocol.HTTPFactory):
    protocol = Channel

    def buildProtocol(self, addr: Any) -> Channel:
        channel = cast(Channel, http.HTTPFactory.buildProtocol(self, addr))
        channel.requestFactory = Request
        return channel

    def acceptableProtocols(self) -> list[bytes]:
        return [b"http/1.1"]


class Server(daphne.server.Server):
    """daphne's server, listening with ``HTTPFactory``."""

    _http_factory: HTTPFactory

    # daphne's run() builds its factory from a fixed class and assigns it here just before it listens.
    @property
    def http_factory(self) -> HTTPFactory:
        return self._http_factory

    @http_factory.setter
    def http_factory(self, daphne_factory: daphne.http_protocol.HTTPFactory) -> None:
        self._http_factory = HTTPFactory(self)


class CommandLineInterface(daphne.cli.CommandLineInterface):
    server_class = Server


if __name__ == "__main__":
    CommandLineInterface.entrypoint()
