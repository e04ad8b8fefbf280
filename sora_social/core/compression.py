"""Compressed answers for text: pages, JSON, stylesheets and scripts, which shrink to a fifth or less.

Django's ``GZipMiddleware`` (which since Django 4.2 pads each answer with random bytes against BREACH-style
length attacks, beside the per-request masking of CSRF tokens) compresses whatever it is given. Media are
compressed already (MP4, JPEG, PNG), compressing them again costs CPU for nothing, and a range answer (206,
how a player seeks in a video) must stay byte for byte what it says, so those pass untouched here.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

TEXT_TYPES = (
    "text/",
    "application/json",
    "application/problem+json",
    "application/javascript",
    "application/xml",
    "application/vnd.oai.openapi",
    "image/svg+xml",
)


def is_text(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind.startswith(TEXT_TYPES) or kind.endswith(("+json", "+xml"))


class TextGZipMiddleware(GZipMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if response.status_code == 206 or not is_text(response.get("Content-Type", "")):
            return response
        return super().process_response(request, response)
