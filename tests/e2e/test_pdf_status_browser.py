"""The page saying how far a report's PDF has got, in a real browser
(Debian's Chromium through Playwright) against a live server and PostGIS:
it checks again by itself without reloading while the PDF is queued, and
the PDF downloads once the worker has made it."""

from io import StringIO

import pytest
from django.core.management import call_command

from tests.area_layouts import make_layout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_status_page_waits_in_place_and_the_pdf_downloads_when_ready(
    page, live_server, settings, tmp_path, monkeypatch, console_errors
):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr("registry.views.areas.PDF_REFRESH_SECONDS", 1)
    make_layout()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.method))
    response = page.goto(f"{live_server.url}/areas/testville/report.pdf")
    assert response.status == 202
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    page.evaluate("window.stayed = true")
    page.wait_for_timeout(2500)
    # Asked again (HEAD) while queued, without leaving the page.
    assert asked.count("HEAD") >= 2
    assert page.evaluate("window.stayed") is True
    with page.expect_download(timeout=15_000) as download:
        call_command(
            "db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO()
        )
    assert download.value.suggested_filename.startswith("sightline-testville-")
    assert console_errors == []
