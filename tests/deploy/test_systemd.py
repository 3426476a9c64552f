"""deploy/systemd/: systemd accepts the units, which run hardened and read
their settings from /etc/sightline/env. Skipped without systemd-analyze."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def test_there_is_a_web_and_a_worker_unit():
    assert [unit.name for unit in UNITS] == ["sightline-web.service", "sightline-worker.service"]


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units(tmp_path):
    """Verified where this checkout is, as if installed in /srv/sightline/app."""
    (tmp_path / "env").write_text("SECRET_KEY=x\n")
    installed = []
    for unit in UNITS:
        text = unit.read_text()
        assert "/srv/sightline/app" in text and "EnvironmentFile=/etc/sightline/env" in text
        copy = tmp_path / unit.name
        copy.write_text(
            text.replace("/srv/sightline/app", str(ROOT)).replace(
                "/etc/sightline/env", str(tmp_path / "env")
            )
        )
        installed.append(str(copy))

    result = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "--man=no", *installed],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "sightline" not in result.stderr, result.stderr


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_each_unit_is_hardened(unit):
    settings = dict(
        line.split("=", 1) for line in unit.read_text().splitlines() if "=" in line[:40]
    )

    assert settings["NoNewPrivileges"] == "yes"
    assert settings["PrivateTmp"] == "yes"
    assert settings["ProtectSystem"] == "strict"
    assert settings["ProtectHome"] == "yes"
    assert settings["User"] == "sightline"
    assert "Environment=DJANGO_SETTINGS_MODULE=config.settings.prod" in unit.read_text()


def test_the_web_unit_serves_on_the_socket_nginx_connects_to():
    web = (ROOT / "deploy" / "systemd" / "sightline-web.service").read_text()
    gunicorn = (ROOT / "deploy" / "gunicorn.conf.py").read_text()
    nginx = (ROOT / "deploy" / "nginx" / "sightline.conf").read_text()

    assert "gunicorn -c deploy/gunicorn.conf.py config.wsgi" in web
    assert "RuntimeDirectory=sightline" in web
    assert "unix:/run/sightline/gunicorn.sock" in gunicorn
    assert "server unix:/run/sightline/gunicorn.sock" in nginx
