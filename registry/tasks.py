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
(a file that cannot be read, invalid data) is final at once. (The policy is
registry/services/retries.py's, which the services read too.)

Tasks are leaves: each calls a service, and nothing but the entry points
(views, management commands) enqueues them. A service that must queue work
in its own transaction takes the task's `enqueue` from its caller.

A worker killed outright (SIGKILL, out of memory, its machine lost) cannot say
that its task stopped: the row stays RUNNING. So, while a task runs, the
worker's own database session holds a PostgreSQL advisory lock keyed on the
task result's id, taken before the task starts and let go only once the
worker has written how it ended. PostgreSQL closes a dead worker's session,
and its lock goes with it: `manage.py tasks --requeue-stalled`
(`requeue_stalled`) takes the lock of each RUNNING result no live worker
holds, marks the try failed ("the worker stopped while running it") and
queues the next attempt, as `retried` does. Whoever holds the lock decides
about the try, and reads its status again once it has it, so a sweep never
touches a live task however long it runs, and two sweeps never queue one
attempt twice.

Periodic work (OSM_SYNC_EVERY: following OpenStreetMap) needs no scheduler
of its own: each run queues the next, with `run_after`, before it starts, so
a worker lost mid-run does not end the schedule; `schedule_periodic` queues a
run where none is queued, and the worker's service runs it before each start
(`manage.py tasks --requeue-stalled`).

Development runs each task at once, in the process that asks for it
(TASKS_BACKEND=immediate, config/settings/dev.py), so `make run` needs no
worker; the database backend, with its worker, is the default elsewhere."""

from __future__ import annotations

import functools
import io
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connections, router, transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import TaskResultStatus, task, task_backends
from django_tasks.base import Task, TaskContext
from django_tasks.signals import task_finished
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from registry.services.retries import PASSING_FAILURES, retry_delay, will_retry

logger = logging.getLogger(__name__)


class WorkerStopped(Exception):
    """A try whose worker stopped while running it (killed, out of memory,
    its machine lost), as `requeue_stalled` records it."""


class TryTakenOver(Exception):
    """A try that `requeue_stalled` marked failed, and tried again, before
    its worker could start it."""


def retried(function: Callable[..., dict]) -> Callable[..., dict]:
    """Runs `function(**kwargs)`; after a passing failure, enqueues the same
    task again (with `attempt` + 1) unless this was the last attempt, and
    re-raises so this try is recorded as failed. With the database backend,
    the worker's session holds the try's lock while it runs (see above). The
    task takes the context: `@task(takes_context=True)`."""

    @functools.wraps(function)
    def run(context: TaskContext, *, attempt: int = 1, **kwargs: Any) -> dict:
        result = context.task_result
        if _holds_locks(result):
            _lock_for_worker(result.id)
        try:
            return function(**kwargs)
        except PASSING_FAILURES as error:
            if will_retry(error, attempt=attempt) and _still_running(result):
                delay = retry_delay(attempt)
                logger.warning(
                    "%s failed on attempt %s; trying again in %s",
                    function.__name__,
                    attempt,
                    delay,
                )
                _enqueue_later(result.task, delay, attempt=attempt + 1, **kwargs)
            raise

    # The task's signature is the wrapper's (context first), not `function`'s.
    del run.__wrapped__
    run.holds_worker_lock = True
    return run


def _enqueue_later(task_to_run: Task, delay: timedelta, **kwargs: Any) -> DBTaskResult | None:
    # The immediate backend cannot defer a task: it tries again at once.
    if task_to_run.get_backend().supports_defer:
        task_to_run = task_to_run.using(run_after=timezone.now() + delay)
    return getattr(task_to_run.enqueue(**kwargs), "db_result", None)


# The advisory lock of each try this process's worker is running: result id
# -> database alias.
_locked: dict[str, str] = {}


def _holds_locks(result) -> bool:
    """Only the database backend's tries have a row, and a worker to lose;
    the immediate backend runs a task in the process asking for it."""
    return isinstance(result.task.get_backend(), DatabaseBackend)


def _database() -> str:
    return router.db_for_write(DBTaskResult)


def lock_key(result_id: str) -> int:
    """The try's advisory lock: 63 bits of its UUID, a bigint PostgreSQL
    keeps apart from two-integer keys."""
    return uuid.UUID(str(result_id)).int >> 65


def _lock_for_worker(result_id: str) -> None:
    """Takes the try's lock in the worker's session, before the task does
    anything, and keeps it until the worker has recorded how the try ended
    (`_unlock_finished`). A sweep that came first, between the worker's claim
    and here, has failed the try and queued the next: this one stops."""
    alias = _database()
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [lock_key(result_id)])
    _locked[str(result_id)] = alias
    if _status(result_id, alias) != TaskResultStatus.RUNNING:
        raise TryTakenOver(
            "This try was marked failed by `manage.py tasks --requeue-stalled` before it "
            "started, and tried again."
        )


def _still_running(result) -> bool:
    """Whether this try, failing for a passing reason, is still this
    worker's to try again. A lost connection lost the lock with it, and a
    sweep may have failed the try and queued the next attempt meanwhile: the
    lock is taken again in a fresh session, and the status read again."""
    if not _holds_locks(result):
        return True
    alias = _locked.get(str(result.id), _database())
    connection = connections[alias]
    key = lock_key(result.id)
    try:
        if connection.connection is not None and not connection.is_usable():
            connection.close()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND pid = pg_backend_pid() AND objsubid = 1"
                " AND (classid::bigint << 32 | objid::bigint) = %s)",
                [key],
            )
            (held,) = cursor.fetchone()
            if not held:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
                (held,) = cursor.fetchone()
        if not held:
            return False  # a sweep is deciding about it right now
        _locked[str(result.id)] = alias
        return _status(result.id, alias) == TaskResultStatus.RUNNING
    except DatabaseError:
        logger.warning("Could not check try %s again; not queuing another", result.id)
        return False


def _status(result_id: str, alias: str) -> str | None:
    return (
        DBTaskResult.objects.using(alias)
        .filter(pk=result_id)
        .values_list("status", flat=True)
        .first()
    )


@receiver(task_finished)
def _unlock_finished(sender, task_result, **kwargs) -> None:
    """After the worker recorded the try's outcome: its lock is let go, so
    that a persistent or pooled session does not keep it into the next task."""
    alias = _locked.pop(str(task_result.id), None)
    if alias is None:
        return
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_key(task_result.id)])
    except DatabaseError:
        # The session is gone, and its locks with it.
        logger.warning("Could not let go of try %s's lock", task_result.id, exc_info=True)


@dataclass(frozen=True)
class Requeued:
    """One try whose worker stopped: `failed`, and the `next` attempt queued
    (None after the last attempt)."""

    failed: DBTaskResult
    attempt: int
    next: DBTaskResult | None


def database_backends() -> list[str]:
    """The task backends that keep a row per try (none in development)."""
    return [alias for alias in settings.TASKS if isinstance(task_backends[alias], DatabaseBackend)]


def requeue_stalled() -> list[Requeued]:
    """Marks failed each RUNNING try whose worker stopped (no session holds
    its lock), and queues its next attempt while attempts remain, after
    TASKS_RETRY_SECONDS times the attempt number, as `retried` does. Safe to
    run at any time, from any number of processes: a live worker's tries are
    left alone, and a try is failed and tried again once."""
    alias = _database()
    running = DBTaskResult.objects.using(alias).filter(
        status=TaskResultStatus.RUNNING, backend_name__in=database_backends()
    )
    requeued = []
    for result_id, task_path in running.values_list("pk", "task_path"):
        if not _takes_the_lock(task_path):
            continue  # not one of Sightline's tasks: it would always look stopped
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_key(result_id)])
            (taken,) = cursor.fetchone()
        if not taken:
            continue  # its worker is alive, or another sweep has it
        try:
            done = _fail_and_requeue(result_id, alias)
        finally:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_key(result_id)])
        if done is not None:
            requeued.append(done)
    return requeued


def _takes_the_lock(task_path: str) -> bool:
    try:
        found = import_string(task_path)
    except ImportError:
        return False
    return isinstance(found, Task) and getattr(found.func, "holds_worker_lock", False)


def _fail_and_requeue(result_id: str, alias: str) -> Requeued | None:
    with transaction.atomic(using=alias):
        # Read again under the lock: a worker that just finished has let go.
        result = DBTaskResult.objects.using(alias).select_for_update().filter(pk=result_id).first()
        if result is None or result.status != TaskResultStatus.RUNNING:
            return None
        workers = ", ".join(result.worker_ids) or "unknown"
        result.set_failed(
            WorkerStopped(
                f"the worker stopped while running it (worker {workers}, started "
                f"{result.started_at:%Y-%m-%d %H:%M:%S %Z})"
            )
        )
        kwargs = dict(result.args_kwargs["kwargs"])
        attempt = kwargs.pop("attempt", 1)
        logger.warning(
            "%s (try %s, attempt %s): the worker stopped while running it",
            result.task_path,
            result.pk,
            attempt,
        )
        next_result = None
        if attempt < settings.TASKS_MAX_ATTEMPTS:
            next_result = _enqueue_later(
                result.task, retry_delay(attempt), attempt=attempt + 1, **kwargs
            )
    return Requeued(failed=result, attempt=attempt, next=next_result)


@task(takes_context=True)
@retried
def import_cameras(*, arguments: list[str]) -> dict:
    """`manage.py import_cameras ARGUMENTS` in the worker: the same reader,
    sync and summary, which the result keeps."""
    output = io.StringIO()
    call_command("import_cameras", *arguments, stdout=output, stderr=output)
    return {"output": output.getvalue()}


@task(takes_context=True)
@retried
def rebuild_tile_pyramid() -> dict:
    from registry.services.tiles import tile_cells_rebuild

    return {"cells": tile_cells_rebuild()}


@task(takes_context=True)
@retried
def remake_thumbnails(*, evidence_ids: list[int]) -> dict:
    """Thumbnails made again from the stored photos (after a change of
    PHOTO_THUMBNAIL_EDGE, say); the stored photos are clean already."""
    from registry.services.photos import photo_thumbnails_remake

    return {"thumbnails": photo_thumbnails_remake(evidence_ids=evidence_ids)}


@task(takes_context=True)
@retried
def render_area_pdf(*, pdf_id: int, site_url: str) -> dict:
    """An area report rendered as PDF and kept (registry/services/reports.py);
    `site_url` is the site's address, which the printed links start with."""
    from registry.services.reports import area_pdf_render

    return area_pdf_render(pdf_id=pdf_id, site_url=site_url)


@task(takes_context=True)
@retried
def send_watch_confirmation(*, subscription_id: int) -> dict:
    """The confirmation email of a new subscription (the only email sent
    before it is confirmed)."""
    from registry.services.digests import confirmation_send

    return {"sent": confirmation_send(subscription_id=subscription_id)}


@task()
def watch_round(*, every: float = 0) -> dict:
    """The watches' news: digests that are due, and new webhook deliveries,
    each queued as `deliver_webhook`. With `every`, the next round is queued
    that many seconds on, whatever happened to this one."""
    from registry.services.digests import digests_send
    from registry.services.webhooks import deliveries_queue

    try:
        digests = digests_send()
        deliveries = deliveries_queue()
        for delivery_id in deliveries:
            deliver_webhook.enqueue(delivery_id=delivery_id)
        return {"digests": digests.sent, "expired": digests.expired, "deliveries": deliveries}
    finally:
        # The immediate backend cannot wait: it would go round for ever.
        if every > 0 and watch_round.get_backend().supports_defer:
            _enqueue_later(watch_round, timedelta(seconds=every), every=every)


@task()
def deliver_webhook(*, delivery_id: int) -> dict:
    """One try of a webhook delivery; after a failure, the next try is
    queued after the delivery's backoff (registry/services/webhooks.py)."""
    from registry.services.webhooks import delivery_try

    tried = delivery_try(delivery_id=delivery_id)
    if tried is None:
        return {"skipped": True}
    if tried.retry_in is not None:
        _enqueue_later(deliver_webhook, tried.retry_in, delivery_id=delivery_id)
    return {"state": tried.state, "status": tried.status_code}


class OsmSyncFailed(Exception):
    """A diff of the feed could not be applied: the position stays before it
    (ReplicationState.last_error says which and why), and the next run tries
    it again."""


@task(takes_context=True)
@retried
def osm_sync() -> dict:
    """`manage.py osm_sync` every OSM_SYNC_EVERY seconds: the next run is
    queued first; this one applies what the feed published since the last."""
    from registry.services.osm_sync import osm_sync_run

    schedule_osm_sync()
    run = osm_sync_run()
    if run.error is not None:
        raise OsmSyncFailed(str(run.error))
    return {
        "diffs": run.diffs,
        "created": run.total("created"),
        "updated": run.total("updated"),
        "removed": run.total("removed"),
        "sequence": run.state.sequence if run.state else None,
    }


# Held while deciding whether a periodic run is queued: two workers starting
# at once queue one run, not two.
SCHEDULE_LOCK = 0x5347_5343_4845_44  # "SGSCHED"


def schedule_osm_sync() -> DBTaskResult | None:
    """Queue the next osm_sync run OSM_SYNC_EVERY seconds from now, unless
    the schedule is off, a run is queued already, or tasks run at once
    where they are queued (each run would start the next straight away)."""
    every = settings.OSM_SYNC_EVERY
    if every <= 0 or not osm_sync.get_backend().supports_defer:
        return None
    alias = _database()
    with transaction.atomic(using=alias):
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEDULE_LOCK])
        queued = DBTaskResult.objects.using(alias).filter(
            task_path=osm_sync.module_path, status=TaskResultStatus.READY
        )
        if queued.exists():
            return None
        later = osm_sync.using(run_after=timezone.now() + timedelta(seconds=every))
        return getattr(later.enqueue(), "db_result", None)


def schedule_periodic() -> list[DBTaskResult]:
    """The periodic runs that had none queued, queued now (by the worker's
    service before each start)."""
    return [result for result in [schedule_osm_sync()] if result is not None]
