"""Deleting media files, the one way every layer does it.

Deletes happen in clean-up paths (after a takedown commits, after a failed write rolled back) where an
error must not undo or hide what came before: a failed delete is logged, not raised. A leftover file is
invisible to users (nothing links to it) and costs only storage.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)


def delete_files(names: Iterable[str]) -> None:
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except Exception:
            logger.exception("could not delete media file %s; it is left behind", name)
