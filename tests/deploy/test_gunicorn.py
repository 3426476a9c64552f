"""deploy/gunicorn.conf.py: sized from the machine, and its access log keeps
no client address, user agent, query string or receipt token."""

import http.client
import os
import runpy
import time

from tests.servers import GUNICORN_CONFIG as CONFIG
from tests.servers import Gunicorn, free_port

APP = """
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
"""


def test_workers_follow_the_cores_and_stay_within_a_cap(monkeypatch):
    monkeypatch.delenv("GUNICORN_WORKERS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert runpy.run_path(str(CONFIG))["workers"] == 5
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert runpy.run_path(str(CONFIG))["workers"] == 17


def test_the_log_format_has_no_client_address_or_user_agent():
    log_format = runpy.run_path(str(CONFIG))["access_log_format"]

    for atom in ("%(h)s", "%(a)s", "%(f)s", "%(r)s", "%(q)s", "{x-forwarded-for}i"):
        assert atom not in log_format


def test_a_request_is_logged_without_anything_about_who_sent_it(tmp_path):
    (tmp_path / "probe_app.py").write_text(APP)
    port = free_port()
    server = Gunicorn(
        bind=f"127.0.0.1:{port}",
        environment={**os.environ, "GUNICORN_WORKERS": "1"},
        log=tmp_path / "gunicorn.log",
        app="probe_app:application",
    )
    server.start(chdir=tmp_path)
    try:
        for path in (
            "/about/?utm_source=mail",
            "/es/receipts/secret-receipt-token/",
            "/api/v1/receipts/secret-receipt-token/",
        ):
            answer = get(port, path)
            assert answer == 200
    finally:
        server.stop()
    output = server.log.read_text()

    assert '"GET /about/ HTTP/1.1" 200' in output
    assert '"GET /es/receipts/-/ HTTP/1.1" 200' in output
    assert '"GET /api/v1/receipts/-/ HTTP/1.1" 200' in output
    for private in ("127.0.0.1 ", "ProbeBrowser", "utm_source", "secret-receipt-token"):
        assert private not in output.replace(f"127.0.0.1:{port}", "")


def get(port: int, path: str) -> int:
    deadline = time.monotonic() + 20
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path, headers={"User-Agent": "ProbeBrowser/1.0"})
            status = connection.getresponse().status
            connection.close()
            return status
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
