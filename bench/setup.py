"""Django for a benchmark run: a throwaway SQLite database (or ``DATABASE_URL``), and the embedded Redis
unless ``REDIS_URL`` is set."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path


def setup_django() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="sora-social-bench-"))
    atexit.register(shutil.rmtree, workdir, True)
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghij")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    if not os.environ.get("REDIS_URL"):
        from sora_social import embedded_redis

        process, url = embedded_redis.start(workdir / "redis")
        atexit.register(process.terminate)
        os.environ["REDIS_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sora_social.settings")

    import django
    from django.core.management import call_command

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def at(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    return f"p50 {at(0.5) * 1000:7.2f} ms  p95 {at(0.95) * 1000:7.2f} ms  max {ordered[-1] * 1000:7.2f} ms"
