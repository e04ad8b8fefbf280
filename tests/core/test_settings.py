"""Production settings are safe by default. Each case imports the settings in a fresh interpreter with a
controlled environment, the way a server process would start."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'secure': [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE], "
    "'hsts': s.SECURE_HSTS_SECONDS, 'hosts': s.ALLOWED_HOSTS, 'db': s.DATABASES['default']['ENGINE']}))"
)


def start(**env: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"}
    }
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "sora_social.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_refuses_to_start_with_the_default_secret_key_when_debug_is_off():
    result = start()
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_defaults_are_safe():
    result = start(SECRET_KEY="a-real-secret-key-for-this-test-0123456789", ALLOWED_HOSTS="sora.example")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["debug"] is False
    assert values["secure"] == [True, True]
    assert values["hsts"] >= 31536000
    assert values["hosts"] == ["sora.example"]


def test_debug_is_only_on_when_asked_and_database_url_is_read():
    result = start(DEBUG="1", DATABASE_URL="postgres://someone@db.example:5432/sora")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["debug"] is True and values["secure"] == [False, False]
    assert values["db"] == "django.db.backends.postgresql"


def test_redis_url_is_required():
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**env, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "sora_social.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "REDIS_URL is not set" in result.stderr
