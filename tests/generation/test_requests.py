"""A generation request is checked in one place, ``generation.engine.requests``, by the API, the service and
the engine alike; a web process does it without PyTorch."""

from __future__ import annotations

import pytest

from generation.engine.config import get_config
from generation.engine.errors import InvalidRequest
from generation.engine.requests import DEFAULT_REMIX_STRENGTH, GenerationRequest, validate_request
from tests.generation.conftest import run_leaving_out


def test_a_web_process_checks_a_request_without_pytorch():
    code = (
        "import django\n"
        "django.setup()\n"
        "import sora_social.urls\n"
        "from generation import services\n"
        "from generation.engine.requests import Beat\n"
        "prompt, seed = services._validate(prompt='a red  ball', duration_seconds=2, aspect_ratio='square',\n"
        "    seed=3, storyboard=[Beat(0, 'a ball'), Beat(1, 'it bounces')], remix_strength=None)\n"
        "assert (prompt, seed) == ('a red ball', 3), (prompt, seed)\n"
    )
    run_leaving_out(code, ("torch", "transformers"))


@pytest.mark.parametrize("strength", [-0.1, 1.5, "high"])
def test_a_remix_strength_outside_0_to_1_is_refused(strength):
    with pytest.raises(InvalidRequest, match="between 0 and 1") as raised:
        validate_request(GenerationRequest(prompt="a ball", remix_strength=strength), get_config("tiny"))
    assert raised.value.field == "remix_strength"


def test_a_request_without_a_remix_strength_takes_the_default():
    checked = validate_request(GenerationRequest(prompt="a ball"), get_config("tiny"))
    assert checked.remix_strength == DEFAULT_REMIX_STRENGTH == 0.7
