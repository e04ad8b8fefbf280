"""Property-based fuzzing of the whole API from its own OpenAPI schema (schemathesis, on Hypothesis): every
operation gets requests generated from its schema (the schema's examples, boundary and malformed values for
each parameter and field, then random ones), for an anonymous client, for a signed-in member and, on the
moderation routes, for a moderator. Each response must be no server error, carry a status code the
operation documents, and match the schema documented for that status.

Requests go in process through Django's WSGI handler, with every middleware the server runs (the body
limits that ``python -m sora_social.server`` enforces before Django have tests of their own). The signed-in
runs start each operation with a world of their own (people who follow and block each other, cameos,
videos and a draft, comments, a like, a queued generation, reports, a removal and its appeal), and one in
two generated ids, usernames and id fields name one of its objects, so that requests reach past "not
found".

The run is seeded and derandomized, so CI sees the same requests every time. ``FUZZ_MAX_EXAMPLES`` sets how
many random requests each operation gets besides the schema-derived ones (default 5); a nightly run may set
it to a few hundred. The figures (operations, requests, failures, time) are printed at the end.
"""

from __future__ import annotations

import copy
import itertools
import os
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from cameos.models import Cameo
from cameos.services import (
    cameo_approval_grant,
    cameo_create,
    cameo_uses_record,
    cameos_for_generation,
    verification_challenge_create,
)
from feed.models import Video
from feed.services import comment_create, like_create, video_create_draft, video_publish
from generation.services import generation_request
from moderation.services import appeal_create, item_resolve, report_create
from sora_social.accounts.models import User
from sora_social.accounts.selectors import MODERATORS_GROUP
from sora_social.accounts.services import auth_token_create, block_create, follow_create, user_register
from tests.cameos.conftest import references
from tests.conftest import PASSWORD
from tests.feed.conftest import tiny_media
from tests.generation.conftest import generation_env, provenance_dir  # noqa: F401 (fixtures used here)
from tests.openapi import CHECKS, generated_schema

# A browser's CSRF cookie and the header it sends back, so that session sign-in is fuzzed past the check.
# About a minute on two cores in all.
pytestmark = pytest.mark.slow

CSRF_TOKEN = "fuzz" * 8
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "5"))

schema = schemathesis.openapi.from_dict(
    copy.deepcopy(generated_schema()),
    config=schemathesis.Config.from_dict(
        {
            "seed": int(os.environ.get("FUZZ_SEED", "20250")),
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
        }
    ),
)
schema.app = get_wsgi_application()

# The world's objects, by the name of the path parameter, query parameter or body field that takes them.
known: dict[str, list[str]] = {}


@schema.hook
def flatmap_case(context: Any, case: Any) -> Any:
    """Either the generated value or one of the world's objects, for each parameter and field naming one."""
    choices: dict[tuple[str, str], Any] = {}
    for location in ("path_parameters", "query", "body"):
        values = getattr(case, location)
        if not isinstance(values, dict):
            continue
        for name, generated in values.items():
            if name not in known:
                continue
            if isinstance(generated, list):
                ours = st.lists(st.sampled_from(known[name]), min_size=1, max_size=2)
            else:
                ours = st.sampled_from(known[name])
            choices[(location, name)] = st.one_of(st.just(generated), ours)

    def chosen(values: dict[tuple[str, str], Any]) -> Any:
        for (location, name), value in values.items():
            getattr(case, location)[name] = value
        return case

    return st.fixed_dictionaries(choices).map(chosen)


@dataclass
class Figures:
    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    failed: set[str] = field(default_factory=set)


figures = Figures()
_names = itertools.count(1)


def build_world(me: User) -> None:
    """Objects around ``me`` for the fuzzer to find, through the services that make them in the product."""
    prefix = me.username

    def person(name: str) -> User:
        return user_register(username=f"{prefix}_{name}", password=PASSWORD)

    def cameo(owner: User, *, kind: str = "character", audience: str = "everyone", seed: int = 0) -> Cameo:
        handle = f"{owner.username}_{kind}"
        return cameo_create(
            owner=owner,
            kind=kind,
            handle=handle,
            display_name=handle,
            audience=audience,
            reference_images=references(seed, 1),
        )

    def video(author: User, *cameos: Cameo, publish: bool = True) -> Video:
        video_bytes, poster = tiny_media()
        featured = cameos_for_generation(user=author, cameo_ids=[c.pk for c in cameos])
        made = video_create_draft(
            author=author, video_bytes=video_bytes, poster_bytes=poster, prompt="a ball", cameos=featured
        )
        cameo_uses_record(video=made)
        if publish:
            made = video_publish(video=made, actor=author, caption=f"by {author.username}")
        return made

    bob, carol, dave, mod = person("bob"), person("carol"), person("dave"), person("mod")
    mod.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    follow_create(follower=me, followee=bob)
    follow_create(follower=bob, followee=me)
    follow_create(follower=dave, followee=me)
    block_create(blocker=me, blocked=carol)

    mine = cameo(me, audience="approved")
    cameo_approval_grant(cameo=mine, username=bob.username, actor=me)
    selfie = cameo(me, kind="self", seed=1)
    challenge = verification_challenge_create(cameo=selfie, actor=me)
    bobs_cameo = cameo(bob, audience="mutuals", seed=2)

    my_video = video(me, mine)
    draft = video(me, bobs_cameo, publish=False)
    bobs_video = video(bob, mine)
    daves_video = video(dave)
    my_comment = comment_create(video=bobs_video, author=me, text="nice")
    bobs_comment = comment_create(video=my_video, author=bob, text="thanks")
    like_create(video=bobs_video, user=me)
    like_create(video=my_video, user=bob)

    # Queued: a worker would take it once the transaction commits, which it never does here.
    job, _ = generation_request(
        user=me, prompt="a red ball bounces", duration_seconds=2, aspect_ratio="square"
    )

    my_report, _ = report_create(reporter=me, target_type="comment", target_id=bobs_comment.pk, reason="spam")
    bobs_report, _ = report_create(reporter=bob, target_type="video", target_id=daves_video.pk, reason="spam")
    removal = item_resolve(item=bobs_report.item, moderator=mod, action="remove_content", note="spam")
    assert removal is not None
    appeal = appeal_create(appellant=dave, enforcement_id=removal.pk, text="it was not spam")
    against_me, _ = report_create(reporter=bob, target_type="comment", target_id=my_comment.pk, reason="spam")
    warning = item_resolve(item=against_me.item, moderator=mod, action="warn", note="be kind")
    assert warning is not None

    known.update(
        cameo_id=[str(c.pk) for c in (mine, selfie, bobs_cameo)],
        cameo_ids=[str(mine.pk), str(bobs_cameo.pk)],
        video_id=[str(v.pk) for v in (my_video, draft, bobs_video, daves_video)],
        remix_of=[str(my_video.pk), str(bobs_video.pk)],
        comment_id=[str(my_comment.pk), str(bobs_comment.pk)],
        job_id=[str(job.pk)],
        username=[me.username, bob.username, carol.username, dave.username],
        password=[PASSWORD],
        actor=[mod.username, bob.username],
        challenge_id=[str(challenge.pk)],
        item_id=[str(my_report.item_id), str(bobs_report.item_id), str(against_me.item_id)],
        appeal_id=[str(appeal.pk)],
        action_id=[str(removal.pk), str(warning.pk)],
        target_id=[str(bobs_video.pk), str(bobs_comment.pk), str(bob.pk), str(bobs_cameo.pk)],
    )


@pytest.fixture
def connection_kept() -> Iterator[None]:
    """A request's end leaves the test's database connection open, and with it the test's transaction, as
    Django's test client does (the WSGI handler closes connections when a request finishes)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def client_headers(
    request: pytest.FixtureRequest,
    db: None,
    connection_kept: None,
    generation_env: Any,  # noqa: F811
    settings: Any,
) -> Iterator[dict[str, str]]:
    """The headers the role sends; a signed-in role gets a fresh world first."""
    # Reports are rate limited like sign-ins, which the suite lets through: past the limit every report
    # would be the same 429.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "report": "100000/min",
        },
    }
    # The host schemathesis' WSGI client sends, and sets cookies for.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    role = request.param
    if role == "anonymous":
        yield {}
        return
    me = user_register(username=f"fuzz{next(_names)}", password=PASSWORD)
    if role == "moderator":
        me.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    build_world(me)
    _, key = auth_token_create(user=me)
    yield {"Authorization": f"Token {key}"}
    known.clear()


@pytest.fixture(scope="module", autouse=True)
def _print_figures(request: pytest.FixtureRequest) -> Iterator[None]:
    started = time.perf_counter()
    yield
    if not figures.requests:
        return
    operations = {label.rsplit(" as ", 1)[0] for label in figures.requests}
    line = (
        f"API fuzz: {len(operations)} operations in {len(figures.requests)} runs, "
        f"{sum(figures.requests.values())} requests, {len(figures.failed)} runs failed, "
        f"{time.perf_counter() - started:.0f} s (FUZZ_MAX_EXAMPLES={MAX_EXAMPLES})"
    )
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_line(line)
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(figures.statuses.items()))
        reporter.write_line(f"API fuzz: responses by status: {statuses}")


def aim_at_the_world(case: Any) -> None:
    """A schema-derived request varies one parameter or field at a time and fills the others with plain
    values, so an id would name nothing and the request stop at "not found": those others name one of the
    world's objects instead (chosen by the request, the same on every run). Random requests choose for
    themselves (``flatmap_case``)."""
    phase = case.meta.phase if case.meta is not None else None
    if phase is None or phase.name != "coverage":
        return
    varied = phase.data.parameter
    digest = zlib.crc32(f"{case.operation.label} {phase.data.description}".encode())
    for location in ("path_parameters", "query", "body"):
        values = getattr(case, location)
        if not isinstance(values, dict):
            continue
        for name in values:
            if name in known and name != varied:
                ours = known[name][digest % len(known[name])]
                values[name] = [ours] if isinstance(values[name], list) else ours


def fuzz(case: Any, headers: dict[str, str], role: str) -> None:
    run = f"{case.operation.label} as {role}"
    figures.requests[run] += 1
    aim_at_the_world(case)
    try:
        response = case.call_and_validate(
            # The in-process transport hands back the body as sent, without undoing gzip as an HTTP client
            # would: ask for it plain (compression has its own tests, tests/core/test_compression.py).
            headers={**headers, "X-CSRFToken": CSRF_TOKEN, "Accept-Encoding": "identity"},
            cookies={django_settings.CSRF_COOKIE_NAME: CSRF_TOKEN},
            checks=CHECKS,
        )
        figures.statuses[response.status_code] += 1
    except (Exception, BaseExceptionGroup):  # a check's failures come as a group
        figures.failed.add(run)
        raise


def role_of(request: pytest.FixtureRequest) -> str:
    return str(request.node.callspec.params["client_headers"])


# The world is made once per operation and role, not per generated request: requests within one run see
# what the earlier ones did, as a server's clients would.
fuzz_settings: Callable[[Any], Any] = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("client_headers", ["anonymous", "member"], indirect=True)
@schema.parametrize()
@fuzz_settings
def test_every_operation(case: Any, client_headers: dict[str, str], request: pytest.FixtureRequest) -> None:
    fuzz(case, client_headers, role_of(request))


@pytest.mark.parametrize("client_headers", ["moderator"], indirect=True)
@schema.include(path_regex="^/api/v1/moderation/").parametrize()
@fuzz_settings
def test_moderation_as_a_moderator(
    case: Any, client_headers: dict[str, str], request: pytest.FixtureRequest
) -> None:
    fuzz(case, client_headers, role_of(request))
