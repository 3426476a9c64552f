"""Work that runs in the background, in a worker process (`manage.py
db_worker`, django-tasks with its database backend): long imports, the tile
pyramid's rebuild, thumbnails made again at another size, area reports as
PDF.

The queue lives in PostgreSQL, which Sightline runs anyway: no broker to
operate, and a task enqueued inside a transaction exists only if the
transaction commits. Each try's status, return value and traceback are a
row (`manage.py tasks`, and the admin's "Task results").

A try that fails for a passing reason (the database or a connection went
away) is tried again, up to TASKS_MAX_ATTEMPTS times, after
TASKS_RETRY_SECONDS times its attempt number. A failure that would only repeat
(a file that cannot be read, invalid data) is final at once.

Development runs each task at once, in the process that asks for it
(TASKS_BACKEND=immediate, config/settings/dev.py), so `make run` needs no
worker; the database backend, with its worker, is the default elsewhere."""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

logger = logging.getLogger(__name__)

# Failures worth another try: the next one may well succeed.
PASSING_FAILURES = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


def will_retry(error: BaseException, *, attempt: int) -> bool:
    """Whether `retried` tries again after `error` ended try `attempt`."""
    return isinstance(error, PASSING_FAILURES) and attempt < settings.TASKS_MAX_ATTEMPTS


def retried(function: Callable[..., dict]) -> Callable[..., dict]:
    """Runs `function(**kwargs)`; after a passing failure, enqueues the same
    task again (with `attempt` + 1) unless this was the last attempt, and
    re-raises so this try is recorded as failed."""

    @functools.wraps(function)
    def run(*, attempt: int = 1, **kwargs: Any) -> dict:
        try:
            return function(**kwargs)
        except PASSING_FAILURES as error:
            if will_retry(error, attempt=attempt):
                delay = timedelta(seconds=settings.TASKS_RETRY_SECONDS * attempt)
                logger.warning(
                    "%s failed on attempt %s; trying again in %s",
                    function.__name__,
                    attempt,
                    delay,
                )
                _enqueue_later(globals()[function.__name__], delay, attempt=attempt + 1, **kwargs)
            raise

    return run


def _enqueue_later(task_to_run: Task, delay: timedelta, **kwargs: Any) -> None:
    # The immediate backend cannot defer a task: it tries again at once.
    if task_to_run.get_backend().supports_defer:
        task_to_run = task_to_run.using(run_after=timezone.now() + delay)
    task_to_run.enqueue(**kwargs)


@task
@retried
def import_cameras(*, arguments: list[str]) -> dict:
    """`manage.py import_cameras ARGUMENTS` in the worker: the same reader,
    sync and summary, which the result keeps."""
    output = io.StringIO()
    call_command("import_cameras", *arguments, stdout=output, stderr=output)
    return {"output": output.getvalue()}


@task
@retried
def rebuild_tile_pyramid() -> dict:
    from registry.services.tiles import tile_cells_rebuild

    return {"cells": tile_cells_rebuild()}


@task
@retried
def remake_thumbnails(*, evidence_ids: list[int]) -> dict:
    """Thumbnails made again from the stored photos (after a change of
    PHOTO_THUMBNAIL_EDGE, say); the stored photos are clean already."""
    from registry.models import Evidence
    from registry.photos import remake_thumbnail

    photos = Evidence.objects.filter(pk__in=evidence_ids).exclude(document="")
    return {"thumbnails": sum(1 for evidence in photos if remake_thumbnail(evidence))}


@task
@retried
def render_area_pdf(*, pdf_id: int, site_url: str) -> dict:
    """An area report rendered as PDF and kept (registry/services/reports.py);
    `site_url` is the site's address, which the printed links start with."""
    from registry.services.reports import area_pdf_render
    from registry.views.areas import area_pdf_bytes

    return area_pdf_render(
        pdf_id=pdf_id, render=functools.partial(area_pdf_bytes, site_url=site_url)
    )
