"""Revocation racing publication, for real: two threads, two database connections, on PostgreSQL.

Whichever commits first, a video whose cameo's consent was revoked is never visible to anyone but its
author: either publishing is refused, or the revocation withdraws the published video."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections

from cameos.services import cameo_approval_grant, cameo_approval_revoke
from feed.models import FeaturedCameo, Video
from feed.services import video_publish
from feed.visibility import visible_videos
from sora_social.core.errors import ApiError

pytestmark = pytest.mark.django_db(transaction=True)


def race(*jobs: Callable[[], Any]) -> list[Any]:
    """Run each job in its own thread (and connection), released together; their results or errors."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.mark.postgres  # concurrent transactions: SQLite serialises writers
def test_revoking_while_the_draft_is_published_never_leaves_it_visible(
    alice, bob, carol, make_cameo, make_draft
):
    cameo = make_cameo(alice, audience="approved")
    outcomes = set()
    for _ in range(10):
        cameo_approval_grant(cameo=cameo, username="bob", actor=alice)
        draft = make_draft(bob, cameo)
        published, revoked = race(
            lambda draft=draft: video_publish(video=draft, actor=bob),
            lambda: cameo_approval_revoke(cameo=cameo, username="bob", actor=alice),
        )
        assert revoked is None, revoked
        assert published is None or isinstance(published, (Video, ApiError)), published
        video = Video.objects.get(pk=draft.pk)
        outcomes.add(video.status)
        assert FeaturedCameo.objects.get(video=video).withdrawn_at is not None
        for viewer in (alice, carol):
            assert not visible_videos(viewer).filter(pk=video.pk).exists()
    assert outcomes <= {"draft", "published"}
