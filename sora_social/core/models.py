from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from django.db import models

from sora_social.core.ids import new_id


class SnowflakeField(models.BigIntegerField):
    """A primary key holding a time-sortable id (see ``core.ids``), rendered as a string by the API."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("primary_key", True)
        kwargs.setdefault("default", new_id)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "sora_social.core.models.SnowflakeField", args, kwargs


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an append-only record (an audit or consent record)."""


def _refuse(model: type[models.Model], what: str) -> NoReturn:
    raise AppendOnlyError(f"{model._meta.verbose_name_plural} are append-only: {what} is refused.")


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> NoReturn:
        _refuse(self.model, "update")

    def delete(self) -> NoReturn:
        _refuse(self.model, "delete")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse(self.model, "update")


class AppendOnlyModel(models.Model):
    """A record that is written once and never changed or deleted through the ORM. On PostgreSQL a trigger
    (``append_only_trigger``, added by the model's migration) refuses it in the database as well."""

    objects: ClassVar[models.Manager[Any]] = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse(type(self), "changing a record")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse(type(self), "delete")


def append_only_trigger(table: str, nullable_links: tuple[str, ...] = ()) -> tuple[str, str]:
    """The PostgreSQL SQL that makes ``table`` refuse UPDATE and DELETE, and the SQL that undoes it. The
    one change let through is clearing a column of ``nullable_links`` (a link to a deleted user, which
    Django clears with ``on_delete=SET_NULL``) while everything else stays as it was."""
    cleared = " ".join(
        f"AND (NEW.{column} IS NULL OR NEW.{column} = OLD.{column})" for column in nullable_links
    )
    minus = "".join(f" - '{column}'" for column in nullable_links)
    create = f"""
CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' {cleared} AND to_jsonb(NEW){minus} = to_jsonb(OLD){minus} THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '{table} is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
"""
    drop = f"""
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
DROP FUNCTION IF EXISTS {table}_append_only();
"""
    return create, drop


def run_on_postgresql(sql: str) -> Any:
    """A ``RunPython`` function that runs ``sql`` on PostgreSQL and does nothing elsewhere."""

    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run
