"""The version of an area's data: what a kept PDF of its report is keyed
on, so that the file is reused until something it shows changes.

Each part is a row count and a latest edit, the mechanism of the vendor and
operator pages' country-count cache (registry/versions.py):

- the cameras in the area, hidden ones included (hiding one bumps its
  `updated_at`; a camera moved out lowers the count, one moved in raises the
  latest edit), which covers their capabilities and history too, since
  every such write saves the camera; and the evidence attached to them;
- the area and its sub-areas (boundary, name, population: `area_upsert`);
- the evidence on vendors and operators, vendors and operators themselves
  (names; restrictions edited with their vendor in the admin), and the
  restrictions table;
- the month, since the monthly table runs to the current one."""

from __future__ import annotations

import hashlib

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from registry.models import Area, Evidence, Operator, Vendor, VendorRestriction
from registry.versions import data_version

# The cameras inside the boundary cut into pieces of at most 128 vertices
# (ST_Subdivide), so that each point is tested against a small polygon found
# through the index. Measured on the development machine with the OSM sample
# and the country borders, for the United States (50,773 cameras): 0.12 s
# (the whole version 0.13 s, rendering the PDF 2-3 s), against 0.26 s for
# the count alone through `Camera.objects.in_area(area)` with the whole
# boundary. DISTINCT: a camera on the edge between two pieces counts once.
CAMERAS_AND_THEIR_EVIDENCE = """
    WITH inside AS (
        SELECT DISTINCT camera.id, camera.updated_at
        FROM registry_camera camera
        JOIN (SELECT ST_Subdivide(geometry, 128) AS piece FROM registry_area WHERE id = %s) cut
            ON ST_Intersects(camera.location, cut.piece)
    )
    SELECT
        (SELECT count(*) FROM inside),
        (SELECT max(updated_at) FROM inside),
        count(evidence.id),
        max(evidence.updated_at)
    FROM registry_evidence evidence
    JOIN inside ON evidence.camera_id = inside.id
"""


def area_report_version(area: Area) -> str:
    """A digest (SHA-256, hex) that any change to `area`'s report changes."""
    parts = (
        _cameras_and_their_evidence(area),
        data_version(Area.objects.filter(Q(pk=area.pk) | Q(parent=area))),
        data_version(Evidence.objects.filter(camera=None)),
        data_version(Vendor.objects.all()),
        data_version(Operator.objects.all()),
        data_version(VendorRestriction.objects.all(), latest="pk"),
        f"{timezone.localdate():%Y-%m}",
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _cameras_and_their_evidence(area: Area) -> str:
    with connection.cursor() as cursor:
        cursor.execute(CAMERAS_AND_THEIR_EVIDENCE, [area.pk])
        cameras, latest_edit, evidence, latest_evidence = cursor.fetchone()
    return f"{cameras}@{latest_edit}:{evidence}@{latest_evidence}"
