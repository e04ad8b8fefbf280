"""Row locks for sweeps: the one way a sweep over many rows takes them, one at a time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from django.db import models, transaction

M = TypeVar("M", bound=models.Model)


def each_locked(rows: models.QuerySet[M]) -> Iterator[M]:
    """Each row of ``rows``, one transaction each: locked, and read again under the lock, so that a row that
    no longer matches (another worker's sweep got there first) is skipped. What the caller does with a row
    before asking for the next is part of its transaction."""
    for pk in list(rows.values_list("pk", flat=True)):
        with transaction.atomic():
            row = rows.select_for_update().filter(pk=pk).first()
            if row is not None:
                yield row
