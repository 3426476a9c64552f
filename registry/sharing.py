"""Preview images for link previews (Open Graph and Twitter cards): a small
map of a camera and its neighbours, of an area and the cameras in it, or a
chart of a vendor's or operator's cameras by kind. Drawn here with Pillow
from the registry's own data: no tile server or outside service is asked,
so a preview says nothing about who shares a link.

The maps are in Web Mercator, like the site's map, without a base map: the
cameras, their cones and the area's outline are the picture."""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from django.contrib.gis.db.models.functions import Transform
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.db.models import Aggregate, CharField, FloatField, Func
from PIL import Image, ImageDraw, ImageFont

from . import cones
from .models import Area, Camera

# The size Open Graph and Twitter's large card both show uncropped (1.91:1).
WIDTH, HEIGHT = 1200, 630
MAP_BOX = (40, 40, 590, 590)  # left, top, right, bottom: the map's square
TEXT_LEFT = 630

# The site's colours (registry/static/registry/css/site.css) and the map's
# colours by kind (registry/frontend/symbols.js).
PAPER = "#ffffff"
WASH = "#f3f5f7"
LINE = "#c9d0d8"
INK = "#1b1f24"
MUTED = "#4a5360"
HEADER = "#14213d"
ACCENT = "#0b5cad"
KIND_COLOURS = {
    "camera": "#1f5fa8",
    "ALPR": "#b3261e",
    "gunshot_detector": "#7a3db8",
    "microphone": "#7a3db8",
    "guard": "#0f7b6c",
    "radar": "#8a5a00",
    "bluetooth_detector": "#4b5563",
}
OTHER_KIND = "#374151"

# A camera's map shows this far around it, and at most this many neighbours.
CAMERA_RADIUS_METRES = 250
MAX_NEIGHBOURS = 2_000
# An area's map draws cameras one per pixel cell of this size: a country's
# 50,000 cameras become a few thousand dots, read in one grouped query.
AREA_DOT_PIXELS = 4

EARTH_RADIUS = 6_378_137.0  # Web Mercator's sphere


def kind_colour(kind: str) -> str:
    return KIND_COLOURS.get(kind, OTHER_KIND)


@cache
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans, the area reports' typeface (deploy/system-packages
    installs it; Pillow finds it among the system's fonts): Latin, Greek,
    Cyrillic and more, and the ² of km². Pillow's own font otherwise."""
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


@dataclass(frozen=True)
class Frame:
    """Maps Web Mercator metres onto the map's square, north up."""

    centre_x: float
    centre_y: float
    metres_per_pixel: float

    @classmethod
    def around(cls, bounds: Sequence[float], margin: float = 1.1) -> Frame:
        """The frame that shows `bounds` (min x, min y, max x, max y in
        metres) whole in the map's square."""
        min_x, min_y, max_x, max_y = bounds
        side = MAP_BOX[2] - MAP_BOX[0]
        extent = max(max_x - min_x, max_y - min_y, 1.0) * margin
        return cls((min_x + max_x) / 2, (min_y + max_y) / 2, extent / side)

    def pixel(self, x: float, y: float) -> tuple[float, float]:
        middle_x = (MAP_BOX[0] + MAP_BOX[2]) / 2
        middle_y = (MAP_BOX[1] + MAP_BOX[3]) / 2
        return (
            middle_x + (x - self.centre_x) / self.metres_per_pixel,
            middle_y - (y - self.centre_y) / self.metres_per_pixel,
        )

    def bounds(self) -> tuple[float, float, float, float]:
        half = (MAP_BOX[2] - MAP_BOX[0]) / 2 * self.metres_per_pixel
        return (
            self.centre_x - half,
            self.centre_y - half,
            self.centre_x + half,
            self.centre_y + half,
        )


def mercator(longitude: float, latitude: float) -> tuple[float, float]:
    latitude = max(min(latitude, 85.05112878), -85.05112878)
    return (
        EARTH_RADIUS * math.radians(longitude),
        EARTH_RADIUS * math.log(math.tan(math.pi / 4 + math.radians(latitude) / 2)),
    )


def _canvas() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle(MAP_BOX, fill=WASH, outline=LINE, width=2)
    return image, draw


def _grid(draw: ImageDraw.ImageDraw, step: int = 55) -> None:
    for offset in range(MAP_BOX[0] + step, MAP_BOX[2], step):
        draw.line([(offset, MAP_BOX[1]), (offset, MAP_BOX[3])], fill="#e6eaee")
    for offset in range(MAP_BOX[1] + step, MAP_BOX[3], step):
        draw.line([(MAP_BOX[0], offset), (MAP_BOX[2], offset)], fill="#e6eaee")


def _text(draw: ImageDraw.ImageDraw, title: str, lines: Iterable[str]) -> None:
    """The title (wrapped), the lines under it, and the site's name."""
    top = 70
    for line in _wrap(draw, title, font(52), WIDTH - TEXT_LEFT - 40)[:3]:
        draw.text((TEXT_LEFT, top), line, font=font(52), fill=INK)
        top += 64
    top += 16
    for line in lines:
        for part in _wrap(draw, line, font(32), WIDTH - TEXT_LEFT - 40)[:2]:
            draw.text((TEXT_LEFT, top), part, font=font(32), fill=MUTED)
            top += 44
    draw.rectangle((TEXT_LEFT, HEIGHT - 110, WIDTH - 40, HEIGHT - 106), fill=ACCENT)
    draw.text((TEXT_LEFT, HEIGHT - 90), "Sightline", font=font(40), fill=HEADER)


def _wrap(draw: ImageDraw.ImageDraw, text: str, typeface, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and draw.textlength(candidate, font=typeface) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _dot(draw: ImageDraw.ImageDraw, point: tuple[float, float], radius: float, fill: str) -> None:
    x, y = point
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill, outline=PAPER)


def _inside_map(point: tuple[float, float]) -> bool:
    return MAP_BOX[0] <= point[0] <= MAP_BOX[2] and MAP_BOX[1] <= point[1] <= MAP_BOX[3]


# ------------------------------------------------------------------ camera


def camera_preview(camera: Camera, *, title: str, lines: Sequence[str]) -> bytes:
    """The camera at the centre with its cones, its neighbours around it
    (CAMERA_RADIUS_METRES), and `title` and `lines` beside the map."""
    longitude, latitude = camera.location.coords
    centre = mercator(longitude, latitude)
    # Mercator stretches distances by 1/cos(latitude): a true 250 m radius.
    stretch = 1 / max(math.cos(math.radians(latitude)), 0.01)
    half = CAMERA_RADIUS_METRES * stretch
    frame = Frame.around((centre[0] - half, centre[1] - half, centre[0] + half, centre[1] + half))
    image, draw = _canvas()
    _grid(draw)
    for neighbour_kind, x, y in _neighbours(camera, frame):
        _dot(draw, frame.pixel(x, y), 7, kind_colour(neighbour_kind))
    _cones(draw, frame, camera)
    _dot(draw, frame.pixel(*centre), 14, kind_colour(camera.kind))
    _text(draw, title, lines)
    return _png(image)


def _neighbours(camera: Camera, frame: Frame) -> list[tuple[str, float, float]]:
    min_x, min_y, max_x, max_y = frame.bounds()
    window = Polygon.from_bbox((min_x, min_y, max_x, max_y))
    window.srid = 3857
    window.transform(4326)
    rows = (
        Camera.objects.visible()
        .filter(location__within=window)
        .exclude(pk=camera.pk)
        .annotate(projected=Transform("location", 3857))
        .annotate(
            x=Func("projected", function="ST_X", output_field=FloatField()),
            y=Func("projected", function="ST_Y", output_field=FloatField()),
        )
        .values_list("kind", "x", "y")[:MAX_NEIGHBOURS]
    )
    return list(rows)


def _cones(draw: ImageDraw.ImageDraw, frame: Frame, camera: Camera) -> None:
    longitude, latitude = camera.location.coords
    shapes = cones.field_of_view(
        location=(longitude, latitude),
        directions=camera.directions,
        camera_type=camera.camera_type,
        kind=camera.kind,
        height=camera.height,
        tilt=camera.tilt,
    )
    colour = kind_colour(camera.kind)
    for shape in shapes:
        ring = [frame.pixel(*mercator(*point)) for point in shape["coordinates"][0]]
        draw.polygon(ring, fill=_tint(colour), outline=colour, width=3)


def _tint(colour: str, share: float = 0.3) -> str:
    """`colour` mixed with white: the cone's fill, the dot's own colour."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    mixed = (round(255 - (255 - channel) * share) for channel in (red, green, blue))
    return "#{:02x}{:02x}{:02x}".format(*mixed)


# -------------------------------------------------------------------- area


def area_preview(area: Area, *, title: str, lines: Sequence[str]) -> bytes:
    """The area's outline with its cameras as dots, one per cell of
    AREA_DOT_PIXELS, coloured by the kind most cameras there have."""
    outline = GEOSGeometry(area.geometry.wkb, srid=4326)
    outline.transform(3857)
    frame = Frame.around(outline.extent)
    # Simplified to a pixel: a coastline's every vertex would not show.
    outline = outline.simplify(frame.metres_per_pixel, preserve_topology=True)
    image, draw = _canvas()
    for polygon in _polygons(outline):
        exterior, *holes = [[frame.pixel(x, y) for x, y in ring] for ring in polygon]
        draw.polygon(exterior, fill=PAPER, outline=MUTED, width=2)
        for hole in holes:
            draw.polygon(hole, fill=WASH, outline=MUTED, width=1)
    for kind, x, y in _area_dots(area, frame):
        point = frame.pixel(x, y)
        if _inside_map(point):
            _dot(draw, point, 4, kind_colour(kind))
    _text(draw, title, lines)
    return _png(image)


def _polygons(geometry: GEOSGeometry) -> list[list[Sequence]]:
    if geometry.geom_type == "Polygon":
        return [list(geometry.coords)]
    if geometry.geom_type == "MultiPolygon":
        return [list(polygon) for polygon in geometry.coords]
    return []


class MostCommon(Aggregate):
    """PostgreSQL's mode(): the value most rows of the group have."""

    function = "mode"
    template = "%(function)s() WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = CharField()


def _area_dots(area: Area, frame: Frame) -> list[tuple[str, float, float]]:
    cell = AREA_DOT_PIXELS * frame.metres_per_pixel
    rows = (
        Camera.objects.visible()
        .filter(location__intersects=area.geometry)
        .annotate(projected=Transform("location", 3857))
        .annotate(
            column=Func(
                Func("projected", function="ST_X", output_field=FloatField()) / cell,
                function="floor",
                output_field=FloatField(),
            ),
            row=Func(
                Func("projected", function="ST_Y", output_field=FloatField()) / cell,
                function="floor",
                output_field=FloatField(),
            ),
        )
        .order_by()
        .values("column", "row")
        .annotate(kind=MostCommon("kind"))
        .values_list("kind", "column", "row")
    )
    return [(kind, (column + 0.5) * cell, (row + 0.5) * cell) for kind, column, row in rows]


# ------------------------------------------------------- vendor, operator


def organisation_preview(
    *, title: str, lines: Sequence[str], by_kind: Sequence[tuple[str, str, int]]
) -> bytes:
    """A bar chart of cameras by kind (kind, label, count), most first."""
    image, draw = _canvas()
    rows = sorted(by_kind, key=lambda row: -row[2])[:6]
    most = max((count for _kind, _label, count in rows), default=0)
    top = MAP_BOX[1] + 40
    bar_left, bar_right = MAP_BOX[0] + 30, MAP_BOX[2] - 30
    for kind, label, count in rows:
        draw.text((bar_left, top), f"{label}: {count:,}", font=font(28), fill=INK)
        length = (bar_right - bar_left) * count / most if most else 0
        draw.rectangle(
            (bar_left, top + 38, bar_left + max(length, 4), top + 66), fill=kind_colour(kind)
        )
        top += 86
    if not rows:
        draw.text((bar_left, top), "0", font=font(28), fill=MUTED)
    _text(draw, title, lines)
    return _png(image)


# -------------------------------------------------------------------- icons


def icon(size: int) -> Image.Image:
    """Sightline's icon: a lens on the header's navy, as static/registry/
    favicon.svg draws it, at `size` pixels square."""
    scale = 4  # drawn larger, then reduced: smooth edges at 16 px
    side = size * scale
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, side - 1, side - 1), radius=side * 0.18, fill=HEADER)
    middle = side / 2
    for radius, fill in ((0.34, PAPER), (0.22, ACCENT), (0.09, HEADER)):
        r = side * radius
        draw.ellipse((middle - r, middle - r, middle + r, middle + r), fill=fill)
    glint = side * 0.05
    draw.ellipse(
        (
            middle + side * 0.06,
            middle - side * 0.14,
            middle + side * 0.06 + 2 * glint,
            middle - side * 0.14 + 2 * glint,
        ),
        fill=PAPER,
    )
    return image.resize((size, size), Image.Resampling.LANCZOS)


def icon_png(size: int) -> bytes:
    return _png(icon(size))


def favicon_ico() -> bytes:
    buffer = io.BytesIO()
    icon(64).save(buffer, format="ICO", sizes=[(16, 16), (32, 32), (48, 48), (64, 64)])
    return buffer.getvalue()
