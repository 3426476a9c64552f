"""The whole API against its own OpenAPI schema, by schemathesis: every
operation, reads and writes, in every phase the pytest integration runs
(the schema's examples, coverage of boundaries and of each way to break the
schema, random fuzzing), with valid and invalid data, and every check the
installed schemathesis has: no server error, status codes, content types,
headers and bodies as documented, valid data accepted, invalid data refused
with a 4xx, and the rest of its default checks.

Writes go through a moderator's token (accounts need no proof of work) with
the rate limits lifted. A few rules hold between values, or about the world,
which JSON Schema cannot state; the schema says them in words, and for valid
data the hooks below keep to them (invalid data is sent as generated):

- no text holds a control character or a lone surrogate (the API's
  description), which generated property names and free text may;
- a PATCH names the camera's version, and gives a reason to hide it; a
  suggested edit changes at least one of the camera's values;
- a bbox has its minima below its maxima and covers at most
  API_MAX_BBOX_SQUARE_DEGREES;
- vendors, operators and areas are named by slugs that exist, cursors come
  from `next` links, and an Idempotency-Key is new for each request;
- a date seen is not in the future;
- an uploaded photo is an image, an uploaded route a GeoJSON file, and a
  route or area is a valid geometry within the analysis's limits.

The run's figures (requests, checks run and failed, by check) are printed
at the end (`pytest -s`) and asserted: at least MIN_REQUESTS requests, no
failure."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import time
import uuid
from collections import Counter
from datetime import date

import pytest
import schemathesis
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from PIL import Image
from rest_framework.authtoken.models import Token
from schemathesis.checks import load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.engine import Status as CheckStatus
from schemathesis.pytest.lazy import get_all_tests
from schemathesis.transport.requests import REQUESTS_TRANSPORT, binary_serializer
from schemathesis.transport.serialization import Binary
from schemathesis.transport.wsgi import WSGI_TRANSPORT

from registry.models import Area, Camera, Operator, Vendor
from registry.services import camera_create, load_reference_data
from registry.text_input import CONTROL, SURROGATE
from tests.area_layouts import make_city, make_districts
from tests.factories import OperatorFactory

pytestmark = pytest.mark.django_db

# Random examples per operation and generation mode in the fuzzing phase;
# the examples and coverage phases add their own.
EXAMPLES_PER_OPERATION = 90
MIN_REQUESTS = 5000
CONFIG = {
    # Fixed, so that a failure found once is found again.
    "seed": 20261122,
    "suppress-health-check": ["all"],
    "generation": {"mode": "all", "max-examples": EXAMPLES_PER_OPERATION, "database": "none"},
}
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF"}
# A route of about 200 m in the middle of the test cameras.
ROUTE = [[-87.6312, 41.8781], [-87.6288, 41.8781]]
SQUARE = [[-87.631, 41.878], [-87.629, 41.878], [-87.629, 41.879], [-87.631, 41.879]]


# ------------------------------------------------------------ the figures


class Tally:
    """Requests sent and checks run, by check, with the first failure of
    each check on each operation."""

    def __init__(self) -> None:
        self.requests = 0
        self.runs: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.first_failures: dict[tuple[str, str], str] = {}
        self.started = time.monotonic()

    def record(self, case, response, results) -> None:
        self.requests += 1
        for result in results:
            self.runs[result.name] += 1
            if result.status == CheckStatus.FAILURE:
                self.failures[result.name] += 1
                key = (result.name, case.operation.label)
                self.first_failures.setdefault(key, _describe(result.failure, case, response))

    def summary(self, operations: int) -> str:
        seconds = time.monotonic() - self.started
        lines = [
            f"schemathesis: {self.requests} requests to {operations} operations in "
            f"{seconds:.0f} s; checks run and failed:",
            *(
                f"  {name:<30} {count:>6} run  {self.failures[name]:>4} failed"
                for name, count in sorted(self.runs.items())
            ),
        ]
        for (name, label), text in sorted(self.first_failures.items()):
            lines += [f"--- {name} on {label}", text]
        return "\n".join(lines)


def _describe(failure, case, response) -> str:
    return (
        f"{failure.title}: {failure.message}\n{case.as_curl_command()}\n"
        f"-> {response.status_code} {response.text[:500]}\nbody: {case.body!r:.600}"
    )


# --------------------------------------------------- the registry it reads


@pytest.fixture
def keep_test_connection():
    """Requests go straight to the WSGI app; like Django's test client, keep
    it from closing the connection that holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def open_rate_limits(settings):
    settings.API_ANON_RATE = "1000000/minute"
    settings.EXPOSURE_ANON_RATE = "1000000/minute"
    settings.CONTRIBUTION_RATE = "1000000/hour"
    settings.CONTRIBUTION_GLOBAL_RATE = "1000000/hour"


@pytest.fixture
def wsgi_app():
    return get_wsgi_application()


@pytest.fixture
def quiet_request_log(wsgi_app):
    """Thousands of refused requests would each log a warning. (After the
    application is made: making it configures logging anew.)"""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


WERKZEUG_MULTIPART = WSGI_TRANSPORT._serializers["multipart/form-data"]
# A photo part may be sent as any of the types the schema names for it;
# schemathesis has file samples, and so a serializer, for JPEG, PNG and WebP
# but not HEIC: HEIC parts go out as bytes like the others.
REQUESTS_TRANSPORT.serializer("image/heic")(binary_serializer)


def form_text(value) -> str:
    """A form field's text: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def form_part(name: str, value):
    if isinstance(value, Binary | bytes):
        return SimpleUploadedFile(name, getattr(value, "data", value))
    return form_text(value)


def multipart_as_django_writes_it(context, body):
    """multipart/form-data as Django's test client writes it. Werkzeug, which
    schemathesis's WSGI transport uses, writes an empty field without the
    line break before the next boundary, and Django then drops the field:
    the request received would not be the one generated."""
    if not isinstance(body, dict):
        return WERKZEUG_MULTIPART(context, body)
    fields = {
        name: [form_part(name, item) for item in value]
        if isinstance(value, list)
        else form_part(name, value)
        for name, value in body.items()
    }
    return {"data": encode_multipart(BOUNDARY, fields), "content_type": MULTIPART_CONTENT}


@pytest.fixture
def django_multipart():
    WSGI_TRANSPORT.serializer("multipart/form-data")(multipart_as_django_writes_it)
    yield
    WSGI_TRANSPORT.serializer("multipart/form-data")(WERKZEUG_MULTIPART)


@pytest.fixture
def registry(db):
    load_reference_data()
    OperatorFactory(slug="chicago-police-department", name="Chicago Police Department")
    make_districts(make_city())
    for n in range(3):
        camera_create(
            location=Point(-87.6300 + n / 1000, 41.8781, srid=4326),
            actor=None,
            kind="ALPR",
            vendor_raw="Flock Safety",
            directions=[float(n * 90)],
        )


@pytest.fixture
def authorization(moderator):
    return {"Authorization": f"Token {Token.objects.create(user=moderator).key}"}


# ------------------------------------------------------ rules beyond JSON Schema


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def holds_refused_text(case) -> bool:
    """Text the API refuses: a control character (line breaks and tabs are
    allowed only in multi-line text, which this does not tell apart) or a
    lone surrogate."""
    parts = (case.query, case.headers, case.path_parameters, case.body)
    return any(
        CONTROL.search(text) or SURROGATE.search(text) for part in parts for text in _strings(part)
    )


def uploads_what_cannot_be_read(case) -> bool:
    """An uploaded route must be a GeoJSON or GPX file, which generated bytes
    never are, and a photo an image, which they are only sometimes (a PNG).
    Schemathesis takes any change to an uploaded file for an invalid
    request, so such cases are left out rather than mended."""
    if case.media_type != "multipart/form-data" or not isinstance(case.body, dict):
        return False
    if case.operation.path == "/api/v1/exposure/":
        return True
    photos = [case.body.get("photo"), *_as_list(case.body.get("photos"))]
    return not all(is_image(photo) for photo in photos if photo is not None)


def _as_list(value) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def is_image(upload) -> bool:
    """A JPEG, PNG, WebP or HEIC image, as the API's description says."""
    data = getattr(upload, "data", upload)
    if not isinstance(data, bytes):
        return False
    try:
        return Image.open(io.BytesIO(data)).format in PHOTO_FORMATS
    except OSError:  # Pillow cannot read it: no image
        return False


def pick(options: list[str], seed: object) -> str:
    """One of `options`, the same for the same generated value."""
    digest = hashlib.sha256(repr(seed).encode()).digest()
    return options[digest[0] % len(options)]


def valid_bbox(text: str, *, limit: float) -> str:
    """The generated box with its corners in order and, if too large, shrunk
    to one square degree at its south-west corner."""
    numbers = [float(part) for part in text.split(",")]
    west, east = sorted((numbers[0], numbers[2]))
    south, north = sorted((numbers[1], numbers[3]))
    if west == east or south == north or (east - west) * (north - south) > limit:
        west, south = min(west, 179.0), min(south, 89.0)
        east, north = west + 1, south + 1
    return ",".join(f"{number:.6f}" for number in (west, south, east, north))


def slugs_for(name: str) -> list[str]:
    models = {"vendor": Vendor, "operator": Operator, "area": Area, "parent": Area}
    return sorted(models[name].objects.values_list("slug", flat=True))


def keep_query_valid(query: dict, settings) -> None:
    if query.get("bbox"):
        query["bbox"] = valid_bbox(query["bbox"], limit=settings.API_MAX_BBOX_SQUARE_DEGREES)
    for name in ("vendor", "operator", "area", "parent"):
        if query.get(name):
            query[name] = [pick(slugs_for(name), slug) for slug in query[name]]
    query.pop("cursor", None)


def route_or_area(document: dict) -> dict:
    """The generated GeoJSON with its coordinates replaced by a short route
    or a small square of the same type."""
    kind = document.get("type")
    if kind == "FeatureCollection":
        return {**document, "features": [route_or_area(document["features"][0])]}
    if kind == "Feature":
        return {**document, "geometry": route_or_area(document["geometry"])}
    ring = [*SQUARE, SQUARE[0]]
    coordinates = {
        "LineString": ROUTE,
        "MultiLineString": [ROUTE],
        "Polygon": [ring],
        "MultiPolygon": [[ring]],
    }[kind]
    return {**document, "coordinates": coordinates}


def keep_body_valid(case) -> None:
    body, path = case.body, case.operation.path
    if not isinstance(body, dict):
        return
    if path == "/api/v1/exposure/" and "file" not in body:
        case.body = route_or_area(body)
        return
    for name in ("seen_on", "seen_gone_on"):
        if body.get(name):
            body[name] = min(body[name], date.today().isoformat())
    keep_records_valid(case)


def keep_records_valid(case) -> None:
    """Vendors and operators named by a PATCH or a suggested edit exist."""
    if case.operation.method.upper() == "PATCH":
        values = case.body
    elif case.operation.path.endswith("/edit-suggestions/"):
        values = case.body.get("changes")
    else:
        return
    for name in ("vendor", "operator"):
        if isinstance(values, dict) and values.get(name):
            values[name] = pick(slugs_for(name), values[name])
    if case.operation.method.upper() != "PATCH" and isinstance(values, dict):
        keep_suggestion_a_change(case, values)


def keep_suggestion_a_change(case, values: dict) -> None:
    """A suggested edit changes something: one that only repeats the
    camera's values is refused (400), a rule between values."""
    camera = Camera.objects.filter(pk=case.path_parameters.get("id")).first()
    if camera is None:
        return
    unset = object()
    if all(getattr(camera, name, unset) == value for name, value in values.items()):
        values["camera_type"] = "dome" if camera.camera_type != "dome" else "fixed"


def keep_headers_valid(case) -> None:
    """Each request carries a key of its own: the same key with another
    request is refused (422)."""
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = str(uuid.uuid4())


def keep_edit_valid(case) -> None:
    """A PATCH names the version it read, and says why when it hides."""
    if case.operation.method.upper() != "PATCH" or not isinstance(case.body, dict):
        return
    camera = Camera.objects.filter(pk=case.path_parameters.get("id")).first()
    if camera is not None and "version" in case.body:
        case.body["version"] = camera.version
    if case.body.get("status") == "hidden" and not case.body.get("reason"):
        case.body["reason"] = "hidden while testing"


def register_hooks(schema, settings, tally: Tally) -> None:
    @schema.hook
    def filter_case(context, case):
        if case.meta is None or not case.meta.generation.mode.is_positive:
            return True
        return not (holds_refused_text(case) or uploads_what_cannot_be_read(case))

    @schema.hook
    def map_case(context, case):
        if case.meta is not None and case.meta.generation.mode.is_positive:
            keep_query_valid(case.query or {}, settings)
            keep_body_valid(case)
            keep_headers_valid(case)
            keep_edit_valid(case)
        return case

    @schema.hook
    def after_validate(context, case, response, results):
        tally.record(case, response, results)


@pytest.fixture
def tally():
    return Tally()


@pytest.fixture
def api_schema(
    registry,
    wsgi_app,
    keep_test_connection,
    open_rate_limits,
    quiet_request_log,
    django_multipart,
    settings,
    tally,
):
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/schema/?format=json",
        wsgi_app,
        config=SchemathesisConfig.from_dict(CONFIG),
    )
    register_hooks(schema, settings, tally)
    return schema


def test_every_operation_passes_every_check(api_schema, authorization, tally):
    load_all_checks()
    # Responses are read as sent: the WSGI client would not undo gzip.
    headers = {**authorization, "Accept-Encoding": "identity"}

    def call(case):
        # A failure is counted by the tally and reported below with the
        # others, rather than ending this operation's run at the first.
        with contextlib.suppress(FailureGroup):
            case.call_and_validate(headers=headers)

    # What schemathesis.pytest.from_fixture(...).parametrize() runs, one
    # operation after another; its own wrapper does not run under pytest 9
    # (it renames the test node through an attribute pytest 9 has not).
    tests = [
        result.ok()
        for result in get_all_tests(
            schema=api_schema, test_func=call, settings=None, given_kwargs={}
        )
    ]
    for _operation, test in tests:
        test()

    summary = tally.summary(len(tests))
    print(summary)
    assert len(tests) >= 25
    assert tally.requests >= MIN_REQUESTS, summary
    assert not tally.failures, summary
