"""Followers list latency and query count by page size, with 2,000 followers."""

from __future__ import annotations

import time

from bench.setup import percentiles


def run(repeats: int = 200) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from sora_social.accounts.models import Follow, User
    from sora_social.accounts.services import auth_token_create

    star = User.objects.create_user("star", password="unused-password-1")
    fans = User.objects.bulk_create(User(username=f"fan{i}") for i in range(2000))
    Follow.objects.bulk_create(Follow(follower=fan, followee=star) for fan in fans)
    Follow.objects.bulk_create(Follow(follower=star, followee=fan) for fan in fans[::3])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {auth_token_create(user=star)[1]}")

    print(f"GET /users/star/followers/ ({connection.vendor}, 2,000 followers, {repeats} requests each)")
    for limit in (5, 20, 50):
        path = f"/api/v1/users/star/followers/?limit={limit}"
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        queries = len(captured)  # read now: every request clears the connection's query log
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            response = client.get(path)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200
        print(f"  limit {limit:2d}: {queries} queries  {percentiles(samples)}")
