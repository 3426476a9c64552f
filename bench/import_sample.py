"""Benchmark: import the shared 168,041-feature OSM sample, then import it
again, into a scratch database; report times and counts.

    .venv/bin/python bench/import_sample.py [PATH]

PATH defaults to ../shared/data/osm-surveillance-sample.geojson.gz. The
scratch database is created beside the development one and dropped after.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SAMPLE = ROOT.parent / "shared" / "data" / "osm-surveillance-sample.geojson.gz"


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.db import connection

    from registry.imports.cameras import import_features
    from registry.imports.geojson import open_geojson
    from registry.models import Camera, Revision
    from registry.services import load_reference_data

    sample = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SAMPLE
    if not sample.is_file():
        sys.exit(f"No sample at {sample}: pass the path of a GeoJSON file.")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        load_reference_data()
        for run in ("first import", "re-import"):
            started = time.perf_counter()
            source = open_geojson(sample)
            report = import_features(
                features=source.items, dataset_name="bench", dataset_metadata=source.metadata
            )
            total = time.perf_counter() - started
            print(f"{run}: {total:.1f} s (reading included): {report.summary()}")
            print(
                f"  warnings listed: {len(report.warnings)}; "
                f"unrecognised values kept raw: {sum(report.unrecognised.values())}"
            )
        unmatched = Camera.objects.filter(vendor__isnull=True).exclude(vendor_raw="")
        print(
            f"cameras: {Camera.objects.count()}, revisions: {Revision.objects.count()}, "
            f"with a vendor: {Camera.objects.filter(vendor__isnull=False).count()}, "
            f"vendor strings unmatched: {unmatched.count()}"
        )
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
