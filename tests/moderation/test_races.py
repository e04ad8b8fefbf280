"""Reports and claims at the same moment, for real: threads with their own connections, on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from moderation.models import Report, ReviewItem
from moderation.services import item_claim, report_create
from sora_social.core.errors import Conflict
from tests.cameos.test_races import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions"),
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
