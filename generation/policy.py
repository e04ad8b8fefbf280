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

A third check reads the wishes of the owners of the cameos a request features (``check_cameo_preferences``);
its own notes are below, with the code.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from django.conf import settings

from toolkit.minilm import embed_text, embed_texts

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

CAMEO_PREFERENCE = "cameo_preference"

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s"})


@dataclass(frozen=True)
class PolicyVerdict:
    blocked: bool
    reason: str  # "term", "similar_to_forbidden" or "cameo_preference" when blocked, "" otherwise
    matched: str  # the term, the policy example closest to the request, or the owner's wish (a clause)
    score: float  # the highest similarity to a policy example, 0 to 1
    text: str  # which of the request's texts decided it
    cameo: str = ""  # for "cameo_preference": the handle of the cameo whose owner's wish refused it

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


def find_term(text: str, terms: tuple[str, ...]) -> str | None:
    """The first of ``terms`` in ``text``, matched as the policy matches terms (case, accents, digits for
    letters, plurals); None when there is none."""
    pattern = _term_pattern(terms)
    found = pattern.search(normalize(text)) if pattern else None
    return found.group(1) if found else None


@lru_cache(maxsize=8)
def _example_vectors(examples: tuple[str, ...]) -> np.ndarray:
    return embed_texts(list(examples))


def check_prompt(texts: Sequence[str]) -> PolicyVerdict:
    """The verdict on every text a request would put into a video (the prompt and the storyboard beats)."""
    configured_terms, configured_examples = settings.PROMPT_POLICY_TERMS, settings.PROMPT_POLICY_EXAMPLES
    terms = DEFAULT_TERMS if configured_terms is None else tuple(configured_terms)
    examples = DEFAULT_EXAMPLES if configured_examples is None else tuple(configured_examples)
    for text in texts:
        term = find_term(text, terms)
        if term is not None:
            return PolicyVerdict(True, "term", term, 1.0, text)
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


# Cameo owners' wishes ---------------------------------------------------------------------------------------
#
# A cameo's preferences are free text ("Never in political content. No violence please. Happy to be in sports
# videos."). Sentence embeddings do not understand negation ("no violence" sits close to "violence"), so, as
# feed.preferences does for "more X, less Y", the words that negate are read here and only the topics are
# matched. The text is cut into clauses; a clause with a negation ("never", "no", "not", "don't", "avoid",
# "nothing", "without", "except", ...) is a wish, and what follows the negation, less filler words ("put me
# in", "any"), is its topic. A request is refused when one of its texts
#   (a) has the topic's words (the phrase as written; "no horror movies" looks for "horror"), or the words of
#       a sensitive topic of ``TOPIC_LEXICON`` that the wish names ("political" brings election, vote,
#       president, protest, ...), read through ``normalize`` like the term list; or
#   (b) is close in meaning to the topic: cosine similarity of the MiniLM embeddings at or above
#       ``PROMPT_POLICY_PREFERENCE_THRESHOLD``.
# Clauses without a negation ask for nothing to be refused: "I love cats" or "happy to be in political satire"
# refuse nothing, and they do not carve exceptions out of a wish either ("never in politics, but satire is
# fine" still refuses political satire): when the owner said no, we would rather refuse a video they might
# have allowed than make one they forbade. Idioms that negate without wishing anything away ("don't mind",
# "no problem") are not wishes.
#
# The threshold was measured with the topics as this code reads them and @handles read as "a person". On
# 32 wishes x 84 requests: the 59 pairs a person would call related score 0.15 to 0.63 (median 0.31;
# "political" against "waving a party flag at a protest march" is 0.17, against "campaigning for president"
# 0.38; "violence" against "a bloody sword fight" 0.31; "spider" against "covered in tarantulas" 0.57); the
# 1,558 unrelated pairs score 0.08 at the median, 0.24 at the 99th percentile, and only one is above 0.30:
# "swimwear" against "teaching kids to swim", 0.43. On 48 wishes x 80 everyday requests (3,840 pairs) the
# median is 0.05 and the 99th percentile 0.27; what scores above 0.35 shares the topic ("no cats" and "a cat
# naps on a windowsill", 0.50; "no dancing" and "dances salsa", 0.46) or a word in another sense ("no fast
# food" and "slices vegetables very fast", 0.46). At 0.35 meaning alone catches a third of the related
# pairs; with the words, 42 of the 59, against one unrelated pair refused by meaning.

NOT_A_WISH = re.compile(
    r"\b(?:(?:don t|dont|do not|not|never) mind|no (?:problem|worries|objection|pressure|matter)|not sure"
    r"|not opposed|nothing against)\b"
)
NEGATION = re.compile(
    r"\b(?:never|no|not|nothing|none|avoid|without|except|don t|dont|do not|doesn t|won t|wont|rather not"
    r"|keep me out of|keep me away from|stay away from|hate|dislike)\b"
)
FILLER = frozenset(
    """
    a an the any anything everything something of in into on at for with about from to near anywhere
    me my myself i m im you your us our it its is are am was be being been will would should could can
    appear appearing appearance appearances show shown showing put putting use used using see seen
    want wanna like do doing get getting make making have having let go going involved involve involving
    including include included feature featured featuring allowed comfortable fan okay ok fine
    ever please thanks thank all very really too much more other such that this these those or and nor
    kind kinds sort type types stuff thing things related content contents video videos clip clips movie
    movies film films scene scenes theme themes topic topics material situation situations setting
    settings role roles context face likeness cameo image picture
    """.split()  # noqa: SIM905 (150 one-word strings read better as text)
)
# A wish that names a sensitive topic (any of the words of a key) covers the related words and phrases of its
# value too. Words that are common in other senses ("rally": tennis; "brand": brand new; "shoot": photo shoot)
# are left out or given as a phrase; meaning catches what they would have.
TOPIC_LEXICON: dict[str, str] = {
    "politics political politician election": (
        "politics, political, politician, election, elect, campaigning, election campaign, political "
        "campaign, campaign trail, vote, voting, voter, ballot, president, presidential, prime minister, "
        "senator, senate, congress, congressman, congresswoman, parliament, government, minister, "
        "governor, mayor, protest, protester, protestor, protest march, political rally, election rally, "
        "campaign rally, activist, activism, party flag, political party, democrat, republican, "
        "propaganda"
    ),
    "violence violent gore gory blood bloody bloodshed brutal brutality": (
        "violence, violent, fight, fighting, fistfight, brawl, punching, punched, punches, beat up, "
        "blood, bloody, bleeding, gore, gory, weapon, gun, gunfire, gunfight, shootout, rifle, pistol, "
        "stab, stabbed, stabbing, knife fight, sword fight, war, warfare, combat, murder, kill, killing, "
        "killed, assault, torture, massacre, wounded"
    ),
    "alcohol alcoholic drinking drunk booze": (
        "alcohol, alcoholic, drunk, booze, beer, wine, vodka, whisky, whiskey, tequila, rum, gin, liquor, "
        "cocktail, champagne, pub, hangover, drinking game"
    ),
    "smoking smoke cigarette drug vaping": (
        "smoking, smokes, cigarette, cigar, vape, vaping, weed, marijuana, cannabis, cocaine, heroin, "
        "drug, stoned"
    ),
    "religion religious faith": (
        "religion, religious, church, mosque, temple, synagogue, prayer, pray, praying, priest, nun, "
        "imam, rabbi, monk, bible, quran, koran, torah, god, jesus, allah, worship, sermon"
    ),
    "romance romantic kiss kissing dating sexy sexual": (
        "romance, romantic, kiss, kissing, make out, making out, flirt, flirting, on a date, dating, "
        "boyfriend, girlfriend, love scene, honeymoon, sexy, seductive, lingerie"
    ),
    "horror scary creepy frightening gruesome": (
        "horror, scary, creepy, zombie, ghost, haunted, monster, demon, possessed, slasher, nightmare, "
        "serial killer, vampire, terrifying"
    ),
    "advertising ad advert advertisement commercial marketing sponsored promotion promotional endorsement": (
        "advertising, advertisement, advert, ad, commercial, sponsored, sponsor, endorse, endorsing, "
        "endorsement, promoting, promo, marketing, product placement, buy now"
    ),
    "gambling betting casino": (
        "gambling, gamble, casino, poker, betting, bet, slot machine, roulette, blackjack"
    ),
}
_MENTION = re.compile(r"@[\w.]+")
_CLAUSES = re.compile(
    r"[,;.!?\n]+|\s+but\s+|\s+(?:and|or)\s+(?=(?:no|not|never|nothing|avoid|don\W?t)\b)", re.I
)
_SUBTOPICS = re.compile(r"\s+(?:or|and|nor)\s+|\s*[/&+]\s*")


@dataclass(frozen=True)
class Wish:
    """One thing a cameo's owner does not want: the clause as they wrote it and the topics it names."""

    handle: str
    clause: str
    topics: tuple[str, ...]  # normalised, less filler words, the last word singular: "political", "spider"
    pattern: re.Pattern[str] | None  # the topics' words and the related words of the lexicon


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "news")) and len(word) > 2:
        return word[:-1]
    return word


def _strip_filler(words: list[str]) -> list[str]:
    start, end = 0, len(words)
    while start < end and words[start] in FILLER:
        start += 1
    while end > start and words[end - 1] in FILLER:
        end -= 1
    return words[start:end]


@lru_cache(maxsize=256)
def read_wishes(handle: str, preferences: str) -> tuple[Wish, ...]:
    """The negative wishes in a cameo's preferences; none in a text that asks for nothing to be left out."""
    wishes = []
    for clause in _CLAUSES.split(preferences):
        clause = clause.strip()
        said = normalize(clause)
        if not said or NOT_A_WISH.search(said):
            continue
        negation = NEGATION.search(said)
        if negation is None:
            continue
        topics = []
        for part in _SUBTOPICS.split(said[negation.end() :]):
            words = _strip_filler(part.split())
            if words:
                topics.append(" ".join([*words[:-1], _singular(words[-1])]))
        if not topics:
            continue
        named = {word for topic in topics for word in topic.split()} | {
            _singular(word) for topic in topics for word in topic.split()
        }
        related = [words for names, words in TOPIC_LEXICON.items() if named & set(names.split())]
        terms = (*topics, *(word.strip() for words in related for word in words.split(",")))
        wishes.append(Wish(handle, clause, tuple(topics), _term_pattern(terms)))
    return tuple(wishes)


def _as_read(text: str) -> str:
    """A request's text with its @handles read as "a person", so that a name neither matches a topic's
    words nor pulls the embedding towards it."""
    return _MENTION.sub("a person", text)


def check_cameo_preferences(texts: Sequence[str], wishes: Sequence[tuple[str, str]]) -> PolicyVerdict:
    """The verdict on a request's texts against the wishes of the owners of the cameos it features, each
    given as (handle, preferences). Refused ("cameo_preference") when a text goes against a negative wish;
    ``matched`` is the wish's clause and ``cameo`` its handle."""
    read = [wish for handle, preferences in wishes for wish in read_wishes(handle, preferences)]
    if not read:
        return PolicyVerdict(False, "", "", 0.0, "")
    shown = [_as_read(text) for text in texts]
    for wish in read:
        for text, seen in zip(texts, shown, strict=True):
            if wish.pattern is not None and wish.pattern.search(normalize(seen)):
                return PolicyVerdict(True, CAMEO_PREFERENCE, wish.clause, 1.0, text, wish.handle)
    best = PolicyVerdict(False, "", "", 0.0, "")
    vectors = embed_texts(shown)
    for wish in read:
        for topic in wish.topics:
            similarity = vectors @ embed_text(topic)
            index = int(np.argmax(similarity))
            score = float(similarity[index])
            if score > best.score:
                best = PolicyVerdict(False, "", wish.clause, score, texts[index], wish.handle)
    if best.score >= settings.PROMPT_POLICY_PREFERENCE_THRESHOLD:
        return PolicyVerdict(True, CAMEO_PREFERENCE, best.matched, best.score, best.text, best.cameo)
    return best
