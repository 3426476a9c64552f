"""Area reports as PDF files: asked for by the report's PDF address, rendered
in the background (`render_area_pdf` in registry/tasks.py), kept in the
uploads' storage (the local disk, or S3 with MEDIA_S3_BUCKET) and served again
until the area's data changes (registry/reports/versions.py).

One row per area, language and data version: a second request for the same
version finds the row of the first, so a report is rendered once however
many people ask for it at the same time.

The tasks call the services, never the reverse: the caller asking for a PDF
passes the task's `enqueue`, which runs here, in the transaction that makes
the row."""

from __future__ import annotations

import logging
from typing import Protocol

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from registry.models import Area, AreaReportPdf, PdfStatus
from registry.reports.pdf import area_pdf_bytes
from registry.reports.versions import area_report_version

from .retries import will_retry

logger = logging.getLogger(__name__)


class Enqueue(Protocol):
    """Queues the rendering of the PDF `pdf_id` for the worker:
    `render_area_pdf.enqueue` (registry/tasks.py)."""

    def __call__(self, *, pdf_id: int, site_url: str) -> object: ...


@transaction.atomic
def area_pdf_request(
    *, area: Area, language: str, site_url: str, enqueue: Enqueue
) -> AreaReportPdf:
    """The PDF of `area`'s report in `language` for the area's data as it is
    now: the one kept or on its way, or else a new one, queued for the
    worker with `enqueue`. `site_url` is the site's address, for the links
    printed in it."""
    pdf, created = AreaReportPdf.objects.get_or_create(
        area=area, language=language, data_version=area_report_version(area)
    )
    if created:
        _enqueue(pdf, site_url=site_url, enqueue=enqueue)
    elif pdf.status == PdfStatus.READY and not pdf.document.storage.exists(pdf.document.name):
        # The kept file is gone from storage (a bucket emptied, media not
        # restored with the database): made again rather than an error.
        logger.warning("PDF %s is missing from storage; rendering it again", pdf.document.name)
        locked = AreaReportPdf.objects.select_for_update().get(pk=pdf.pk)
        pdf = _requeue(locked, site_url=site_url, enqueue=enqueue)
    return pdf


@transaction.atomic
def area_pdf_retry(*, pdf: AreaReportPdf, site_url: str, enqueue: Enqueue) -> AreaReportPdf:
    """Queues a PDF whose rendering failed (or stalled) again with
    `enqueue`, from its first try; one that is ready or on its way is left
    as it is."""
    pdf = AreaReportPdf.objects.select_for_update().get(pk=pdf.pk)
    if pdf.status != PdfStatus.FAILED and not pdf.stalled:
        return pdf
    return _requeue(pdf, site_url=site_url, enqueue=enqueue)


def _requeue(pdf: AreaReportPdf, *, site_url: str, enqueue: Enqueue) -> AreaReportPdf:
    """Queues `pdf` (locked by the caller) again, from its first try."""
    pdf.status, pdf.attempts, pdf.error = PdfStatus.QUEUED, 0, ""
    pdf.started_at = pdf.finished_at = None
    pdf.save(update_fields=["status", "attempts", "error", "started_at", "finished_at"])
    _enqueue(pdf, site_url=site_url, enqueue=enqueue)
    return pdf


def _enqueue(pdf: AreaReportPdf, *, site_url: str, enqueue: Enqueue) -> None:
    # Inside the caller's transaction: the database backend's task exists
    # only if the row it renders does. (The immediate backend of development
    # renders here and now, and the row is read again for its outcome.)
    enqueue(pdf_id=pdf.pk, site_url=site_url)
    pdf.refresh_from_db()


def area_pdf_render(*, pdf_id: int, site_url: str) -> dict:
    """The worker's part: renders the PDF, the links printed in it starting
    with the site's address `site_url`, stores it and marks it ready; or
    records why it failed (and whether it will be tried again) and re-raises,
    so that the task's own result says so too."""
    pdf = _start(pdf_id)
    if pdf is None:
        return {"pdf": pdf_id, "skipped": "replaced by a newer version, or ready already"}
    try:
        content = area_pdf_bytes(pdf.area, language=pdf.language, site_url=site_url)
        _store(pdf, content)
    except Exception as error:
        _record_failure(pdf, error)
        raise
    return {"pdf": pdf.pk, "document": pdf.document.name, "bytes": len(content)}


@transaction.atomic
def _start(pdf_id: int) -> AreaReportPdf | None:
    pdf = AreaReportPdf.objects.select_for_update().filter(pk=pdf_id).first()
    if pdf is None or pdf.status == PdfStatus.READY:
        return None
    pdf.status, pdf.attempts, pdf.started_at = PdfStatus.RUNNING, pdf.attempts + 1, timezone.now()
    pdf.save(update_fields=["status", "attempts", "started_at"])
    return pdf


def _store(pdf: AreaReportPdf, content: bytes) -> None:
    name = f"{pdf.area.slug}-{pdf.language}-{pdf.data_version[:12]}.pdf"
    # Written before the row says so: a reader never finds a ready row
    # without its file.
    pdf.document.save(name, ContentFile(content), save=False)
    with transaction.atomic():
        marked = AreaReportPdf.objects.filter(pk=pdf.pk).update(
            status=PdfStatus.READY,
            document=pdf.document.name,
            error="",
            finished_at=timezone.now(),
        )
        if marked:
            _drop_older(pdf)
        else:  # replaced by a newer version while it rendered
            _delete_after_commit(pdf, [pdf.document.name])


def _drop_older(pdf: AreaReportPdf) -> None:
    """Versions of the same report asked for before this one: their data
    has changed since, so their files will never be served again."""
    older = AreaReportPdf.objects.filter(
        area_id=pdf.area_id, language=pdf.language, requested_at__lt=pdf.requested_at
    )
    _delete_after_commit(pdf, [name for name in older.values_list("document", flat=True) if name])
    older.delete()


def _delete_after_commit(pdf: AreaReportPdf, names: list[str]) -> None:
    # After the commit: a rolled-back deletion keeps rows whose files exist.
    storage = pdf.document.storage
    transaction.on_commit(lambda: [storage.delete(name) for name in names])


def _record_failure(pdf: AreaReportPdf, error: Exception) -> None:
    final = not will_retry(error, attempt=pdf.attempts)
    logger.warning("Area report PDF %s failed on attempt %s", pdf.pk, pdf.attempts, exc_info=True)
    AreaReportPdf.objects.filter(pk=pdf.pk).update(
        status=PdfStatus.FAILED if final else PdfStatus.QUEUED,
        error=f"{type(error).__module__}.{type(error).__qualname__}"[:200],
        finished_at=timezone.now() if final else None,
    )
