"""config/log_masking.py: receipt tokens masked in any text, and in the
records Django's handlers write (LOGGING in config/settings/base.py). The
whole stack's logs are read in test_receipt_logs.py."""

from __future__ import annotations

import logging

import pytest
from django.test import RequestFactory
from django.urls import resolve

from config.log_masking import ReceiptTokenFilter, mask

TOKEN = "q8Zr-Jx_3VnD0aKp2LwYtB7sE5mHcG1f"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"/receipts/{TOKEN}/", "/receipts/-/"),
        (f"/es/receipts/{TOKEN}/", "/es/receipts/-/"),
        (f"/api/v1/receipts/{TOKEN}/", "/api/v1/receipts/-/"),
        (f"/receipts/{TOKEN}", "/receipts/-"),
        (f"/submit/?receipt={TOKEN}", "/submit/?receipt=-"),
        (f"/es/submit/?lat=1&receipt={TOKEN}&lon=2", "/es/submit/?lat=1&receipt=-&lon=2"),
        (f'"GET /receipts/{TOKEN}/ HTTP/1.1" 404', '"GET /receipts/-/ HTTP/1.1" 404'),
        (f"Referer https://sightline.example.org/receipts/{TOKEN}/ refused",
         "Referer https://sightline.example.org/receipts/-/ refused"),
        # Percent-encoded, in another address's query or in the token itself.
        (f"/login/?next=%2Freceipts%2F{TOKEN}%2F", "/login/?next=%2Freceipts%2F-%2F"),
        (f"/login/?next=%2Fsubmit%2F%3Freceipt%3D{TOKEN}",
         "/login/?next=%2Fsubmit%2F%3Freceipt%3D-"),
        (f"receipt={TOKEN}&lat=1", "receipt=-&lat=1"),  # a QUERY_STRING
        ("/receipts/%71%38Zr/", "/receipts/-/"),
        (f"/RECEIPTS/{TOKEN}/", "/RECEIPTS/-/"),
        # Nothing to mask.
        ("/receipts/", "/receipts/"),
        ("/about/?q=receipts", "/about/?q=receipts"),
        ("Not Found: /cameras/12/", "Not Found: /cameras/12/"),
    ],
)  # fmt: skip
def test_mask_replaces_every_receipt_token_and_nothing_else(text, masked):
    assert mask(text) == masked


def not_found_record(request) -> logging.LogRecord:
    """The record django.request logs for a 404, as Django makes it."""
    logger = logging.getLogger("django.request")
    return logger.makeRecord(
        logger.name, logging.WARNING, __file__, 1, "Not Found: %s", (request.path,), None,
        extra={"status_code": 404, "request": request},
    )  # fmt: skip


def test_a_django_record_is_masked_in_its_message_and_its_request():
    request = RequestFactory().get(
        f"/receipts/{TOKEN}/",
        {"receipt": TOKEN},
        HTTP_REFERER=f"https://sightline.example.org/receipts/{TOKEN}/",
    )
    request.resolver_match = resolve(f"/receipts/{TOKEN}/")
    record = not_found_record(request)

    assert ReceiptTokenFilter().filter(record) is True

    assert record.getMessage() == "Not Found: /receipts/-/"
    shown = record.request
    assert (shown.path, shown.path_info) == ("/receipts/-/", "/receipts/-/")
    assert shown.get_full_path() == "/receipts/-/?receipt=-"
    assert shown.GET["receipt"] == "-"
    assert shown.META["HTTP_REFERER"] == "https://sightline.example.org/receipts/-/"
    assert shown.resolver_match.kwargs == {"token": "-"}
    assert TOKEN not in repr(shown)
    # The request itself, which the response still uses, is as it came.
    assert request.path == f"/receipts/{TOKEN}/"
    assert request.GET["receipt"] == TOKEN
    assert request.resolver_match.kwargs == {"token": TOKEN}


def test_a_traceback_naming_a_token_is_masked():
    try:
        raise LookupError(f"no receipt at /receipts/{TOKEN}/")
    except LookupError:
        record = logging.getLogger("django.request").makeRecord(
            "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s",
            (f"/receipts/{TOKEN}/",), __import__("sys").exc_info(),
        )  # fmt: skip

    ReceiptTokenFilter().filter(record)
    written = logging.Formatter().format(record)

    assert TOKEN not in written
    assert "Internal Server Error: /receipts/-/" in written
    assert "LookupError: no receipt at /receipts/-/" in written


def test_a_record_without_a_token_is_left_as_it_was():
    request = RequestFactory().get("/cameras/12/")
    record = not_found_record(request)

    ReceiptTokenFilter().filter(record)

    assert (record.msg, record.args) == ("Not Found: %s", ("/cameras/12/",))
    assert record.request is request


def test_every_handler_of_djangos_loggers_masks_receipt_tokens():
    loggers = [logging.getLogger(name) for name in ("django", "django.server")]
    handlers = [*logging.getLogger().handlers, *(h for lg in loggers for h in lg.handlers)]
    # pytest's own capturing handlers are no part of Sightline's LOGGING.
    ours = [
        handler
        for handler in handlers
        if type(handler).__module__.startswith(("logging", "django"))
    ]

    assert ours
    for handler in ours:
        assert any(isinstance(f, ReceiptTokenFilter) for f in handler.filters), handler
