"""{% place_search "map-search" %}: the place search box, with the words its
script shows and announces, in the page's language."""

from __future__ import annotations

import json

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.inclusion_tag("registry/includes/place_search.html")
def place_search(id: str, label: str = "") -> dict:
    strings = {
        "found_one": _("One answer; choose it with the arrow keys and Enter."),
        "found": _("%(count)s answers; choose one with the arrow keys and Enter."),
        "none": _("Nothing found."),
        "failed": _("The search is unavailable right now."),
        "chosen": _("Showing %(label)s."),
        "kinds": {
            "area": _("area"),
            "operator": _("operator"),
            "address": _("street with cameras"),
            "geocoder": _("address"),
        },
    }
    return {
        "id": id,
        "label": label or _("Find a place"),
        "place_search_strings": json.dumps(strings, ensure_ascii=False),
    }
