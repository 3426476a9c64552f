"""compose.yaml and the Dockerfile run Sightline as the systemd units do: the
same commands, settings, account and stop timeouts, every variable one the
settings read and docs/configuration.md lists, nginx configured from
deploy/nginx/ by the same script as on a server, and the image built from the
packages deploy/system-packages installs. Debian's docker-compose, when installed,
checks the file itself; skipped without it."""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).parents[2]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
SITE = (ROOT / "deploy" / "nginx" / "sightline.conf").read_text()
INSTALL_SITE = ROOT / "deploy" / "nginx" / "install-site"
CHECKOUT = "/srv/sightline/app"
UNITS = {"web": "sightline-web.service", "worker": "sightline-worker.service"}
DOCKER_COMPOSE = shutil.which("docker-compose")


def unit(service: str) -> dict[str, list[str]]:
    """The unit's settings, each with every value it is given."""
    values: dict[str, list[str]] = {}
    for line in (ROOT / "deploy" / "systemd" / UNITS[service]).read_text().splitlines():
        if re.match(r"^[A-Z][A-Za-z]+=", line):
            key, value = line.split("=", 1)
            values.setdefault(key, []).append(value)
    return values


def stage(name: str) -> str:
    """The Dockerfile's stage `name`, up to the next FROM."""
    match = re.search(rf"^FROM \S+ AS {name}\n(.*?)(?=^FROM |\Z)", DOCKERFILE, re.M | re.S)
    assert match, f"the Dockerfile has no stage {name}"
    return match.group(1)


def environment(service: str) -> dict[str, str]:
    return {key: str(value) for key, value in SERVICES[service]["environment"].items()}


def mounts(service: str) -> dict[str, str]:
    """Where each volume is mounted in `service`: {source: target}."""
    return {volume.split(":")[0]: volume.split(":")[1] for volume in SERVICES[service]["volumes"]}


def test_the_services():
    assert set(SERVICES) == {"db", "redis", "migrate", "web", "worker", "nginx"}


def in_checkout(line: str) -> str:
    return line.replace(f"{CHECKOUT}/", "")


@pytest.mark.parametrize("service", UNITS)
def test_each_runs_its_units_command_where_the_unit_does(service):
    command = in_checkout(unit(service)["ExecStart"][0])
    given = SERVICES[service]["command"]

    assert (
        given[-1].rsplit(" && exec ", 1)[-1] if given[:2] == ["sh", "-c"] else " ".join(given)
    ) == command
    assert unit(service)["WorkingDirectory"] == [CHECKOUT]
    assert re.findall(r"^WORKDIR (\S+)", stage("app"), re.M)[-1] == CHECKOUT


def test_the_worker_first_requeues_the_tasks_a_stopped_worker_left_running():
    """The unit's ExecStartPre= before each start, and the service's command
    before db_worker (which replaces the shell, so it gets the signals); then
    the watches' repeating round is queued, unless one is already."""
    worker = unit("worker")
    sweep = f"{CHECKOUT}/.venv/bin/python manage.py tasks --requeue-stalled"
    rounds = f"{CHECKOUT}/.venv/bin/python manage.py watches --every"

    assert worker["ExecStartPre"] == [sweep, rounds]
    before = f"{in_checkout(sweep)} && {in_checkout(rounds)}"
    assert SERVICES["worker"]["command"] == [
        "sh", "-c", f"{before} && exec {in_checkout(worker['ExecStart'][0])}"
    ]  # fmt: skip


@pytest.mark.parametrize("service", UNITS)
def test_each_has_its_units_environment(service):
    for assignment in unit(service).get("Environment", []):
        name, value = assignment.split("=", 1)
        assert environment(service)[name] == value
    assert unit(service)["EnvironmentFile"] == ["/etc/sightline/env"]
    assert SERVICES[service]["env_file"] == "sightline.env"  # its counterpart


def test_the_web_process_runs_as_its_units_account():
    web = unit("web")

    assert "user" not in SERVICES["web"]
    assert re.findall(r"^USER (\S+)", stage("app"), re.M) == [
        f"{web['User'][0]}:{web['Group'][0]}"
    ]


def test_the_worker_runs_as_its_units_account():
    worker = unit("worker")

    assert SERVICES["worker"]["user"] == f"{worker['User'][0]}:{worker['Group'][0]}"


@pytest.mark.parametrize("service", UNITS)
def test_each_is_given_its_units_time_to_stop(service):
    assert SERVICES[service]["stop_grace_period"] == f"{unit(service)['TimeoutStopSec'][0]}s"


def test_every_variable_set_is_a_setting_the_docs_document():
    page = (ROOT / "docs" / "configuration.md").read_text()
    table = page.split("## Settings", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    sources = [*(ROOT / "config" / "settings").glob("*.py"), ROOT / "deploy" / "gunicorn.conf.py"]
    read = "".join(path.read_text() for path in [*sources, ROOT / "manage.py"])
    names = {name for service in ("migrate", "web", "worker") for name in environment(service)}

    assert names - documented == set()
    assert {name for name in names if f'"{name}"' not in read} == set()


def test_the_database_is_postgresql_15_with_postgis_3():
    assert SERVICES["db"]["image"].startswith("postgis/postgis:15-3.")
    url = environment("web")["DATABASE_URL"]
    assert url.startswith("postgis://sightline:") and url.endswith("@db:5432/sightline")
    assert environment("web")["REDIS_URL"].startswith("redis://redis:")


def test_nginx_connects_to_the_socket_gunicorn_binds_in_a_shared_volume():
    bind = re.search(
        r'"GUNICORN_BIND", "unix:([^"]+)"', (ROOT / "deploy" / "gunicorn.conf.py").read_text()
    )
    socket_folder = str(Path(bind.group(1)).parent)

    assert f"server unix:{bind.group(1)} " in SITE
    assert mounts("web")["run"] == mounts("nginx")["run"] == socket_folder
    assert "GUNICORN_BIND" not in environment("web")


def test_nginx_serves_the_folders_the_application_writes():
    static = re.search(r"location /static/ \{\s+alias ([^;]+)/;", SITE).group(1)
    media = re.search(r"location /media/ \{\s+alias ([^;]+)/;", SITE).group(1)

    assert environment("web")["STATIC_ROOT"] == static
    assert environment("web")["MEDIA_ROOT"] == media
    assert mounts("web")["media"] == mounts("worker")["media"] == media
    assert mounts("nginx")["media"] == media
    assert f"COPY --from=app {static} {static}" in stage("nginx")


def test_nginx_installs_deploy_nginx_with_the_servers_script():
    nginx = stage("nginx")

    assert "COPY deploy/nginx /srv/sightline/nginx" in nginx
    assert '/srv/sightline/nginx/install-site \\"$SIGHTLINE_SERVER_NAME\\"' in nginx
    assert "deploy/nginx/install-site" in (ROOT / "docs" / "production.md").read_text()
    assert SERVICES["nginx"]["build"]["target"] == "nginx"


def test_install_site_writes_the_site_for_its_name(tmp_path):
    subprocess.run([INSTALL_SITE, "reports.example.net", tmp_path], check=True)

    site = (tmp_path / "sites-available" / "sightline").read_text()
    assert site == SITE.replace("sightline.example.org", "reports.example.net")
    assert "/etc/letsencrypt/live/reports.example.net/fullchain.pem" in site
    assert (tmp_path / "sites-enabled" / "sightline").resolve() == (
        tmp_path / "sites-available" / "sightline"
    )
    assert (tmp_path / "sightline-proxy.conf").read_text() == (
        ROOT / "deploy" / "nginx" / "sightline-proxy.conf"
    ).read_text()


@pytest.mark.parametrize("name", ["", "bad/name", "a;b", "-n", "x y"])
def test_install_site_refuses_what_is_not_a_host_name(tmp_path, name):
    result = subprocess.run([INSTALL_SITE, name, tmp_path], capture_output=True, text=True)

    assert result.returncode == 2
    assert list(tmp_path.iterdir()) == []


def test_the_image_is_debian_12_with_the_servers_packages():
    script = (ROOT / "deploy" / "system-packages").read_text()
    wanted = {
        package
        for line in re.findall(r"^packages\+?=\(([^)]*)\)", script, re.M)
        for package in line.split()
    }
    server = {"postgresql-15", "postgresql-15-postgis-3"}  # the db service's image
    installed = set(re.findall(r"[a-z0-9][a-z0-9.+-]+", " ".join(
        re.findall(r"apt-get install[^&]*", DOCKERFILE, re.S)
    )))  # fmt: skip

    assert re.findall(r"^ARG DEBIAN_IMAGE=(\S+)", DOCKERFILE, re.M) == ["debian:bookworm-slim"]
    assert wanted - server - installed == set()
    assert {"python3", "nodejs", "npm", "nginx-light"} <= installed
    assert "deploy/frontend" in stage("frontend") and "package-lock.json" in stage("frontend")


def test_the_production_requirements_hold_every_installed_app():
    """The image installs requirements.txt down to its development tools."""
    text = (ROOT / "requirements.txt").read_text()
    assert "# Development and test tools" in text
    production = text.split("# Development and test tools", 1)[0]
    pinned = {normalised(re.split(r"[\[=]", line)[0]) for line in production.splitlines()}
    distributions = importlib.metadata.packages_distributions()
    needed = {
        normalised(distribution)
        for app in settings.INSTALLED_APPS
        for distribution in distributions.get(app.split(".")[0], [])  # none: Sightline's own
    }

    assert needed - pinned == set()


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


@pytest.mark.skipif(DOCKER_COMPOSE is None, reason="docker-compose is not installed")
def test_docker_compose_accepts_the_file(tmp_path):
    shutil.copy(ROOT / "compose.yaml", tmp_path)
    (tmp_path / "sightline.env").write_text("SECRET_KEY=x\nALLOWED_HOSTS=sightline.example.org\n")
    configured = {"POSTGRES_PASSWORD": "x", "SIGHTLINE_SERVER_NAME": "sightline.example.org"}

    def config(variables: dict[str, str]) -> subprocess.CompletedProcess:
        return subprocess.run(
            [DOCKER_COMPOSE, "--project-directory", tmp_path, "-f", tmp_path / "compose.yaml",
             "config", "--quiet"],
            capture_output=True, text=True, timeout=60, check=False,
            env={"PATH": "/usr/bin:/bin", **variables},
        )  # fmt: skip

    accepted = config(configured)
    assert accepted.returncode == 0, accepted.stderr
    refused = config({"SIGHTLINE_SERVER_NAME": "sightline.example.org"})
    assert refused.returncode != 0
    assert "set POSTGRES_PASSWORD in .env" in refused.stderr
