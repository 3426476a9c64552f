"""Keep Camera.feature, the camera's GeoJSON Feature text, current in the
database itself, so that every write path (the ORM, COPY imports, bulk
updates, a vendor renamed in the admin) leaves it right. Lists and downloads
then send pre-serialised text: no per-request JSON building."""

from django.db import migrations

FEATURE_SQL = """
CREATE FUNCTION registry_camera_feature_text(c registry_camera) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT json_build_object(
    'type', 'Feature',
    'id', c.id,
    'geometry', ST_AsGeoJSON(c.location, 7)::json,
    'properties', json_build_object(
      'kind', c.kind,
      'status', c.status,
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

CREATE FUNCTION registry_camera_feature() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.feature := registry_camera_feature_text(NEW);
  RETURN NEW;
END
$$;

CREATE TRIGGER registry_camera_feature
BEFORE INSERT OR UPDATE ON registry_camera
FOR EACH ROW EXECUTE FUNCTION registry_camera_feature();

-- A vendor or operator renamed (or re-slugged) changes its cameras' text.
CREATE FUNCTION registry_organisation_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.slug IS DISTINCT FROM OLD.slug OR NEW.name IS DISTINCT FROM OLD.name THEN
    EXECUTE format('UPDATE registry_camera SET feature = '''' WHERE %I = $1', TG_ARGV[0])
      USING NEW.id;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER registry_vendor_renamed AFTER UPDATE ON registry_vendor
FOR EACH ROW EXECUTE FUNCTION registry_organisation_renamed('vendor_id');
CREATE TRIGGER registry_operator_renamed AFTER UPDATE ON registry_operator
FOR EACH ROW EXECUTE FUNCTION registry_organisation_renamed('operator_id');

UPDATE registry_camera SET feature = '';
"""

REVERSE_SQL = """
DROP TRIGGER registry_operator_renamed ON registry_operator;
DROP TRIGGER registry_vendor_renamed ON registry_vendor;
DROP FUNCTION registry_organisation_renamed();
DROP TRIGGER registry_camera_feature ON registry_camera;
DROP FUNCTION registry_camera_feature();
DROP FUNCTION registry_camera_feature_text(registry_camera);
"""


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_camera_feature_text")]

    operations = [migrations.RunSQL(FEATURE_SQL, REVERSE_SQL)]
