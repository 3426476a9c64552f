"""What the visitors of bench/load.py do: the map's tiles, bbox requests to
the API, pages, and anonymous reports with a photo, drawn around real
cameras of the loaded registry."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import math
import random
import uuid
from dataclasses import dataclass

from bench.loadgen import Clock, Outcome, Pool, Visit, get

# Most map use is at city and street zoom; the world and country views are
# few and, being few distinct tiles, mostly served from nginx's cache.
ZOOM_WEIGHTS = {
    3: 1, 4: 1, 5: 1, 6: 1, 7: 1, 8: 2, 9: 2, 10: 3, 11: 5, 12: 7, 13: 9, 14: 10,
    15: 11, 16: 11, 17: 8, 18: 3,
}  # fmt: skip
# A 1280x800 browser window spans about 5 x 3 tiles around its centre.
VIEW_TILES = (2, 1)
# Widths (degrees of longitude) of a phone's or a desktop's map view at
# zoom 14-17, the views from which a client asks the API for cameras.
BBOX_WIDTHS = (0.11, 0.055, 0.027, 0.014)
SPANISH_SHARE = 0.2
BROWSER = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) SightlineLoad/1.0",
    "Accept-Encoding": "gzip",
}
ENGLISH = {**BROWSER, "Accept-Language": "en-GB,en;q=0.9"}
SPANISH = {**BROWSER, "Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}


@dataclass(frozen=True)
class Mix:
    """Shares of each request class (they add up to 1)."""

    tiles: float = 0.80
    bbox: float = 0.15
    pages: float = 0.04
    submissions: float = 0.01

    def describe(self) -> str:
        return (
            f"{self.tiles:.0%} tiles, {self.bbox:.0%} bbox API, {self.pages:.0%} pages, "
            f"{self.submissions:.0%} submissions with a photo"
        )


@dataclass
class Registry:
    """What the visitors know of the registry: real cameras' positions and
    ids, vendor and operator slugs."""

    cameras: list[tuple[int, float, float]]
    vendors: list[str]
    operators: list[str]


def load_registry(limit: int = 20_000) -> Registry:
    """A random sample of visible cameras, and the vendors and operators
    that have cameras (the pages people open)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, ST_X(location), ST_Y(location) FROM registry_camera "
            "WHERE status IN ('reported', 'verified') ORDER BY random() LIMIT %s",
            [limit],
        )
        cameras = cursor.fetchall()
        cursor.execute(
            "SELECT v.slug FROM registry_vendor v JOIN registry_camera c ON c.vendor_id = v.id "
            "GROUP BY v.slug ORDER BY count(*) DESC LIMIT 50"
        )
        vendors = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT o.slug FROM registry_operator o JOIN registry_camera c "
            "ON c.operator_id = o.id GROUP BY o.slug ORDER BY count(*) DESC LIMIT 50"
        )
        operators = [row[0] for row in cursor.fetchall()]
    return Registry(cameras, vendors, operators)


def tile_of(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    n = 2**zoom
    lat = max(-85.0, min(85.0, lat))
    x = (lon + 180) / 360 * n
    lat_r = math.radians(lat)
    y = (1 - math.log(math.tan(lat_r) + 1 / math.cos(lat_r)) / math.pi) / 2 * n
    return min(n - 1, int(x)), min(n - 1, max(0, int(y)))


def headers(generator: random.Random) -> dict[str, str]:
    return SPANISH if generator.random() < SPANISH_SHARE else ENGLISH


def tile_visit(registry: Registry, generator: random.Random) -> Visit:
    """One tile of a view around a real camera, at a zoom people use;
    one view in ten filtered to licence-plate readers."""
    _pk, lon, lat = generator.choice(registry.cameras)
    zoom = generator.choices(list(ZOOM_WEIGHTS), weights=list(ZOOM_WEIGHTS.values()))[0]
    x, y = tile_of(lon, lat, zoom)
    n = 2**zoom
    x = (x + generator.randint(-VIEW_TILES[0], VIEW_TILES[0])) % n
    y = min(n - 1, max(0, y + generator.randint(-VIEW_TILES[1], VIEW_TILES[1])))
    query = "?kind=ALPR" if generator.random() < 0.1 else ""
    return get("tile", f"/tiles/cameras/{zoom}/{x}/{y}.mvt{query}", headers(generator))


def bbox_visit(registry: Registry, generator: random.Random) -> Visit:
    _pk, lon, lat = generator.choice(registry.cameras)
    width = generator.choice(BBOX_WIDTHS)
    height = width * 0.6 * math.cos(math.radians(lat))
    lon += generator.uniform(-width / 2, width / 2)
    box = (lon - width / 2, lat - height / 2, lon + width / 2, lat + height / 2)
    bbox = ",".join(f"{value:.5f}" for value in box)
    return get("bbox", f"/api/v1/cameras/?bbox={bbox}", {**BROWSER, "Accept": "application/json"})


def page_visit(registry: Registry, generator: random.Random) -> Visit:
    """A page: the map, a camera, a vendor or operator, or a list."""
    prefix = "/es" if generator.random() < SPANISH_SHARE else ""
    pk = generator.choice(registry.cameras)[0]
    choices = [
        (30, f"/cameras/{pk}/"),
        (20, "/"),
        (15, f"/vendors/{generator.choice(registry.vendors)}/" if registry.vendors else "/"),
        (5, f"/operators/{generator.choice(registry.operators)}/" if registry.operators else "/"),
        (15, f"/cameras/?page={generator.randint(1, 20)}"),
        (5, "/cameras/?kind=ALPR"),
        (5, "/vendors/"),
        (5, "/operators/"),
    ]
    path = generator.choices([path for _, path in choices], [weight for weight, _ in choices])[0]
    return get("page", f"{prefix}{path}", {**BROWSER, "Accept": "text/html"})


# --------------------------------------------------------------- submissions


def photo_with_exif(width: int = 2016, height: int = 1512) -> bytes:
    """A 3-megapixel JPEG as a phone sends it: photo-like content (smooth
    light and noise), EXIF with the device, orientation and a GPS position
    and heading, all of which Sightline must strip."""
    from PIL import Image

    light = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 40)
    image = Image.merge("RGB", (light, Image.blend(light, noise, 0.5), noise))
    exif = Image.Exif()
    exif[0x010F] = "Acme Phones"  # Make
    exif[0x0110] = "Model X serial 1234"  # Model
    exif[0x0112] = 1  # Orientation
    exif[0x8825] = {1: "N", 2: (41.0, 52.0, 48.0), 3: "W", 4: (87.0, 37.0, 48.0),
                    16: "T", 17: 123.5}  # fmt: skip
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, exif=exif.tobytes())
    return buffer.getvalue()


def solve(challenge: dict) -> str:
    """The `altcha` field for a challenge (tests/pow.py's protocol)."""
    salt, target = challenge["salt"], challenge["challenge"]
    for number in range(challenge["maxnumber"] + 1):
        if hashlib.sha256(f"{salt}{number}".encode()).hexdigest() == target:
            keys = ("algorithm", "challenge", "salt", "signature")
            solution = {**{key: challenge[key] for key in keys}, "number": number}
            return base64.b64encode(json.dumps(solution).encode()).decode()
    raise ValueError("no number in 0..maxnumber solves the challenge")


def multipart(fields: list[tuple[str, str]], photo: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields
    ]
    head = "".join(parts) + (
        f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="IMG_0001.jpg"'
        "\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    body = head.encode() + photo + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def submission_visit(registry: Registry, photo: bytes, generator: random.Random) -> Visit:
    """An anonymous report a few metres from a real camera: fetch and solve
    a challenge, then POST the form with its photo. Its latency is the whole
    action's; what the server answered is kept for the check afterwards."""
    _pk, lon, lat = generator.choice(registry.cameras)
    fields = [
        ("latitude", f"{lat + generator.gauss(0, 0.0002):.6f}"),
        ("longitude", f"{lon + generator.gauss(0, 0.0002):.6f}"),
        ("kind", "camera"),
        ("camera_type", generator.choice(["dome", "fixed", "panning"])),
        ("mount", generator.choice(["pole", "wall"])),
        ("directions", str(generator.randrange(0, 360, 15))),
        ("note", "On the corner, facing the crossing."),
    ]

    async def run(pool: Pool, due: float, clock: Clock) -> Outcome:
        sent = clock()
        answer = await pool.request("GET", "/api/v1/challenge/", {**BROWSER})
        if answer.status != 200:
            return Outcome("submission", due, sent, clock(), answer.status, "challenge")
        altcha = await asyncio.to_thread(solve, json.loads(answer.content()))
        body, content_type = multipart([*fields, ("altcha", altcha)], photo)
        response = await pool.request(
            "POST",
            "/api/v1/submissions/",
            {**BROWSER, "Content-Type": content_type, "Accept": "application/json"},
            body,
        )
        outcome = Outcome("submission", due, sent, clock(), response.status)
        if response.status == 201:
            outcome.detail = json.loads(response.content())
        return outcome

    return Visit("submission", run)


def picker(registry: Registry, photo: bytes, mix: Mix):
    """A function drawing the next visit from `mix`."""

    def pick(generator: random.Random) -> Visit:
        draw = generator.random()
        if draw < mix.tiles:
            return tile_visit(registry, generator)
        if draw < mix.tiles + mix.bbox:
            return bbox_visit(registry, generator)
        if draw < mix.tiles + mix.bbox + mix.pages:
            return page_visit(registry, generator)
        return submission_visit(registry, photo, generator)

    return pick
