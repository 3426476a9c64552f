"""deploy/nginx/sightline.conf: nginx accepts it, and, started on a free port
in front of Django's live server, it refuses oversized bodies with a clear
message, answers unknown or malformed Host headers with nothing or a 400,
limits bursts of writes, and logs no client address or user agent.

Needs Debian's nginx (`apt-get install nginx-light`); skipped without it."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).parents[2]
SITE = ROOT / "deploy" / "nginx" / "sightline.conf"
PROXY = ROOT / "deploy" / "nginx" / "sightline-proxy.conf"
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
NAME = "sightline.example.org"
USER_AGENT = "Mozilla/5.0 (SightlineTestBrowser; like Gecko)"

pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (Debian: apt-get install nginx-light)"
)


def substitute(text: str, replacements: dict[str, str]) -> str:
    """Each replacement must apply: a changed site file fails loudly here."""
    for old, new in replacements.items():
        assert old in text, f"deploy/nginx/sightline.conf no longer holds {old!r}"
        text = text.replace(old, new)
    return text


def local_paths(folder: Path) -> dict[str, str]:
    for name in ("logs", "cache", "srv/static", "srv/media"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    return {
        "/var/log/nginx/": f"{folder}/logs/",
        "/var/cache/nginx/": f"{folder}/cache/",
        "/srv/sightline/": f"{folder}/srv/",
        "/etc/nginx/sightline-proxy.conf": str(PROXY),
    }


def wrapper(folder: Path, site: Path) -> Path:
    """A whole nginx.conf, like Debian's, that includes the site file."""
    user = "user root;" if os.geteuid() == 0 else ""
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
events {{ worker_connections 64; }}
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_nginx_accepts_the_site_file(tmp_path):
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", f"/CN={NAME}", "-keyout", tmp_path / "key.pem", "-out", tmp_path / "cert.pem"],
        check=True, capture_output=True,
    )  # fmt: skip
    site = tmp_path / "sightline.conf"
    site.write_text(
        substitute(
            SITE.read_text(),
            {
                f"/etc/letsencrypt/live/{NAME}/fullchain.pem": str(tmp_path / "cert.pem"),
                f"/etc/letsencrypt/live/{NAME}/privkey.pem": str(tmp_path / "key.pem"),
                **local_paths(tmp_path),
            },
        )
    )

    result = nginx("-t", "-c", str(wrapper(tmp_path, site)), "-e", str(tmp_path / "error.log"))

    assert result.returncode == 0, result.stderr


def test_the_log_format_holds_no_client_address_or_user_agent():
    log_format = re.search(r"log_format sightline_private(.*?);", SITE.read_text(), re.S).group(1)

    for variable in ("$remote_addr", "$binary_remote_addr", "$http_user_agent",
                     "$http_x_forwarded_for", "$proxy_add_x_forwarded_for", "$http_referer",
                     "$request_uri", "$args", "$query_string", "$request "):  # fmt: skip
        assert variable not in log_format
    # Every server logs in that format, or not at all.
    for access_log in re.findall(r"access_log ([^;]+);", SITE.read_text()):
        assert access_log == "off" or access_log.endswith(" sightline_private")


@pytest.fixture
def edge(tmp_path, live_server, settings):
    """nginx on a free port, proxying over TCP to the live server."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, NAME]
    settings.MEDIA_ROOT = tmp_path / "srv" / "media"
    port, redirect_port = free_port(), free_port()
    app = live_server.url.rsplit(":", 1)[1]
    site = tmp_path / "sightline.conf"
    site.write_text(
        substitute(
            SITE.read_text(),
            {
                "unix:/run/sightline/gunicorn.sock": f"127.0.0.1:{app}",
                "listen 80 default_server;": f"listen 127.0.0.1:{port} default_server;",
                "listen [::]:80 default_server;": "",
                "listen 443 ssl default_server;": "",
                "listen [::]:443 ssl default_server;": "",
                "ssl_reject_handshake on;": "",
                "listen 80;": f"listen 127.0.0.1:{redirect_port};",
                "listen [::]:80;": "",
                "listen 443 ssl http2;": f"listen 127.0.0.1:{port};",
                "listen [::]:443 ssl http2;": "",
                f"ssl_certificate /etc/letsencrypt/live/{NAME}/fullchain.pem;": "",
                f"ssl_certificate_key /etc/letsencrypt/live/{NAME}/privkey.pem;": "",
                **local_paths(tmp_path),
            },
        )
    )
    config = wrapper(tmp_path, site)
    process = subprocess.Popen(
        [NGINX, "-c", str(config), "-e", str(tmp_path / "error.log"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None, process.stderr.read().decode()
            time.sleep(0.05)
    yield SimpleNamespace(
        port=port, plain_port=redirect_port, log=tmp_path / "logs" / "sightline.access.log"
    )
    process.terminate()
    process.wait(timeout=10)


def request(port: int, method: str, path: str, *, host: str = NAME, headers=None, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    connection.putheader("Host", host)
    connection.putheader("User-Agent", USER_AGENT)
    for name, value in (headers or {}).items():
        connection.putheader(name, value)
    connection.endheaders(body)
    response = connection.getresponse()
    content = response.read()
    connection.close()
    return response, content


def log_lines(log: Path, count: int) -> list[str]:
    """nginx writes a line once the response is sent: wait for it."""
    deadline = time.monotonic() + 5
    while len(lines := log.read_text().splitlines()) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return lines


@pytest.mark.django_db(transaction=True)
def test_requests_reach_sightline_through_nginx(edge):
    port = edge.port

    response, content = request(port, "GET", "/healthz")

    assert response.status == 200
    assert b'"database": "ok"' in content


@pytest.mark.django_db(transaction=True)
def test_plain_http_redirects_to_https_but_answers_a_health_probe(edge):
    page, _content = request(edge.plain_port, "GET", "/about/")
    probe, content = request(edge.plain_port, "GET", "/healthz")

    assert page.status == 301
    assert page.getheader("Location") == f"https://{NAME}/about/"
    assert probe.status == 200
    assert b'"storage": "ok"' in content


@pytest.mark.django_db(transaction=True)
def test_an_oversized_upload_is_refused_at_the_edge_with_a_clear_message(edge):
    port = edge.port
    # nginx answers from the declared length, before reading the body.
    too_large = {"Content-Length": str(52 * 1024 * 1024), "Content-Type": "multipart/form-data"}

    page, page_text = request(port, "POST", "/submit/", headers=too_large)
    api, api_body = request(port, "POST", "/api/v1/submissions/", headers=too_large)

    assert page.status == 413
    assert b"Sightline accepts at most 51 MB" in page_text
    assert api.status == 413
    assert api.getheader("Content-Type") == "application/json"
    assert b'"code": "request_too_large"' in api_body


@pytest.mark.django_db(transaction=True)
def test_an_unknown_host_gets_no_answer(edge):
    port = edge.port

    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        request(port, "GET", "/", host="attacker.example.com")


@pytest.mark.django_db(transaction=True)
def test_a_malformed_host_is_a_400(edge):
    port = edge.port

    response, _content = request(port, "GET", "/", host="bad/host..name")

    assert response.status == 400


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_writes_is_limited(edge):
    port = edge.port

    statuses = [
        request(port, "POST", "/i18n/setlang/", headers={"Content-Length": "0"})[0].status
        for _ in range(20)
    ]

    assert 429 in statuses
    assert statuses[0] != 429


@pytest.mark.django_db(transaction=True)
def test_the_access_log_holds_no_client_address_user_agent_or_receipt_token(edge):
    port, log = edge.port, edge.log

    request(port, "GET", "/about/?utm_source=mail")
    request(port, "GET", "/receipts/secret-receipt-token/")

    lines = log_lines(log, 2)
    assert '"GET /about/ HTTP/1.1" 200' in lines[0]
    assert '"GET /receipts/- HTTP/1.1" 404' in lines[1]
    text = log.read_text()
    for private in ("127.0.0.1", "SightlineTestBrowser", "utm_source", "secret-receipt-token"):
        assert private not in text
