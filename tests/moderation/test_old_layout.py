"""A database made while moderation lived in ``sora_social/moderation`` keeps working after the move to the
top-level ``moderation`` app: its migration history is recognised (nothing of moderation's is applied
again), its tables, content types and permissions are the same rows, and what was in it is still there
for moderators, through the API and the admin. The old database is ``old_layout.sql``; the new code
migrates and serves it in a fresh interpreter, as a deploy would."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings

from moderation.tasks import expire_enforcements
from sora_social.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
OLD_DATABASE = Path(__file__).with_name("old_layout.sql")

UPGRADE = """
import io, json, django
django.setup()
from django.core.management import call_command
from django.test.utils import setup_test_environment
setup_test_environment()

plan = io.StringIO()
call_command("migrate", plan=True, stdout=plan)
call_command("migrate", verbosity=0)
changes = io.StringIO()
call_command("makemigrations", check=True, dry_run=True, stdout=changes)

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from rest_framework.test import APIClient
from sora_social.accounts.models import User
from sora_social.accounts.services import auth_token_create
from moderation.models import ReviewItem

mod = User.objects.get(username="mod")
api = APIClient()
api.credentials(HTTP_AUTHORIZATION="Token " + auth_token_create(user=mod)[1])
admin = Client()
admin.force_login(mod)
resolved = ReviewItem.objects.get(status="resolved")
history = admin.get(f"/admin/moderation/reviewitem/{resolved.pk}/history/")
print(json.dumps({
    "plan": plan.getvalue(),
    "changes": changes.getvalue(),
    "tables": sorted(m._meta.db_table for m in apps.get_app_config("moderation").get_models()),
    "content_types": {
        ct.model: ct.model_class().__module__ for ct in ContentType.objects.filter(app_label="moderation")
    },
    "queue": api.get("/api/v1/moderation/queue/").json()["results"],
    "appeals": api.get("/api/v1/moderation/appeals/").json()["results"],
    "audit": api.get("/api/v1/moderation/audit/").json()["results"],
    "history": [history.status_code, "Warned the author" in history.content.decode()],
}))
"""


def rows(database: Path, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database) as connection:
        return sorted(connection.execute(query).fetchall())


def moderation_rows(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "migrations": rows(database, "SELECT id, name FROM django_migrations WHERE app = 'moderation'"),
        "content_types": rows(
            database, "SELECT id, model FROM django_content_type WHERE app_label = 'moderation'"
        ),
        "permissions": rows(
            database,
            "SELECT p.id, p.codename, g.name FROM auth_permission p JOIN django_content_type c "
            "ON c.id = p.content_type_id LEFT JOIN auth_group_permissions gp ON gp.permission_id = p.id "
            "LEFT JOIN auth_group g ON g.id = gp.group_id WHERE c.app_label = 'moderation'",
        ),
        "tables": rows(
            database, "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'moderation_%'"
        ),
        "reviews": rows(database, "SELECT id, target_label, status, resolution FROM moderation_reviewitem"),
        "reports": rows(database, "SELECT id, reason, outcome FROM moderation_report"),
        "enforcements": rows(database, "SELECT id, kind, subject_username FROM moderation_enforcement"),
        "appeals": rows(database, "SELECT id, status, text FROM moderation_appeal"),
        "audit": rows(database, "SELECT id, action, actor_username FROM moderation_auditentry"),
    }


def test_a_database_from_the_old_layout_migrates_and_keeps_its_moderation_data(tmp_path: Path) -> None:
    database = tmp_path / "old.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.executescript(OLD_DATABASE.read_text())
    before = moderation_rows(database)
    assert len(before["reviews"]) == 2 and len(before["appeals"]) == 1 and len(before["audit"]) == 4

    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DATABASE_TEST_NAME"}}
    result = subprocess.run(
        [sys.executable, "-c", UPGRADE],
        cwd=ROOT,
        env={
            **env,
            "DEBUG": "1",
            "DATABASE_URL": f"sqlite:///{database}",
            "DJANGO_SETTINGS_MODULE": "sora_social.settings",
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    after = json.loads(result.stdout.splitlines()[-1])

    # Moderation's history is its own, under its label: no migration of it is planned again, and the models
    # still match the migrations against this database's history.
    planned = after["plan"].splitlines()
    assert not [line for line in planned if line.strip().startswith("moderation.")], after["plan"]
    assert "No changes detected" in after["changes"]
    # The same rows: tables, migration records, content types and the moderators' permissions.
    assert moderation_rows(database) == before
    assert after["tables"] == [name for (name,) in before["tables"]]
    assert after["content_types"] == {model: "moderation.models" for _, model in before["content_types"]}

    # What moderators had is what they find.
    [open_item] = after["queue"]
    assert (open_item["target"]["type"], open_item["target"]["label"]) == ("user", "@erin")
    [appeal] = after["appeals"]
    assert (appeal["text"], appeal["status"]) == ("I was joking", "pending")
    assert sorted(entry["id"] for entry in after["audit"]) == sorted(str(id) for id, _, _ in before["audit"])
    assert after["history"] == [200, True]


def test_the_scheduled_sweep_names_a_task_the_workers_register() -> None:
    """Beat keeps its schedule in a file and takes each entry's task name from the settings when it starts;
    the name is the task's module path, so it moved with the app."""
    celery_app.loader.import_default_modules()
    scheduled = settings.CELERY_BEAT_SCHEDULE["moderation-expire"]["task"]
    assert scheduled == expire_enforcements.name == "moderation.tasks.expire_enforcements"
    assert scheduled in celery_app.tasks
