"""The camera feature text is recomputed on UPDATE only when a column it is
made of is written (or `feature` itself, which the vendor and operator rename
triggers clear): an import refreshing its bookkeeping columns (source
fingerprint, OSM version) on 168k cameras no longer rebuilds 168k texts."""

from django.db import migrations

FEATURE_COLUMNS = (
    "id, location, kind, status, visibility, zone, camera_type, mount, directions, tilt, "
    "height, vendor_id, operator_id, last_confirmed, osm_type, osm_id, version, updated_at, "
    "feature"
)

FORWARD_SQL = f"""
DROP TRIGGER registry_camera_feature ON registry_camera;
CREATE TRIGGER registry_camera_feature
BEFORE UPDATE OF {FEATURE_COLUMNS} ON registry_camera
FOR EACH ROW EXECUTE FUNCTION registry_camera_feature();
"""

REVERSE_SQL = """
DROP TRIGGER registry_camera_feature ON registry_camera;
CREATE TRIGGER registry_camera_feature
BEFORE UPDATE ON registry_camera
FOR EACH ROW EXECUTE FUNCTION registry_camera_feature();
"""


class Migration(migrations.Migration):
    dependencies = [("registry", "0006_bulk_write_indexes")]

    operations = [migrations.RunSQL(FORWARD_SQL, REVERSE_SQL)]
