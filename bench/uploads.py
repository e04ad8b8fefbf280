"""Refused uploads through ``python -m sora_social.server``: a 200 MiB multipart upload to
``POST /api/v1/cameos/``, its length declared and chunked, from the first byte sent to the 413: how long the
answer takes, how much the client got to send before it, and the server's resident memory either side."""

from __future__ import annotations

import os

from bench.rawhttp import MIB, serve, upload_image


def run(megabytes: int = 200) -> None:
    from django.conf import settings

    limit = settings.REQUEST_BODY_MAX_BYTES["cameos"]
    # The server shares bench.setup's database (migrated), media folder and Redis through the environment.
    environment = {**os.environ, "ALLOWED_HOSTS": "127.0.0.1", "PYTHONUNBUFFERED": "1"}
    print(
        f"POST /api/v1/cameos/, a {megabytes} MiB upload (the limit is {limit / MIB:g} MiB),"
        " through python -m sora_social.server"
    )
    with serve(environment) as server:
        for chunked in (False, True):
            upload = upload_image(server, megabytes * MIB, chunked=chunked)
            reply = upload.reply
            print(
                f"  {'chunked' if chunked else 'Content-Length':14s}  {reply.status}"
                f"  {reply.seconds:6.3f} s to the answer  {reply.sent / MIB:5.1f} MiB sent before it"
                f"  RSS {upload.rss_before_kib} -> {upload.rss_after_kib} KiB"
            )


if __name__ == "__main__":
    from bench.setup import setup_django

    setup_django()
    run()
