"""The prompt policy: what we refuse to generate, decided before a job is queued.

Two checks, both configurable in settings. A list of terms (``PROMPT_POLICY_TERMS``) catches the explicit
words; matching ignores case, accents, punctuation and digit-for-letter spellings ("n4ked"), and plurals.
Semantic similarity catches paraphrases: every text of the request is embedded with the MiniLM sentence
encoder and compared with examples of what the policy forbids (``PROMPT_POLICY_EXAMPLES``); a cosine
similarity at or above ``PROMPT_POLICY_THRESHOLD`` refuses it. On our examples benign prompts stay below
0.45 ("a child blowing out birthday candles" is the closest, at 0.43) and paraphrases of forbidden ones
mostly land between 0.5 and 0.65; the term list covers those that land lower. A prompt at or above
``PROMPT_POLICY_REVIEW_THRESHOLD`` that is not refused is a near miss, which the verdict reports so that
moderation can look at it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from django.conf import settings

from sora_social.core.text_embedding import embed_text, embed_texts

DEFAULT_TERMS = (
    "porn",
    "porno",
    "pornographic",
    "nude",
    "naked",
    "nudity",
    "topless",
    "sex",
    "sexual",
    "erotic",
    "orgasm",
    "genitals",
    "strip tease",
    "striptease",
    "cp",
    "loli",
    "lolicon",
    "shota",
    "underage",
    "jailbait",
    "behead",
    "beheading",
    "decapitate",
    "decapitated",
    "dismember",
    "dismembered",
    "gore",
    "snuff",
    "suicide",
    "self harm",
    "kill myself",
    "slit wrists",
    "school shooting",
    "mass shooting",
    "bomb making",
    "make a bomb",
    "meth",
    "methamphetamine",
    "terrorist attack",
    "kkk",
)

DEFAULT_EXAMPLES = (
    "sexual content involving a child",
    "a naked child",
    "a minor undressing",
    "explicit sex scene",
    "pornographic video of a woman undressing",
    "a real person shown naked without their consent",
    "a person being beheaded with blood everywhere",
    "graphic gore, bodies torn apart",
    "someone shooting people at a school",
    "a terrorist bombing a crowd",
    "instructions for building a bomb",
    "a person cutting themselves, self harm",
    "someone committing suicide",
    "torturing an animal until it bleeds",
    "a racist attack on a group of people",
    "hateful propaganda against a religion",
    "making methamphetamine in a lab",
    "a real politician saying something they never said, a deepfake",
)

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s"})


@dataclass(frozen=True)
class PolicyVerdict:
    blocked: bool
    reason: str  # "term" or "similar_to_forbidden" when blocked, "" otherwise
    matched: str  # the term or the policy example closest to the request
    score: float  # the highest similarity to a policy example, 0 to 1
    text: str  # which of the request's texts decided it

    @property
    def near_miss(self) -> bool:
        return not self.blocked and self.score >= settings.PROMPT_POLICY_REVIEW_THRESHOLD


def normalize(text: str) -> str:
    """Lower case, no accents, digits read as the letters they stand for, words separated by one space."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = text.casefold().translate(_LEET)
    return " ".join(re.findall(r"[a-z]+", text))


@lru_cache(maxsize=8)
def _term_pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    words = sorted({normalize(term) for term in terms} - {""}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"\b(" + "|".join(re.escape(word) for word in words) + r")(?:s|es)?\b")


@lru_cache(maxsize=8)
def _example_vectors(examples: tuple[str, ...]) -> np.ndarray:
    return embed_texts(list(examples))


def check_prompt(texts: Sequence[str]) -> PolicyVerdict:
    """The verdict on every text a request would put into a video (the prompt and the storyboard beats)."""
    configured_terms, configured_examples = settings.PROMPT_POLICY_TERMS, settings.PROMPT_POLICY_EXAMPLES
    terms = DEFAULT_TERMS if configured_terms is None else tuple(configured_terms)
    examples = DEFAULT_EXAMPLES if configured_examples is None else tuple(configured_examples)
    pattern = _term_pattern(terms)
    for text in texts:
        found = pattern.search(normalize(text)) if pattern else None
        if found:
            return PolicyVerdict(True, "term", found.group(1), 1.0, text)
    best = PolicyVerdict(False, "", "", 0.0, "")
    if not examples:
        return best
    vectors = _example_vectors(examples)
    for text in texts:
        similarity = vectors @ embed_text(text)
        index = int(np.argmax(similarity))
        score = float(similarity[index])
        if score > best.score:
            best = PolicyVerdict(False, "", examples[index], score, text)
    if best.score >= settings.PROMPT_POLICY_THRESHOLD:
        return PolicyVerdict(True, "similar_to_forbidden", best.matched, best.score, best.text)
    return best
