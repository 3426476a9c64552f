"""Real servers on private sockets, for the tests and the benchmarks: a
PostgreSQL cluster of its own (initdb in a folder), redis-server, gunicorn
with deploy/gunicorn.conf.py, nginx with deploy/nginx/sightline.conf, and
an SMTP server (aiosmtpd) in a thread.

Each listens on a Unix socket inside its folder or on a free port of
127.0.0.1, never another address, and each `stop()` ends only the process it
started."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
SITE = ROOT / "deploy" / "nginx" / "sightline.conf"
PROXY = ROOT / "deploy" / "nginx" / "sightline-proxy.conf"
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
SITE_NAME = "sightline.example.org"


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], bool], seconds: float = 10, interval=0.05) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def is_root() -> bool:
    return os.geteuid() == 0


def as_cluster_owner(*command: str | Path, **options) -> subprocess.CompletedProcess:
    """PostgreSQL refuses to run as root: as root, run as `postgres`, like
    deploy/local-postgres."""
    prefix = ["runuser", "-u", "postgres", "--"] if is_root() else []
    options.setdefault("timeout", 120)
    return subprocess.run(
        [*prefix, *map(str, command)], check=True, capture_output=True, **options
    )


def give_to_cluster_owner(*folders: Path) -> None:
    if is_root():
        for folder in folders:
            shutil.chown(folder, "postgres", "postgres")


# ------------------------------------------------------------------ PostgreSQL


class PostgresCluster:
    """A PostGIS cluster made with initdb in `folder`, listening only on a
    Unix socket in `folder/run` (no TCP port), trusting its local user
    `sightline` like the project's local cluster."""

    user = "sightline"

    def __init__(self, folder: Path, settings: Mapping[str, str] | None = None) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.sockets = folder / "run"
        self.log = folder / "postgres.log"
        self.settings = dict(settings or {})

    def create(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.sockets.mkdir(exist_ok=True)
        give_to_cluster_owner(self.folder, self.sockets)
        as_cluster_owner(
            PG_BIN / "initdb", "-D", self.data, "-U", self.user, "--auth=trust", "-E", "UTF8",
            "--no-locale",
        )  # fmt: skip
        lines = [
            "listen_addresses = ''",
            f"unix_socket_directories = '{self.sockets}'",
            *(f"{name} = {value}" for name, value in self.settings.items()),
        ]
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n# Private cluster: a Unix socket only\n" + "\n".join(lines) + "\n")

    def pg_ctl(self, *arguments: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return as_cluster_owner(
            PG_BIN / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", *arguments,
            timeout=timeout,
        )  # fmt: skip

    def start(self) -> None:
        self.pg_ctl("start")

    def restart(self, mode: str = "fast") -> None:
        self.pg_ctl("-m", mode, "restart")

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self.pg_ctl("-m", mode, "stop")

    @property
    def pid(self) -> int:
        """The postmaster's process id, from its pid file."""
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def url(self, database: str) -> str:
        """A DATABASE_URL for `database` over the cluster's socket."""
        return f"postgis://{self.user}@{quote(str(self.sockets), safe='')}/{database}"

    def psql(self, database: str, statement: str) -> str:
        result = subprocess.run(
            [PG_BIN / "psql", "-X", "-q", "-tA", "-h", self.sockets, "-U", self.user,
             "-d", database, "-c", statement],
            check=True, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        return result.stdout.strip()

    def create_database(self, name: str) -> None:
        self.psql("postgres", f"CREATE DATABASE {name}")
        self.psql(
            name, "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis"
        )

    def remove(self) -> None:
        """Stops the cluster, whatever state it is in, and deletes its folder."""
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.SubprocessError):
                self.stop(mode="immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


# ----------------------------------------------------------------------- Redis


class RedisServer:
    """redis-server on a Unix socket in `folder`, without persistence."""

    def __init__(self, folder: Path) -> None:
        self.socket = folder / "redis.sock"
        self.url = f"unix://{self.socket}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", str(self.socket),
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip

        def answers() -> bool:
            try:
                return bool(self.client().ping())
            except redis.exceptions.ConnectionError:
                return False

        if not wait_until(answers):
            self.stop()
            raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None

    def client(self):
        import redis

        return redis.Redis(unix_socket_path=str(self.socket))


# -------------------------------------------------------------------- gunicorn


class Gunicorn:
    """gunicorn with deploy/gunicorn.conf.py, serving `app` on `bind`
    (GUNICORN_BIND: unix:PATH or 127.0.0.1:PORT), its output in `log`."""

    def __init__(self, *, bind: str, environment: Mapping[str, str], log: Path, app="config.wsgi"):
        self.bind = bind
        self.environment = {**environment, "GUNICORN_BIND": bind}
        self.log = log
        self.app = app
        self.process: subprocess.Popen | None = None

    def start(self, chdir: Path = ROOT) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONFIG),
                 "--chdir", str(chdir), self.app],
                env=dict(self.environment), stdout=output, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def wait_listening(self, seconds: float = 60) -> None:
        path = self.bind.removeprefix("unix:")
        if not wait_until(lambda: self._listening(path), seconds, interval=0.1):
            self.stop()
            raise RuntimeError(f"gunicorn did not listen on {self.bind}; see {self.log}")

    def _listening(self, path: str) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {self.log}")
        if self.bind.startswith("unix:"):
            return Path(path).is_socket()
        host, port = path.rsplit(":", 1)
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, seconds=40)
            self.process = None


# ----------------------------------------------------------------------- nginx


def substitute(text: str, replacements: Mapping[str, str]) -> str:
    """Each replacement must apply: a changed site file fails loudly here."""
    for old, new in replacements.items():
        assert old in text, f"deploy/nginx/sightline.conf no longer holds {old!r}"
        text = text.replace(old, new)
    return text


def local_paths(folder: Path) -> dict[str, str]:
    """The site file's system paths, moved into `folder`."""
    for name in ("logs", "cache", "srv/static", "srv/media"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    return {
        "/var/log/nginx/": f"{folder}/logs/",
        "/var/cache/nginx/": f"{folder}/cache/",
        "/srv/sightline/": f"{folder}/srv/",
        "/etc/nginx/sightline-proxy.conf": str(PROXY),
    }


def loopback_listens(port: int, plain_port: int, *, tls: bool) -> dict[str, str]:
    """The site's listen lines on 127.0.0.1 only: the TLS server on `port`
    (or plain HTTP there, without TLS) and the redirecting one on
    `plain_port`; no IPv6, no well-known port."""
    listens = {
        "listen [::]:80 default_server;": "",
        "listen [::]:443 ssl default_server;": "",
        "listen [::]:80;": "",
        "listen [::]:443 ssl http2;": "",
        "listen 80;": f"listen 127.0.0.1:{plain_port};",
    }
    if tls:
        return {
            **listens,
            "listen 80 default_server;": f"listen 127.0.0.1:{plain_port} default_server;",
            "listen 443 ssl default_server;": f"listen 127.0.0.1:{port} ssl default_server;",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{port} ssl http2;",
        }
    return {
        **listens,
        "listen 80 default_server;": f"listen 127.0.0.1:{port} default_server;",
        "listen 443 ssl default_server;": "",
        "ssl_reject_handshake on;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{port};",
        f"ssl_certificate /etc/letsencrypt/live/{SITE_NAME}/fullchain.pem;": "",
        f"ssl_certificate_key /etc/letsencrypt/live/{SITE_NAME}/privkey.pem;": "",
    }


def certificate_paths(certificate: Path, key: Path) -> dict[str, str]:
    return {
        f"/etc/letsencrypt/live/{SITE_NAME}/fullchain.pem": str(certificate),
        f"/etc/letsencrypt/live/{SITE_NAME}/privkey.pem": str(key),
    }


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for SITE_NAME, valid one day (openssl)."""
    certificate, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", f"/CN={SITE_NAME}", "-keyout", key, "-out", certificate],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return certificate, key


def site_file(folder: Path, replacements: Mapping[str, str]) -> Path:
    """deploy/nginx/sightline.conf with its paths moved into `folder` and
    the given replacements applied."""
    site = folder / "sightline.conf"
    site.write_text(substitute(SITE.read_text(), {**replacements, **local_paths(folder)}))
    return site


def wrapper(folder: Path, site: Path, *, worker_connections: int = 64) -> Path:
    """A whole nginx.conf, like Debian's, that includes the site file."""
    user = "user root;" if is_root() else ""
    temp = " ".join(
        f"{kind}_temp_path {folder}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = folder / "nginx.conf"
    config.write_text(
        f"""{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections {worker_connections}; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {folder}/other-access.log;
    {temp}
    include {site};
}}
"""
    )
    return config


def nginx(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([NGINX, *args], capture_output=True, text=True, timeout=30, check=False)


class Nginx:
    """nginx in the foreground with `config`, until stop()."""

    def __init__(self, config: Path, port: int) -> None:
        self.config = config
        self.port = port
        self.error_log = config.parent / "error.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [NGINX, "-c", str(self.config), "-e", str(self.error_log), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

        def listening() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.process.stderr.read().decode()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                return False

        if not wait_until(listening):
            self.stop()
            raise RuntimeError("nginx did not listen")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None


# ------------------------------------------------------------------------ SMTP


class SmtpServer:
    """A real SMTP server (aiosmtpd) on a free port of 127.0.0.1, in a thread
    of the test's process, keeping every message it receives in `messages`
    (parsed, with their headers)."""

    def __init__(self) -> None:
        self.messages: list = []
        self.controller = None

    async def handle_DATA(self, server, session, envelope) -> str:
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


# ------------------------------------------------------------------- processes


def stop_process(process: subprocess.Popen, seconds: float = 10) -> None:
    """SIGTERM, then SIGKILL if it has not exited after `seconds`."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
