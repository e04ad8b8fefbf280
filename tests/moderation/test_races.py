"""Reports, claims and sweeps at the same moment, for real: threads with their own connections, on
PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from moderation.models import AuditEntry, Enforcement, Report, ReviewItem
from moderation.services import enforcements_expire, item_claim, item_resolve, report_create
from sora_social.core.errors import Conflict
from tests.cameos.test_races import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # Concurrent transactions: SQLite serialises writers.
    pytest.mark.postgres,
]

REPORTERS = 12


def test_simultaneous_reports_make_one_item_that_counts_them_all(bob, make_user, make_video):
    video = make_video(bob)
    reporters = [make_user(f"reporter{i}") for i in range(REPORTERS)]
    results = race(
        *[
            lambda reporter=reporter: report_create(
                reporter=reporter, target_type="video", target_id=video.pk, reason="spam"
            )
            for reporter in reporters
        ]
    )
    assert all(isinstance(result, tuple) and result[1] for result in results), results
    [item] = ReviewItem.objects.filter(target_type="video", target_id=video.pk)
    assert item.report_count == REPORTERS == Report.objects.filter(item=item).count()


def test_of_two_simultaneous_claims_one_wins(bob, carol, make_video, make_moderator):
    video = make_video(bob)
    report_create(reporter=carol, target_type="video", target_id=video.pk, reason="spam")
    item = ReviewItem.objects.get()
    moderators = [make_moderator(f"racer{i}") for i in range(6)]
    results = race(
        *[lambda moderator=moderator: item_claim(item=item, moderator=moderator) for moderator in moderators]
    )
    winners = [result for result in results if isinstance(result, ReviewItem)]
    losers = [result for result in results if isinstance(result, Conflict)]
    assert len(winners) == 1 and len(losers) == 5, results
    assert {loser.code for loser in losers} == {"already_claimed"}
    assert ReviewItem.objects.get().claimed_by_id == winners[0].claimed_by_id


def test_simultaneous_sweeps_end_a_suspension_and_purge_kept_media_once(
    alice, bob, carol, make_video, make_moderator
):
    moderator = make_moderator("sweeper")
    video = make_video(alice)
    removal, _ = report_create(reporter=carol, target_type="video", target_id=video.pk, reason="spam")
    removed = item_resolve(item=removal.item, moderator=moderator, action="remove_content", note="spam")
    suspension, _ = report_create(reporter=carol, target_type="user", target_id=bob.pk, reason="spam")
    suspended = item_resolve(item=suspension.item, moderator=moderator, action="suspend", note="spam")
    assert removed is not None and suspended is not None
    past = timezone.now() - timedelta(seconds=1)
    Enforcement.objects.filter(pk=removed.pk).update(appeal_until=past)
    Enforcement.objects.filter(pk=suspended.pk).update(ends_at=past)

    results = race(*[enforcements_expire for _ in range(6)])

    assert all(isinstance(result, int) for result in results) and sum(results) == 2, results
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LIFT).count() == 1
    assert AuditEntry.objects.filter(action=AuditEntry.Action.PURGE).count() == 1
    bob.refresh_from_db()
    assert bob.is_active
