"""Area reports as PDF made by the background worker: the PDF's address
queues the rendering and shows how far it got, then serves the kept file
until the area's data changes. Real PostGIS, the database task backend and
its worker (`manage.py db_worker`), on the layout of tests/area_layouts.py."""

import io
from datetime import timedelta
from io import StringIO

import pypdf
import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pytest_django.asserts import assertContains, assertNotContains

from registry.models import AreaReportPdf, PdfStatus
from registry.services import camera_update, evidence_add
from registry.services.areas import area_upsert
from tests.area_layouts import make_layout, rectangle_km
from tests.factories import VendorRestrictionFactory

# The worker closes its database connection after each task, as in
# production, so the tests commit what they make.
pytestmark = pytest.mark.django_db(transaction=True)

PDF = "/areas/testville/report.pdf"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def layout():
    return make_layout()


def run_worker() -> None:
    """What `manage.py db_worker` does, until the queue is empty."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())


def tries() -> list[str]:
    rows = DBTaskResult.objects.filter(task_path__endswith=".render_area_pdf")
    return list(rows.order_by("enqueued_at").values_list("status", flat=True))


def pdf_text(response) -> str:
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF")
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def rendering_fails(monkeypatch, error: Exception) -> None:
    def fail(html, *, base_url):
        raise error

    monkeypatch.setattr("registry.reports.pdf.html_to_pdf", fail)


def ready(client) -> AreaReportPdf:
    client.get(PDF)
    run_worker()
    return AreaReportPdf.objects.get(status=PdfStatus.READY)


def test_asking_for_the_pdf_queues_it_and_says_so(client, layout):
    response = client.get(PDF)

    assert response.status_code == 202
    assert response["Retry-After"] == "3"
    assert "no-cache" in response["Cache-Control"]
    assertContains(response, 'data-refresh-seconds="3"', status_code=202)
    assertNotContains(response, 'http-equiv="refresh"', status_code=202)
    assertContains(response, 'data-status="queued"', status_code=202)
    assertContains(response, "The PDF is queued", status_code=202)
    assert tries() == ["READY"]
    assert AreaReportPdf.objects.get().status == PdfStatus.QUEUED


def test_asking_again_while_it_is_queued_queues_nothing_more(client, layout):
    client.get(PDF)
    client.get(PDF)

    assert tries() == ["READY"]
    assert AreaReportPdf.objects.count() == 1


def test_once_the_worker_rendered_it_the_address_serves_the_pdf(client, layout, media):
    client.get(PDF)
    run_worker()

    response = client.get(PDF)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="sightline-testville-')
    assert response["X-Data-Attribution"]
    text = pdf_text(response)
    assert "Testville" in text and "ODbL" in text and "84 FR 54002" in text
    assert "http://testserver/areas/testville/" in text  # the links printed in it
    pdf = AreaReportPdf.objects.get()
    assert pdf.status == PdfStatus.READY and pdf.attempts == 1
    assert (media / pdf.document.name).is_file()
    assert tries() == ["SUCCESSFUL"]


def test_the_kept_pdf_is_served_again_without_rendering_it_again(client, layout):
    pdf = ready(client)

    for _ in range(2):
        assert client.get(PDF).status_code == 200

    assert tries() == ["SUCCESSFUL"]
    assert list(AreaReportPdf.objects.values_list("document", flat=True)) == [pdf.document.name]


def test_a_kept_pdf_whose_file_is_gone_is_made_again(client, layout, media):
    pdf = ready(client)
    (media / pdf.document.name).unlink()

    waiting = client.get(PDF)
    run_worker()

    assert waiting.status_code == 202
    assertContains(waiting, 'data-status="queued"', status_code=202)
    assert tries() == ["SUCCESSFUL", "SUCCESSFUL"]
    response = client.get(PDF)
    assert response.status_code == 200
    assert "Testville" in pdf_text(response)


def test_each_language_has_its_own_pdf(client, layout):
    ready(client)

    response = client.get("/es/areas/testville/report.pdf")
    assert response.status_code == 202
    assertContains(response, "El PDF está en cola", status_code=202)
    run_worker()

    text = pdf_text(client.get("/es/areas/testville/report.pdf"))
    assert "http://testserver/es/areas/testville/" in text
    assert sorted(AreaReportPdf.objects.values_list("language", flat=True)) == ["en", "es"]


def test_an_edit_to_a_camera_in_the_area_makes_a_new_pdf(client, layout, media):
    old = ready(client)

    camera_update(camera=layout.cameras[2], actor=None, camera_type="fixed")

    assert client.get(PDF).status_code == 202
    run_worker()
    assert client.get(PDF).status_code == 200
    new = AreaReportPdf.objects.get()  # the older version is gone, its file too
    assert new.data_version != old.data_version
    assert not (media / old.document.name).exists()
    assert (media / new.document.name).is_file()


def test_an_edit_to_a_camera_outside_the_area_keeps_the_pdf(client, layout):
    ready(client)

    camera_update(camera=layout.cameras[6], actor=None, camera_type="fixed")

    assert client.get(PDF).status_code == 200
    assert tries() == ["SUCCESSFUL"]


def test_a_camera_moved_out_of_the_area_makes_a_new_pdf(client, layout):
    ready(client)

    camera_update(camera=layout.cameras[1], actor=None, location=rectangle_km(5, 5, 6, 6).centroid)

    assert client.get(PDF).status_code == 202


def test_new_evidence_or_a_new_restriction_makes_a_new_pdf(client, layout):
    ready(client)
    evidence_add(kind="survey", url="https://example.org/survey", camera=layout.cameras[1])
    assert client.get(PDF).status_code == 202
    run_worker()

    VendorRestrictionFactory(vendor=layout.flock, regime="other", regime_detail="City ban")

    assert client.get(PDF).status_code == 202


def test_a_changed_boundary_or_population_makes_a_new_pdf(client, layout):
    ready(client)

    area_upsert(name="Testville", level="city", geometry=rectangle_km(0, 0, 2, 1), population=4000)

    assert client.get(PDF).status_code == 202
    run_worker()
    assert "population 4,000" in pdf_text(client.get(PDF))


def test_a_failing_render_is_shown_as_failed_with_its_reason(client, layout, monkeypatch):
    rendering_fails(monkeypatch, ValueError("no fonts"))
    client.get(PDF)
    run_worker()

    response = client.get(PDF)

    assert response.status_code == 500
    assertContains(response, 'data-status="failed"', status_code=500)
    assertContains(response, "Making the PDF failed after 1 try (ValueError).", status_code=500)
    assertContains(response, "Try again</button>", status_code=500)
    assertNotContains(response, "data-refresh-seconds", status_code=500)
    assert tries() == ["FAILED"]  # no second try: it would fail again
    pdf = AreaReportPdf.objects.get()
    assert (pdf.status, pdf.error, pdf.document.name) == (
        PdfStatus.FAILED,
        "builtins.ValueError",
        "",
    )


def test_a_passing_failure_waits_for_its_next_try(client, layout, monkeypatch, settings):
    settings.TASKS_MAX_ATTEMPTS = 3
    settings.TASKS_RETRY_SECONDS = 3600  # the next try is not due during the test
    rendering_fails(monkeypatch, OperationalError("server closed the connection"))
    client.get(PDF)
    run_worker()

    response = client.get(PDF)

    assert response.status_code == 202
    assertContains(
        response,
        "Try 1 of 3 failed (OperationalError); the PDF will be made again",
        status_code=202,
    )
    assert tries() == ["FAILED", "READY"]


def test_passing_failures_are_tried_up_to_the_limit_then_shown(
    client, layout, monkeypatch, settings
):
    settings.TASKS_MAX_ATTEMPTS = 2
    settings.TASKS_RETRY_SECONDS = 0
    rendering_fails(monkeypatch, OperationalError("server closed the connection"))
    client.get(PDF)
    run_worker()

    response = client.get(PDF)

    assertContains(
        response, "Making the PDF failed after 2 tries (OperationalError).", status_code=500
    )
    assert tries() == ["FAILED", "FAILED"]


def test_trying_again_after_a_failure_renders_it_anew(client, layout, monkeypatch):
    rendering_fails(monkeypatch, ValueError("no fonts"))
    client.get(PDF)
    run_worker()
    monkeypatch.undo()

    response = client.post(PDF)

    assert response.status_code == 302 and response["Location"] == PDF
    assert AreaReportPdf.objects.get().status == PdfStatus.QUEUED
    run_worker()
    assert client.get(PDF).status_code == 200
    assert tries() == ["FAILED", "SUCCESSFUL"]


def test_trying_again_a_pdf_that_is_ready_changes_nothing(client, layout):
    ready(client)

    client.post(PDF)

    assert tries() == ["SUCCESSFUL"]
    assert AreaReportPdf.objects.get().status == PdfStatus.READY


def test_a_rendering_cut_off_long_ago_is_shown_as_stopped(client, layout):
    client.get(PDF)
    AreaReportPdf.objects.update(
        status=PdfStatus.RUNNING, attempts=1, started_at=timezone.now() - timedelta(hours=1)
    )

    response = client.get(PDF)

    assertContains(response, "stopped without finishing", status_code=500)


def test_an_unknown_area_is_a_404_and_queues_nothing(client, layout):
    assert client.get("/areas/atlantis/report.pdf").status_code == 404
    assert tries() == []
