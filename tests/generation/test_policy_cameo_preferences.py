"""The prompt policy and the wishes of cameo owners ("never in political content"), on their own and through
the API; and the safety signals that tell moderation about refused and nearly refused prompts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cameos.models import Cameo
from feed.models import FeaturedCameo
from generation.models import GenerationJob, PromptRefusal
from generation.policy import check_cameo_preferences
from sora_social.core import safety
from sora_social.core.safety import PROMPT_NEAR_MISS, PROMPT_REFUSED, Signal

NO_POLITICS = "Never in political content. No violence please. Happy to be in sports videos."


def refused_by(texts: list[str], preferences: str, handle: str = "alice") -> str | None:
    """The clause that refused the texts, or None."""
    verdict = check_cameo_preferences(texts, [(handle, preferences)])
    if not verdict.blocked:
        return None
    assert verdict.reason == "cameo_preference" and verdict.cameo == handle
    return verdict.matched


# The policy function ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prompt",
    [
        "@alice giving a speech at an election rally",
        "@alice campaigning for president",
        "alice waving a party flag at a protest march",
        "@alice casting a ballot",
    ],
)
def test_a_never_in_political_content_wish_refuses_politics(prompt):
    assert refused_by([prompt], NO_POLITICS) == "Never in political content"


@pytest.mark.parametrize(
    "prompt",
    [
        "@alice playing tennis on a sunny day",
        "@alice baking bread",
        "@alice at a birthday party with balloons",
    ],
)
def test_the_same_wish_allows_everything_else(prompt):
    assert refused_by([prompt], NO_POLITICS) is None


def test_no_violence():
    assert refused_by(["@bob in a bloody sword fight"], "No violence please", "bob") == "No violence please"
    assert refused_by(["@bob in a BL00DY fight"], "No violence please", "bob") == "No violence please"
    assert refused_by(["@bob holding two guns"], "no violence", "bob") == "no violence"
    assert refused_by(["@bob walking a dog"], "No violence please", "bob") is None


@pytest.mark.parametrize(
    "preferences", ["I love cats", "", "Happy to be in political satire", "I don't mind sports"]
)
def test_preferences_without_a_negative_wish_refuse_nothing(preferences):
    texts = [
        "@alice giving a speech at an election rally",
        "@alice in a bloody sword fight",
        "@alice plays sports",
    ]
    assert refused_by(texts, preferences) is None


def test_a_positive_clause_does_not_carve_an_exception_out_of_a_wish():
    preferences = "Never in politics, but happy to be in political satire"
    assert refused_by(["@alice in a political satire sketch"], preferences) == "Never in politics"
    assert refused_by(["@alice in a cooking show"], preferences) is None


def test_every_negative_clause_and_each_topic_of_a_clause_counts():
    preferences = "I'm fine with most things. Don't put me in horror movies or ads; avoid alcohol"
    assert refused_by(["@bob chased by a zombie"], preferences) == "Don't put me in horror movies or ads"
    assert (
        refused_by(["@bob in a TV commercial for soda"], preferences)
        == "Don't put me in horror movies or ads"
    )
    assert refused_by(["@bob orders a beer"], preferences) == "avoid alcohol"
    assert refused_by(["@bob drives a car through town"], preferences) is None


def test_a_topic_outside_the_lexicon_is_matched_by_its_words_and_by_meaning(settings):
    assert refused_by(["@bob holding a spider"], "no spiders please", "bob") == "no spiders please"
    by_meaning = check_cameo_preferences(["@bob covered in tarantulas"], [("bob", "no spiders please")])
    assert by_meaning.blocked and by_meaning.score < 1.0
    assert by_meaning.score >= settings.PROMPT_POLICY_PREFERENCE_THRESHOLD
    settings.PROMPT_POLICY_PREFERENCE_THRESHOLD = 0.9
    assert not check_cameo_preferences(["@bob covered in tarantulas"], [("bob", "no spiders please")]).blocked


def test_a_handle_is_not_read_as_a_topic():
    assert refused_by(["@vote_king baking bread"], "never in politics", "vote_king") is None


def test_every_text_is_checked_and_the_refusing_cameo_is_named():
    verdict = check_cameo_preferences(
        ["a calm lake", "the two of them share a romantic kiss"],
        [("alice", "I love cats"), ("bob", "No kissing, ever")],
    )
    assert verdict.blocked and verdict.cameo == "bob" and verdict.matched == "No kissing"
    assert verdict.text == "the two of them share a romantic kiss"


# Through the API -------------------------------------------------------------------------------------------

URL = "/api/v1/generations/"


def generate(client, capture, **overrides):
    body = {"prompt": "a red ball drops onto the floor and bounces twice", "duration_seconds": 2}
    with capture(execute=True):
        return client.post(URL, {"aspect_ratio": "square", **body, **overrides}, format="json")


@pytest.fixture
def signals() -> Iterator[list[Signal]]:
    """Every safety signal raised while the test runs."""
    received: list[Signal] = []
    with safety.signalled.subscribed(received.append):
        yield received


@pytest.fixture
def bobs_cameo(bob, make_cameo) -> Cameo:
    cameo = make_cameo(bob, audience="everyone", handle="bobby")
    Cameo.objects.filter(pk=cameo.pk).update(preferences=NO_POLITICS)
    return cameo


@pytest.mark.usefixtures("generation_env")
def test_a_request_against_a_cameo_owners_wish_is_refused(
    as_alice, alice, bobs_cameo, signals, django_capture_on_commit_callbacks
):
    prompt = "@bobby giving a speech at an election rally"
    response = generate(
        as_alice, django_capture_on_commit_callbacks, prompt=prompt, cameo_ids=[str(bobs_cameo.pk)]
    )
    assert response.status_code == 422
    assert response.json() == {
        "code": "cameo_preferences",
        "detail": '@bobby does not want to appear in videos like this ("Never in political content").',
    }
    assert not GenerationJob.objects.filter(user=alice).exists()
    refusal = PromptRefusal.objects.get(user=alice)
    assert (refusal.prompt, refusal.reason, refusal.matched) == (
        prompt,
        "cameo_preference",
        "Never in political content",
    )
    assert [(s.kind, s.target_type, s.target_id, s.text) for s in signals] == [
        (PROMPT_REFUSED, "user", alice.pk, prompt)
    ]
    assert signals[0].details == {
        "reason": "cameo_preference",
        "matched": "Never in political content",
        "score": 1.0,
        "refusal_id": str(refusal.pk),
    }


@pytest.mark.usefixtures("generation_env")
def test_a_storyboard_beat_against_a_wish_is_refused_and_other_requests_pass(
    as_alice, alice, bobs_cameo, django_capture_on_commit_callbacks
):
    cameos = [str(bobs_cameo.pk)]
    beats = [{"at_seconds": 0, "prompt": "@bobby walks a dog"}, {"at_seconds": 1, "prompt": "a sword fight"}]
    refused = generate(as_alice, django_capture_on_commit_callbacks, storyboard=beats, cameo_ids=cameos)
    assert refused.status_code == 422 and refused.json()["code"] == "cameo_preferences"
    assert "No violence please" in refused.json()["detail"]

    allowed = generate(
        as_alice,
        django_capture_on_commit_callbacks,
        prompt="@bobby playing tennis on a sunny day",
        cameo_ids=cameos,
    )
    assert allowed.status_code == 202, allowed.json()
    # Without the cameo, the same political prompt is nobody's business but the policy's.
    alone = generate(as_alice, django_capture_on_commit_callbacks, prompt="a speech at an election rally")
    assert alone.status_code == 202
    assert GenerationJob.objects.filter(user=alice).count() == 2


@pytest.mark.usefixtures("generation_env")
def test_a_remix_is_held_to_the_wishes_of_the_cameos_it_inherits(
    as_alice, alice, bob, carol, make_video, make_cameo, django_capture_on_commit_callbacks
):
    carols = make_cameo(carol, audience="everyone", handle="caz")
    Cameo.objects.filter(pk=carols.pk).update(preferences="please don't put me in anything political")
    parent = make_video(bob)
    FeaturedCameo.objects.create(video=parent, cameo_id=carols.pk, owner=carol, handle=carols.handle)

    capture = django_capture_on_commit_callbacks
    response = generate(as_alice, capture, remix_of=str(parent.pk), prompt="now they are at a protest march")
    assert response.status_code == 422 and response.json()["code"] == "cameo_preferences"
    assert response.json()["detail"].startswith("@caz does not want to appear")
    assert PromptRefusal.objects.get(user=alice).reason == "cameo_preference"
    # Swapping the cameo out leaves nobody's wish to respect.
    swapped = generate(
        as_alice, capture, remix_of=str(parent.pk), prompt="now at a protest march", cameo_ids=[]
    )
    assert swapped.status_code == 202, swapped.json()


@pytest.mark.usefixtures("generation_env")
def test_a_cameo_i_may_not_use_tells_nothing_of_its_wishes(
    as_alice, alice, bob, make_cameo, django_capture_on_commit_callbacks
):
    private = make_cameo(bob, audience="only_me")
    Cameo.objects.filter(pk=private.pk).update(preferences="never in political content")
    response = generate(
        as_alice,
        django_capture_on_commit_callbacks,
        prompt="an election rally",
        cameo_ids=[str(private.pk), str(private.pk + 1000)],  # forbidden, and unknown
    )
    assert response.status_code == 403 and response.json()["code"] == "cameo_not_permitted"
    assert not PromptRefusal.objects.exists()


@pytest.mark.usefixtures("generation_env")
def test_an_owner_is_not_held_to_their_own_wishes(
    alice, as_alice, make_cameo, django_capture_on_commit_callbacks
):
    mine = make_cameo(alice, audience="only_me")
    Cameo.objects.filter(pk=mine.pk).update(preferences="never in political content")
    response = generate(
        as_alice,
        django_capture_on_commit_callbacks,
        prompt="me at an election rally",
        cameo_ids=[str(mine.pk)],
    )
    assert response.status_code == 202, response.json()


# Safety signals --------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("generation_env")
def test_a_prompt_refused_by_the_policy_is_signalled(
    as_alice, alice, signals, django_capture_on_commit_callbacks
):
    response = generate(as_alice, django_capture_on_commit_callbacks, prompt="a snuff film")
    assert response.status_code == 422 and response.json()["code"] == "prompt_blocked"
    refusal = PromptRefusal.objects.get(user=alice)
    assert signals == [
        Signal(
            kind=PROMPT_REFUSED,
            target_type="user",
            target_id=alice.pk,
            text="a snuff film",
            details={"reason": "term", "matched": "snuff", "score": 1.0, "refusal_id": str(refusal.pk)},
        )
    ]


@pytest.mark.usefixtures("generation_env")
def test_a_near_miss_is_signalled_with_its_job(
    as_alice, alice, settings, signals, django_capture_on_commit_callbacks
):
    ordinary = generate(as_alice, django_capture_on_commit_callbacks)
    assert ordinary.status_code == 202 and signals == []

    settings.PROMPT_POLICY_REVIEW_THRESHOLD = 0.2
    response = generate(as_alice, django_capture_on_commit_callbacks)
    assert response.status_code == 202
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert len(signals) == 1
    signal = signals[0]
    assert (signal.kind, signal.target_type, signal.target_id) == (PROMPT_NEAR_MISS, "user", alice.pk)
    assert signal.text == job.prompt
    assert signal.details["job_id"] == str(job.pk)
    assert signal.details["score"] == job.policy_score and 0.2 <= job.policy_score < 0.4
    assert signal.details["matched"] == "a terrorist bombing a crowd"


@pytest.mark.usefixtures("generation_env")
def test_a_near_miss_signal_is_part_of_the_jobs_transaction(
    as_alice, settings, django_capture_on_commit_callbacks
):
    """A listener that fails takes the job down with it: a flag is kept exactly when its job is."""

    def broken(signal: Signal) -> None:
        raise RuntimeError("moderation is down")

    settings.PROMPT_POLICY_REVIEW_THRESHOLD = 0.2
    with safety.signalled.subscribed(broken):
        response = generate(as_alice, django_capture_on_commit_callbacks)
    assert response.status_code == 500
    assert not GenerationJob.objects.exists()
