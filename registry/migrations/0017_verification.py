"""Verification says how it was made: `verified_by` (a moderator, or
independent confirmations) and `verified_at`, in the camera's GeoJSON
feature text too. Cameras verified before are labelled from their history:
the latest revision that made them verified (coming back from hidden is not
a verification) was the confirmations rule when its changeset is no
moderator's decision and says "independent confirmations" (in English or
Spanish, the languages comments were written in); anything else was a
moderator. A verified camera without such a revision (written outside the
services) counts as a moderator's, at its last update."""

from django.db import migrations, models

FEATURE_FUNCTION = """
CREATE OR REPLACE FUNCTION registry_camera_feature_text(c registry_camera) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT json_build_object(
    'type', 'Feature',
    'id', c.id,
    'geometry', ST_AsGeoJSON(c.location, 7)::json,
    'properties', json_build_object(
      'kind', c.kind,
      'status', c.status,{verified}
      'visibility', c.visibility,
      'zone', c.zone,
      'camera_type', c.camera_type,
      'mount', c.mount,
      'directions', c.directions,
      'tilt', c.tilt,
      'height', c.height,
      'vendor', v.slug,
      'vendor_name', v.name,
      'operator', o.slug,
      'operator_name', o.name,
      'last_confirmed', c.last_confirmed,
      'osm_type', c.osm_type,
      'osm_id', c.osm_id,
      'version', c.version,
      'updated_at', c.updated_at
    )
  )::text
  FROM (SELECT 1) AS one
  LEFT JOIN registry_vendor v ON v.id = c.vendor_id
  LEFT JOIN registry_operator o ON o.id = c.operator_id
$$;
"""
VERIFIED_PROPERTIES = """
      'verified_by', NULLIF(c.verified_by, ''),
      'verified_at', c.verified_at,"""

FEATURE_COLUMNS = (
    "id, location, kind, status, visibility, zone, camera_type, mount, directions, tilt, "
    "height, vendor_id, operator_id, last_confirmed, osm_type, osm_id, version, updated_at, "
    "feature"
)
TRIGGER = """
DROP TRIGGER registry_camera_feature ON registry_camera;
CREATE TRIGGER registry_camera_feature
BEFORE UPDATE OF {columns} ON registry_camera
FOR EACH ROW EXECUTE FUNCTION registry_camera_feature();
"""

FORWARD_SQL = (
    FEATURE_FUNCTION.format(verified=VERIFIED_PROPERTIES)
    + TRIGGER.format(columns=f"{FEATURE_COLUMNS}, verified_by, verified_at")
    + "UPDATE registry_camera SET feature = '';"
)
REVERSE_SQL = (
    FEATURE_FUNCTION.format(verified="")
    + TRIGGER.format(columns=FEATURE_COLUMNS)
    + "UPDATE registry_camera SET feature = '';"
)

LABEL_SQL = """
UPDATE registry_camera SET verified_by = 'moderator', verified_at = updated_at
WHERE status = 'verified';

WITH verifying AS (
  SELECT DISTINCT ON (r.camera_id) r.camera_id, r.created_at, r.changeset_id
  FROM registry_revision r
  JOIN registry_camera c ON c.id = r.camera_id AND c.status = 'verified'
  WHERE r.changes -> 'status' ->> 1 = 'verified'
    AND (r.changes -> 'status' ->> 0) IS DISTINCT FROM 'hidden'
  ORDER BY r.camera_id, r.version DESC
)
UPDATE registry_camera c SET
  verified_at = v.created_at,
  verified_by = CASE
    WHEN NOT EXISTS (
      SELECT 1 FROM registry_moderationaction m WHERE m.changeset_id = v.changeset_id
    ) AND EXISTS (
      SELECT 1 FROM registry_changeset s
      WHERE s.id = v.changeset_id
        AND (s.comment LIKE '%independent confirmations%'
             OR s.comment LIKE '%confirmaciones independientes%')
    ) THEN 'confirmations'
    ELSE 'moderator'
  END
FROM verifying v
WHERE c.id = v.camera_id;
"""


class Migration(migrations.Migration):
    dependencies = [("registry", "0016_tile_cells_finest_first")]

    operations = [
        migrations.AddField(
            model_name="camera",
            name="verified_by",
            field=models.CharField(
                blank=True,
                choices=[
                    ("moderator", "a moderator"),
                    ("confirmations", "independent confirmations"),
                ],
                default="",
                db_default="",
                help_text=(
                    "How a verified camera was verified: a moderator's decision or independent "
                    "confirmations on the ground; empty unless verified."
                ),
                max_length=13,
                verbose_name="verified by",
            ),
        ),
        migrations.AddField(
            model_name="camera",
            name="verified_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When it was verified; empty unless verified.",
                null=True,
                verbose_name="verified at",
            ),
        ),
        migrations.RunSQL(LABEL_SQL, migrations.RunSQL.noop),
        migrations.RunSQL(FORWARD_SQL, REVERSE_SQL),
        migrations.AddConstraint(
            model_name="camera",
            constraint=models.CheckConstraint(
                condition=models.Q(models.Q(("verified_at__isnull", True), ("verified_by", "")))
                | models.Q(
                    ("status", "verified"),
                    ("verified_at__isnull", False),
                    models.Q(("verified_by", ""), _negated=True),
                ),
                name="camera_verified_says_how",
                violation_error_message=(
                    "Only a verified camera says how and when it was verified, and it says both."
                ),
            ),
        ),
    ]
