"""Forms on pages are checked exactly as the API checks the same operation: by the API's own input
serializer, then by the service, so that a page refuses what the API refuses, in the same words, next to
the same field."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.http import HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict
from rest_framework import serializers

from sora_social.core.api import ScopedRateThrottle
from sora_social.core.errors import ApiError, InvalidInput, RateLimited

# The key of the messages that are about the whole form rather than one field.
WHOLE_FORM = "__all__"


@dataclass
class FormState:
    """What a form shows again after a refusal: the values sent (never a password) and the messages, by
    field name, ``WHOLE_FORM`` for the rest."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def refused(cls, error: ApiError, values: dict[str, str] | None = None) -> FormState:
        errors: dict[str, list[str]] = {}
        for name, messages in (error.fields or {}).items():
            key = WHOLE_FORM if name == "non_field_errors" else name
            errors.setdefault(key, []).extend(
                str(m) for m in (messages if isinstance(messages, list) else [messages])
            )
        if not errors:
            errors[WHOLE_FORM] = [error.detail]
        return cls(values=values or {}, errors=errors)

    @property
    def whole_form(self) -> list[str]:
        return self.errors.get(WHOLE_FORM, [])


def checked(
    input_class: type[serializers.Serializer], post: QueryDict, files: MultiValueDict[str, Any] | None = None
) -> dict[str, Any]:
    """The fields of the API's input serializer ``input_class`` that ``post`` (or, for uploads, ``files``)
    holds, validated by it (form data, so an empty optional field reads as absent or null, as in the API's
    form parser); a refusal is an ``InvalidInput`` naming the fields, like the API's 400."""
    data = QueryDict(mutable=True)
    sent: list[MultiValueDict[str, Any]] = [post, files or MultiValueDict()]
    for name, input_field in input_class().fields.items():
        for values in sent:
            if not input_field.read_only and name in values:
                data.setlist(name, values.getlist(name))
    form = input_class(data=data)
    if not form.is_valid():
        fields = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        raise InvalidInput("Some fields need another look.", fields=fields)
    return dict(form.validated_data)


def sent_values(post: QueryDict, *names: str) -> dict[str, str]:
    return {name: post.get(name, "") for name in names}


def throttle(request: HttpRequest, scope: str) -> None:
    """The API's rate limit of ``scope`` (``auth``, ``register``), shared with it: one budget per address
    whichever way it is spent. Past it, an ``ApiError`` that says when to try again."""
    limiter = ScopedRateThrottle()
    # DRF's throttles read a request's user and META only, which a Django request has as well.
    if limiter.allow_request(request, SimpleNamespace(throttle_scope=scope)):  # type: ignore[arg-type]
        return
    seconds = math.ceil(limiter.wait() or 1)
    raise RateLimited(f"Too many attempts from here. Try again in {seconds} seconds.", retry_after=seconds)
