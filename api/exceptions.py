"""The API's one error path: services raise Django's ValidationError, and this
handler turns it into a 400 with a machine-readable body, like DRF's own."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def _as_drf(error: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(error, "error_dict"):
        detail = {
            field: [message for e in errors for message in e.messages]
            for field, errors in error.error_dict.items()
        }
        if "__all__" in detail:
            detail["non_field_errors"] = detail.pop("__all__")
        return exceptions.ValidationError(detail)
    return exceptions.ValidationError({"non_field_errors": error.messages})


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        conflict = getattr(exc, "code", None) == "version_conflict"
        exc = exceptions.ValidationError(exc.messages) if conflict else _as_drf(exc)
        response = drf_exception_handler(exc, context)
        if conflict:
            response.status_code = 409
        return response
    return drf_exception_handler(exc, context)
