"""The prompt policy on its own: term matching, similarity, the settings that replace the built-in lists."""

from __future__ import annotations

import pytest

from generation.policy import check_prompt, normalize


def test_normalize_reads_through_case_accents_digits_and_punctuation():
    assert normalize("A  NÜD3-photo!!") == "a nude photo"
    assert normalize("@alice jumps") == "alice jumps"


@pytest.mark.parametrize("prompt", ["two nudes", "GORE everywhere", "a s3x scene", "strip-tease"])
def test_terms_match_as_words(prompt):
    verdict = check_prompt([prompt])
    assert verdict.blocked and verdict.reason == "term"


@pytest.mark.parametrize(
    "prompt", ["Essex at dawn", "a gorey old castle", "sextant on a ship", "methane bubbles"]
)
def test_terms_do_not_match_inside_other_words(prompt):
    assert not check_prompt([prompt]).blocked


def test_the_closest_policy_example_decides_by_meaning():
    verdict = check_prompt(["a calm lake", "a gunman opens fire in a classroom full of kids"])
    assert verdict.blocked and verdict.reason == "similar_to_forbidden"
    assert verdict.text == "a gunman opens fire in a classroom full of kids"
    assert verdict.matched == "someone shooting people at a school" and verdict.score >= 0.5


def test_a_near_miss_is_reported_but_not_refused():
    verdict = check_prompt(["a child blowing out birthday candles"])
    assert not verdict.blocked and verdict.near_miss and 0.4 <= verdict.score < 0.5


def test_settings_replace_the_built_in_lists(settings):
    settings.PROMPT_POLICY_TERMS = ["broccoli"]
    settings.PROMPT_POLICY_EXAMPLES = []
    assert check_prompt(["steamed broccoli"]).blocked
    assert not check_prompt(["a naked child"]).blocked  # the operator chose an empty policy
    settings.PROMPT_POLICY_TERMS = None
    settings.PROMPT_POLICY_EXAMPLES = None
    assert check_prompt(["a naked child"]).blocked
