"""A pytest plugin (loaded with ``-p tests.services``, before Django's settings are read) that points the
suite at its services: the Redis in ``REDIS_URL`` when set (CI sets it), else an embedded Redis server
started here; SQLite (a test database file) unless ``DATABASE_URL`` is set. It also gives the suite its own
media folder, and each pytest-xdist worker its own Redis database."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

_workdir = Path(tempfile.mkdtemp(prefix="sora-social-tests-"))
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ["MEDIA_ROOT"] = str(_workdir / "media")
if not os.environ.get("DATABASE_URL"):
    # A file, so that the Celery workers that tests/generation/test_real_worker.py starts share it.
    os.environ["DATABASE_TEST_NAME"] = str(_workdir / "test.sqlite3")
os.environ.setdefault("THROTTLE_AUTH", "100000/min")
os.environ.setdefault("THROTTLE_REGISTER", "100000/min")
os.environ.setdefault("THROTTLE_CAMEO_UPLOAD", "100000/min")
# Celery tasks run inline in tests, still only after the transaction commits (they are sent on_commit).
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")

if not os.environ.get("REDIS_URL"):
    from sora_social import embedded_redis

    _redis_process, _url = embedded_redis.start(_workdir / "redis")
    os.environ["REDIS_URL"] = _url.rsplit("/", 1)[0] + "/9"

    def _stop_redis() -> None:
        _redis_process.terminate()
        _redis_process.wait(timeout=10)

    atexit.register(_stop_redis)

# Under pytest-xdist each worker (gw0, gw1, ...) is its own process with its own media folder and SQLite file
# (or PostgreSQL test database, which pytest-django names per worker); Redis is shared, so each worker takes
# its own logical database above the suite's 9 (the keys, the Celery broker, the channel layer and, through
# its channel's name, the event hints).
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw"):
    _db = 10 + int(_worker[2:])
    if _db > 15:
        raise RuntimeError(f"Six xdist workers at most share one Redis (databases 10-15), not {_worker}.")
    os.environ["REDIS_URL"] = os.environ["REDIS_URL"].rsplit("/", 1)[0] + f"/{_db}"

atexit.register(shutil.rmtree, _workdir, True)
