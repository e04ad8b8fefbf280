"""The one rule for free text that people write for others to read (names, bios, captions, comments, notes,
prompts): characters that change how the text around them is shown, without being seen themselves, are
taken out.

That is every format character (Unicode category Cf: right-to-left overrides and the other bidirectional
embeddings, isolates and marks, zero-width spaces, word joiners, soft hyphens, byte order marks, invisible
operators, stray tag characters) and every control character (Cc) but tab and line breaks. A right-to-left
override makes "gnp.exe" read "exe.png", and invisible characters make look-alike names and hide words
from the checks text goes through. A person typing never meant any of them, so they are dropped rather
than refused. Kept: the zero-width joiners that emoji and several scripts need, the Arabic and Syriac
number signs (visible marks), and the tag characters of a subdivision flag emoji (England's, Scotland's).
"""

from __future__ import annotations

import re
import unicodedata

_VISIBLE_FORMAT = frozenset(
    "\u200c\u200d"  # zero-width non-joiner and joiner
    "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd"  # number signs
)
_KEPT_CONTROLS = frozenset("\t\n\r")
# A black flag followed by tag letters and a cancel tag: the emoji of a region such as England.
_FLAG_TAG_SEQUENCE = re.compile("(\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f)")


def _hidden(char: str) -> bool:
    category = unicodedata.category(char)
    if category == "Cc":
        return char not in _KEPT_CONTROLS
    return category == "Cf" and char not in _VISIBLE_FORMAT


def _strip(part: str) -> str:
    return "".join(char for char in part if not _hidden(char))


def strip_hidden_characters(text: str) -> str:
    """``text`` without the format and control characters that people do not see (see the module)."""
    if text.isascii() and text.isprintable():
        return text
    parts = _FLAG_TAG_SEQUENCE.split(text)
    # split() puts the flag sequences it found at the odd places.
    return "".join(part if index % 2 else _strip(part) for index, part in enumerate(parts))
