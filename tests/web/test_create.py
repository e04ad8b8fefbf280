"""Making a video on a page: the request form and its refusals in words, remixes with their parent's
defaults, and the job card with its progress and Cancel, through generation's and remix's services."""

from __future__ import annotations

import re

import pytest

from generation.models import GenerationJob
from tests.web.pages import html, text_of

pytestmark = pytest.mark.django_db

REQUEST = {"prompt": "a red kite over a green hill", "duration_seconds": "2", "aspect_ratio": "square"}


def test_the_form_offers_the_engines_lengths_and_shapes(alice_browser):
    page = html(alice_browser.get("/create/"))
    assert '<label for="id_prompt">What happens in the video</label>' in page
    assert re.findall(r'name="duration_seconds" value="(\d+)"', page) == ["2", "4", "8"]
    assert re.findall(r'name="aspect_ratio" value="(\w+)"', page) == ["portrait", "landscape", "square"]
    assert "No cameos you may use yet." in text_of(page)
    # A new request starts from the quickest length and the phone's shape, already chosen.
    assert re.findall(r'name="duration_seconds" value="(\d+)" checked', page) == ["2"]
    assert re.findall(r'name="aspect_ratio" value="(\w+)" checked', page) == ["portrait"]


def test_a_request_becomes_a_job_whose_card_shows_its_progress_and_cancels(alice, alice_browser):
    response = alice_browser.post("/create/", {**REQUEST, "seed": "7"})
    job = GenerationJob.objects.get(user=alice)
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert (job.prompt, job.duration_seconds, job.aspect_ratio, job.seed) == (
        REQUEST["prompt"],
        2,
        "square",
        7,
    )

    card = html(alice_browser.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true"))
    assert card.lstrip().startswith(f'<section id="job-{job.pk}"') and 'hx-trigger="every 3s"' in card
    assert '<progress max="100" value="0"' in card and "Queued" in text_of(card)

    alice_browser.post(f"/jobs/{job.pk}/cancel/")
    cancelled = html(alice_browser.get(f"/jobs/{job.pk}/"))
    assert "Cancelled" in text_of(cancelled) and "Cancelled at your request." in text_of(cancelled)
    assert "<progress" not in cancelled and "every 3s" not in cancelled


def test_missing_fields_are_named_next_to_them(alice, alice_browser):
    response = alice_browser.post("/create/", {"prompt": "", "aspect_ratio": "round"})
    assert response.status_code == 400
    page = html(response)
    assert 'id="id_prompt_error">This field may not be blank.<' in page
    assert 'id="id_duration_error">This field is required.<' in page
    assert 'id="id_aspect_error">&quot;round&quot; is not a valid choice.<' in page
    assert not GenerationJob.objects.exists()


def test_the_prompt_policy_and_the_quota_are_said_in_words(alice, alice_browser, settings):
    blocked = alice_browser.post("/create/", {**REQUEST, "prompt": "a naked child on a beach"})
    assert blocked.status_code == 400 and 'role="alert"' in html(blocked)
    assert 'value="2" checked' in html(blocked), "the form keeps what was chosen"

    settings.GENERATION_DAILY_QUOTA = 1
    alice_browser.post("/create/", REQUEST)
    refused = text_of(html(alice_browser.post("/create/", REQUEST)))
    assert "the daily limit" in refused and "Your quota frees up in about 24 h." in refused
    assert GenerationJob.objects.filter(user=alice).count() == 1


def test_a_remix_starts_from_its_parents_length_and_shape(alice, bob, make_video, alice_browser):
    parent = make_video(bob, caption="bob's kite")
    page = html(alice_browser.get(f"/create/?remix_of={parent.pk}"))
    assert "Remixing bob's kite by @bob" in text_of(page)
    assert 'name="duration_seconds" value="2" checked' in page
    assert 'name="aspect_ratio" value="landscape" checked' in page
    assert '<label for="id_remix_strength">' in page

    alice_browser.post(
        "/create/", {"prompt": "the kite at night", "remix_of": str(parent.pk), "remix_strength": "0.4"}
    )
    job = GenerationJob.objects.get(user=alice)
    assert (job.remix_of_id, job.remix_strength, job.aspect_ratio) == (parent.pk, 0.4, "landscape")


def test_what_may_not_be_remixed_is_refused_as_a_page(alice, bob, make_video, alice_browser):
    closed = make_video(bob)
    closed.allow_remix = False
    closed.save(update_fields=["allow_remix"])
    response = alice_browser.get(f"/create/?remix_of={closed.pk}")
    assert response.status_code == 403 and "This video cannot be remixed." in text_of(html(response))


def test_another_persons_job_is_not_there(alice, bob, alice_browser, page_client):
    page_client(bob).post("/create/", REQUEST)
    job = GenerationJob.objects.get(user=bob)
    assert alice_browser.get(f"/jobs/{job.pk}/").status_code == 404
    assert alice_browser.post(f"/jobs/{job.pk}/cancel/").status_code == 404
