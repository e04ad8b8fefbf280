"""Remixing through the API, with the generation task run inline after commit: who may remix what, the
cameos a remix keeps or swaps, lineage down a chain and across a removed ancestor, remix trees, the
parent author's notification, and the lossless frames a remix starts from."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from feed.models import FeaturedCameo, Notification, Video
from generation.models import GenerationJob
from tests.cameos.conftest import media_files

pytestmark = pytest.mark.usefixtures("generation_env")

PROMPT = {"prompt": "the ball turns blue and bounces higher"}


def make(client: APIClient, capture: Any, **body: Any) -> dict[str, Any]:
    """A generation through the API, run inline; the finished job."""
    with capture(execute=True):
        response = client.post(
            "/api/v1/generations/",
            {
                "prompt": "a red ball drops onto the floor",
                "duration_seconds": 2,
                "aspect_ratio": "landscape",
                **body,
            },
            format="json",
        )
    assert response.status_code == 202, response.json()
    return client.get(f"/api/v1/generations/{response.json()['id']}/").json()


def remix(client: APIClient, capture: Any, video_id: Any, **body: Any) -> Any:
    with capture(execute=True):
        return client.post(f"/api/v1/videos/{video_id}/remix/", {**PROMPT, **body}, format="json")


def publish(client: APIClient, video_id: Any, **body: Any) -> dict[str, Any]:
    response = client.post(f"/api/v1/videos/{video_id}/publish/", body, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def published_by(client: APIClient, capture: Any, **body: Any) -> Video:
    job = make(client, capture, **body)
    assert job["status"] == "succeeded", job
    publish(client, job["video"])
    return Video.objects.get(pk=job["video"])


def remix_published(client: APIClient, capture: Any, parent: Video, **body: Any) -> Video:
    response = remix(client, capture, parent.pk, **body)
    assert response.status_code == 202, response.json()
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.status == "succeeded", (job.error_code, job.error_detail)
    publish(client, job.video_id)
    return Video.objects.get(pk=job.video_id)


# Making a remix ---------------------------------------------------------------------------------------------


def test_a_remix_starts_from_the_parents_raw_frames_and_takes_its_shape(
    as_alice, as_bob, alice, bob, monkeypatch, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    parent = published_by(as_bob, capture)
    assert parent.raw_file.name.endswith(".npz")

    # The parent's MP4 is never decoded: its lossless clip is there.
    from generation import rendering

    def no_decoding(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the remix decoded the parent's MP4")

    monkeypatch.setattr(rendering, "read_video", no_decoding)
    response = remix(as_alice, capture, parent.pk, remix_strength=0.4)
    assert response.status_code == 202, response.json()
    assert response.json()["remix_of"] == str(parent.pk)
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.status == "succeeded", (job.error_code, job.error_detail)
    assert (job.duration_seconds, job.aspect_ratio, job.remix_strength) == (2, "landscape", 0.4)

    shown = as_alice.get(f"/api/v1/videos/{job.video_id}/").json()
    assert shown["status"] == "draft" and shown["remix_of"] == str(parent.pk)
    assert shown["remix_root"] == str(parent.pk) and shown["remix_depth"] == 1
    assert (shown["media"]["width"], shown["media"]["height"]) == (parent.width, parent.height)
    assert as_bob.get(f"/api/v1/videos/{parent.pk}/").json()["remix_count"] == 1
    # Its author sees the draft at the end of its chain; nobody else sees its lineage.
    chain = as_alice.get(f"/api/v1/videos/{job.video_id}/lineage/").json()["results"]
    assert [(node["id"], node["available"]) for node in chain] == [
        (str(parent.pk), True),
        (str(job.video_id), True),
    ]
    assert as_bob.get(f"/api/v1/videos/{job.video_id}/lineage/").status_code == 404


def test_a_parent_without_a_raw_clip_is_remixed_from_its_mp4(
    as_alice, bob, make_video, django_capture_on_commit_callbacks
):
    """A video that came without a raw clip (an upload, the demo seed) is remixed from its decoded MP4."""
    parent = make_video(bob)
    assert not parent.raw_file
    response = remix(as_alice, django_capture_on_commit_callbacks, parent.pk, duration_seconds=2)
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.status == "succeeded", (job.error_code, job.error_detail)
    assert job.video.remix_of_id == parent.pk


def test_what_may_not_be_remixed(
    as_alice, alice, bob, carol, make_video, make_cameo, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    followers_only = make_video(bob, visibility="followers")
    closed = make_video(bob)
    Video.objects.filter(pk=closed.pk).update(allow_remix=False)
    bobs_draft = make_video(bob, publish=False)
    my_draft = make_video(alice, publish=False)
    approved_only = make_cameo(carol, audience="approved")
    with_carols_cameo = make_video(bob)
    FeaturedCameo.objects.create(
        video=with_carols_cameo, cameo_id=approved_only.pk, owner=carol, handle=approved_only.handle
    )
    mine = [str(make_cameo(alice).pk) for _ in range(3)]

    cases = [
        (followers_only.pk, {}, 404, "video_not_found"),
        ("999999999999", {}, 404, "video_not_found"),
        ("not-an-id", {}, 404, "video_not_found"),
        (bobs_draft.pk, {}, 404, "video_not_found"),
        (closed.pk, {}, 403, "remix_not_allowed"),
        (my_draft.pk, {}, 403, "remix_not_allowed"),
        (with_carols_cameo.pk, {}, 403, "cameo_not_permitted"),
        (make_video(bob).pk, {"cameo_ids": mine}, 400, "too_many_cameos"),
        (make_video(bob).pk, {"remix_strength": 2}, 400, "invalid"),
        (make_video(bob).pk, {"duration_seconds": 3}, 400, "invalid"),
        (make_video(bob).pk, {"duration_seconds": 0}, 400, "invalid"),
        (make_video(bob).pk, {"prompt": "a naked child on a beach"}, 422, "prompt_blocked"),
    ]
    files = media_files()
    for video_id, body, status, code in cases:
        response = remix(as_alice, capture, video_id, **body)
        assert (response.status_code, response.json()["code"]) == (status, code), (
            video_id,
            body,
            response.json(),
        )
    assert not GenerationJob.objects.filter(user=alice).exists()
    assert media_files() == files
    assert Video.objects.get(pk=closed.pk).remix_count == 0


def test_anonymous_remixes_are_refused(anon, bob, make_video):
    assert anon.post(f"/api/v1/videos/{make_video(bob).pk}/remix/", PROMPT, format="json").status_code == 401


def test_a_remix_keeps_the_parents_cameos_only_with_consent_and_can_swap_them(
    as_alice, as_bob, alice, bob, make_cameo, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    bobs_own = make_cameo(bob, audience="only_me")
    parent = published_by(as_bob, capture, cameo_ids=[str(bobs_own.pk)])
    assert list(parent.featured_cameos.values_list("cameo_id", flat=True)) == [bobs_own.pk]

    # Kept by default: alice may not use bob's cameo, so that is refused.
    refused = remix(as_alice, capture, parent.pk)
    assert refused.status_code == 403 and refused.json()["code"] == "cameo_not_permitted"

    # Swapped: alice puts her own cameo in bob's place.
    alices_own = make_cameo(alice, audience="only_me")
    swapped = remix(as_alice, capture, parent.pk, cameo_ids=[str(alices_own.pk)])
    assert swapped.status_code == 202, swapped.json()
    job = GenerationJob.objects.get(pk=swapped.json()["id"])
    assert job.status == "succeeded", (job.error_code, job.error_detail)
    assert list(job.video.featured_cameos.values_list("cameo_id", "owner")) == [(alices_own.pk, alice.pk)]

    # Once bob lets everyone use it, a remix keeps it.
    as_bob.patch(f"/api/v1/cameos/{bobs_own.pk}/", {"audience": "everyone"}, format="json")
    kept = remix(as_alice, capture, parent.pk)
    assert kept.status_code == 202, kept.json()
    job = GenerationJob.objects.get(pk=kept.json()["id"])
    assert list(job.video.featured_cameos.values_list("cameo_id", flat=True)) == [bobs_own.pk]


def test_a_parent_taken_down_while_the_remix_was_queued_keeps_nothing(
    as_alice, as_bob, alice, bob, make_video, django_capture_on_commit_callbacks
):
    parent = make_video(bob)
    files = media_files()
    response = as_alice.post(f"/api/v1/videos/{parent.pk}/remix/", PROMPT, format="json")  # not run yet
    assert response.status_code == 202
    as_bob.delete(f"/api/v1/videos/{parent.pk}/")
    from generation.tasks import generate_video

    with django_capture_on_commit_callbacks(execute=True):
        generate_video.apply(args=(int(response.json()["id"]),))
    job = as_alice.get(f"/api/v1/generations/{response.json()['id']}/").json()
    assert job["status"] == "failed" and job["error"]["code"] == "remix_not_allowed" and job["video"] is None
    assert not Video.objects.filter(author=alice).exists()
    assert media_files() <= files


# Lineage ---------------------------------------------------------------------------------------------------


def lineage(client: APIClient, video: Video) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/videos/{video.pk}/lineage/")
    assert response.status_code == 200, response.json()
    assert response.json()["truncated"] is False
    return response.json()["results"]


def test_a_remix_of_a_remix_of_a_remix(as_alice, as_bob, as_carol, bob, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    root = published_by(as_bob, capture)
    first = remix_published(as_alice, capture, root)
    second = remix_published(as_carol, capture, first)
    third = remix_published(as_bob, capture, second)

    assert [(v.remix_root_id, v.remix_depth) for v in (first, second, third)] == [
        (root.pk, 1),
        (root.pk, 2),
        (root.pk, 3),
    ]
    chain = lineage(as_alice, third)
    assert [node["id"] for node in chain] == [str(v.pk) for v in (root, first, second, third)]
    assert all(node["available"] and node["video"]["id"] == node["id"] for node in chain)
    assert [node["remix_depth"] for node in chain] == [0, 1, 2, 3]
    assert [node["video"]["author"]["username"] for node in chain] == ["bob", "alice", "carol", "bob"]
    assert [node["remix_count"] for node in chain] == [1, 1, 1, 0]

    remixes = as_bob.get(f"/api/v1/videos/{root.pk}/remixes/").json()
    assert [video["id"] for video in remixes["results"]] == [str(first.pk)] and remixes["next"] is None


def test_lineage_after_a_middle_ancestor_is_removed(
    as_alice, as_bob, as_carol, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    root = published_by(as_bob, capture)
    middle = remix_published(as_alice, capture, root)
    leaf = remix_published(as_carol, capture, middle)
    assert as_alice.delete(f"/api/v1/videos/{middle.pk}/").status_code == 204

    for client in (as_bob, as_carol, as_alice):  # the removed one is unavailable even to its author
        chain = lineage(client, leaf)
        assert [node["id"] for node in chain] == [str(root.pk), str(middle.pk), str(leaf.pk)]
        assert [node["available"] for node in chain] == [True, False, True]
        gone = chain[1]
        assert gone["video"] is None and set(gone) == {
            "id",
            "available",
            "remix_depth",
            "remix_count",
            "video",
        }
    # The leaf stays up and can be remixed; the removed one cannot.
    assert as_bob.get(f"/api/v1/videos/{leaf.pk}/").status_code == 200
    assert remix(as_bob, capture, middle.pk).status_code == 404
    # The removed one's remixes are still listed, and it shows in the tree as unavailable.
    children = as_bob.get(f"/api/v1/videos/{middle.pk}/remixes/").json()["results"]
    assert [video["id"] for video in children] == [str(leaf.pk)]
    tree = as_bob.get(f"/api/v1/videos/{root.pk}/remix-tree/").json()
    assert tree["available"] and tree["children"][0]["id"] == str(middle.pk)
    assert tree["children"][0]["available"] is False and tree["children"][0]["video"] is None
    assert tree["children"][0]["children"][0]["video"]["id"] == str(leaf.pk)


def test_a_hidden_ancestor_is_unavailable_and_a_hidden_video_has_no_lineage(
    as_alice, as_bob, as_carol, alice, carol, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    root = published_by(as_bob, capture)
    private = remix_published(as_alice, capture, root)
    Video.objects.filter(pk=private.pk).update(visibility="followers")
    # carol does not follow alice: alice's followers-only remix is not hers to see.
    assert as_carol.get(f"/api/v1/videos/{private.pk}/lineage/").status_code == 404
    # A public remix of it by bob shows it as unavailable to carol.
    Video.objects.filter(pk=private.pk).update(visibility="public")
    leaf = remix_published(as_bob, capture, private)
    Video.objects.filter(pk=private.pk).update(visibility="followers")
    chain = lineage(as_carol, leaf)
    assert [node["available"] for node in chain] == [True, False, True]
    assert chain[1]["id"] == str(private.pk) and chain[1]["video"] is None
    # And in the tree, a remix carol may not see is left out.
    Video.objects.filter(pk=leaf.pk).update(visibility="followers")
    tree = as_carol.get(f"/api/v1/videos/{root.pk}/remix-tree/").json()
    assert tree["children"] == [] and tree["more_children"] is False


def test_the_tree_is_bounded_in_depth_and_breadth(
    as_alice, as_bob, bob, make_video, django_capture_on_commit_callbacks
):
    from feed.services import video_create_draft, video_publish
    from remix.services import remix_record
    from tests.feed.conftest import tiny_media

    root = make_video(bob)

    def remix_row(parent: Video) -> Video:
        video_bytes, poster = tiny_media()
        child = video_create_draft(author=bob, video_bytes=video_bytes, poster_bytes=poster)
        remix_record(video=child, parent=parent)
        return video_publish(video=child, actor=bob)

    children = [remix_row(root) for _ in range(7)]
    grandchild = remix_row(children[-1])
    great = remix_row(grandchild)

    tree = as_alice.get(f"/api/v1/videos/{root.pk}/remix-tree/?breadth=5&depth=2").json()
    assert tree["remix_count"] == 7 and tree["more_children"] is True
    assert [node["id"] for node in tree["children"]] == [str(v.pk) for v in reversed(children[2:])]
    newest = tree["children"][0]
    assert [node["id"] for node in newest["children"]] == [str(grandchild.pk)]
    # The last level says whether anything lies below it.
    assert newest["children"][0]["children"] == [] and newest["children"][0]["more_children"] is True
    assert great.remix_depth == 3

    shallow = as_alice.get(f"/api/v1/videos/{root.pk}/remix-tree/?depth=0").json()
    assert shallow["children"] == [] and shallow["more_children"] is True
    for query in ("depth=5", "depth=-1", "breadth=0", "breadth=21", "depth=two"):
        bad = as_alice.get(f"/api/v1/videos/{root.pk}/remix-tree/?{query}")
        assert bad.status_code == 400 and bad.json()["code"] == "invalid", query
    assert as_alice.get("/api/v1/videos/123/remix-tree/").status_code == 404

    page = as_alice.get(f"/api/v1/videos/{root.pk}/remixes/?limit=4").json()
    rest = as_alice.get(page["next"]).json()
    assert [v["id"] for v in page["results"] + rest["results"]] == [str(v.pk) for v in reversed(children)]


def test_lineage_of_a_video_i_may_not_see_is_a_404(as_alice, bob, make_video):
    draft = make_video(bob, publish=False)
    for path in ("lineage", "remixes", "remix-tree"):
        response = as_alice.get(f"/api/v1/videos/{draft.pk}/{path}/")
        assert response.status_code == 404 and response.json()["code"] == "video_not_found", path


# The parent's author hears of it ----------------------------------------------------------------------------


def test_the_parents_author_is_notified_when_the_remix_comes_out(
    as_alice, as_bob, alice, bob, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    parent = published_by(as_bob, capture)
    job = GenerationJob.objects.get(pk=remix(as_alice, capture, parent.pk).json()["id"])
    assert not Notification.objects.filter(recipient=bob, kind="remix").exists()  # a draft is private
    publish(as_alice, job.video_id)
    notes = as_bob.get("/api/v1/notifications/").json()["results"]
    remixed = [note for note in notes if note["kind"] == "remix"]
    assert len(remixed) == 1 and remixed[0]["actor"]["username"] == "alice"
    assert remixed[0]["video"] == str(job.video_id)

    # A followers-only remix bob may not see (he does not follow alice) tells him nothing.
    second = GenerationJob.objects.get(pk=remix(as_alice, capture, parent.pk).json()["id"])
    publish(as_alice, second.video_id, visibility="followers")
    assert Notification.objects.filter(recipient=bob, kind="remix").count() == 1
    # Nor does remixing one's own video.
    own = GenerationJob.objects.get(pk=remix(as_bob, capture, parent.pk).json()["id"])
    publish(as_bob, own.video_id)
    assert Notification.objects.filter(recipient=bob, kind="remix").count() == 1


def test_anonymous_readers_get_401(anon, bob, make_video):
    video = make_video(bob)
    for path in ("remixes", "lineage", "remix-tree"):
        response = anon.get(f"/api/v1/videos/{video.pk}/{path}/")
        assert response.status_code == 401, path


def test_reading_a_chain_or_a_tree_costs_the_same_whatever_its_size(as_alice, bob, make_video):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from feed.services import video_create_draft, video_publish
    from remix.services import remix_record
    from tests.feed.conftest import tiny_media

    def chain(length: int) -> tuple[Video, Video]:
        root = video = make_video(bob)
        for _ in range(length):
            video_bytes, poster = tiny_media()
            child = video_create_draft(author=bob, video_bytes=video_bytes, poster_bytes=poster)
            remix_record(video=child, parent=video)
            video = video_publish(video=child, actor=bob)
        return root, video

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert as_alice.get(path).status_code == 200
        return len(captured)

    short_root, short_leaf = chain(2)
    long_root, long_leaf = chain(6)
    queries(f"/api/v1/videos/{short_leaf.pk}/")  # the token's first use of the session writes once
    assert queries(f"/api/v1/videos/{short_leaf.pk}/lineage/") == queries(
        f"/api/v1/videos/{long_leaf.pk}/lineage/"
    )
    tree = "/api/v1/videos/{}/remix-tree/?depth=4"
    assert queries(tree.format(short_root.pk)) <= queries(tree.format(long_root.pk)) <= 4 + 20
