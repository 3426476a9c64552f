"""A task whose worker died (SIGKILL, the out-of-memory killer, its machine
lost) is noticed and tried again: `manage.py tasks --requeue-stalled` fails
each RUNNING try whose worker's session no longer holds its advisory lock and
queues the next attempt, within TASKS_MAX_ATTEMPTS. Real `manage.py db_worker`
processes run a task that waits to be let go; a live worker's task, however
long it has run, is never touched."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks.base import TaskContext
from django_tasks_db.models import DBTaskResult

from registry import tasks
from registry.models import TileCell
from tests.registry.stalled_tasks import wait_for_release
from tests.servers import wait_until

ROOT = Path(__file__).parents[2]
MAX_ATTEMPTS = 3

pytestmark = pytest.mark.django_db(transaction=True)


def database_url() -> str:
    """The test database, for the worker processes."""
    config = connection.settings_dict
    password = f":{quote(config['PASSWORD'], safe='')}" if config["PASSWORD"] else ""
    port = f":{config['PORT']}" if config["PORT"] else ""
    host = quote(config["HOST"] or "", safe="")
    return f"postgis://{quote(config['USER'])}{password}@{host}{port}/{config['NAME']}"


class Worker:
    """`manage.py db_worker` in a process group of its own."""

    def __init__(self, log: Path, *options: str) -> None:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url(),
            "TASKS_BACKEND": "database",
            "TASKS_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
            "TASKS_RETRY_SECONDS": "0",
        }
        command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                [*command, "--interval", "0.1", *options], cwd=ROOT, env=environment,
                stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def kill(self) -> None:
        """SIGKILL, as the out-of-memory killer sends it."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def wait(self) -> int:
        return self.process.wait(timeout=60)

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def workers(transactional_db, tmp_path):
    """Starts workers; each is ended (only these) before the database is
    emptied."""
    started: list[Worker] = []

    def start(*options: str) -> Worker:
        started.append(Worker(tmp_path / "worker.log", *options))
        return started[-1]

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def folder(tmp_path, settings):
    settings.TASKS_MAX_ATTEMPTS = MAX_ATTEMPTS
    settings.TASKS_RETRY_SECONDS = 0
    path = tmp_path / "task"
    path.mkdir()
    return path


def started(folder: Path, times: int = 1) -> bool:
    """Whether the task has started `times` times (and its try is RUNNING)."""
    path = folder / "started"
    return (
        path.exists()
        and len(path.read_text().split()) >= times
        and DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists()
    )


def sweep() -> str:
    out = StringIO()
    call_command("tasks", "--requeue-stalled", stdout=out)
    return out.getvalue()


def sweep_until_requeued() -> str:
    """PostgreSQL ends a killed worker's session as soon as it notices: on a
    local socket, at once; the sweep is tried until it has."""
    outputs = []
    assert wait_until(lambda: outputs.append(sweep()) or "stopped" in outputs[-1], seconds=10)
    return outputs[-1]


def tries() -> list[tuple[int, str, str]]:
    """(attempt, status, error class) of each try, oldest first."""
    rows = DBTaskResult.objects.order_by("enqueued_at")
    return [
        (
            row.args_kwargs["kwargs"].get("attempt", 1),
            row.status,
            row.exception_class_path.rsplit(".", 1)[-1],
        )
        for row in rows
    ]


def rows() -> list[tuple]:
    return list(DBTaskResult.objects.order_by("enqueued_at").values_list())


def advisory_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
        return cursor.fetchone()[0]


def test_a_task_whose_worker_was_killed_is_tried_again_by_the_next_worker(workers, folder):
    worker = workers()
    first = wait_for_release.enqueue(folder=str(folder))
    assert wait_until(lambda: started(folder), seconds=30)
    worker.kill()
    assert DBTaskResult.objects.get(pk=first.id).status == TaskResultStatus.RUNNING

    out = sweep_until_requeued()

    second = DBTaskResult.objects.exclude(pk=first.id).get()
    assert f"{first.id}  wait_for_release, try 1: the worker stopped while running it" in out
    assert f"try 2 queued as {second.pk}" in out
    assert tries() == [(1, "FAILED", "WorkerStopped"), (2, "READY", "")]
    assert second.args_kwargs == {"args": [], "kwargs": {"folder": str(folder), "attempt": 2}}
    shown = StringIO()
    call_command("tasks", first.id, stdout=shown)
    assert "error     registry.tasks.WorkerStopped" in shown.getvalue()
    assert "the worker stopped while running it" in shown.getvalue()
    assert sweep() == "No task was left running by a stopped worker.\n"  # once only

    (folder / "release").touch()
    assert workers("--batch").wait() == 0

    assert tries() == [(1, "FAILED", "WorkerStopped"), (2, "SUCCESSFUL", "")]
    listed = StringIO()
    call_command("tasks", stdout=listed)
    lines = listed.getvalue().splitlines()
    assert "SUCCESSFUL" in lines[0] and "try 2" in lines[0]
    assert "FAILED" in lines[1] and "try 1" in lines[1]


def test_a_live_workers_long_task_is_left_alone(workers, folder):
    worker = workers()
    result = wait_for_release.enqueue(folder=str(folder))
    assert wait_until(lambda: started(folder), seconds=30)
    # However long it has run: the sweep goes by the lock, not by the clock.
    DBTaskResult.objects.filter(pk=result.id).update(
        started_at=timezone.now() - timedelta(hours=6)
    )
    before = rows()

    assert sweep() == "No task was left running by a stopped worker.\n"
    other_process = subprocess.run(
        [sys.executable, "manage.py", "tasks", "--requeue-stalled"], cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
             "DATABASE_URL": database_url()},
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert other_process.stdout == "No task was left running by a stopped worker.\n"
    assert rows() == before

    (folder / "release").touch()
    assert wait_until(
        lambda: DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL,
        seconds=30,
    )
    # The worker, alive with its persistent session, has let go of the lock.
    assert worker.process.poll() is None
    assert wait_until(lambda: advisory_locks() == 0, seconds=5)
    assert tries() == [(1, "SUCCESSFUL", "")]


def test_the_attempt_limit_is_respected(workers, folder, settings):
    settings.TASKS_MAX_ATTEMPTS = 2
    wait_for_release.enqueue(folder=str(folder))
    for attempt in (1, 2):
        worker = workers()
        assert wait_until(lambda n=attempt: started(folder, times=n), seconds=30)
        worker.kill()
        out = sweep_until_requeued()
    assert "try 2: the worker stopped while running it; that was the last of 2 tries" in out
    assert tries() == [(1, "FAILED", "WorkerStopped"), (2, "FAILED", "WorkerStopped")]
    assert sweep() == "No task was left running by a stopped worker.\n"


def test_the_sweep_changes_nothing_without_a_stalled_task(folder):
    assert sweep() == "No task was left running by a stopped worker.\n"
    assert not DBTaskResult.objects.exists()

    tasks.rebuild_tile_pyramid.enqueue()
    done = wait_for_release.enqueue(folder=str(folder))
    failed = wait_for_release.enqueue(folder=str(folder))
    DBTaskResult.objects.filter(pk=done.id).update(status=TaskResultStatus.SUCCESSFUL)
    DBTaskResult.objects.filter(pk=failed.id).update(status=TaskResultStatus.FAILED)
    before = rows()

    assert sweep() == "No task was left running by a stopped worker.\n"
    assert rows() == before


def test_a_try_swept_before_its_worker_took_the_lock_does_not_run(folder):
    """Between a worker's claim and the lock the task takes, a sweep may see
    the try RUNNING and unlocked: it fails it and queues the next, and the
    worker, once it has the lock, finds it failed and does not run it."""
    result = wait_for_release.enqueue(folder=str(folder))
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now(), worker_ids=["claimed"]
    )
    assert "try 2 queued" in sweep()

    claimed = DBTaskResult.objects.get(pk=result.id).task_result
    with pytest.raises(tasks.TryTakenOver):
        wait_for_release.call(TaskContext(task_result=claimed), folder=str(folder))
    assert not (folder / "started").exists()
    assert tries() == [(1, "FAILED", "WorkerStopped"), (2, "READY", "")]


def test_with_tasks_run_at_once_nothing_can_stall(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    assert sweep() == "Tasks run where they are queued (no worker): none can be stalled.\n"


def test_a_try_that_lost_its_session_is_tried_again_once(folder, monkeypatch):
    """The database ends the worker's session mid-task (a restart): its
    lock goes with it, and a sweep meanwhile fails the try and queues the
    next. The task then fails on the lost connection, and `retried`, which
    would try again too, finds the try no longer running: one next attempt."""
    calls = []

    def session_lost_then_swept():
        calls.append(1)
        if len(calls) > 1:
            return 0
        end_this_session_from_outside()
        sweeper = threading.Thread(target=lambda: (calls.append(sweep()), connection.close()))
        sweeper.start()
        sweeper.join()
        TileCell.objects.count()  # the lost connection: OperationalError
        return 0

    monkeypatch.setattr("registry.services.tiles.tile_cells_rebuild", session_lost_then_swept)
    tasks.rebuild_tile_pyramid.enqueue()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())

    assert "try 2 queued" in calls[1]
    assert tries() == [(1, "FAILED", "OperationalError"), (2, "SUCCESSFUL", "")]


def end_this_session_from_outside() -> None:
    config = connection.settings_dict
    with psycopg.connect(
        dbname=config["NAME"], user=config["USER"], password=config["PASSWORD"] or None,
        host=config["HOST"] or None, port=config["PORT"] or None, autocommit=True,
    ) as other:  # fmt: skip
        other.execute(
            "SELECT pg_terminate_backend(%s, 5000)", [connection.connection.info.backend_pid]
        )
