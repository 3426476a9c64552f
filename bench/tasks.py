"""Background work: django-tasks' database backend beside Celery on Redis.

    make bench-tasks            (or: .venv/bin/python bench/tasks.py)
    .venv/bin/python bench/tasks.py [--tasks 1000] [--trickle 30] [--idle-seconds 10]
                                    [--hold-seconds 5] [--time-limit 290]

Sightline's background work (imports, the tile pyramid's rebuild, thumbnails,
area reports' PDFs: registry/tasks.py) is queued with django-tasks' database
backend and run by one `manage.py db_worker`. This runs, with trivial task
bodies defined here, that worker beside one Celery worker on Redis with the
same concurrency (Celery's default prefork pool, --concurrency 1: one task at
a time, like db_worker), and measures for each:

(a) the cost of enqueueing in the caller, as a web request does it: alone
    (autocommit), and in a transaction that writes a row and commits, beside
    the same transaction without a task. For Celery the safe pattern there
    is `transaction.on_commit(lambda: task.delay(...))`. p50/p95, µs.
(b) the latency from enqueueing to the task starting to run, for a trickle
    of tasks 0.3-0.9 s apart (the same gaps for both), p50/p95, ms;
    db_worker as production runs it (polling every second) and with
    --interval 0.1.
(c) throughput: the tasks (a) queued, drained by a worker started after
    them (tasks/s between the first and the last start), and how long the
    worker took from its start to its first task.
(d) the worker SIGKILLed while it runs a task, then started again: is the
    task lost, run again, or left marked running? Celery also with
    acks_late, task_reject_on_worker_lost and a visibility timeout of 10 s
    (Redis' default is an hour).
(e) a task enqueued in a transaction that then rolls back; for Celery, with
    on_commit and with `.delay()` called inside the transaction.
And each worker's memory (RSS of its processes after the drain), its CPU
while idle with its queue server's, and what else it needs to run.

Everything runs with config.settings.prod, on Unix sockets only (no TCP
port): the tasks' table in a scratch database, `sightline_bench_tasks`, on
Sightline's PostgreSQL server (dropped afterwards); redis-server
(tests/servers.py) in a temporary folder, with its append-only file on, as a
broker that must keep queued tasks needs. The tasks write down when they
start (CLOCK_MONOTONIC, one clock for all processes). Every process the run
starts is stopped at its end, and it stops itself after --time-limit seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from importlib.metadata import version
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Production's settings, for the bench, its workers and the tasks below (the
# workers inherit these variables). Nothing outside the run is touched: no
# shared cache, no replicas.
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.prod"
os.environ["TASKS_BACKEND"] = "database"
os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
for _variable in ("REDIS_URL", "DATABASE_REPLICA_URLS"):
    os.environ.pop(_variable, None)

from celery import Celery  # noqa: E402
from django_tasks import task  # noqa: E402

BENCH_DB = "sightline_bench_tasks"
NOTES = "SIGHTLINE_BENCH_TASKS_NOTES"  # the file the tasks write their starts to
BROKER = "SIGHTLINE_BENCH_TASKS_BROKER"
ACKS_LATE = "SIGHTLINE_BENCH_TASKS_ACKS_LATE"
VISIBILITY_SECONDS = 10
CELERY_QUEUE = "celery"
SEED = 20261201
WARM_UP = 20


# ------------------------------------------------------------------ the tasks


def note(key: str) -> None:
    """Writes down that task `key` started, and when."""
    with open(os.environ[NOTES], "a") as notes:
        notes.write(f"{key} {time.monotonic():.6f}\n")


@task
def db_note(key: str) -> None:
    note(key)


@task
def db_hold(key: str, seconds: float) -> None:
    note(key)
    time.sleep(seconds)


# One Celery app, as a Sightline on Celery would have it: Django set up in the
# worker (Celery's Django fix-up, from DJANGO_SETTINGS_MODULE), results not
# kept (Sightline's tasks keep their outcome in their own rows).
celery_app = Celery("sightline_bench_tasks")
celery_app.conf.update(
    broker_url=os.environ.get(BROKER, "memory://"),
    broker_connection_retry_on_startup=True,
    task_ignore_result=True,
)
if os.environ.get(ACKS_LATE):
    celery_app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        broker_transport_options={
            "visibility_timeout": VISIBILITY_SECONDS,
            # Look for unacknowledged messages every second, not every 100 s.
            "unacked_restore_interval": 1,
            "unacked_restore_throttle": 1,
        },
    )


@celery_app.task(name="bench.tasks.celery_note")
def celery_note(key: str) -> None:
    note(key)


@celery_app.task(name="bench.tasks.celery_hold")
def celery_hold(key: str, seconds: float) -> None:
    note(key)
    time.sleep(seconds)


# ------------------------------------------------------------------- helpers


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def p50_p95(values: list[float], digits: int = 0) -> str:
    return f"{percentile(values, 0.5):,.{digits}f} / {percentile(values, 0.95):,.{digits}f}"


class Notes:
    """The starts the tasks wrote down, read as they come."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.touch()
        self.offset = 0
        self.starts: dict[str, list[float]] = defaultdict(list)

    def read(self) -> None:
        with self.path.open("rb") as notes:
            notes.seek(self.offset)
            chunk = notes.read()
        complete = chunk.rfind(b"\n") + 1
        self.offset += complete
        for line in chunk[:complete].decode().splitlines():
            key, at = line.split()
            self.starts[key].append(float(at))

    def wait(self, keys: list[str], seconds: float, runs: int = 1) -> bool:
        """Whether each of `keys` started `runs` times within `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            self.read()
            if all(len(self.starts.get(key, ())) >= runs for key in keys):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)

    def first(self, key: str) -> float:
        return self.starts[key][0]


def proc_stat(pid: int) -> list[str] | None:
    """/proc/PID/stat from its third field (state) on, or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def cpu_seconds(pids: list[int]) -> float:
    """CPU time used so far by the threads of `pids` (schedstat: ns)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for thread in Path(f"/proc/{pid}/task").iterdir():
                with contextlib.suppress(OSError):
                    total += int((thread / "schedstat").read_text().split()[0])
    return total / 1e9


def group_members(group: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = proc_stat(int(entry.name))
            if fields and int(fields[2]) == group:
                members.append(int(entry.name))
    return sorted(members)


def memory_mib(pid: int, file: str, field: str) -> float:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/{file}") as lines:
        for line in lines:
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    return 0.0


def rss_mib(pid: int) -> float:
    return memory_mib(pid, "status", "VmRSS:")


def pss_mib(pid: int) -> float:
    """The process's share of its memory: pages it shares (with a forked
    pool process, say) counted once among them."""
    return memory_mib(pid, "smaps_rollup", "Pss:")


@contextlib.contextmanager
def working_directory(folder: Path) -> Iterator[None]:
    """A child started inside inherits `folder` as its working directory."""
    previous = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


class Worker:
    """One worker command, in a process group of its own (a Celery worker's
    pool processes included), its output in `log`."""

    def __init__(self, command: list[str], environment: dict[str, str], log: Path) -> None:
        self.command = command
        self.environment = environment
        self.log = log
        self.process: subprocess.Popen | None = None
        self.started = 0.0

    def start(self) -> None:
        self.started = time.monotonic()
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.environment, stdout=output,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def processes(self) -> list[int]:
        return group_members(self.process.pid) if self.process else []

    def kill(self) -> None:
        """SIGKILL to every process of the worker at once."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM (a task running is let finish), then SIGKILL to whatever
        of the group is left."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        self.process = None


class RolledBack(Exception):
    pass


def write_request_row() -> None:
    """The write of the request that queues the task."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_request DEFAULT VALUES")


# ------------------------------------------------------------------ backends


class Queue:
    """What the measurements need of a backend."""

    name = ""
    label = ""

    def __init__(self, run: Run) -> None:
        self.run = run

    def enqueue(self, key: str) -> None:
        raise NotImplementedError

    def enqueue_in_transaction(self, key: str) -> None:
        """Called inside transaction.atomic(), as a request's write does."""
        raise NotImplementedError

    def hold(self, key: str, seconds: float) -> str:
        raise NotImplementedError

    def worker(self, label: str, **options: str) -> Worker:
        raise NotImplementedError

    def server_pids(self) -> list[int]:
        raise NotImplementedError

    def left(self, handle: str) -> str:
        """Where a killed task is, as its queue sees it."""
        raise NotImplementedError


class DatabaseQueue(Queue):
    name = "django-tasks db_worker"
    label = "db"

    def enqueue(self, key: str) -> None:
        db_note.enqueue(key)

    def enqueue_in_transaction(self, key: str) -> None:
        db_note.enqueue(key)

    def hold(self, key: str, seconds: float) -> str:
        return str(db_hold.enqueue(key, seconds).id)

    def worker(self, label: str, interval: str = "") -> Worker:
        command = [sys.executable, "manage.py", "db_worker"]
        if interval:
            command += ["--interval", interval]
        return self.run.worker(label, command)

    def server_pids(self) -> list[int]:
        """The PostgreSQL backends serving the worker."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return [pid for (pid,) in cursor.fetchall()]

    def left(self, handle: str) -> str:
        from django_tasks_db.models import DBTaskResult

        return f"its row {DBTaskResult.objects.get(id=handle).status}"

    def queued(self, key: str) -> bool:
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.filter(args_kwargs__args__0=key).exists()


class CeleryQueue(Queue):
    name = "Celery + Redis"
    label = "celery"

    def enqueue(self, key: str) -> None:
        celery_note.delay(key)

    def enqueue_in_transaction(self, key: str) -> None:
        from django.db import transaction

        transaction.on_commit(partial(celery_note.delay, key))

    def hold(self, key: str, seconds: float) -> str:
        return celery_hold.delay(key, seconds).id

    def worker(self, label: str, acks_late: str = "") -> Worker:
        command = [
            sys.executable, "-m", "celery", "-A", "bench.tasks:celery_app", "worker",
            "--pool", "prefork", "--concurrency", "1", "--loglevel", "INFO",
            "--hostname", f"{label}@sightline-bench",
        ]  # fmt: skip
        return self.run.worker(label, command, {ACKS_LATE: acks_late} if acks_late else {})

    def server_pids(self) -> list[int]:
        return [self.run.redis.process.pid]

    def left(self, handle: str) -> str:
        client = self.run.redis.client()
        return f"queue {client.llen(CELERY_QUEUE)}, unacknowledged {client.hlen('unacked')}"


# --------------------------------------------------------------- the figures


@dataclass
class Figures:
    enqueue: list[float] = field(default_factory=list)  # µs
    in_transaction: list[float] = field(default_factory=list)
    transaction_alone: list[float] = field(default_factory=list)
    throughput: float = 0.0  # tasks/s
    drained: int = 0
    startup: float = 0.0  # s
    rss: dict[str, float] = field(default_factory=dict)  # MiB
    pss: float = 0.0
    server_rss: float = 0.0
    idle: tuple[float, float] = (0.0, 0.0)  # worker, server: CPU ms per second
    latency: list[float] = field(default_factory=list)  # ms
    fast_latency: list[float] = field(default_factory=list)  # db_worker --interval 0.1
    fast_idle: tuple[float, float] = (0.0, 0.0)
    killed: Kill | None = None
    killed_late: Kill | None = None
    rolled_back: str = ""
    delayed_in_transaction: str = ""


class Run:
    """The processes of one run, and what the measurements share."""

    def __init__(self, arguments: argparse.Namespace, folder: Path, database_url: str) -> None:
        self.arguments = arguments
        self.folder = folder
        self.notes = Notes(folder / "notes")
        self.environment = {
            **os.environ,
            "DATABASE_URL": database_url,
            NOTES: str(self.notes.path),
            "PYTHONPATH": str(ROOT),
        }
        self.workers: list[Worker] = []
        self.redis = None

    def worker(self, label: str, command: list[str], extra: dict | None = None) -> Worker:
        worker = Worker(command, {**self.environment, **(extra or {})}, self.folder / label)
        self.workers.append(worker)
        return worker

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        if self.redis is not None:
            self.redis.stop()

    def start_redis(self) -> str:
        from tests.servers import RedisServer, wait_until

        self.redis = RedisServer(self.folder)
        with working_directory(self.folder):  # where it keeps its append-only file
            self.redis.start()
        client = self.redis.client()
        client.config_set("appendonly", "yes")  # appendfsync everysec, Redis' default
        wait_until(
            lambda: (
                client.info("persistence")["aof_rewrite_in_progress"] == 0
                and client.info("persistence")["aof_enabled"] == 1
            ),
            30,
        )
        url = f"redis+socket://{self.redis.socket}"
        self.environment[BROKER] = url
        celery_app.conf.broker_url = url
        return url

    def wait(self, keys: list[str], seconds: float, what: str, runs: int = 1) -> None:
        if not self.notes.wait(keys, seconds, runs):
            missing = [key for key in keys if len(self.notes.starts.get(key, ())) < runs]
            raise RuntimeError(
                f"{what}: {len(missing)} of {len(keys)} tasks had not run after {seconds} s "
                f"(first: {missing[0]}); see the workers' output in {self.folder}"
            )

    def ready(self, queue: Queue, label: str) -> None:
        """Until a worker has run a task queued now."""
        key = f"{label}-ready"
        queue.enqueue(key)
        self.wait([key], 60, f"{label} start")


def measure_enqueue(queues: list[tuple[Queue, Figures]], count: int) -> dict[Queue, list[str]]:
    """(a) for every backend at once, round-robin, so that the noise of a
    shared machine falls on all alike; returns the keys of the tasks each
    queued (they wait there for the worker of (c))."""
    from django.db import transaction

    def autocommit(queue: Queue, key: str) -> None:
        queue.enqueue(key)

    def in_transaction(queue: Queue, key: str) -> None:
        with transaction.atomic():
            write_request_row()
            queue.enqueue_in_transaction(key)

    def alone(queue: Queue, key: str) -> None:
        with transaction.atomic():
            write_request_row()

    kinds: list[tuple[str, Callable[[Queue, str], None], bool]] = [
        ("enqueue", autocommit, True),
        ("in_transaction", in_transaction, True),
        ("transaction_alone", alone, False),
    ]
    keys: dict[Queue, list[str]] = {queue: [] for queue, _ in queues}
    for number in range(WARM_UP + count):
        for queue, figures in queues:
            for kind, call, queues_a_task in kinds:
                key = f"{queue.label}-{kind}-{number}"
                started = time.perf_counter_ns()
                call(queue, key)
                elapsed = (time.perf_counter_ns() - started) / 1000
                if number >= WARM_UP:
                    getattr(figures, kind).append(elapsed)
                if queues_a_task:
                    keys[queue].append(key)
    return keys


def measure_idle(queue: Queue, worker: Worker, seconds: float) -> tuple[float, float]:
    """CPU milliseconds per second of the idle worker and of its server."""
    servers = queue.server_pids()
    processes = worker.processes()
    before = cpu_seconds(processes), cpu_seconds(servers)
    time.sleep(seconds)
    after = cpu_seconds(processes), cpu_seconds(servers)
    return tuple((end - start) * 1000 / seconds for start, end in zip(before, after, strict=True))


def measure_trickle(run: Run, queue: Queue, prefix: str) -> list[float]:
    """(b): enqueue-to-start latencies in ms."""
    gaps = random.Random(SEED)
    queued = {}
    for number in range(run.arguments.trickle):
        time.sleep(gaps.uniform(0.3, 0.9))
        key = f"{prefix}-{number}"
        queued[key] = time.monotonic()
        queue.enqueue(key)
    run.wait(list(queued), 30, f"{queue.name} trickle")
    return [(run.notes.first(key) - at) * 1000 for key, at in queued.items()]


def measure_rollback(run: Run, queue: Queue, label: str, enqueue: Callable[[str], None]) -> str:
    """(e): a task enqueued with `enqueue` in a transaction that rolls back."""
    from django.db import transaction

    key = f"{label}-rolled-back"
    try:
        with transaction.atomic():
            write_request_row()
            enqueue(key)
            time.sleep(0.3)  # the rest of the request
            raise RolledBack
    except RolledBack:
        rolled_back_at = time.monotonic()
    # A later task runs: the worker has had every chance to run the first.
    later = f"{label}-later"
    queue.enqueue(later)
    run.wait([later], 30, f"{queue.name} rollback")
    run.notes.wait([key], 1.0)
    if key in run.notes.starts:
        early = (rolled_back_at - run.notes.first(key)) * 1000
        when = f"{early:.0f} ms before the rollback" if early > 0 else "after the rollback"
        return f"RUN anyway, {when}"
    if isinstance(queue, DatabaseQueue):
        return "queued, not run" if queue.queued(key) else "never run, no row left"
    return "never sent, never run"


@dataclass
class Kill:
    """What became of a task whose worker was SIGKILLed while running it."""

    outcome: str  # "run again", "left running" or "lost"
    seconds: float  # after the kill it ran again, or how long it was watched
    at_kill: str  # where the queue had it, just after the kill
    later: str  # and then

    def __str__(self) -> str:
        if self.outcome == "run again":
            return f"run again {self.seconds:.1f} s after the kill"
        if self.outcome == "left running":
            return f"left RUNNING, not run again in {self.seconds:.0f} s"
        return f"LOST, not run again in {self.seconds:.0f} s"

    def detail(self) -> str:
        then = "when it ran again" if self.outcome == "run again" else f"{self.seconds:.0f} s on"
        return f"just after the kill: {self.at_kill}; {then}, a new worker running: {self.later}"


def measure_kill(run: Run, queue: Queue, label: str, watch: float, **options: str) -> Kill:
    """(d): the worker SIGKILLed while it runs a task, then started again
    (and shown to run later tasks)."""
    worker = queue.worker(f"{label}-1", **options)
    worker.start()
    run.ready(queue, f"{label}-1")
    key = f"{label}-held"
    handle = queue.hold(key, run.arguments.hold_seconds)
    run.wait([key], 30, f"{queue.name} held task")
    time.sleep(0.3)
    worker.kill()
    killed_at = time.monotonic()
    at_kill = queue.left(handle)
    again = queue.worker(f"{label}-2", **options)
    again.start()
    run.ready(queue, f"{label}-2")
    rerun = run.notes.wait([key], max(0.0, killed_at + watch - time.monotonic()), runs=2)
    later = queue.left(handle)
    again.stop()
    if rerun:
        return Kill("run again", run.notes.starts[key][1] - killed_at, at_kill, later)
    outcome = "left running" if "RUNNING" in later else "lost"
    return Kill(outcome, watch, at_kill, later)


def measure(run: Run, queue: Queue, figures: Figures, keys: list[str]) -> None:
    """(b) to (e) and the rest, once (a) has queued `keys`."""
    arguments = run.arguments
    label = queue.label
    worker = queue.worker(f"{label}-worker")
    worker.start()
    run.wait(keys, 120, f"{queue.name} drain")
    starts = sorted(run.notes.first(key) for key in keys)
    figures.drained = len(keys)
    figures.throughput = (len(starts) - 1) / (starts[-1] - starts[0])
    figures.startup = starts[0] - worker.started
    print(f"{queue.name}: drained at {figures.throughput:,.0f} tasks/s; idle...", flush=True)
    leader = worker.process.pid
    for pid in worker.processes():
        role = "worker" if pid == leader else "pool process"
        figures.rss[role] = figures.rss.get(role, 0.0) + rss_mib(pid)
        figures.pss += pss_mib(pid)
    if isinstance(queue, CeleryQueue):
        figures.server_rss = rss_mib(run.redis.process.pid)
    figures.idle = measure_idle(queue, worker, arguments.idle_seconds)

    print(f"{queue.name}: a trickle of {arguments.trickle} tasks...", flush=True)
    figures.latency = measure_trickle(run, queue, f"{label}-trickle")
    if isinstance(queue, DatabaseQueue):
        figures.rolled_back = measure_rollback(run, queue, "db-tx", queue.enqueue)
    else:
        figures.rolled_back = measure_rollback(
            run, queue, "celery-on-commit", queue.enqueue_in_transaction
        )
        figures.delayed_in_transaction = measure_rollback(
            run, queue, "celery-delay", queue.enqueue
        )
    worker.stop()

    if isinstance(queue, DatabaseQueue):
        print(f"{queue.name}: --interval 0.1...", flush=True)
        fast = queue.worker("db-fast-worker", interval="0.1")
        fast.start()
        run.ready(queue, "db-fast")
        figures.fast_idle = measure_idle(queue, fast, arguments.idle_seconds)
        figures.fast_latency = measure_trickle(run, queue, "db-fast-trickle")
        fast.stop()

    print(f"{queue.name}: SIGKILL while a task runs...", flush=True)
    figures.killed = measure_kill(run, queue, f"{label}-kill", 8)
    if isinstance(queue, CeleryQueue):
        print(f"{queue.name}: SIGKILL with acks_late...", flush=True)
        figures.killed_late = measure_kill(
            run, queue, "celery-late-kill", VISIBILITY_SECONDS + 15, acks_late="1"
        )


# -------------------------------------------------------------- the report


def rss_text(figures: Figures) -> str:
    parts = [f"{role} {mib:.0f}" for role, mib in figures.rss.items()]
    total = f" = {sum(figures.rss.values()):.0f}" if len(parts) > 1 else ""
    return " + ".join(parts) + total + f" (PSS {figures.pss:.0f})"


def report(db: Figures, celery: Figures, header: list[str]) -> None:
    def share(figures: Figures) -> str:
        median = percentile(figures.in_transaction, 0.5)
        return f"{median - percentile(figures.transaction_alone, 0.5):,.0f}"

    def idle(cpu: tuple[float, float]) -> str:
        return f"{cpu[0]:.1f} + {cpu[1]:.1f}"

    rows = [
        ("(a) enqueue, autocommit: µs p50 / p95", p50_p95(db.enqueue), p50_p95(celery.enqueue)),
        (
            "(a) write + enqueue + commit: µs",
            p50_p95(db.in_transaction),
            p50_p95(celery.in_transaction) + " (on_commit)",
        ),
        (
            "    the same without a task: µs",
            p50_p95(db.transaction_alone),
            p50_p95(celery.transaction_alone),
        ),
        ("    the task's share, p50: µs", share(db), share(celery)),
        (
            "(b) enqueue → start: ms p50 / p95",
            p50_p95(db.latency, 1) + " (polls every 1 s)",
            p50_p95(celery.latency, 1),
        ),
        ("    db_worker --interval 0.1: ms", p50_p95(db.fast_latency, 1), "—"),
        (
            f"(c) throughput, {db.drained} no-op tasks: /s",
            f"{db.throughput:,.0f}",
            f"{celery.throughput:,.0f}",
        ),
        ("    worker start → first task: s", f"{db.startup:.1f}", f"{celery.startup:.1f}"),
        ("(d) worker SIGKILLed mid-task", str(db.killed), str(celery.killed)),
        (f"    acks_late, visibility {VISIBILITY_SECONDS} s", "—", str(celery.killed_late)),
        ("(e) enqueued, then rolled back", db.rolled_back, celery.rolled_back + " (on_commit)"),
        ("    .delay() inside the transaction", "—", celery.delayed_in_transaction),
        ("worker RSS: MiB", rss_text(db), rss_text(celery)),
        ("queue server RSS: MiB", "none more (PostgreSQL)", f"redis {celery.server_rss:.0f}"),
        ("idle CPU, worker + server: ms/s", idle(db.idle), idle(celery.idle)),
        ("    db_worker --interval 0.1", idle(db.fast_idle), "—"),
        ("services to run", "db_worker", "celery worker, redis-server (AOF)"),
    ]
    names = ("", DatabaseQueue.name, CeleryQueue.name)
    widths = [max(len(row[column]) for row in [names, *rows]) for column in range(3)]
    print()
    for line in header:
        print(line)
    print()
    for row in [names, tuple("-" * width for width in widths), *rows]:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
    print()
    print(f"(d) {DatabaseQueue.name}: {db.killed.detail()}")
    print(f"    {CeleryQueue.name}: {celery.killed.detail()}")
    print(f"    {CeleryQueue.name} with acks_late: {celery.killed_late.detail()}")
    print()
    for paragraph in conclusion(db, celery):
        print(textwrap.fill(paragraph, width=99))
        print()


def conclusion(db: Figures, celery: Figures) -> list[str]:
    """What the figures say for Sightline's work: imports and PDFs of
    seconds each, thumbnails and pyramid rebuilds now and then."""
    from registry.views.areas import PDF_REFRESH_SECONDS

    def ms(values: list[float], share: float = 0.95) -> str:
        return f"{percentile(values, share):,.0f} ms"

    db_wait = percentile(db.latency, 0.95) / 1000
    # Tasks of a second or more need about one task a second of a worker;
    # ten times that is ample.
    enough_throughput = db.throughput >= 10
    short_wait = db_wait < PDF_REFRESH_SECONDS
    db_enqueue = percentile(db.in_transaction, 0.5)
    celery_enqueue = percentile(celery.in_transaction, 0.5)
    ratio = db_enqueue / celery_enqueue
    compared = (
        "about the same"
        if 0.8 <= ratio <= 1.25
        else f"{'less' if ratio < 1 else 'more'} with the database backend"
    )
    db_memory, celery_memory = sum(db.rss.values()), sum(celery.rss.values())
    if not (enough_throughput and short_wait):
        reason = (
            f"the database backend drains only {db.throughput:,.1f} tasks/s"
            if not enough_throughput
            else f"a task waits {db_wait:.1f} s (p95) to start, longer than the PDF page's "
            f"{PDF_REFRESH_SECONDS} s refresh"
        )
        return [
            f"Conclusion: Celery on Redis would serve Sightline better: {reason}, while "
            f"Celery starts tasks in {ms(celery.latency)} (p95) and drains "
            f"{celery.throughput:,.0f}/s, at the cost of redis-server to run "
            f"({celery.server_rss:.0f} MiB) and of a publish after COMMIT (on_commit)."
        ]
    paragraphs = [
        "Conclusion: Sightline should keep django-tasks' database backend with one "
        "`manage.py db_worker`. Celery starts a task sooner (p50/p95 "
        f"{ms(celery.latency, 0.5)}/{ms(celery.latency)} against {ms(db.latency, 0.5)}/"
        f"{ms(db.latency)}: db_worker looks for work once a second) and drains no-op "
        f"tasks at {celery.throughput:,.0f}/s against {db.throughput:,.0f}/s, but neither "
        "counts for Sightline's tasks, which take seconds each and are few: the "
        f"wait stays under the PDF page's own {PDF_REFRESH_SECONDS} s refresh, and both "
        "rates are far above what imports and PDFs ask. If it ever mattered, "
        f"--interval 0.1 brings the wait to {ms(db.fast_latency)} (p95) for "
        f"{sum(db.fast_idle) - sum(db.idle):.0f} ms/s more idle CPU.",
        f"Enqueueing in the request's transaction costs {compared} ({db_enqueue:,.0f} µs "
        f"for the write, the task and the commit, against {celery_enqueue:,.0f} µs with "
        "Celery's on_commit, p50), and with the database backend the task commits or "
        f"rolls back with the request's data (rolled back: {db.rolled_back}). "
        "Celery's on_commit publishes after the COMMIT, so a process that dies in between, "
        "or a Redis down at that moment, loses the task of committed data (not measured "
        "here), and a plain .delay() inside the transaction ran the task of rolled-back "
        f"data ({celery.delayed_in_transaction}).",
        "It needs nothing more to run: Celery adds redis-server "
        f"({celery.server_rss:.0f} MiB here) that must be kept durable (append-only "
        "file), backed up and watched as a broker rather than as a cache, beside a worker "
        f"of {celery_memory:.0f} MiB RSS in {len(celery.rss)} processes (PSS "
        f"{celery.pss:.0f}) against db_worker's {db_memory:.0f} MiB (PSS {db.pss:.0f}).",
    ]
    if db.killed.outcome == "left running":
        late = celery.killed_late
        paragraphs.append(
            "What the database backend does worse: a SIGKILLed db_worker leaves its task "
            "marked RUNNING, and no worker runs it again; it must be queued again (an "
            "area PDF is offered Try again once stalled, an import by hand). Celery "
            f"by default does no better ({celery.killed}, acknowledged on receipt); with "
            f"acks_late it ran the task again {late.seconds:.0f} s after the kill, after a "
            "visibility timeout that must outlast the longest import or the import runs "
            "twice (Redis' default is an hour)."
        )
    return paragraphs


# ---------------------------------------------------------------------- run


def database_url(config: dict, name: str) -> str:
    """A DATABASE_URL for database `name` on the server `config` names."""
    user = quote(config["USER"] or "", safe="")
    password = f":{quote(config['PASSWORD'], safe='')}" if config["PASSWORD"] else ""
    host = quote(config["HOST"] or "", safe="")
    port = f":{config['PORT']}" if config["PORT"] else ""
    return f"postgis://{user}{password}@{host}{port}/{name}"


def time_limit(seconds: int) -> None:
    def stop(signum: int, frame: object) -> None:
        raise TimeoutError(f"stopped after --time-limit {seconds} s")

    signal.signal(signal.SIGALRM, stop)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    signal.alarm(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=1000, help="of each kind in (a)")
    parser.add_argument("--trickle", type=int, default=30, help="tasks in (b)")
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--hold-seconds", type=float, default=5.0, help="the killed task's")
    parser.add_argument("--time-limit", type=int, default=290)
    arguments = parser.parse_args()
    if not shutil.which("redis-server"):
        sys.exit("redis-server is not installed: `make bench-tasks` installs it (Debian).")
    time_limit(arguments.time_limit)

    from django.conf import settings

    # The settings' database, renamed: the run never touches Sightline's own.
    config = settings.DATABASES["default"]
    config["NAME"] = BENCH_DB
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import databases

    folder = Path(tempfile.mkdtemp(prefix="sightline-bench-tasks-"))
    run = Run(arguments, folder, database_url(config, BENCH_DB))
    started, load = time.monotonic(), os.getloadavg()[0]
    try:
        databases.recreate_database(BENCH_DB)
        call_command("migrate", "django_tasks_database", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE bench_request (id bigserial PRIMARY KEY, "
                "at timestamptz NOT NULL DEFAULT now())"
            )
            cursor.execute("SHOW synchronous_commit")
            synchronous_commit = cursor.fetchone()[0]
            cursor.execute("SHOW server_version")
            postgres = cursor.fetchone()[0]
        run.start_redis()
        redis_version = run.redis.client().info("server")["redis_version"]
        queues = [(DatabaseQueue(run), Figures()), (CeleryQueue(run), Figures())]
        print(f"(a) enqueueing {2 * (WARM_UP + arguments.tasks)} tasks to each...", flush=True)
        keys = measure_enqueue(queues, arguments.tasks)
        for queue, figures in queues:
            measure(run, queue, figures, keys[queue])
        (_, db), (_, celery_figures) = queues
        header = [
            f"{os.cpu_count()} cores, load average {load:.1f} at the start and "
            f"{os.getloadavg()[0]:.1f} at the end, {time.monotonic() - started:.0f} s later; "
            "config.settings.prod; Unix sockets only",
            f"PostgreSQL {postgres} (synchronous_commit {synchronous_commit}), "
            f"django-tasks {version('django-tasks')}, django-tasks-db "
            f"{version('django-tasks-db')}; Celery {version('celery')} (kombu "
            f"{version('kombu')}, redis-py {version('redis')}), redis-server {redis_version} "
            "(appendonly yes, everysec)",
        ]
        report(db, celery_figures, header)
    finally:
        signal.alarm(0)
        run.stop()
        databases.drop_database(BENCH_DB)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    # The tasks must be bench.tasks' own, which the workers import.
    from bench import tasks

    tasks.main()
