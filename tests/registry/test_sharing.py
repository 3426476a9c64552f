"""Link previews: the Open Graph and Twitter card fields of camera, area,
vendor and operator pages, the preview images the server draws for them,
and the icons and web app manifest."""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from PIL import Image

from registry.services import camera_create, camera_hide
from registry.services.areas import area_upsert
from tests.factories import OperatorFactory, VendorFactory

pytestmark = pytest.mark.django_db

ALPR_RED = (0xB3, 0x26, 0x1E)
CAMERA_BLUE = (0x1F, 0x5F, 0xA8)


class MetaTags(HTMLParser):
    """The page's <meta property|name=... content=...> and <link> tags."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        key = attributes.get("property") or attributes.get("name")
        if tag == "meta" and key:
            self.meta[key] = attributes.get("content", "")
        if tag == "link":
            self.links.append(attributes)


def tags(response) -> MetaTags:
    parser = MetaTags()
    parser.feed(response.content.decode())
    return parser


def png(response) -> Image.Image:
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG"
    return image.convert("RGB")


def has_colour(image: Image.Image, colour: tuple[int, int, int], box=None) -> bool:
    region = image.crop(box) if box else image
    return any(count and pixel == colour for count, pixel in region.getcolors(1 << 20))


@pytest.fixture
def alpr():
    vendor = VendorFactory(name="Flock Safety", slug="flock-safety")
    operator = OperatorFactory(name="Evanston Police", slug="evanston-police")
    camera = camera_create(
        location=Point(-87.68, 42.04, srid=4326),
        actor=None,
        kind="ALPR",
        vendor=vendor,
        operator=operator,
        directions=[90.0],
    )
    neighbour = camera_create(
        location=Point(-87.6795, 42.0402, srid=4326), actor=None, kind="camera"
    )
    return camera, neighbour


def test_a_camera_page_carries_its_link_preview(client, alpr):
    camera, _neighbour = alpr

    meta = tags(client.get(f"/cameras/{camera.pk}/")).meta

    assert (
        meta["og:title"] == meta["twitter:title"] == "licence-plate reader (ALPR) · Flock Safety"
    )
    assert meta["og:description"].startswith("Run by Evanston Police · 42.04000, -87.68000")
    assert meta["og:url"] == f"http://testserver/cameras/{camera.pk}/"
    assert meta["og:image"] == f"http://testserver/share/cameras/{camera.pk}.png"
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["og:image:alt"]


def test_a_camera_preview_draws_it_at_the_centre_and_its_neighbours(client, alpr):
    camera, _neighbour = alpr

    image = png(client.get(f"/share/cameras/{camera.pk}.png"))

    assert image.size == (1200, 630)
    # The camera's dot is the map's centre (315, 315); its neighbour,
    # 41 m north-east, is a blue dot nearby.
    assert image.getpixel((315, 315)) == ALPR_RED
    assert has_colour(image, CAMERA_BLUE, (315, 200, 430, 315))


def test_a_hidden_camera_has_no_preview_and_its_page_no_card(client, admin_client, alpr):
    camera, _neighbour = alpr
    camera_hide(camera=camera, actor=None, reason="a private driveway")

    preview = client.get(f"/share/cameras/{camera.pk}.png")
    page = admin_client.get(f"/cameras/{camera.pk}/")

    assert preview.status_code == 404
    assert page.status_code == 200
    assert "og:image" not in tags(page).meta


def test_an_area_page_and_preview_show_the_area_and_its_cameras(client, alpr):
    square = Polygon.from_bbox((-87.70, 42.02, -87.66, 42.06))
    area, _outcome = area_upsert(
        name="Evanston", level="city", geometry=MultiPolygon(square, srid=4326)
    )

    meta = tags(client.get(f"/areas/{area.slug}/")).meta
    image = png(client.get(f"/share/areas/{area.slug}.png"))

    assert meta["og:title"] == "Evanston"
    assert meta["og:description"].startswith("2 cameras in place")
    assert meta["og:image"] == f"http://testserver/share/areas/{area.slug}.png"
    # The two cameras, 40 m apart in a 4 km square, share one cell of the
    # dot grid: one dot, in the most common kind's colour (a tie: either).
    map_box = (40, 40, 590, 590)
    assert has_colour(image, ALPR_RED, map_box) or has_colour(image, CAMERA_BLUE, map_box)


@pytest.mark.parametrize("role", ["vendors", "operators"])
def test_vendor_and_operator_pages_carry_a_chart_of_their_cameras(client, alpr, role):
    slug = "flock-safety" if role == "vendors" else "evanston-police"

    meta = tags(client.get(f"/{role}/{slug}/")).meta
    image = png(client.get(f"/share/{role}/{slug}.png"))

    assert meta["og:description"] == "1 camera on record"
    assert meta["og:image"] == f"http://testserver/share/{role}/{slug}.png"
    assert has_colour(image, ALPR_RED, (40, 40, 590, 590))  # the ALPR bar


def test_previews_of_what_does_not_exist_are_404(client):
    for path in ("/share/cameras/987654.png", "/share/areas/nowhere.png"):
        assert client.get(path).status_code == 404


def test_every_page_names_its_icons_and_manifest(client):
    links = tags(client.get("/about/")).links

    rels = {(link["rel"], link["href"]) for link in links}
    assert ("manifest", "/manifest.webmanifest") in rels
    assert ("icon", "/favicon.ico") in rels
    assert ("apple-touch-icon", "/icons/180.png") in rels


def test_the_manifest_names_icons_that_exist_at_their_sizes(client):
    response = client.get("/manifest.webmanifest")

    manifest = json.loads(response.content)
    assert response["Content-Type"] == "application/manifest+json"
    assert (manifest["name"], manifest["start_url"], manifest["display"]) == (
        "Sightline",
        "/",
        "standalone",
    )
    for icon in manifest["icons"]:
        if icon["type"] != "image/png":
            continue
        size = int(icon["sizes"].split("x")[0])
        assert Image.open(io.BytesIO(client.get(icon["src"]).content)).size == (size, size)
    assert client.get("/icons/100.png").status_code == 404


def test_the_favicon_is_an_icon_file_with_the_usual_sizes(client):
    response = client.get("/favicon.ico")

    image = Image.open(io.BytesIO(response.content))
    assert response["Content-Type"] == "image/x-icon"
    assert image.format == "ICO"
    assert {(16, 16), (32, 32), (48, 48)} <= set(image.info["sizes"])
