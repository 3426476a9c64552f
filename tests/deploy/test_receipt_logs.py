"""No log names a receipt's token: Sightline as production runs it (a
PostgreSQL cluster of its own, gunicorn with deploy/gunicorn.conf.py and
config.settings.prod, nginx with deploy/nginx/sightline.conf over TLS),
a real receipt made through the API, then every address that carries its
token requested through nginx and straight from gunicorn's socket; every
log file is read afterwards: nginx's access and error logs, gunicorn's
access and error logs, and Django's output.

Needs Debian's nginx, openssl and PostgreSQL 15 with PostGIS; skipped
without them."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests import servers
from tests.pow import encode, solve

pytestmark = pytest.mark.skipif(
    servers.NGINX is None
    or shutil.which("openssl") is None
    or not (servers.PG_BIN / "initdb").exists(),
    reason="needs nginx, openssl and PostgreSQL 15 (Debian: nginx-light, postgresql-15-postgis-3)",
)

NAME = servers.SITE_NAME
DATABASE = "sightline"
USER_AGENT = "ReceiptLogProbe/1.0"


# -------------------------------------------------------------- clients


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over gunicorn's Unix socket, as nginx reaches it."""

    def __init__(self, path: Path) -> None:
        super().__init__("localhost", timeout=30)
        self.socket_path = str(path)

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


class EdgeConnection(http.client.HTTPSConnection):
    """HTTPS to nginx on 127.0.0.1, naming the site in SNI (nginx refuses
    a handshake for any other name); the certificate is self-signed."""

    def __init__(self, port: int) -> None:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        super().__init__("127.0.0.1", port, timeout=30, context=context)

    def connect(self) -> None:
        plain = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(plain, server_hostname=NAME)


@dataclass
class Answer:
    status: int
    body: bytes


def fetch(connection, method: str, path: str, headers=None, body: bytes | None = None) -> Answer:
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", NAME)
        connection.putheader("User-Agent", USER_AGENT)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return Answer(response.status, response.read())
    finally:
        connection.close()


# ----------------------------------------------------------------- stack


@dataclass
class Stack:
    folder: Path
    cluster: servers.PostgresCluster
    port: int = field(default_factory=servers.free_port)
    gunicorn: servers.Gunicorn | None = None
    nginx: servers.Nginx | None = None

    @property
    def socket(self) -> Path:
        return self.folder / "gunicorn.sock"

    def environment(self) -> dict[str, str]:
        inherited = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("DATABASE_", "MEDIA_", "REDIS_", "GUNICORN_", "DJANGO_"))
        }
        return {
            **inherited,
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": NAME,
            "DATABASE_URL": self.cluster.url(DATABASE),
            "MEDIA_ROOT": str(self.folder / "edge" / "srv" / "media"),
            "STATIC_ROOT": str(self.folder / "edge" / "srv" / "static"),
            "POW_MAX_NUMBER": "2000",
            "LOG_LEVEL": "INFO",
        }

    def migrate(self) -> None:
        subprocess.run(
            [sys.executable, str(servers.ROOT / "manage.py"), "migrate", "--no-input", "-v", "0"],
            env=self.environment(), cwd=servers.ROOT, check=True, capture_output=True,
            timeout=600,
        )  # fmt: skip

    def start_gunicorn(self) -> None:
        logs = self.folder / "logs"
        environment = {
            **self.environment(),
            "GUNICORN_WORKERS": "1",
            # The production configuration writes both logs to its output;
            # here each goes to a file of its own, Django's output to the third.
            "GUNICORN_CMD_ARGS": (
                f"--access-logfile {logs / 'gunicorn.access.log'} "
                f"--error-logfile {logs / 'gunicorn.error.log'}"
            ),
        }
        self.gunicorn = servers.Gunicorn(
            bind=f"unix:{self.socket}", environment=environment, log=logs / "django.log"
        )
        self.gunicorn.start()
        self.gunicorn.wait_listening()

    def start_nginx(self) -> None:
        edge = self.folder / "edge"
        edge.mkdir()
        certificate, key = servers.self_signed_certificate(edge)
        site = servers.site_file(
            edge,
            {
                "unix:/run/sightline/gunicorn.sock": f"unix:{self.socket}",
                **servers.loopback_listens(self.port, servers.free_port(), tls=True),
                **servers.certificate_paths(certificate, key),
            },
        )
        self.nginx = servers.Nginx(servers.wrapper(edge, site), self.port)
        self.nginx.start()

    def edge(self) -> EdgeConnection:
        return EdgeConnection(self.port)

    def direct(self) -> UnixHTTPConnection:
        return UnixHTTPConnection(self.socket)

    def logs(self) -> dict[str, Path]:
        edge_logs = self.folder / "edge" / "logs"
        return {
            "nginx access log": edge_logs / "sightline.access.log",
            "nginx error log": edge_logs / "sightline.error.log",
            "nginx's main error log": self.folder / "edge" / "error.log",
            "gunicorn access log": self.folder / "logs" / "gunicorn.access.log",
            "gunicorn error log": self.folder / "logs" / "gunicorn.error.log",
            "Django's output": self.folder / "logs" / "django.log",
        }

    def stop(self) -> None:
        for server in (self.nginx, self.gunicorn):
            if server is not None:
                server.stop()
        self.cluster.remove()


def receipt_token(stack: Stack) -> str:
    """A real receipt: an anonymous report through nginx with a solved
    proof of work, whose answer carries the receipt's token."""
    challenge = json.loads(fetch(stack.edge(), "GET", "/api/v1/challenge/").body)
    report = {
        "latitude": 41.88,
        "longitude": -87.63,
        "kind": "ALPR",
        "altcha": encode(challenge, solve(challenge)),
    }
    answer = fetch(
        stack.edge(),
        "POST",
        "/api/v1/submissions/",
        {"Content-Type": "application/json"},
        json.dumps(report).encode(),
    )
    assert answer.status == 201, answer.body
    return json.loads(answer.body)["receipt"]["token"]


@dataclass
class Run:
    stack: Stack
    token: str
    unknown: str
    statuses: dict[tuple[str, str], int]
    texts: dict[str, str]


def addresses(token: str, unknown: str) -> list[tuple[str, str, dict, int]]:
    """(method, path, headers, expected status) of every way a token travels."""
    page = f"https://{NAME}/receipts/{token}/"
    return [
        ("GET", f"/receipts/{token}/", {}, 200),
        ("GET", f"/es/receipts/{token}/", {}, 200),
        ("GET", f"/api/v1/receipts/{token}/", {}, 200),
        ("GET", f"/receipts/{unknown}/", {}, 404),
        ("GET", f"/es/receipts/{unknown}/", {}, 404),
        ("GET", f"/api/v1/receipts/{unknown}/", {}, 404),
        ("GET", f"/submit/?receipt={token}", {"Referer": page}, 200),
        ("GET", f"/es/submit/?receipt={token}", {"Referer": page}, 200),
        ("GET", "/about/", {"Referer": page}, 200),
        ("GET", f"/receipts/{token}/nothing-here/", {"Referer": page}, 404),
        # A form sent from another site naming the receipt page: Django's
        # CSRF check logs the Referer it refused.
        ("POST", f"/submit/?receipt={token}",
         {"Referer": f"https://elsewhere.example/receipts/{token}/",
          "Content-Type": "application/x-www-form-urlencoded"}, 403),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def run():
    folder = Path(tempfile.mkdtemp(prefix="sightline-receipt-logs-"))
    folder.chmod(0o711)  # the cluster's owner, postgres, must reach its folder
    (folder / "logs").mkdir()
    stack = Stack(folder, servers.PostgresCluster(folder / "postgres"))
    try:
        stack.cluster.create()
        stack.cluster.start()
        stack.cluster.create_database(DATABASE)
        stack.migrate()
        stack.start_gunicorn()
        stack.start_nginx()

        token, unknown = receipt_token(stack), secrets.token_urlsafe(24)
        statuses = {}
        for method, path, headers, _status in addresses(token, unknown):
            body = b"" if method == "POST" else None
            statuses[("nginx", path, method)] = fetch(
                stack.edge(), method, path, headers, body
            ).status
            # Straight from gunicorn, as nginx would ask it.
            direct = {**headers, "X-Forwarded-Proto": "https"}
            statuses[("gunicorn", path, method)] = fetch(
                stack.direct(), method, path, direct, body
            ).status
        # A request line gunicorn refuses is named in its error log.
        with socket.socket(socket.AF_UNIX) as raw:
            raw.settimeout(10)
            raw.connect(str(stack.socket))
            # Two spaces after the method: not a request line HTTP/1.1 allows.
            raw.sendall(f"GET  /receipts/{token}/ HTTP/1.1\r\nHost: {NAME}\r\n\r\n".encode())
            statuses[("gunicorn", "bad request line", "GET")] = int(raw.recv(1024).split()[1])

        # gunicorn stopped (its socket gone): nginx cannot reach it, which it
        # reports at `crit` with the request line and the Referer.
        stack.gunicorn.stop()
        for path in (f"/receipts/{token}/", f"/submit/?receipt={token}"):
            page = f"https://{NAME}/receipts/{token}/"
            statuses[("nginx without gunicorn", path, "GET")] = fetch(
                stack.edge(), "GET", path, {"Referer": page}
            ).status
        stack.nginx.stop()  # its logs are complete once it has exited
        texts = {
            name: path.read_text() if path.exists() else "" for name, path in stack.logs().items()
        }
        yield Run(stack, token, unknown, statuses, texts)
    finally:
        stack.stop()
        shutil.rmtree(folder, ignore_errors=True)


# ----------------------------------------------------------------- tests


def test_every_address_with_a_token_reached_sightline_through_nginx_and_gunicorn(run):
    for method, path, _headers, status in addresses(run.token, run.unknown):
        for way in ("nginx", "gunicorn"):
            assert run.statuses[(way, path, method)] == status, (way, method, path)
    assert run.statuses[("gunicorn", "bad request line", "GET")] == 400
    for path in (f"/receipts/{run.token}/", f"/submit/?receipt={run.token}"):
        assert run.statuses[("nginx without gunicorn", path, "GET")] == 502


def test_no_log_file_holds_a_receipt_token(run):
    assert set(run.texts) == set(run.stack.logs())
    for name, text in run.texts.items():
        assert run.token not in text, name
        assert run.unknown not in text, name


def test_the_access_logs_name_each_receipt_address_with_its_token_masked(run):
    for name in ("nginx access log", "gunicorn access log"):
        text = run.texts[name]
        for path in ("/receipts/-/", "/es/receipts/-/", "/api/v1/receipts/-/"):
            assert f'"GET {path} HTTP/1.1" 200' in text, (name, path)
            assert f'"GET {path} HTTP/1.1" 404' in text, (name, path)
        assert '"GET /receipts/-/nothing-here/ HTTP/1.1" 404' in text, name
        assert '"GET /submit/ HTTP/1.1" 200' in text, name
        assert '"POST /submit/ HTTP/1.1" 403' in text, name
    # While gunicorn was down, nginx answered 502 and logged it the same way.
    assert '"GET /receipts/-/ HTTP/1.1" 502' in run.texts["nginx access log"]


def test_djangos_warnings_name_unknown_receipts_and_refused_referers_masked(run):
    text = run.texts["Django's output"]

    for path in ("/receipts/-/", "/es/receipts/-/", "/api/v1/receipts/-/"):
        assert f"Not Found: {path}\n" in text, path
    assert "Not Found: /receipts/-/nothing-here/" in text
    assert "Referer checking failed - https://elsewhere.example/receipts/-/ " in text


def test_gunicorns_error_log_names_a_refused_request_line_masked(run):
    text = run.texts["gunicorn error log"]

    assert "Invalid HTTP request line: 'GET  /receipts/-/ HTTP/1.1'" in text


def test_nginx_error_log_names_no_request_even_while_gunicorn_is_down(run):
    text = run.texts["nginx error log"]

    assert "request:" not in text
    assert "referrer:" not in text
    assert "connect() to unix:" not in text
