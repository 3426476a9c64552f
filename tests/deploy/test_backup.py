"""deploy/backup and deploy/restore: a backup restored into an empty
database on the same server holds the same cameras, revisions and photos."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from PIL import Image

from registry.photos import read_photo, store_photo
from registry.services.cameras import camera_create, camera_remove, camera_update
from registry.services.contributions import submission_create

ROOT = Path(settings.BASE_DIR)
TABLES = ["registry_camera", "registry_revision", "registry_changeset", "registry_evidence"]


def database_url(name: str) -> str:
    config = connection.settings_dict
    password = f":{quote(config['PASSWORD'], safe='')}" if config["PASSWORD"] else ""
    host = quote(config["HOST"] or "localhost", safe="")
    port = f":{config['PORT']}" if config["PORT"] else ""
    return f"postgis://{quote(config['USER'])}{password}@{host}{port}/{name}"


def server(name: str = "postgres") -> psycopg.Connection:
    config = connection.settings_dict
    return psycopg.connect(
        dbname=name,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        autocommit=True,
    )


def run(script: str, *args: str, database: str, media: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url(database), "MEDIA_ROOT": str(media)}
    return subprocess.run(
        [str(ROOT / "deploy" / script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def rows(database: str, table: str) -> list[tuple]:
    with server(database) as db:
        return db.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


def jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def scratch_database():
    name = f"{connection.settings_dict['NAME']}_restore"
    with server() as db:
        db.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        db.execute(f"CREATE DATABASE {name}")
    yield name
    with server() as db:
        db.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def registry(settings, tmp_path):
    """Cameras with several revisions, one removed, and one reported with a photo."""
    settings.MEDIA_ROOT = tmp_path / "media"
    first = camera_create(location=Point(-87.62, 41.88, srid=4326), actor=None, kind="camera")
    camera_update(camera=first, actor=None, reason="surveyed", directions=[90, 180])
    second = camera_create(location=Point(-87.63, 41.89, srid=4326), actor=None, kind="ALPR")
    camera_remove(camera=second, removed_on=date(2026, 1, 2), actor=None, reason="taken down")
    photo = store_photo(read_photo(jpeg()))
    submission_create(location=Point(-87.64, 41.9, srid=4326), photos=[photo], kind="camera")
    return settings.MEDIA_ROOT


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_an_empty_database_holds_the_same_registry(
    registry, scratch_database, tmp_path
):
    backup = tmp_path / "backup"
    made = run("backup", str(backup), database=connection.settings_dict["NAME"], media=registry)
    assert made.returncode == 0, made.stderr
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["counts"] == {"cameras": 3, "revisions": 5, "photos": 1, "documents": 1}
    assert not (backup / ".partial").exists()

    restored_media = tmp_path / "restored-media"
    restored = run("restore", str(backup), database=scratch_database, media=restored_media)

    assert restored.returncode == 0, restored.stderr
    for table in TABLES:
        assert rows(scratch_database, table) == rows(connection.settings_dict["NAME"], table)
    stored = sorted(p.relative_to(registry) for p in registry.rglob("*") if p.is_file())
    assert len(stored) == 2  # the photo and its thumbnail
    for name in stored:
        assert (restored_media / name).read_bytes() == (registry / name).read_bytes()


def fake_backup(folder: Path, manifest: str) -> Path:
    """A folder that passes restore's checks up to the database."""
    folder.mkdir()
    for name in ("database.dump", "media.tar"):
        (folder / name).write_bytes(b"")
    subprocess.run("sha256sum database.dump media.tar >SHA256SUMS", shell=True, cwd=folder)
    (folder / "manifest.json").write_text(manifest)
    return folder


MANIFEST = json.dumps({"format": 1, "counts": {"cameras": 1}, "files": {"media.tar": {}}})


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_already_holds_cameras(tmp_path):
    camera_create(location=Point(-87.62, 41.88, srid=4326), actor=None, kind="camera")
    backup = fake_backup(tmp_path / "backup", MANIFEST)

    refused = run(
        "restore", str(backup), database=connection.settings_dict["NAME"], media=tmp_path / "m"
    )

    assert refused.returncode == 1
    assert "already holds cameras" in refused.stderr
    assert not (tmp_path / "m").exists()


def test_restore_refuses_a_corrupt_manifest(tmp_path):
    backup = fake_backup(tmp_path / "backup", MANIFEST[:20])

    refused = run("restore", str(backup), database="unused", media=tmp_path / "m")

    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f"{backup}/manifest.json is corrupt or not a Sightline backup manifest."
    )


def test_restore_refuses_a_folder_without_a_manifest(tmp_path):
    (tmp_path / "database.dump").write_bytes(b"")

    refused = run("restore", str(tmp_path), database="unused", media=tmp_path / "media")

    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f"{tmp_path} holds no manifest.json, so it is not a complete backup "
        "(deploy/backup writes it last)."
    )


def test_restore_refuses_a_missing_folder(tmp_path):
    refused = run("restore", str(tmp_path / "absent"), database="unused", media=tmp_path)

    assert refused.returncode == 1
    assert "There is no backup folder" in refused.stderr


def test_restore_says_when_pg_restore_is_missing(tmp_path):
    backup = fake_backup(tmp_path / "backup", MANIFEST)
    tools = tmp_path / "bin"  # what restore needs before pg_restore, and nothing more
    tools.mkdir()
    for tool in ("bash", "dirname", "sha256sum"):
        (tools / tool).symlink_to(shutil.which(tool))

    refused = subprocess.run(
        [str(ROOT / "deploy" / "restore"), str(backup)],
        env={**os.environ, "PATH": str(tools)},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "pg_restore is not installed: install postgresql-client-15 to restore backups."
    )


@pytest.mark.django_db
def test_the_helpers_name_the_database_and_count_what_a_backup_holds(registry):
    out = io.StringIO()
    call_command("database_env", stdout=out)
    assert f"export PGDATABASE={connection.settings_dict['NAME']}" in out.getvalue()
    assert f"export SIGHTLINE_MEDIA_ROOT={registry}" in out.getvalue()

    out = io.StringIO()
    call_command("registry_counts", stdout=out)
    assert json.loads(out.getvalue()) == {
        "cameras": 3,
        "revisions": 5,
        "photos": 1,
        "documents": 1,
    }
