"""A Nominatim-compatible geocoder (GEOCODER_URL), asked by the place search
about street addresses. Only the typed text is sent, from the server (never
the user's address or position); a slow or failing service gives no answers,
never an error."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from urllib.parse import urlencode

from django.conf import settings

from .places import Result

logger = logging.getLogger(__name__)
USER_AGENT = "Sightline place search (+https://github.com/sightline)"


def configured():
    """The geocoder to pass to registry.places.search, or None."""
    return nominatim_search if settings.GEOCODER_URL else None


def nominatim_search(text: str, *, limit: int = 3) -> list[Result]:
    query = urlencode({"q": text, "format": "jsonv2", "limit": limit, "addressdetails": 0})
    url = f"{settings.GEOCODER_URL.rstrip('/')}/search?{query}"
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(
            request, timeout=settings.GEOCODER_TIMEOUT_SECONDS
        ) as response:
            answers = json.loads(response.read(1_000_000))
    except (OSError, ValueError, urllib.error.URLError) as error:
        logger.warning("The geocoder did not answer: %s", error)
        return []
    results = []
    for answer in answers if isinstance(answers, list) else []:
        try:
            lon, lat = float(answer["lon"]), float(answer["lat"])
            south, north, west, east = (float(value) for value in answer.get("boundingbox", ()))
            bbox = (west, south, east, north)
        except (KeyError, TypeError, ValueError):
            try:
                bbox = None
                lon, lat = float(answer["lon"]), float(answer["lat"])
            except (KeyError, TypeError, ValueError):
                continue
        label = str(answer.get("display_name") or answer.get("name") or "")[:300]
        results.append(
            Result(
                kind="geocoder",
                name=str(answer.get("name") or label)[:200],
                label=label,
                position=(lon, lat),
                bbox=bbox,
            )
        )
    return results[:limit]
