"""On PostgreSQL, audit entries refuse UPDATE and DELETE in the database itself, whatever the client; the
one change let through is clearing ``actor_id`` when that user is deleted (the username snapshot stays)."""

from django.db import migrations

from sora_social.core.models import append_only_trigger, run_on_postgresql

CREATE, DROP = append_only_trigger("moderation_auditentry", nullable_links=("actor_id",))


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]

    operations = [migrations.RunPython(run_on_postgresql(CREATE), run_on_postgresql(DROP))]
