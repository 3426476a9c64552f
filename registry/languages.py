"""Responses that are the same in every language.

LocaleMiddleware adds `Vary: Accept-Language` and `Content-Language` to
every response. For the map's vector tiles that is wrong, and costly: a tile
holds no text, yet every cache in front of Sightline (nginx's, a CDN's)
would keep one copy per browser language, and nginx, which keeps one
variant per key, would keep fetching a tile again as English and Spanish
browsers alternate."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import cc_delim_re

ATTRIBUTE = "sightline_language_independent"


def mark_language_independent(response: HttpResponse) -> HttpResponse:
    setattr(response, ATTRIBUTE, True)
    return response


class LanguageIndependentMiddleware:
    """Takes `Accept-Language` out of Vary, and Content-Language away, on
    responses marked with mark_language_independent(). It must come before
    LocaleMiddleware in MIDDLEWARE, so that it sees the response after it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(response, ATTRIBUTE, False):
            drop_vary(response, "Accept-Language")
            if response.has_header("Content-Language"):
                del response["Content-Language"]
        return response


def drop_vary(response: HttpResponse, header: str) -> None:
    if not response.has_header("Vary"):
        return
    kept = [
        name
        for name in cc_delim_re.split(response["Vary"])
        if name and name.lower() != header.lower()
    ]
    if kept:
        response["Vary"] = ", ".join(kept)
    else:
        del response["Vary"]
