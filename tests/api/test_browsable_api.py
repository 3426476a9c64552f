"""The browsable API's HTML pages: their language declared and the format
button named (DRF's own markup has neither; axe-core counts both as
serious)."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_browsable_page_declares_its_language(client):
    # The API's addresses carry no language prefix: its pages are in English.
    response = client.get("/api/v1/vendors/", HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<html") == 1
    assert '<html lang="en">' in html


def test_the_format_button_keeps_a_name_when_its_title_becomes_a_tooltip(client):
    html = client.get("/api/v1/vendors/", HTTP_ACCEPT="text/html").content.decode()

    assert (
        'title="Specify a format for the GET request" '
        'aria-label="Specify a format for the GET request"'
    ) in html
