from __future__ import annotations

from typing import Any

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
