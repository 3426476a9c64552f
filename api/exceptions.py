"""The API's one error path: services raise Django's ValidationError, and this
handler turns it into a machine-readable body, like DRF's own: a 400 naming
the fields, a 409 when the client acted on a state that has changed (a stale
version, with the current one; an item already decided), a 422 for an
idempotency key sent again with another request."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

# Codes of refusals that are about the state of what the client acted on.
CONFLICT_CODES = frozenset({"already_decided", "already_resolved", "changed_since"})


def _detail(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        detail = {
            field: [message for e in errors for message in e.messages]
            for field, errors in error.error_dict.items()
        }
        if "__all__" in detail:
            detail["non_field_errors"] = detail.pop("__all__")
        return detail
    return {"non_field_errors": error.messages}


def _codes(error: DjangoValidationError) -> set[str]:
    if hasattr(error, "error_dict"):
        items = [item for items in error.error_dict.values() for item in items]
    else:
        items = error.error_list
    return {item.code for item in items if item.code}


def _version_conflict(error: DjangoValidationError) -> Response:
    body = {
        "detail": error.messages[0],
        "current_version": error.current_version,
        "changes_since": error.changes_since,
    }
    return Response(body, status=409)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        if getattr(exc, "code", None) == "version_conflict" and hasattr(exc, "current_version"):
            return _version_conflict(exc)
        codes = _codes(exc)
        response = drf_exception_handler(exceptions.ValidationError(_detail(exc)), context)
        if codes & CONFLICT_CODES or "version_conflict" in codes:
            response.status_code = 409
        elif "idempotency_key_reused" in codes:
            response.status_code = 422
        return response
    return drf_exception_handler(exc, context)
