"""Sightline as production runs it, under a mixed load, and through faults.

    make bench-load             (or: .venv/bin/python bench/load.py)
    .venv/bin/python bench/load.py [--cameras N] [--step-seconds 20] [--time-limit 900]

1. Starts, in a temporary folder and on 127.0.0.1 only: a PostgreSQL
   cluster of its own (initdb; a Unix socket, no TCP port) loaded with the
   shared OSM sample by `manage.py import_cameras` (168,041 cameras, plus
   synthetic ones up to --cameras), redis-server, gunicorn with
   deploy/gunicorn.conf.py and config.settings.prod, and nginx with
   deploy/nginx/sightline.conf (TLS with a self-signed certificate) in
   front of it.
2. Offers an open-loop mixed load (bench/workload.py: 80% map tiles around
   real cameras, 15% bbox API requests, 4% pages, 1% anonymous reports
   with an EXIF-laden photo and a solved proof of work), stepping the
   rate up and then bisecting, to find the highest rate held with a p95
   under 200 ms and no errors.
3. At half that rate (reports raised to 2% of requests), restarts
   PostgreSQL: every report that got a 201 must be in the database, and
   the service must serve again within 10 s.
4. At half that rate, stops Redis for 15 s: no 500s.
5. Without load, SIGKILLs a re-import of the sample half-way: counts and
   checksums of cameras, revisions, changesets and the tile pyramid must be
   as before.

All load comes from one address, so the per-address limits (nginx's and
the API's) are raised for the run; everything else is as deployed. It
prints a table of the figures, with the CPU the generator itself used (it
shares the machine with the servers), and stops every process it started.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import json
import os
import runpy
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import loadgen, workload  # noqa: E402
from bench.api import SAMPLE  # noqa: E402
from bench.cpu import CpuMeter  # noqa: E402
from tests import servers  # noqa: E402

DATABASE = "sightline"
SOURCE = "osm-sample"
P95_TARGET = 0.200
RECOVERY_TARGET = 10.0
STEP_FACTOR = 1.5
MAX_STEPS = 14
FAULT_SECONDS = 40.0
FAULT_AT = 10.0
REDIS_DOWN_SECONDS = 15.0
# Reports are raised from 1% to 2% around the faults, so that more are in
# flight when PostgreSQL restarts; more would not be half the load any more
# (each report's photo costs ~0.4 s of CPU).
FAULT_MIX = workload.Mix(tiles=0.79, bbox=0.15, pages=0.04, submissions=0.02)
# The cluster's settings, as deploy/local-postgres makes them; durability
# (fsync, synchronous_commit) stays at PostgreSQL's defaults.
POSTGRES_SETTINGS = {
    "shared_buffers": "256MB",
    "maintenance_work_mem": "256MB",
    "max_wal_size": "2GB",
}
# Tables an interrupted import must leave exactly as they were.
CHECKED_TABLES = (
    "registry_camera", "registry_revision", "registry_changeset", "registry_dataset",
    "registry_tilecell", "registry_importconflict", "registry_mergecandidate",
    "registry_vendor", "registry_operator",
)  # fmt: skip
# Time kept after the capacity search for the fault phases and the import.
RESERVED_SECONDS = 330.0
# Before the search: gunicorn's workers import and connect, PostgreSQL
# reads the tables into its cache, nginx's tile cache fills.
WARM_UP_SECONDS = 15.0


# ---------------------------------------------------------------------- stack


class Stack:
    """The servers, each started by this process and stopped by stop()."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.cluster = servers.PostgresCluster(folder / "postgres", POSTGRES_SETTINGS)
        self.redis = servers.RedisServer(folder)
        self.edge_folder = folder / "nginx"
        self.port, self.plain_port = servers.free_port(), servers.free_port()
        self.gunicorn: servers.Gunicorn | None = None
        self.nginx: servers.Nginx | None = None

    def start_database(self) -> None:
        self.cluster.create()
        self.cluster.start()
        self.cluster.create_database(DATABASE)

    def app_environment(self) -> dict[str, str]:
        """config.settings.prod from the environment, as the README's
        configuration table documents it."""
        inherited = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("DATABASE_", "MEDIA_", "REDIS_", "GUNICORN_", "DJANGO_"))
        }
        return {
            **inherited,
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": servers.SITE_NAME,
            "DATABASE_URL": self.cluster.url(DATABASE),
            "REDIS_URL": self.redis.url,
            "MEDIA_ROOT": str(self.edge_folder / "srv" / "media"),
            "STATIC_ROOT": str(self.edge_folder / "srv" / "static"),
            "PROMETHEUS_MULTIPROC_DIR": str(self.folder / "metrics"),
            # All the load comes from one address: per-client limits would
            # only measure the limiter.
            "API_ANON_RATE": "100000000/minute",
            "CONTRIBUTION_RATE": "100000000/hour",
            "CONTRIBUTION_GLOBAL_RATE": "100000000/hour",
            # A tenth of the default search, so that the generator, which
            # shares the cores, spends ~3 ms rather than ~30 ms per report.
            "POW_MAX_NUMBER": "5000",
        }

    def start_web(self) -> None:
        (self.folder / "metrics").mkdir()
        self.redis.start()
        socket_path = self.folder / "gunicorn.sock"
        self.gunicorn = servers.Gunicorn(
            bind=f"unix:{socket_path}",
            environment=self.app_environment(),
            log=self.folder / "gunicorn.log",
        )
        self.gunicorn.start()
        self.gunicorn.wait_listening()
        self.nginx = servers.Nginx(self.nginx_config(socket_path), self.port)
        self.nginx.start()

    def nginx_config(self, socket_path: Path) -> Path:
        self.edge_folder.mkdir()
        certificate, key = servers.self_signed_certificate(self.edge_folder)
        site = servers.site_file(
            self.edge_folder,
            {
                "unix:/run/sightline/gunicorn.sock": f"unix:{socket_path}",
                # Per-address edge limits, lifted for one address's load.
                "rate=20r/s": "rate=100000r/s",
                "rate=2r/s": "rate=100000r/s",
                **servers.loopback_listens(self.port, self.plain_port, tls=True),
                **servers.certificate_paths(certificate, key),
            },
        )
        return servers.wrapper(self.edge_folder, site, worker_connections=4096)

    def gunicorn_shape(self) -> str:
        """Processes and threads, as deploy/gunicorn.conf.py sizes them."""
        config = runpy.run_path(str(servers.GUNICORN_CONFIG))
        return f"{config['workers']} workers x {config['threads']} threads"

    def pids(self) -> dict[str, int]:
        """The root process of each server, for the CPU meter."""
        pids = {"postgres": self.cluster.pid}
        for name, server in (("gunicorn", self.gunicorn), ("nginx", self.nginx),
                             ("redis", self.redis)):  # fmt: skip
            if server is not None and server.process is not None:
                pids[name] = server.process.pid
        return pids

    def stop(self) -> None:
        for server in (self.nginx, self.gunicorn, self.redis):
            if server is not None:
                try:
                    server.stop()
                except Exception as error:  # keep stopping the others
                    print(f"stopping {type(server).__name__}: {error}", file=sys.stderr)
        self.cluster.remove()


# ----------------------------------------------------------------------- data


def setup_django(stack: Stack) -> None:
    """This process's own Django (development settings) on the scratch
    cluster, for migrations and the checks."""
    os.environ["DATABASE_URL"] = stack.cluster.url(DATABASE)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    import django

    django.setup()


def close_connections() -> None:
    from django.conf import settings

    if settings.configured:
        from django.db import connections

        connections.close_all()


# manage.py commands started by this run, ended by stop_commands() if the
# run itself is stopped while one is running.
COMMANDS: list[subprocess.Popen] = []


def manage(*arguments: str, stack: Stack, **options) -> subprocess.Popen:
    environment = {**stack.app_environment(), "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    environment.update(options.pop("env", {}))
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *arguments],
        env=environment,
        cwd=ROOT,
        stdout=options.pop("stdout", subprocess.PIPE),
        stderr=subprocess.STDOUT,
        text=True,
        **options,
    )
    COMMANDS.append(process)
    return process


def stop_commands() -> None:
    for process in COMMANDS:
        servers.stop_process(process)


def run_manage(*arguments: str, stack: Stack, timeout: float = 600) -> tuple[float, str]:
    started = time.monotonic()
    process = manage(*arguments, stack=stack)
    output, _ = process.communicate(timeout=timeout)
    if process.returncode:
        raise SystemExit(f"manage.py {' '.join(arguments)} failed:\n{output[-3000:]}")
    return time.monotonic() - started, output


def load_data(stack: Stack, cameras: int) -> float:
    """Migrations, reference data, countries and the OSM sample (timed);
    synthetic cameras around real ones up to `cameras`."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    call_command("load_countries", verbosity=0)
    seconds, output = run_manage("import_cameras", str(SAMPLE), "--source", SOURCE, stack=stack)
    print(output.strip().splitlines()[-1])
    from bench.api import add_synthetic
    from registry.models import Camera

    extra = cameras - Camera.objects.count()
    if extra > 0:
        add_synthetic(extra)
    with connection_cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return seconds


def connection_cursor():
    from django.db import connection

    return connection.cursor()


def camera_count() -> int:
    from registry.models import Camera

    return Camera.objects.count()


# ------------------------------------------------------------------- capacity


@dataclass
class Step:
    phase: loadgen.Phase
    cpu: dict[str, float]

    @property
    def figures(self) -> loadgen.Figures:
        return loadgen.figures(self.phase.outcomes)

    @property
    def sent(self) -> float:
        """Requests actually offered per second (Poisson arrivals)."""
        return len(self.phase.outcomes) / self.phase.seconds

    @property
    def achieved(self) -> float:
        return sum(outcome.ok for outcome in self.phase.outcomes) / self.phase.seconds

    @property
    def lag_p95(self) -> float:
        """How late the generator sent its requests (its own saturation)."""
        return loadgen.percentile([o.started - o.due for o in self.phase.outcomes], 0.95)

    @property
    def held(self) -> bool:
        figures = self.figures
        return figures.errors == 0 and figures.p95 < P95_TARGET


async def measure_step(pool, pick, meter: CpuMeter, rate: float, seconds: float, seed: int):
    meter.start()
    phase = await loadgen.run_phase(pool, pick, rate=rate, seconds=seconds, seed=seed)
    step = Step(phase, meter.stop(phase.seconds))
    figures = step.figures
    print(
        f"  {rate:7.1f}/s ({step.sent:.1f}/s sent): {step.achieved:7.1f}/s answered well, "
        f"p50 {ms(figures.p50)} ms, p95 {ms(figures.p95)} ms, errors: "
        f"{describe_failures(failures(phase))}, generator CPU {step.cpu['generator']:.0%} of a "
        f"core -> {'held' if step.held else 'not held'}",
        flush=True,
    )
    classes = loadgen.by_kind(phase.outcomes)
    print(
        "      p95 by class: "
        + ", ".join(
            f"{kind} {ms(loadgen.figures(items).p95)} ms"
            for kind, items in sorted(classes.items())
        ),
        flush=True,
    )
    return step


def next_rate(rate: float, held: float, failed: float, start: float) -> float | None:
    """Up by STEP_FACTOR until a step fails, then halfway between the
    highest held and the lowest failed rate until they are within 10%;
    None when the search is over."""
    if not failed:
        return rate * STEP_FACTOR
    if not held:
        return rate / 2 if rate > start / 4 else None
    if failed / held <= 1.1:
        return None
    return (held + failed) / 2


async def find_capacity(pool, pick, meter, arguments, deadline: float) -> list[Step]:
    steps: list[Step] = []
    rate: float | None = arguments.start_rate
    held = failed = 0.0
    while rate is not None and len(steps) < MAX_STEPS:
        if time.monotonic() + arguments.step_seconds + loadgen.DRAIN_SECONDS > deadline:
            print("  (time budget reached: the search stops here)")
            break
        step = await measure_step(pool, pick, meter, rate, arguments.step_seconds, len(steps))
        steps.append(step)
        if step.held:
            held = max(held, rate)
        else:
            failed = min(failed, rate) if failed else rate
        rate = next_rate(rate, held, failed, arguments.start_rate)
        await asyncio.sleep(1)
    return steps


def held_step(steps: list[Step]) -> Step | None:
    held = [step for step in steps if step.held]
    return max(held, key=lambda step: step.phase.rate) if held else None


# --------------------------------------------------------------------- faults


@dataclass
class FaultResult:
    phase: loadgen.Phase
    notes: dict[str, object] = field(default_factory=dict)


def failures(phase: loadgen.Phase, since: float = 0.0) -> list[loadgen.Outcome]:
    return [o for o in phase.outcomes if not o.ok and o.started >= since]


def recovery_seconds(phase: loadgen.Phase, began: float) -> float | None:
    """From `began` to the first answer, not from nginx's cache, to a
    request sent after the last failed one (None: it never came)."""
    failed = failures(phase, since=began - 1.0)
    after = max((o.started for o in failed), default=began)
    answers = [
        o.finished
        for o in phase.outcomes
        if o.ok and o.started >= after and o.cache not in ("HIT", "STALE", "UPDATING")
    ]
    return min(answers) - began if answers else None


async def postgres_restart(pool, pick, stack: Stack, rate: float) -> FaultResult:
    phase = await loadgen.run_phase(
        pool, pick, rate=rate, seconds=FAULT_SECONDS, seed=101,
        actions=[(FAULT_AT, "restart", stack.cluster.restart)],
    )  # fmt: skip
    began = phase.events["restart began"]
    notes = {
        "restart_seconds": phase.events["restart ended"] - began,
        "failed": failures(phase),
        "recovery": recovery_seconds(phase, began),
    }
    return FaultResult(phase, notes)


async def redis_stop(pool, pick, stack: Stack, rate: float) -> FaultResult:
    phase = await loadgen.run_phase(
        pool, pick, rate=rate, seconds=FAULT_SECONDS, seed=202,
        actions=[(FAULT_AT, "stop", stack.redis.stop),
                 (FAULT_AT + REDIS_DOWN_SECONDS, "start", stack.redis.start)],
    )  # fmt: skip
    down = [o for o in phase.outcomes if o.started >= phase.events["stop began"]]
    notes = {
        "server_errors": sum(o.status >= 500 for o in phase.outcomes),
        "failed": failures(phase),
        "requests_while_down": sum(o.started < phase.events["start ended"] for o in down),
    }
    return FaultResult(phase, notes)


def submissions_check(phases: list[loadgen.Phase]) -> dict[str, int]:
    """Every report answered 201 must be in the database, with its camera
    and under the receipt whose token it was given (kept as a SHA-256)."""
    answered = [
        o.detail for phase in phases for o in phase.outcomes if o.kind == "submission" and o.ok
    ]
    expected = {
        (
            a["submission"],
            a["camera"]["id"],
            hashlib.sha256(a["receipt"]["token"].encode()).hexdigest(),
        )
        for a in answered
    }
    with connection_cursor() as cursor:
        cursor.execute(
            "SELECT s.id, s.camera_id, r.token_hash FROM registry_submission s "
            "JOIN registry_camera c ON c.id = s.camera_id "
            "JOIN registry_receipt r ON r.id = s.receipt_id WHERE s.id = ANY(%s)",
            [[pk for pk, _camera, _hash in expected]],
        )
        found = set(cursor.fetchall())
    return {"answered": len(expected), "missing": len(expected - found)}


# --------------------------------------------------------------------- import


def registry_state() -> dict[str, tuple[int, str]]:
    """(rows, checksum) of each checked table: the md5 of its rows' text,
    in a fixed order."""
    state = {}
    with connection_cursor() as cursor:
        for table in CHECKED_TABLES:
            cursor.execute(
                f"SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h)), '') "
                f"FROM (SELECT md5(t::text) h FROM {table} t) rows"
            )
            state[table] = cursor.fetchone()
    return state


def changed_sample(folder: Path) -> Path:
    """The sample with a new check date on every camera: a re-import that
    updates each of them (and writes a revision for each)."""
    with gzip.open(SAMPLE, "rt") as source:
        collection = json.load(source)
    for feature in collection["features"]:
        feature["properties"]["check_date"] = "2025-11-01"
    path = folder / "changed-sample.geojson.gz"
    with gzip.open(path, "wt", compresslevel=1) as target:
        json.dump(collection, target)
    return path


def import_backend_writing(application: str) -> bool:
    """Whether the import's database session has begun writing."""
    with connection_cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_stat_activity WHERE application_name = %s "
            "AND backend_xid IS NOT NULL",
            [application],
        )
        return cursor.fetchone() is not None


def import_backend_gone(application: str) -> bool:
    with connection_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE application_name = %s", [application])
        return cursor.fetchone() is None


def killed_import(stack: Stack) -> dict[str, object]:
    """Times a dry run of the changed sample's re-import, then runs it for
    real and SIGKILLs it half-way through that time, once it is writing."""
    path = changed_sample(stack.folder)
    before = registry_state()
    dry_seconds, _ = run_manage("import_cameras", str(path), "--source", SOURCE, "--dry-run",
                                stack=stack)  # fmt: skip
    application = "sightline-load-import"
    started = time.monotonic()
    # Its output goes to a file: an unread pipe would block it once full.
    with (stack.folder / "killed-import.log").open("w") as log:
        process = manage("import_cameras", str(path), "--source", SOURCE, stack=stack,
                         env={"PGAPPNAME": application}, stdout=log)  # fmt: skip
    writing = servers.wait_until(lambda: import_backend_writing(application), dry_seconds, 0.2)
    time.sleep(max(0.0, started + dry_seconds / 2 - time.monotonic()))
    killed_at = time.monotonic() - started
    exited_before = process.poll() is not None
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    # PostgreSQL notices the lost client at its next read and rolls back.
    servers.wait_until(lambda: import_backend_gone(application), 120, 0.2)
    after = registry_state()
    return {
        "dry_run_seconds": dry_seconds,
        "killed_at": killed_at,
        "was_writing": writing,
        "exited_before": exited_before,
        "same": before == after,
        "cameras": (before["registry_camera"][0], after["registry_camera"][0]),
        "revisions": (before["registry_revision"][0], after["registry_revision"][0]),
        "differences": [table for table in CHECKED_TABLES if before[table] != after[table]],
    }


# --------------------------------------------------------------------- report


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def print_steps(steps: list[Step]) -> None:
    print(
        "\n                                                          CPU, % of one core"
        "\noffered/s answered/s  p50 ms  p95 ms  p99 ms errors lag p95 ms"
        "  generator gunicorn postgres nginx redis other  held"
    )
    for step in sorted(steps, key=lambda step: step.phase.rate):
        f, cpu = step.figures, step.cpu
        print(
            f"{step.phase.rate:9.1f} {step.achieved:10.1f} {ms(f.p50):>7} {ms(f.p95):>7} "
            f"{ms(f.p99):>7} {f.errors:>6} {ms(step.lag_p95):>10}  "
            f"{cpu['generator']:>9.0%} {cpu['gunicorn']:>8.0%} {cpu['postgres']:>8.0%} "
            f"{cpu['nginx']:>5.0%} {cpu['redis']:>5.0%} {cpu['other']:>5.0%}  "
            f"{'yes' if step.held else 'no'}"
        )


def print_classes(outcomes: list[loadgen.Outcome]) -> None:
    print(f"\n{'class':<11} {'requests':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
          f"{'errors':>6}  statuses")  # fmt: skip
    for kind, items in sorted(loadgen.by_kind(outcomes).items()):
        f = loadgen.figures(items)
        statuses = ", ".join(
            f"{status or 'none'}: {n}" for status, n in sorted(f.statuses.items())
        )
        print(f"{kind:<11} {f.count:>8} {ms(f.p50):>7} {ms(f.p95):>7} {ms(f.p99):>7} "
              f"{f.errors:>6}  {statuses}")  # fmt: skip
    tiles = [o for o in outcomes if o.kind == "tile" and o.ok]
    if tiles:
        hits = sum(o.cache == "HIT" for o in tiles) / len(tiles)
        print(f"tiles served from nginx's cache: {hits:.0%}")


def describe_failures(failed: list[loadgen.Outcome]) -> str:
    if not failed:
        return "none"
    counts: dict[str, int] = {}
    for o in failed:
        key = f"{o.kind} {o.status or o.error}"
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{key} x{n}" for key, n in sorted(counts.items()))


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def print_summary(summary: list[tuple[str, str, str]]) -> None:
    width = max(len(name) for name, _, _ in summary)
    print("\n" + "=" * 78 + "\nFigures\n" + "=" * 78)
    for name, value, target in summary:
        print(f"{name:<{width}}  {value}{f'   [{target}]' if target else ''}")


# ----------------------------------------------------------------------- main


async def run_load(stack: Stack, registry, photo: bytes, arguments, deadline: float) -> dict:
    meter = CpuMeter(stack.pids)
    pool = loadgen.Pool(stack.port, servers.SITE_NAME, loadgen.client_context())
    pick = workload.picker(registry, photo, workload.Mix())
    print(f"\nwarming up: {WARM_UP_SECONDS:.0f} s at {arguments.start_rate:.0f}/s", flush=True)
    await loadgen.run_phase(
        pool, pick, rate=arguments.start_rate, seconds=WARM_UP_SECONDS, seed=99
    )
    print(
        f"\ncapacity search ({workload.Mix().describe()}), {arguments.step_seconds:.0f} s a step:"
    )
    steps = await find_capacity(pool, pick, meter, arguments, deadline - RESERVED_SECONDS)
    best = held_step(steps)
    fault_rate = max(arguments.start_rate / 2, (best.phase.rate if best else 0) / 2)
    fault_pick = workload.picker(registry, photo, FAULT_MIX)
    print(f"\nPostgreSQL restart at {fault_rate:.0f}/s ({FAULT_MIX.describe()})", flush=True)
    restart = await postgres_restart(pool, fault_pick, stack, fault_rate)
    print(f"Redis stopped for {REDIS_DOWN_SECONDS:.0f} s at {fault_rate:.0f}/s", flush=True)
    redis = await redis_stop(pool, fault_pick, stack, fault_rate)
    pool.close()
    return {"steps": steps, "best": best, "restart": restart, "redis": redis, "rate": fault_rate}


Row = tuple[str, str, str]  # what, the figure, the target and whether it was met


def capacity_rows(best: Step | None) -> list[Row]:
    if best is None:
        return [("highest rate held", "none: even the first step missed", "MISSED")]
    f = best.figures
    rows = [
        (
            "highest rate held",
            f"{best.phase.rate:.0f} requests/s ({best.achieved:.0f}/s answered), p50 "
            f"{ms(f.p50)} ms, p95 {ms(f.p95)} ms, p99 {ms(f.p99)} ms, {f.errors} errors",
            "p95 < 200 ms, no errors",
        )
    ]
    for kind, items in sorted(loadgen.by_kind(best.phase.outcomes).items()):
        k = loadgen.figures(items)
        figure = f"{k.count} requests, p50 {ms(k.p50)} / p95 {ms(k.p95)} / p99 {ms(k.p99)} ms"
        rows.append((f"  {kind}", f"{figure}, {k.errors} errors", ""))
    cpu = best.cpu
    rows.append(
        (
            "  CPU (one core = 100%)",
            f"generator {cpu['generator']:.0%}, gunicorn {cpu['gunicorn']:.0%}, PostgreSQL "
            f"{cpu['postgres']:.0%}, nginx {cpu['nginx']:.0%}, Redis {cpu['redis']:.0%}, "
            f"other processes {cpu['other']:.0%}",
            "",
        )
    )
    return rows


def restart_rows(restart: FaultResult, check: dict[str, int]) -> list[Row]:
    notes = restart.notes
    recovery = notes["recovery"]
    met = recovery is not None and recovery <= RECOVERY_TARGET
    return [
        (
            "PostgreSQL restart",
            f"pg_ctl restart took {notes['restart_seconds']:.1f} s; failed requests: "
            f"{describe_failures(notes['failed'])}; p95 of the phase "
            f"{ms(loadgen.figures(restart.phase.outcomes).p95)} ms",
            "",
        ),
        (
            "  serving again after",
            "never" if recovery is None else f"{recovery:.1f} s",
            f"<= {RECOVERY_TARGET:.0f} s: {verdict(met)}",
        ),
        (
            "  reports answered 201",
            f"{check['answered']} (all phases), missing from the database: {check['missing']}",
            f"0 lost: {verdict(check['missing'] == 0)}",
        ),
    ]


def redis_rows(redis: FaultResult) -> list[Row]:
    errors = redis.notes["server_errors"]
    return [
        (
            f"Redis stopped {REDIS_DOWN_SECONDS:.0f} s",
            f"500s: {errors}; all failures: {describe_failures(redis.notes['failed'])} "
            f"({redis.notes['requests_while_down']} requests sent while it was down; p95 "
            f"{ms(loadgen.figures(redis.phase.outcomes).p95)} ms)",
            f"no 500s: {verdict(errors == 0)}",
        )
    ]


def import_rows(imported: dict) -> list[Row]:
    cameras, revisions = imported["cameras"], imported["revisions"]
    return [
        (
            "import killed",
            f"SIGKILL at {imported['killed_at']:.1f} s of a {imported['dry_run_seconds']:.1f} s "
            f"import (writing: {imported['was_writing']}); cameras {cameras[0]} -> "
            f"{cameras[1]}, revisions {revisions[0]} -> {revisions[1]}; changed tables: "
            f"{', '.join(imported['differences']) or 'none'}",
            "the import had finished before the kill: nothing shown"
            if imported["exited_before"]
            else f"registry as before: {verdict(bool(imported['same']))}",
        )
    ]


def report(results: dict, check: dict, imported: dict, context: dict) -> None:
    best = results["best"]
    print_steps(results["steps"])
    if best:
        print(f"\nat the highest rate held, {best.phase.rate:.0f}/s:")
        print_classes(best.phase.outcomes)
    print_summary(
        [
            ("setup", context["setup"], ""),
            *capacity_rows(best),
            *restart_rows(results["restart"], check),
            *redis_rows(results["redis"]),
            *import_rows(imported),
        ]
    )


def keep_logs(stack: Stack, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for log in (stack.folder / "gunicorn.log", stack.cluster.log, stack.edge_folder / "error.log",
                stack.edge_folder / "logs" / "sightline.access.log"):  # fmt: skip
        if log.exists():
            shutil.copy(log, target / log.name)


def arguments_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cameras", type=int, default=0, help="synthetic cameras up to this")
    parser.add_argument("--start-rate", type=float, default=20.0, help="first step, requests/s")
    parser.add_argument("--step-seconds", type=float, default=20.0)
    parser.add_argument("--time-limit", type=float, default=900.0, help="seconds for everything")
    parser.add_argument("--logs", type=Path, help="copy the servers' logs into this folder")
    return parser


def stop_on_signals() -> None:
    """SIGTERM, SIGHUP and the run's own alarm end it through the cleanup."""

    def stop(number, _frame):
        raise SystemExit(f"stopped by signal {number}")

    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGALRM):
        signal.signal(number, stop)


def main() -> None:
    arguments = arguments_parser().parse_args()
    if not SAMPLE.is_file():
        sys.exit(f"No OSM sample at {SAMPLE}.")
    for tool in ("redis-server", "openssl"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not installed (make setup installs it).")
    if servers.NGINX is None:
        sys.exit("nginx is not installed (make setup installs it).")
    started = time.monotonic()
    deadline = started + arguments.time_limit
    stop_on_signals()
    signal.alarm(int(arguments.time_limit + 180))  # whatever happens, it ends
    folder = Path(tempfile.mkdtemp(prefix="sightline-load-"))
    folder.chmod(0o711)  # the cluster's owner, postgres, must reach its folder
    stack = Stack(folder)
    try:
        stack.start_database()
        setup_django(stack)
        import_seconds = load_data(stack, arguments.cameras)
        stack.start_web()
        cameras = camera_count()
        context = {
            "setup": f"{cameras} cameras (sample imported in {import_seconds:.0f} s); "
            f"nginx (TLS) -> gunicorn, config.settings.prod, {stack.gunicorn_shape()} -> "
            f"PostgreSQL 15 + Redis, {os.cpu_count()} cores, load average "
            f"{os.getloadavg()[0]:.1f} at the start",
        }
        print(context["setup"], flush=True)
        registry = workload.load_registry()
        photo = workload.photo_with_exif()
        results = asyncio.run(run_load(stack, registry, photo, arguments, deadline))
        close_connections()  # PostgreSQL was restarted under them
        check = submissions_check(
            [step.phase for step in results["steps"]]
            + [results["restart"].phase, results["redis"].phase]
        )
        print("\nkilling an import half-way (no load)", flush=True)
        imported = killed_import(stack)
        report(results, check, imported, context)
        print(f"\nwhole run: {time.monotonic() - started:.0f} s")
    finally:
        stop_commands()
        close_connections()
        if arguments.logs:
            keep_logs(stack, arguments.logs)
        stack.stop()
        shutil.rmtree(folder, ignore_errors=True)
        signal.alarm(0)


if __name__ == "__main__":
    main()
