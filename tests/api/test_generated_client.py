"""A client generated from the API's schema by openapi-python-client, as a
client's developer would make one, reads a camera from a running server as
its typed model: a Feature whose geometry and properties are classes of
their own, not dicts. The schema is good enough to build on only if this
works without a warning."""

from __future__ import annotations

import importlib
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command

from registry.services import camera_create, load_reference_data

# Committed data: the live server answers from another thread.
pytestmark = pytest.mark.django_db(transaction=True)

PACKAGE = "sightline_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")
# No formatting afterwards (it would need ruff on the PATH), and the OSM
# downloads read as text: the generator has no reader for application/xml.
GENERATOR_CONFIG = f"""\
package_name_override: {PACKAGE}
project_name_override: sightline-client
post_hooks: []
content_type_overrides:
  application/xml: text/plain
"""


def generate_client(folder: Path) -> subprocess.CompletedProcess:
    schema, config = folder / "schema.json", folder / "generator.yml"
    call_command("spectacular", "--format", "openapi-json", "--file", str(schema))
    config.write_text(GENERATOR_CONFIG)
    return subprocess.run(
        [
            GENERATOR,
            "generate",
            *("--path", schema, "--config", config),
            *("--meta", "none", "--output-path", folder / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def generated_client(tmp_path):
    """The generated package, imported from `tmp_path`."""
    generated = generate_client(tmp_path)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "warning" not in (generated.stdout + generated.stderr).lower(), generated.stdout
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def test_a_generated_client_reads_a_camera_as_its_typed_feature(generated_client, live_server):
    load_reference_data()
    camera = camera_create(
        location=Point(-87.6298, 41.8781, srid=4326),
        actor=None,
        kind="ALPR",
        vendor_raw="Flock Safety",
        directions=[90.0],
        height=4.5,
    )
    cameras = importlib.import_module(f"{PACKAGE}.api.cameras.cameras_retrieve")
    models = importlib.import_module(f"{PACKAGE}.models")
    # Reads need no account: the client without credentials.
    client = generated_client.Client(base_url=live_server.url, raise_on_unexpected_status=True)

    feature = cameras.sync(id=camera.pk, client=client)

    assert isinstance(feature, models.CameraFeature)
    assert feature.type_ == models.FeatureTypeEnum.FEATURE
    assert feature.id == camera.pk
    assert isinstance(feature.geometry, models.Point)
    assert feature.geometry.coordinates == [-87.6298, 41.8781]
    properties = feature.properties
    assert isinstance(properties, models.CameraProperties)
    assert properties.kind == models.SurveillanceKindEnum.ALPR
    assert properties.directions == [90.0]
    assert properties.height == 4.5 and properties.tilt is None
    assert isinstance(properties.vendor, models.VendorSummary)
    assert properties.vendor.slug == "flock-safety"
    assert properties.operator is None
    assert properties.version == camera.version
    assert isinstance(properties.tags, models.CameraPropertiesTags)
    sources = properties.field_sources
    assert isinstance(sources, models.CameraFieldSources)
    assert isinstance(sources.height, models.FieldSource)
    assert (sources.height.source, sources.height.version) == ("survey", 1)
    assert isinstance(sources.height.at, datetime)
