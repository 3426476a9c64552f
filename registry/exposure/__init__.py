"""Exposure analysis: how much of a route or an area lies in view of the
registry's cameras (/exposure/ and POST /api/v1/exposure/).

- geometry.py: GeoJSON in, a checked route or area out; files.py: uploads
  (GeoJSON or GPX);
- queries.py: the PostGIS statements; analysis.py: running them and putting
  the answer together; results.py: the answer and its JSON form.
"""

from .analysis import analyse
from .files import geometry_from_bytes, parse_json
from .geometry import geometry_from_geojson, is_route
from .results import ExposureResult

__all__ = [
    "ExposureResult",
    "analyse",
    "geometry_from_bytes",
    "geometry_from_geojson",
    "is_route",
    "parse_json",
]
