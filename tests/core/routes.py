"""Every route of the API, walked from the URL configuration, so that tests over all of them cover routes
added later too."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    template: str  # e.g. "/api/v1/videos/<str:video_id>/"
    params: tuple[str, ...]
    view: Any

    def path(self, **values: str) -> str:
        path = self.template
        for name in self.params:
            path = path.replace(f"<str:{name}>", values.get(name, values.get("default", "1")))
        return path

    @property
    def methods(self) -> list[str]:
        """The methods the view answers, besides OPTIONS and HEAD (what its class implements)."""
        view_class = getattr(self.view, "view_class", None)
        if view_class is None:
            return ["GET"]
        return [
            m.upper()
            for m in view_class.http_method_names
            if m not in ("options", "head") and hasattr(view_class, m)
        ]


def _walk(patterns: list[Any], prefix: str) -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            template = prefix + str(entry.pattern)
            params = tuple(entry.pattern.converters)
            yield Route(template="/" + template, params=params, view=entry.callback)


def api_routes() -> list[Route]:
    """The routes under /api/ (the versioned API and its schema and docs)."""
    return [route for route in _walk(get_resolver().url_patterns, "") if route.template.startswith("/api/")]
