"""The site served by gunicorn on 127.0.0.1 for the benchmarks that measure
it over HTTP (bench/api.py, bench/ogc.py, bench/embed.py): bench.settings,
one scratch database, started and stopped as a process group."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(
    port: int,
    *,
    probe: str,
    workers: int = 2,
    database: str | None = None,
    access_log: Path | None = None,
    access_format: str | None = None,
) -> subprocess.Popen:
    """gunicorn with `workers` sync workers, once `probe` (a path) answers;
    `database` names the scratch database (bench.settings' default else)."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "CONN_MAX_AGE": "600"}
    if database:
        environment["SIGHTLINE_BENCH_DATABASE"] = database
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--log-level=warning",
    ]
    if access_log:
        command.append(f"--access-logfile={access_log}")
    if access_format:
        command.append(f"--access-logformat={access_format}")
    server = subprocess.Popen(command, cwd=ROOT, env=environment, start_new_session=True)
    for _ in range(150):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{probe}", timeout=5):
                print(f"gunicorn: {workers} sync workers on 127.0.0.1:{port}")
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    sys.exit("gunicorn did not start")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)
