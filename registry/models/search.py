"""The search key of a name in the database: `registry_search_key(text)`
(registry/migrations/0023), PostgreSQL's unaccent with its dictionary named,
lower case by ICU's rules (Cyrillic and Greek too, whatever the database's
locale) and anything but letters and digits as single spaces: "São Paulo"
and "sao-paulo" are both "sao paulo". Declared IMMUTABLE so that indexes can
be built on it; the place search compares the registry's areas, operators
and camera streets by it, through those indexes."""

from __future__ import annotations

from django.db.models import CharField, Func

FUNCTION = "registry_search_key"


class SearchKey(Func):
    function = FUNCTION
    output_field = CharField()
    arity = 1
