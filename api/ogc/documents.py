"""The OGC API - Features documents that describe the service: the landing
page, conformance, the collection of cameras and the OpenAPI 3 description
of these endpoints. Plain dicts; the views render them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.conf import settings

from api.filters import QueryableCameraFilter
from registry.models.cameras import Footprint

from .params import CRS84, CRSES, DEFAULT_LIMIT

JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
COLLECTION = "cameras"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
WORLD = [-180.0, -90.0, 180.0, 90.0]
TITLE = "Sightline"
DESCRIPTION = (
    "The community registry of public surveillance cameras. Camera data derived from "
    "OpenStreetMap is (c) OpenStreetMap contributors, ODbL 1.0."
)
COLLECTION_DESCRIPTION = (
    "Every camera the public can see, as points. By default those believed to be in place "
    "(status reported or verified); `status=removed` lists removed ones. `datetime` selects "
    "by the camera's last change (`updated_at`)."
)

# An absolute URL of a route by name, with an optional query string.
Url = Callable[..., str]


def link(href: str, rel: str, media_type: str, title: str) -> dict:
    return {"href": href, "rel": rel, "type": media_type, "title": title}


def landing(url: Url) -> dict:
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "links": [
            link(url("landing"), "self", JSON, "This document"),
            link(url("api"), "service-desc", OPENAPI, "The API definition (OpenAPI 3.0)"),
            link(url("conformance"), "conformance", JSON, "Conformance classes"),
            link(url("collections"), "data", JSON, "The collections: cameras"),
        ],
    }


def conformance() -> dict:
    return {"conformsTo": CONFORMANCE}


def collections(url: Url, footprint: Footprint) -> dict:
    return {
        "links": [link(url("collections"), "self", JSON, "This document")],
        "collections": [collection(url, footprint)],
    }


def collection(url: Url, footprint: Footprint) -> dict:
    return {
        "id": COLLECTION,
        "title": "Surveillance cameras",
        "description": COLLECTION_DESCRIPTION,
        "itemType": "feature",
        "crs": list(CRSES),
        "storageCrs": CRS84,
        "extent": extent(footprint),
        "links": [
            link(url("collection"), "self", JSON, "The camera collection"),
            link(url("items"), "items", GEOJSON, "Cameras as GeoJSON"),
            link(url("landing"), "root", JSON, "The landing page"),
            link(
                "https://opendatacommons.org/licenses/odbl/1-0/",
                "license",
                "text/html",
                "Open Database Licence 1.0",
            ),
        ],
    }


def extent(footprint: Footprint) -> dict:
    return {
        "spatial": {"bbox": [list(footprint.bbox or WORLD)], "crs": CRS84},
        "temporal": {
            "interval": [[_instant(footprint.first_change), _instant(footprint.last_change)]],
            "trs": GREGORIAN,
        },
    }


def _instant(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def openapi(url: Url) -> dict:
    """The OpenAPI 3.0 description of the OGC endpoints: GDAL and QGIS read
    the items' parameters (the queryables, the largest `limit`) from it."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": f"{TITLE} OGC API - Features",
            "version": "1.0",
            "description": DESCRIPTION,
        },
        "servers": [{"url": url("landing").rstrip("/")}],
        "paths": {
            "/": _document("landing", "The landing page", JSON),
            "/conformance": _document("conformance", "The conformance classes", JSON),
            "/api": _document("api", "This API definition", OPENAPI),
            "/collections": _document("collections", "The collections", JSON),
            f"/collections/{COLLECTION}": _document("collection", "The cameras", JSON),
            f"/collections/{COLLECTION}/items": _items_path(),
            f"/collections/{COLLECTION}/items/{{featureId}}": _item_path(),
        },
        "components": {"parameters": _parameters(), "responses": _responses()},
    }


def _document(operation: str, summary: str, media_type: str) -> dict:
    return {
        "get": {
            "operationId": f"ogc_{operation}",
            "summary": summary,
            "parameters": [{"$ref": "#/components/parameters/f"}],
            "responses": {
                "200": {
                    "description": summary,
                    "content": {media_type: {"schema": {"type": "object"}}},
                },
                "400": {"$ref": "#/components/responses/BadRequest"},
            },
        }
    }


def _items_path() -> dict:
    names = ["limit", "cursor", "bbox", "bbox-crs", "datetime", "crs", "f", *_queryables()]
    return {
        "get": {
            "operationId": "ogc_items",
            "summary": "Cameras, a page at a time; follow the `next` link",
            "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in names],
            "responses": {
                "200": {
                    "description": "A GeoJSON FeatureCollection with numberReturned, links "
                    "(self, next) and, on the first page, numberMatched.",
                    "headers": {"Content-Crs": {"schema": {"type": "string"}}},
                    "content": {GEOJSON: {"schema": {"type": "object"}}},
                },
                "400": {"$ref": "#/components/responses/BadRequest"},
            },
        }
    }


def _item_path() -> dict:
    return {
        "get": {
            "operationId": "ogc_item",
            "summary": "One camera",
            "parameters": [
                {
                    "name": "featureId",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                },
                {"$ref": "#/components/parameters/crs"},
                {"$ref": "#/components/parameters/f"},
            ],
            "responses": {
                "200": {
                    "description": "A GeoJSON Feature",
                    "content": {GEOJSON: {"schema": {"type": "object"}}},
                },
                "400": {"$ref": "#/components/responses/BadRequest"},
                "404": {"description": "No such camera, or hidden from the public."},
            },
        }
    }


def _query(name: str, description: str, schema: dict, **extra) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        **extra,
    }


def _parameters() -> dict:
    crs_values = {"type": "string", "format": "uri", "enum": list(CRSES)}
    return {
        "limit": _query(
            "limit",
            "Cameras per page.",
            {
                "type": "integer",
                "minimum": 1,
                "maximum": settings.API_MAX_PAGE_SIZE,
                "default": DEFAULT_LIMIT,
            },
        ),
        "cursor": _query("cursor", "Opaque; from a `next` link.", {"type": "string"}),
        "bbox": _query(
            "bbox",
            "minx,miny,maxx,maxy in bbox-crs (default CRS84 lon/lat); six numbers with "
            "heights are read as four.",
            {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
            style="form",
            explode=False,
        ),
        "bbox-crs": _query("bbox-crs", "The CRS of bbox.", crs_values),
        "datetime": _query(
            "datetime",
            "The camera's last change: an RFC 3339 instant or interval (a/b, ../b, a/..).",
            {"type": "string"},
        ),
        "crs": _query("crs", "The CRS of the answer's coordinates.", crs_values),
        "f": _query("f", "The format: JSON.", {"type": "string", "enum": ["json"]}),
        **{name: _queryable(name, item) for name, item in _queryables().items()},
    }


def _queryables() -> dict[str, dict]:
    """The camera list's own filters, with the schemas the API publishes."""
    return {
        name: filter_.openapi_schema()
        for name, filter_ in QueryableCameraFilter.base_filters.items()
    }


def _queryable(name: str, schema: dict) -> dict:
    label = str(QueryableCameraFilter.base_filters[name].label or "")
    return _query(name, label, schema, style="form", explode=False)


def _responses() -> dict:
    return {
        "BadRequest": {
            "description": "A parameter is invalid; the body names it: {parameter: [problem]}.",
            "content": {JSON: {"schema": {"type": "object"}}},
        }
    }
