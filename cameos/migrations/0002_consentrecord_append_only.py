"""On PostgreSQL, consent records refuse UPDATE and DELETE in the database itself, whatever the client.

The one change allowed is the one Django makes when a user is deleted: clearing ``actor_id`` or
``subject_id`` (``on_delete=SET_NULL``); the username snapshots stay.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION cameos_consentrecord_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
        AND (NEW.subject_id IS NULL OR NEW.subject_id = OLD.subject_id)
        AND to_jsonb(NEW) - 'actor_id' - 'subject_id' = to_jsonb(OLD) - 'actor_id' - 'subject_id'
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'cameos_consentrecord is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER cameos_consentrecord_append_only
    BEFORE UPDATE OR DELETE ON cameos_consentrecord
    FOR EACH ROW EXECUTE FUNCTION cameos_consentrecord_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS cameos_consentrecord_append_only ON cameos_consentrecord;
DROP FUNCTION IF EXISTS cameos_consentrecord_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("cameos", "0001_initial")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
