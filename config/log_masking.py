"""Receipt tokens never reach a log.

A receipt's token is the only key to an anonymous contributor's receipt,
and Sightline keeps only its hash; yet it travels in addresses:
`/receipts/<token>/`, `/es/receipts/<token>/`, `/api/v1/receipts/<token>/`
and `/submit/?receipt=<token>` (the receipt page's "report another camera"
link), and in a Referer header naming one of them. `mask` replaces the
token in any text with `-` (`/receipts/-/`, `?receipt=-`), and
`ReceiptTokenFilter` does so in every record a logger or handler passes it:
the message ("Not Found: /receipts/<token>/"), a traceback, and the request
a record of django.request or django.security carries.

Django's handlers use the filter (LOGGING in config/settings/base.py), and
so do gunicorn's access and error logs (deploy/gunicorn.conf.py, which loads
this module on its own: it needs nothing but the standard library); nginx
masks its access log with a map of its own (deploy/nginx/sightline.conf).
"""

from __future__ import annotations

import copy
import logging
import re

PLACEHOLDER = "-"

# A path segment after `receipts/`, in a path or in a whole address (a
# Referer), its slashes possibly percent-encoded; the token runs to the next
# slash, query, fragment, quote or space.
_TOKEN = r"(?:[^/?#&\s\"'<>%]|%(?!2[Ff])[0-9A-Fa-f]{2})+"
_RECEIPT_PATH = re.compile(r"((?:/|%2[Ff])receipts(?:/|%2[Ff]))" + _TOKEN, re.IGNORECASE)
# `receipt=` in a query string (or a whole one, as in QUERY_STRING), plain
# or percent-encoded inside another one.
_RECEIPT_PARAMETER = re.compile(
    r"((?:^|[?&;\s]|%3[Ff]|%26)receipt(?:=|%3[Dd]))[^&#\s\"'<>]+", re.IGNORECASE
)


def mask(text: str) -> str:
    """`text` with every receipt token replaced by PLACEHOLDER."""
    if "receipt" not in text.lower():
        return text
    text = _RECEIPT_PATH.sub(r"\1" + PLACEHOLDER, text)
    return _RECEIPT_PARAMETER.sub(r"\1" + PLACEHOLDER, text)


class ReceiptTokenFilter(logging.Filter):
    """Masks receipt tokens in a record, in place, and lets it through."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


def mask_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: the handler reports it
        return
    masked = mask(message)
    if masked != message:
        record.msg, record.args = masked, ()
    if record.exc_info and not record.exc_text:
        # Formatted now, as logging.Formatter would, so that the masked text
        # is what every handler writes.
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask(record.exc_text)
    if record.stack_info:
        record.stack_info = mask(record.stack_info)
    request = getattr(record, "request", None)
    if request is not None:
        try:
            record.request = masked_request(request)
        except Exception:  # a filter that raises would fail the request logged
            record.request = None


def masked_request(request):
    """A Django request as a handler may show it (AdminEmailHandler's report,
    a formatter naming `%(request)s`): a shallow copy with the token masked
    in its path, its META (query string, Referer, raw URI) and its view's
    arguments; the request itself, which the response still uses, is not
    touched. Anything else (django.server's socket) is returned as it is."""
    meta, path = getattr(request, "META", None), getattr(request, "path", None)
    if not isinstance(meta, dict) or not isinstance(path, str):
        return request
    masked_meta = {
        name: mask(value) if isinstance(value, str) else value for name, value in meta.items()
    }
    masked_path = mask(path)
    if masked_meta == meta and masked_path == path:
        return request
    clone = copy.copy(request)
    clone.path = masked_path
    clone.path_info = mask(getattr(request, "path_info", "") or "")
    clone.META = masked_meta
    if hasattr(request, "environ"):
        clone.environ = masked_meta
    # Read again from the masked query string when asked for.
    for cached in ("GET", "_get_full_path"):
        clone.__dict__.pop(cached, None)
    match = getattr(request, "resolver_match", None)
    if match is not None:
        hidden = {
            value
            for value in (*match.args, *match.kwargs.values())
            if isinstance(value, str) and value and value in path and value not in masked_path
        }
        if hidden:
            # ResolverMatch refuses copy.copy (it forbids pickling).
            match, original = object.__new__(type(match)), match
            match.__dict__.update(original.__dict__)
            match.args = tuple(PLACEHOLDER if value in hidden else value for value in match.args)
            match.kwargs = {
                name: PLACEHOLDER if value in hidden else value
                for name, value in match.kwargs.items()
            }
            clone.resolver_match = match
    return clone
