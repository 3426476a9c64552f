"""The one check every request's text passes before any view reads it: query
parameters, the fields of a form (URL-encoded or multipart) and the strings
of a JSON body, keys included. Text with a NUL or another control character,
a lone surrogate, bytes that are not UTF-8, or a query parameter longer than
INPUT_MAX_PARAMETER_CHARS, is refused with a 400 that names the input: JSON
under /api/, a page elsewhere. What each field means is then its form's or
serializer's to check.

A body is read here only when its declared length is within what Django
reads into memory (DATA_UPLOAD_MAX_MEMORY_SIZE) or, for multipart, within
the largest contribution with photos: a larger one is left to the view,
which refuses it from its length before reading it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils import formats
from django.utils.translation import gettext as _

from registry.contributing import body_size_limit
from registry.text_input import strings_in, text_problem

NAME_MAX_CHARS = 255


class InputGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = first_refusal(request)
        if refusal is not None:
            return _refused(request, *refusal)
        return self.get_response(request)


def first_refusal(request: HttpRequest) -> tuple[str, str] | None:
    """(input's name, what is wrong with it) for the first bad input."""
    for check in (_query_problems, _body_problems):
        try:
            for problem in check(request):
                return problem
        except RequestDataTooBig:
            limit = formats.number_format(
                settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1e6, decimal_pos=1
            )
            return _("the form"), _(
                "its fields other than files are larger than %(size)s MB together, the most "
                "Sightline reads from a form (DATA_UPLOAD_MAX_MEMORY_SIZE): send long text, "
                "such as GeoJSON, as a file instead"
            ) % {"size": limit}
        except TooManyFieldsSent:
            return _("the form"), _("it has more fields than any form of Sightline's")
        except MultiPartParserError as error:
            return _("the form"), _("it cannot be read as multipart/form-data (%(error)s)") % {
                "error": error
            }
    return None


def _query_problems(request: HttpRequest) -> Iterator[tuple[str, str]]:
    query = request.META.get("QUERY_STRING", "")
    yield from _encoded_problems(query)
    for name, values in request.GET.lists():
        yield from _single_line(name, name, settings.INPUT_MAX_PARAMETER_CHARS)
        for value in values:
            yield from _single_line(name, value, settings.INPUT_MAX_PARAMETER_CHARS)


def _encoded_problems(encoded: str) -> Iterator[tuple[str, str]]:
    """URL-encoded names and values that are not UTF-8 once decoded (Django
    would replace the bytes silently)."""
    if "%" not in encoded and encoded.isascii():
        return
    for name, value in parse_qsl(
        encoded, keep_blank_values=True, encoding="utf-8", errors="surrogateescape"
    ):
        for text in (name, value):
            if _undecodable(text):
                yield _printable(name), _("is not UTF-8 text")
                return


def _undecodable(text: str) -> bool:
    return any("\udc80" <= character <= "\udcff" for character in text)


def _single_line(name: str, value: str, limit: int) -> Iterator[tuple[str, str]]:
    problem = text_problem(value, max_length=limit)
    if problem:
        yield _printable(name), problem


def _body_problems(request: HttpRequest) -> Iterator[tuple[str, str]]:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    content_type = request.content_type or ""
    if content_type == "application/x-www-form-urlencoded" and _readable(request, False):
        yield from _encoded_problems(request.body.decode("latin-1"))
        yield from _form_problems(request)
    elif content_type == "multipart/form-data" and _readable(request, True):
        # (Django drops control characters from uploaded files' names, and
        # cuts them at 255 characters.)
        yield from _form_problems(request)
    elif content_type.endswith("json") and _readable(request, False):
        yield from _json_problems(request.body)


def _readable(request: HttpRequest, multipart: bool) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    if multipart:
        return length <= body_size_limit(multipart=True)
    return length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _form_problems(request: HttpRequest) -> Iterator[tuple[str, str]]:
    for name, values in request.POST.lists():
        yield from _single_line(name, name, NAME_MAX_CHARS)
        for value in values:
            problem = text_problem(
                value, max_length=settings.DATA_UPLOAD_MAX_MEMORY_SIZE, lines=True
            )
            if problem:
                yield _printable(name), problem


def _json_problems(body: bytes) -> Iterator[tuple[str, str]]:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return  # not JSON: the parser says so, with where it breaks
    for where, text, is_key in strings_in(document):
        # A value's length is its serializer field's to check; keys are names.
        limit = NAME_MAX_CHARS if is_key else len(text)
        problem = text_problem(text, max_length=limit, lines=not is_key)
        if problem:
            yield _printable(where) or _("the JSON body"), problem


def _printable(name: str) -> str:
    """The input's name as it can be shown: its own bad characters escaped."""
    shown = name.encode("unicode_escape", errors="backslashreplace").decode("ascii")
    return shown[:100]


def _refused(request: HttpRequest, name: str, problem: str) -> HttpResponse:
    message = f"{name}: {problem}."
    if request.path.startswith("/api/"):
        return JsonResponse({name: [f"{problem[:1].upper()}{problem[1:]}."]}, status=400)
    context = {
        "title": _("This cannot be read"),
        "message": _("%(message)s Nothing was stored.") % {"message": message},
        "back": request.path,
    }
    return render(request, "registry/contribute/refused.html", context, status=400)
