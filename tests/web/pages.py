"""Reading pages as a person does: the HTML of an answer and the text it shows."""

from __future__ import annotations

import html as html_module
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

# The client's ES modules are tested under Node's own test runner, with fakes for the browser's objects.
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js (apt-get install nodejs)")


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


def node_test(module_test: Path) -> None:
    """Runs one ``*.test.mjs`` file with ``node --test``; fails with its output unless every test passed."""
    result = subprocess.run(
        ["node", "--test", str(module_test)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=module_test.parent,
    )
    assert result.returncode == 0, result.stdout + result.stderr
