"""Making a video on a page: the request form and its refusals in words, remixes with their parent's
defaults, and the job card with its progress and Cancel, through generation's and remix's services."""

from __future__ import annotations

import re

import pytest

from cameos.models import Cameo
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


def beat_fields(page: str) -> list[tuple[str, str]]:
    """The beats a Create form shows: (second, words) of each, in order."""
    seconds = re.findall(
        r'name="beat_seconds" type="text" inputmode="decimal" autocomplete="off" value="([^"]*)"', page
    )
    words = re.findall(r'name="beat_text" rows="2"[^>]*>([^<]*)</textarea>', page)
    return list(zip(seconds, words, strict=True))


def test_beats_are_added_moved_and_removed_with_plain_posts_keeping_what_was_typed(alice, alice_browser):
    empty = alice_browser.post("/create/", {**REQUEST, "beat": "add"})
    assert empty.status_code == 200 and beat_fields(html(empty)) == [("0", "")]
    assert '<label for="id_beat_seconds_1">Beat 1 starts at second</label>' in html(empty)
    assert '<label for="id_beat_text_1">What happens in beat 1</label>' in html(empty)
    assert 'value="2" checked' in html(empty) and REQUEST["prompt"] in html(empty)

    typed = {**REQUEST, "beat_seconds": ["0", "1"], "beat_text": ["the kite rises", "the kite dives"]}
    added = html(alice_browser.post("/create/", {**typed, "beat": "add"}))
    assert beat_fields(added) == [("0", "the kite rises"), ("1", "the kite dives"), ("", "")]
    assert 'aria-label="Move beat 2 up">Up</button>' in added
    assert 'aria-label="Remove beat 3">Remove</button>' in added

    # Moving trades the words and keeps the seconds in order of time.
    moved = html(alice_browser.post("/create/", {**typed, "beat": "down-1"}))
    assert beat_fields(moved) == [("0", "the kite dives"), ("1", "the kite rises")]
    assert beat_fields(html(alice_browser.post("/create/", {**typed, "beat": "up-2"}))) == beat_fields(moved)
    removed = html(alice_browser.post("/create/", {**typed, "beat": "remove-1"}))
    assert beat_fields(removed) == [("1", "the kite dives")]
    # A button for a beat that is not there changes nothing.
    assert beat_fields(html(alice_browser.post("/create/", {**typed, "beat": "remove-9"}))) == beat_fields(
        html(alice_browser.post("/create/", typed | {"beat": "up-1"}))
    )
    assert not GenerationJob.objects.exists()


def test_htmx_swaps_in_the_beats_alone(alice_browser):
    typed = {**REQUEST, "beat_seconds": ["0"], "beat_text": ["the kite rises"], "beat": "add"}
    fragment = html(alice_browser.post("/create/", typed, HTTP_HX_REQUEST="true")).strip()
    assert (
        fragment.startswith('<fieldset class="field storyboard" id="storyboard"') and "<form" not in fragment
    )
    assert beat_fields(fragment) == [("0", "the kite rises"), ("", "")]
    assert 'name="beat_text" rows="2" autofocus' in fragment, "the new beat takes the focus"


def test_no_more_beats_than_the_engine_takes_can_be_added(alice_browser):
    full = {**REQUEST, "beat_seconds": [str(n / 4) for n in range(8)], "beat_text": ["a beat"] * 8}
    page = html(alice_browser.post("/create/", {**full, "beat": "add"}))
    assert len(beat_fields(page)) == 8
    assert 'value="add"' not in page and "A storyboard has at most 8 beats." in text_of(page)


def test_a_storyboard_goes_into_the_job_and_blank_beats_are_left_out(alice, alice_browser):
    response = alice_browser.post(
        "/create/",
        {**REQUEST, "beat_seconds": ["0", "", "1.5"], "beat_text": ["the kite rises", "", "the kite dives"]},
    )
    assert response.status_code == 302
    assert GenerationJob.objects.get(user=alice).storyboard == [
        {"at_seconds": 0.0, "prompt": "the kite rises"},
        {"at_seconds": 1.5, "prompt": "the kite dives"},
    ]


def test_a_beat_past_the_videos_length_is_refused_at_that_beat(alice, alice_browser):
    sent = {**REQUEST, "beat_seconds": ["0", "5"], "beat_text": ["the kite rises", "the kite dives"]}
    response = alice_browser.post("/create/", sent)
    assert response.status_code == 400
    page = html(response)
    assert (
        '<p class="field-error" id="id_beat_seconds_2_error">'
        "Must be from 0 to under 2 (the clip&#x27;s length).</p>"
    ) in page
    assert 'id="id_storyboard_error">Some beats need another look.<' in page
    assert beat_fields(page) == [("0", "the kite rises"), ("5", "the kite dives")], "the beats are kept"
    assert not GenerationJob.objects.exists()


def test_a_beats_bad_second_or_missing_words_are_said_next_to_them(alice, alice_browser):
    sent = {**REQUEST, "beat_seconds": ["soon", "1"], "beat_text": ["the kite rises", ""]}
    page = html(alice_browser.post("/create/", sent))
    assert 'id="id_beat_seconds_1_error">A valid number is required.<' in page
    assert 'id="id_beat_text_2_error">This field may not be blank.<' in page
    assert 'id="id_beat_seconds_1" name="beat_seconds"' in page and 'aria-invalid="true"' in page
    # Beats out of order are about the storyboard as a whole, said above the beats.
    swapped = {**REQUEST, "beat_seconds": ["1", "0"], "beat_text": ["the kite rises", "the kite dives"]}
    refused = html(alice_browser.post("/create/", swapped))
    assert (
        'id="id_storyboard_error">Storyboard beats must be in order of seconds, each later than the last.<'
    ) in refused
    assert not GenerationJob.objects.exists()


def test_the_cameo_search_finds_by_handle_or_name_among_those_one_may_use(
    alice, bob, carol, make_cameo, alice_browser
):
    kite = make_cameo(bob, handle="kite_runner")
    dog = make_cameo(bob, handle="rex")
    dog.display_name = "Rex the kite-chasing dog"
    dog.save(update_fields=["display_name"])
    make_cameo(bob, handle="cloud")
    make_cameo(carol, handle="kite_private", audience="only_me")

    found = html(alice_browser.get("/create/cameos/", {"cameo_q": "KITE"}, HTTP_HX_REQUEST="true"))
    assert found.strip().startswith('<div id="cameo-choices"')
    assert re.findall(r'name="cameo_ids" value="(\d+)"', found) == [str(kite.pk), str(dog.pk)]
    assert "@kite_private" not in found and "@cloud" not in found
    assert "@rex" in text_of(html(alice_browser.get("/create/cameos/", {"cameo_q": "@re"})))
    nothing = text_of(html(alice_browser.get("/create/cameos/", {"cameo_q": "kite_private"})))
    assert "No cameo you may use matches “kite_private”." in nothing


def test_chosen_cameos_stay_chosen_whatever_the_search(alice, bob, make_cameo, alice_browser):
    kite = make_cameo(bob, handle="kite_runner")
    cloud = make_cameo(bob, handle="cloud")
    fragment = html(alice_browser.get("/create/cameos/", {"cameo_q": "cloud", "cameo_ids": [str(kite.pk)]}))
    assert re.findall(r'value="(\d+)"( checked)?>', fragment) == [
        (str(kite.pk), " checked"),
        (str(cloud.pk), ""),
    ]

    # Without JavaScript the Search button posts the form, which comes back searched, with all kept.
    sent = {**REQUEST, "cameo_q": "cloud", "cameo_ids": [str(kite.pk)], "cameo_search": "1"}
    response = alice_browser.post("/create/", sent)
    page = html(response)
    assert response.status_code == 200 and 'name="cameo_q" type="search" value="cloud"' in page
    assert f'value="{kite.pk}" checked' in page and f'value="{cloud.pk}">' in page
    assert REQUEST["prompt"] in page and not GenerationJob.objects.exists()


def test_a_search_shows_a_few_and_says_when_more_match(alice, bob, make_cameo, alice_browser, monkeypatch):
    monkeypatch.setattr("web.views.create.CAMEOS_SHOWN", 2)
    for handle in ("kite_a", "kite_b", "kite_c"):
        make_cameo(bob, handle=handle)
    page = html(alice_browser.get("/create/cameos/", {"cameo_q": "kite"}))
    assert re.findall(r"@(kite_\w)", page) == ["kite_a", "kite_b"]
    assert "More cameos match “kite”: type more of a handle or name" in text_of(page)


def test_a_search_too_long_is_refused_in_words(alice_browser):
    response = alice_browser.get("/create/cameos/", {"cameo_q": "k" * 51})
    assert response.status_code == 400
    assert 'id="id_cameo_q_error">Search with at most 50 characters.<' in html(response)


def test_more_cameos_than_a_video_takes_are_refused_next_to_the_cameos(alice, bob, make_cameo, alice_browser):
    chosen = [str(make_cameo(bob).pk) for _ in range(3)]
    response = alice_browser.post("/create/", {**REQUEST, "cameo_ids": chosen})
    assert response.status_code == 400
    assert 'id="id_cameos_error">A video features at most 2 cameos.<' in html(response)
    kept = re.findall(r'name="cameo_ids" value="(\d+)" checked', html(response))
    assert sorted(kept) == sorted(chosen), "the cameos chosen stay chosen"
    assert not GenerationJob.objects.exists()


def test_a_cameo_one_may_not_use_is_refused_and_not_listed(alice, carol, make_cameo, alice_browser):
    private = make_cameo(carol, audience="only_me")
    response = alice_browser.post("/create/", {**REQUEST, "cameo_ids": [str(private.pk)]})
    assert response.status_code == 400
    assert 'id="id_cameos_error">You may not put this cameo in a video.<' in html(response)
    assert f'value="{private.pk}"' not in html(response)
    assert not GenerationJob.objects.exists()


def test_a_signed_out_visitor_is_sent_to_sign_in_from_the_form_and_its_parts(client):
    assert client.get("/create/")["Location"] == "/sign-in/?next=/create/"
    assert client.post("/create/", {**REQUEST, "beat": "add"})["Location"].startswith("/sign-in/")
    assert client.get("/create/cameos/?cameo_q=kite")["Location"].startswith("/sign-in/")
    assert not GenerationJob.objects.exists()


def test_a_cameo_owners_wish_is_said_next_to_the_cameos_with_what_to_do(
    alice, bob, make_cameo, alice_browser
):
    cameo = make_cameo(bob, handle="bob_on_camera", audience="everyone")
    Cameo.objects.filter(pk=cameo.pk).update(preferences="Never in political content.")
    prompt = "@bob_on_camera giving a speech at an election rally"
    sent = {**REQUEST, "prompt": prompt, "cameo_ids": [cameo.pk]}
    refused = alice_browser.post("/create/", sent)
    assert refused.status_code == 400
    shown = text_of(html(refused))
    assert "@bob_on_camera does not want to appear in videos like this" in shown
    assert "Describe the video differently, or leave that cameo out." in shown
    assert 'id="id_cameos_error"' in html(refused), "said next to the cameos"
    assert not GenerationJob.objects.filter(user=alice).exists()
