"""What text Sightline accepts from outside, wherever it comes from (a query
parameter, a form or JSON field, a tag of an imported file, a file's name):
no NUL or other control character (a line break only where text may have
lines), no lone surrogate (text that is not Unicode), and no more than the
length its kind of input allows. PostgreSQL refuses NUL outright, so text
that passed no check here would become a server error deep in a query; the
rest is refused because no honest input carries it.

`text_problem` says what is wrong in words that follow the name of the
input: "vendor: contains the control character U+0000 ..."."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

# C0 controls and DEL; tab, line feed and carriage return are lines' business.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SURROGATE = re.compile(r"[\ud800-\udfff]")


def text_problem(value: str, *, max_length: int, lines: bool = False) -> str | None:
    """Why `value` is refused, or None. `lines`: line breaks and tabs are
    allowed (a note), else the text is one line (a name, a parameter)."""
    found = (CONTROL_BUT_LINES if lines else CONTROL).search(value)
    if found:
        return _(
            "contains the control character U+%(code)04X, which no text in Sightline may hold"
        ) % {"code": ord(found.group())}
    if SURROGATE.search(value):
        return _("is not valid Unicode text (it holds a lone surrogate)")
    if len(value) > max_length:
        return _("is %(length)s characters long; the limit is %(limit)s") % {
            "length": len(value),
            "limit": max_length,
        }
    return None


def strings_in(document: Any, path: str = "") -> Iterator[tuple[str, str, bool]]:
    """Every string of a parsed JSON document, keys included, with where it
    is (`changes.vendor`, `photos[2]`) and whether it is a key."""
    if isinstance(document, str):
        yield path, document, False
    elif isinstance(document, dict):
        for key, value in document.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str):
                yield where, key, True
            yield from strings_in(value, where)
    elif isinstance(document, list):
        for number, value in enumerate(document):
            yield from strings_in(value, f"{path}[{number}]")
