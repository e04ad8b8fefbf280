"""Who may fetch a media file, and how it is sent.

Local media (the embedded default) is never served as an open folder. A media URL is minted when an object is
serialized, which happens only for a reader who may see it, and names the file, the object it belongs to,
the reader it was minted for and when it ends, signed with ``SECRET_KEY`` (``django.core.signing``, so that
``SECRET_KEY_FALLBACKS`` carry links across a key rotation)::

    /media/videos/12/ab12.mp4?object=video:123&viewer=45&expires=1767225600&signature=...

On every request the media view (``serve``) checks the signature and the expiry, then asks the app that owns
the object whether that reader may still see that file of it, through the app's own visibility rules. So a
takedown, a removal, a withdrawn cameo, a block or an unfollow ends the links already handed out at once, and
the expiry (``MEDIA_URL_EXPIRE_SECONDS``) bounds how long a link that leaked works for anyone else. A link
pushed to many readers at once (an event) names no reader; its object is then checked as its whole audience
would see it (for a video: published and still up), and a block between one of them and the author reaches
it when it expires.

On S3 the storage signs its own URLs (``S3_URL_EXPIRE_SECONDS``, by default the same lifetime): a takedown
reaches them when they expire, or at once where the files are purged.

Verification recordings and the raw clips that remixes start from are read by the workers through the
storage and never get a link of any kind (``NEVER_SERVED``).
"""

from __future__ import annotations

import json
import mimetypes
import posixpath
import re
import time
from collections.abc import AsyncIterator, Iterator
from typing import IO, Any, Protocol
from urllib.parse import quote, urlencode

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import http_date
from django.views.static import was_modified_since

from sora_social.core.api import absolute_url
from sora_social.core.errors import json_error, method_not_allowed

# Storage folders whose files are only ever read by the system itself.
NEVER_SERVED = ("raw/", "cameo_recordings/")
SENDFILE_HEADERS = ("X-Accel-Redirect", "X-Sendfile")
BLOCK_SIZE = 64 * 1024

_SALT = "sora_social.core.media_access"
_OBJECT = re.compile(r"([a-z_]+):([0-9]{1,19})")
_NUMBER = re.compile(r"[0-9]{1,19}")
_RANGE = re.compile(r"bytes=([0-9]{0,19})-([0-9]{0,19})")


class MediaCheck(Protocol):
    """Whether the file ``name`` of object ``object_id`` may be sent to ``viewer`` now (``None``: the
    object's whole audience, for a link that names no reader)."""

    def __call__(self, *, object_id: int, name: str, viewer: Any) -> bool: ...


_checks: dict[str, MediaCheck] = {}


def register_media_kind(kind: str, check: MediaCheck) -> None:
    """An app that owns files declares, once it is ready, how to check a link to them."""
    _checks[kind] = check


def media_url(name: str, *, kind: str, object_id: int, request: Any = None) -> str:
    """An absolute link to the stored file ``name`` of an object of ``kind``, for the reader of ``request``
    (none: the object's whole audience). Call it only for an object that reader may see."""
    if name.startswith(NEVER_SERVED) or kind not in _checks:
        raise ValueError(f"no link may be made to {name!r} as a {kind!r} file")
    if not isinstance(default_storage, FileSystemStorage):
        return absolute_url(default_storage.url(name), request)
    user = getattr(request, "user", None)
    viewer = user.pk if user is not None and user.is_authenticated else None
    lifetime = settings.MEDIA_URL_EXPIRE_SECONDS
    # Links minted within the same tenth of the lifetime are the same link, so that browsers and players
    # reuse what they fetched; each still ends at most a lifetime after it was minted.
    step = max(1, lifetime // 10)
    expires = (int(time.time()) + lifetime) // step * step
    query = {
        "object": f"{kind}:{object_id}",
        **({"viewer": str(viewer)} if viewer is not None else {}),
        "expires": str(expires),
        "signature": _signer().signature(_signed_value(name, kind, object_id, viewer, expires)),
    }
    return absolute_url(f"{settings.MEDIA_URL}{quote(name)}?{urlencode(query)}", request)


def _signer() -> signing.Signer:
    return signing.Signer(salt=_SALT)


def _signed_value(name: str, kind: str, object_id: int, viewer: int | None, expires: int) -> str:
    return json.dumps([name, kind, object_id, viewer, expires], separators=(",", ":"))


def _not_found() -> HttpResponse:
    return json_error(404, "media_not_found", "There is no such media file, or this link is not for it.")


def serve(request: HttpRequest, name: str) -> HttpResponseBase:
    """``GET /media/<name>?object=&viewer=&expires=&signature=``: the file, if the link is ours, has not
    expired, and its reader may still see its object."""
    if request.method not in ("GET", "HEAD"):
        return method_not_allowed(request)
    if not isinstance(default_storage, FileSystemStorage) or not servable_name(name):
        return _not_found()
    query = request.GET
    found = _OBJECT.fullmatch(query.get("object", ""))
    viewer_id, expires = query.get("viewer"), query.get("expires", "")
    if (
        found is None
        or (viewer_id is not None and not _NUMBER.fullmatch(viewer_id))
        or not _NUMBER.fullmatch(expires)
    ):
        return _not_found()
    kind, object_id = found[1], int(found[2])
    viewer_pk = int(viewer_id) if viewer_id is not None else None
    value = _signed_value(name, kind, object_id, viewer_pk, int(expires))
    try:
        _signer().unsign(f"{value}:{query.get('signature', '')}")
    except signing.BadSignature:
        return _not_found()
    now = int(time.time())
    # A link that outlives the lifetime now set was minted before it was shortened: it ends as well.
    if not now < int(expires) <= now + settings.MEDIA_URL_EXPIRE_SECONDS:
        return json_error(
            403, "media_link_expired", "This media link has expired: fetch its object again for a fresh one."
        )
    viewer = None
    if viewer_pk is not None:
        viewer = get_user_model().objects.filter(pk=viewer_pk, is_active=True).first()
        if viewer is None:
            return _not_found()
    check = _checks.get(kind)
    if check is None or not check(object_id=object_id, name=name, viewer=viewer):
        return _not_found()
    return send_file(request, name, cache_control=f"private, max-age={int(expires) - now}")


def servable_name(name: str) -> bool:
    """A plain relative storage name outside the folders that are never served: no ``..``, no ``.``, no
    empty or absolute parts, no backslashes or control characters."""
    return (
        posixpath.normpath(name) == name
        and not name.startswith("/")
        and ".." not in name.split("/")
        and "\\" not in name
        and name.isprintable()
        and not name.startswith(NEVER_SERVED)
    )


def send_file(request: HttpRequest, name: str, *, cache_control: str) -> HttpResponseBase:
    """The stored file ``name`` by the server's efficient path: a front proxy's internal redirect when
    ``MEDIA_SENDFILE_HEADER`` is set (local media), else streamed in blocks (asynchronously under ASGI, so
    that no file is held in memory), one byte range at a time when asked (video players seek with them)."""
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    try:
        if not default_storage.exists(name):
            return _not_found()
        size = default_storage.size(name)
        modified = default_storage.get_modified_time(name).timestamp()
    except (SuspiciousFileOperation, OSError):
        return _not_found()
    response: HttpResponseBase
    header = settings.MEDIA_SENDFILE_HEADER
    if header and isinstance(default_storage, FileSystemStorage):
        response = HttpResponse(content_type=content_type)
        response[header] = (
            f"{settings.MEDIA_ACCEL_REDIRECT_LOCATION}{quote(name)}"
            if header == "X-Accel-Redirect"
            else default_storage.path(name)
        )
        response["Cache-Control"] = cache_control
        return response

    byte_range = _byte_range(request.headers.get("Range", ""), size)
    if byte_range is None:
        response = json_error(416, "range_not_satisfiable", f"The file has {size} bytes.")
        response["Content-Range"] = f"bytes */{size}"
        return response
    if not request.headers.get("Range") and not was_modified_since(
        request.headers.get("If-Modified-Since"), int(modified)
    ):
        return HttpResponseNotModified()
    start, length = byte_range
    if request.method == "HEAD":
        response = HttpResponse(content_type=content_type)
    else:
        try:
            file = default_storage.open(name, "rb")
        except OSError:  # gone since it was looked at (purged), or not a file
            return _not_found()
        file.seek(start)
        blocks = _AsyncBlocks(file, length) if isinstance(request, ASGIRequest) else _SyncBlocks(file, length)
        response = StreamingHttpResponse(blocks, content_type=content_type)
    if length != size:
        response.status_code = 206
        response["Content-Range"] = f"bytes {start}-{start + length - 1}/{size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Last-Modified"] = http_date(modified)
    response["Cache-Control"] = cache_control
    return response


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(start, length) of the one byte range asked for, the whole file when none is asked for or the
    header is not one range we read (a server may ignore it), or None when it lies outside the file."""
    found = _RANGE.fullmatch(header.strip())
    if found is None or found[1] == found[2] == "":
        return 0, size
    if found[1] == "":  # the last N bytes
        suffix = int(found[2])
        return (size - min(suffix, size), min(suffix, size)) if suffix > 0 and size > 0 else None
    start = int(found[1])
    end = min(int(found[2]), size - 1) if found[2] else size - 1
    if found[2] and int(found[2]) < start:
        return 0, size
    return (start, end - start + 1) if start < size else None


class _Blocks:
    """``length`` bytes of an open file from where it stands, in blocks; the file closes with the
    response."""

    def __init__(self, file: IO[bytes], length: int) -> None:
        self._file, self._left = file, length

    def _read(self) -> bytes:
        block = self._file.read(min(BLOCK_SIZE, self._left)) if self._left > 0 else b""
        self._left -= len(block)
        return block

    def close(self) -> None:
        self._file.close()


class _SyncBlocks(_Blocks):
    def __iter__(self) -> Iterator[bytes]:
        return iter(self._read, b"")


class _AsyncBlocks(_Blocks):
    async def __aiter__(self) -> AsyncIterator[bytes]:
        read = sync_to_async(self._read, thread_sensitive=False)
        while block := await read():
            yield block
