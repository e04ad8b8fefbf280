"""Visibility: one matrix over visibility x relation x block x status x withdrawn cameo x inactive author,
checked through the API, through the one SQL rule, and against the fan-out audience."""

import itertools

import pytest
from django.utils import timezone

from feed.models import FeaturedCameo, Video
from feed.selectors import following_feed_videos
from feed.services import video_take_down
from feed.visibility import feed_audience, visible_videos
from sora_social.accounts.models import Follow, User
from sora_social.accounts.services import block_create, follow_create

pytestmark = pytest.mark.django_db

RELATIONS = ["self", "stranger", "follower", "followed_by_author", "mutual", "cameo_owner"]
STATUSES = ["draft", "published", "removed"]
VISIBILITIES = ["public", "followers", "mutuals"]


def expected(relation, status, visibility, blocked, withdrawn, author_inactive):
    if relation == "self":
        return True
    if blocked or author_inactive:
        return False
    if status == "removed":
        return False
    if status == "draft":
        return relation == "cameo_owner" and not withdrawn
    if withdrawn:
        return False
    if visibility == "public":
        return True
    if visibility == "followers":
        return relation in ("follower", "mutual")
    return relation == "mutual"


def make_viewers(make_user, author):
    """One viewer per relation to ``author`` (the author itself for "self"), with the follows that make it."""
    viewers = {"self": author}
    for relation in RELATIONS[1:]:
        viewers[relation] = make_user(relation)
    follow_create(follower=viewers["follower"], followee=author)
    follow_create(follower=author, followee=viewers["followed_by_author"])
    follow_create(follower=viewers["mutual"], followee=author)
    follow_create(follower=author, followee=viewers["mutual"])
    return viewers


def make_cases(make_video, author, cameo_owner):
    """A video of ``author`` featuring ``cameo_owner`` for every status x visibility x withdrawn cameo, as
    (video, status, visibility, withdrawn)."""
    cases = []
    for status, visibility, withdrawn in itertools.product(STATUSES, VISIBILITIES, [False, True]):
        video = make_video(
            author, publish=status != "draft", visibility=visibility, cameo_owners=(cameo_owner,)
        )
        if withdrawn:
            FeaturedCameo.objects.filter(video=video).update(withdrawn_at=timezone.now())
        if status == "removed":
            video_take_down(video=video, reason=Video.Removal.MODERATION)
        cases.append((video, status, visibility, withdrawn))
    return cases


def check_case(case, relation, viewer, client, audience, author, blocked, author_inactive):
    """One viewer and one video: the SQL rule, the following feed, the API and the fan-out audience all
    agree with ``expected``."""
    video, status, visibility, withdrawn = case
    want = expected(relation, status, visibility, blocked, withdrawn, author_inactive)
    in_sql = visible_videos(viewer).filter(pk=video.pk).exists()
    context = (relation, status, visibility, withdrawn, blocked, author_inactive)
    assert in_sql == want, context
    # The following feed's own filter: the same answer for the published videos of followees.
    follows_now = Follow.objects.filter(follower=viewer, followee=author).exists()
    in_feed = bool(following_feed_videos(viewer=viewer, ids=[video.pk]))
    assert in_feed == (want and follows_now and status == "published"), context
    if not author_inactive:
        response = client.get(f"/api/v1/videos/{video.pk}/")
        assert response.status_code == (200 if want else 404), context
        if want:
            assert (response.json()["media"] is None) == (status == "removed"), context
    # The fan-out audience is exactly the followers who may see the published video.
    if relation in ("follower", "mutual", "followed_by_author", "stranger") and status == "published":
        follows_author = relation in ("follower", "mutual") and not blocked
        assert (viewer.pk in audience) == (want and follows_author), context


def check_matrix(cases, viewers, clients, author, *, blocked, author_inactive):
    """Every case, seen by every viewer, as ``check_case`` says."""
    for case in cases:
        video = case[0]
        audience = set(feed_audience(Video.objects.get(pk=video.pk)).values_list("pk", flat=True))
        for relation, viewer in viewers.items():
            check_case(case, relation, viewer, clients[relation], audience, author, blocked, author_inactive)


def test_visibility_matrix(make_user, make_video, client_for):
    author = make_user("author")
    viewers = make_viewers(make_user, author)
    clients = {relation: client_for(user) for relation, user in viewers.items()}
    cases = make_cases(make_video, author, viewers["cameo_owner"])

    check_matrix(cases, viewers, clients, author, blocked=False, author_inactive=False)
    for relation in RELATIONS[1:]:
        block_create(blocker=viewers[relation], blocked=author)
    # A follow that outlived a block (a race between the two) still shows nothing.
    Follow.objects.create(follower=viewers["follower"], followee=author)
    check_matrix(cases, viewers, clients, author, blocked=True, author_inactive=False)
    for relation in RELATIONS[1:]:
        viewers[relation].blocks_made.all().delete()
    User.objects.filter(pk=author.pk).update(is_active=False)
    check_matrix(cases, viewers, clients, author, blocked=False, author_inactive=True)


def test_an_author_blocking_the_viewer_hides_too(make_user, make_video, client_for):
    author, viewer = make_user("author"), make_user("viewer")
    video = make_video(author)
    client = client_for(viewer)
    assert client.get(f"/api/v1/videos/{video.pk}/").status_code == 200
    block_create(blocker=author, blocked=viewer)
    assert client.get(f"/api/v1/videos/{video.pk}/").json()["code"] == "video_not_found"


@pytest.mark.parametrize("bad_id", ["abc", "-1", "0", "99999999999999999999999", "1.5"])
def test_malformed_video_ids_are_404(as_alice, bad_id):
    response = as_alice.get(f"/api/v1/videos/{bad_id}/")
    assert response.status_code == 404 and response.json()["code"] == "video_not_found"
