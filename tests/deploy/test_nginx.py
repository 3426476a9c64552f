"""deploy/nginx/sightline.conf: nginx accepts it, and, started on a free port
in front of Django's live server, it refuses oversized bodies with a clear
message, answers unknown or malformed Host headers with nothing or a 400,
limits bursts of writes, and logs no client address or user agent.

Needs Debian's nginx (`apt-get install nginx-light`); skipped without it."""

from __future__ import annotations

import http.client
import http.server
import re
import shutil
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.servers import (
    NGINX,
    SITE,
    SITE_NAME,
    Nginx,
    certificate_paths,
    free_port,
    loopback_listens,
    nginx,
    self_signed_certificate,
    site_file,
    wrapper,
)

NAME = SITE_NAME
USER_AGENT = "Mozilla/5.0 (SightlineTestBrowser; like Gecko)"

pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (Debian: apt-get install nginx-light)"
)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_nginx_accepts_the_site_file(tmp_path):
    site = site_file(tmp_path, certificate_paths(*self_signed_certificate(tmp_path)))

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
    site = site_file(
        tmp_path,
        {
            "unix:/run/sightline/gunicorn.sock": f"127.0.0.1:{app}",
            **loopback_listens(port, redirect_port, tls=False),
        },
    )
    server = Nginx(wrapper(tmp_path, site), port)
    server.start()
    yield SimpleNamespace(
        port=port, plain_port=redirect_port, log=tmp_path / "logs" / "sightline.access.log"
    )
    server.stop()


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
    assert '"GET /receipts/-/ HTTP/1.1" 404' in lines[1]
    text = log.read_text()
    for private in ("127.0.0.1", "SightlineTestBrowser", "utm_source", "secret-receipt-token"):
        assert private not in text


class TileUpstream(http.server.ThreadingHTTPServer):
    """What nginx sees of Sightline around a database restart: tiles that
    may be kept one second, then 503s with Retry-After."""

    status = 200

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), TileHandler)
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()


class TileHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        status = self.server.status
        self.send_response(status)
        body = b"tile bytes" if status == 200 else b"database restarting"
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "public, max-age=1" if status == 200 else "no-cache")
        if status == 503:
            self.send_header("Retry-After", "5")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_kept_tile_is_served_stale_while_sightline_answers_503(tmp_path):
    upstream = TileUpstream()
    port = free_port()
    site = site_file(
        tmp_path,
        {
            "unix:/run/sightline/gunicorn.sock": f"127.0.0.1:{upstream.port}",
            **loopback_listens(port, free_port(), tls=False),
        },
    )
    server = Nginx(wrapper(tmp_path, site), port)
    server.start()
    try:
        fresh, _ = request(port, "GET", "/tiles/cameras/1/0/0.mvt")
        time.sleep(2.5)  # past the tile's max-age (nginx counts whole seconds)
        upstream.status = 503
        stale, content = request(port, "GET", "/tiles/cameras/1/0/0.mvt")
        other, _ = request(port, "GET", "/tiles/cameras/1/1/0.mvt")
    finally:
        server.stop()
        upstream.shutdown()

    assert fresh.status == 200
    assert (stale.status, content) == (200, b"tile bytes")
    assert stale.getheader("X-Cache-Status") == "STALE"
    # A tile nginx never kept gets Sightline's 503 as it is.
    assert other.status == 503
