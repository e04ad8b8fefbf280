"""Reading pages as a person does: the HTML of an answer and the text it shows."""

from __future__ import annotations

import html as html_module
import re
from typing import Any


def html(response: Any) -> str:
    """The body of an answer, after checking that it is HTML."""
    assert response["Content-Type"].startswith("text/html"), response["Content-Type"]
    return str(response.content.decode())


def text_of(markup: str) -> str:
    """What a person reads: the markup without its tags, entities decoded, white space folded."""
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def csrf_token(markup: str) -> str:
    """The CSRF token of the first form on a page."""
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', markup)
    assert found, "the page has no form with a CSRF token"
    return found[1]
