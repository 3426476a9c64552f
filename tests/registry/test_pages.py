"""The public pages: the camera list and each camera, vendors, operators,
about and privacy, rendered by Django's test client on real PostGIS."""

import json
import re
from datetime import date, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.formats import date_format
from pytest_django.asserts import assertContains, assertNotContains

from registry import cones
from registry.models import Camera, Status
from registry.services import (
    camera_create,
    camera_hide,
    camera_remove,
    camera_set_capability,
    camera_update,
    evidence_add,
)
from registry.views import pages
from tests.factories import (
    CameraFactory,
    OperatorFactory,
    VendorFactory,
    VendorRestrictionFactory,
)

pytestmark = pytest.mark.django_db

ENTITY_LIST_URL = (
    "https://www.federalregister.gov/documents/2019/10/09/2019-22210/"
    "addition-of-certain-entities-to-the-entity-list"
)


def listed_ids(response) -> list[int]:
    """The cameras of the list's table, in order."""
    body = response.content.decode()
    tbody = body[body.index("<tbody>") : body.index("</tbody>")]
    return [int(pk) for pk in re.findall(r'href="/(?:es/)?cameras/(\d+)/"', tbody)]


def notice(response) -> str:
    """The text of the notice naming ignored values ("" when there is none)."""
    match = re.search(
        r'<div class="notice" id="ignored-notice" role="status">(.*?)</div>',
        response.content.decode(),
        re.S,
    )
    return match.group(1) if match else ""


def map_data(response, element_id: str):
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, f"no #{element_id} in the page"
    return json.loads(match.group(1))


# ------------------------------------------------------------- every page


@pytest.fixture
def everything():
    vendor = VendorFactory(name="Hikvision", slug="hikvision", country="CN")
    VendorRestrictionFactory(vendor=vendor, source_url=ENTITY_LIST_URL)
    operator = OperatorFactory(name="Chicago Police", slug="chicago-police")
    camera = CameraFactory(vendor=vendor, operator=operator)
    return vendor, operator, camera


def page_urls(vendor, operator, camera) -> list[str]:
    return [
        "/cameras/",
        f"/cameras/{camera.pk}/",
        "/vendors/",
        f"/vendors/{vendor.slug}/",
        "/operators/",
        f"/operators/{operator.slug}/",
        "/about/",
        "/privacy/",
    ]


def test_every_page_has_one_h1_a_language_and_the_landmarks(client, everything):
    for url in page_urls(*everything):
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200, url
        assert body.count("<h1") == 1, url
        assert '<html lang="en">' in body, url
        assert '<main id="main"' in body, url
        assert 'aria-label="Main"' in body, url
        assert "Open Database Licence" in body, url
        assert "<title>" in body and " · Sightline</title>" in body, url


def test_every_page_renders_in_spanish_under_es(client, everything):
    for url in page_urls(*everything):
        response = client.get(f"/es{url}")
        assert response.status_code == 200, url
        assertContains(response, '<html lang="es">')
        assertContains(response, 'action="/i18n/setlang/"')


def test_the_navigation_marks_the_current_page(client, everything):
    response = client.get("/vendors/")

    assertContains(response, '<a href="/vendors/" aria-current="page">', html=False)


# ----------------------------------------------------------- camera list


def test_the_list_is_a_table_of_cameras_linking_to_their_pages(client):
    alpr = CameraFactory(kind="ALPR")
    dome = CameraFactory(kind="camera")

    response = client.get("/cameras/")

    assertContains(response, "<caption")
    assertContains(
        response, '<th scope="col"', count=7
    )  # camera, place, kind, vendor, operator, status, confirmed
    assertContains(response, f'<th scope="row"><a href="/cameras/{alpr.pk}/">#{alpr.pk}</a></th>')
    assert listed_ids(response) == [alpr.pk, dome.pk]
    assertContains(response, "2 cameras match these filters.")


def test_hidden_cameras_are_neither_listed_nor_counted(client):
    shown = CameraFactory()
    removed = CameraFactory(status=Status.REMOVED, removed_on=date(2026, 1, 2))
    hidden = CameraFactory(status=Status.HIDDEN)

    response = client.get("/cameras/")

    assert listed_ids(response) == [shown.pk, removed.pk]
    assert hidden.pk not in listed_ids(client.get("/cameras/?status=hidden"))
    assertContains(response, "2 cameras match these filters.")


def test_the_list_takes_the_maps_filters(client):
    vendor = VendorFactory(slug="flock-safety")
    restricted = VendorFactory()
    VendorRestrictionFactory(vendor=restricted)
    wanted = CameraFactory(kind="ALPR", vendor=vendor, last_confirmed=date(2026, 5, 1))
    CameraFactory(kind="ALPR", vendor=vendor, last_confirmed=date(2025, 5, 1))
    CameraFactory(kind="camera", vendor=vendor, last_confirmed=date(2026, 5, 1))
    flagged = CameraFactory(vendor=restricted)

    response = client.get("/cameras/?kind=ALPR&vendor=flock-safety&confirmed_since=2026-01-01")

    assert listed_ids(response) == [wanted.pk]
    assertContains(response, "1 camera matches these filters.")
    assertContains(response, 'name="kind" value="ALPR" checked')
    assertContains(response, '<option value="flock-safety" selected>')
    assertContains(response, 'value="2026-01-01"')
    assert listed_ids(client.get("/cameras/?restricted=1")) == [flagged.pk]


def test_the_list_links_to_the_same_cameras_on_the_map_and_as_downloads(client):
    CameraFactory(kind="ALPR")

    response = client.get("/cameras/?kind=ALPR")

    assertContains(response, 'href="/?kind=ALPR"')
    assertContains(response, 'href="/api/v1/downloads/cameras.geojson?kind=ALPR"')
    assertContains(response, 'href="/api/v1/downloads/cameras.csv?kind=ALPR"')


def test_unknown_filter_values_are_ignored_with_a_notice(client):
    camera = CameraFactory(kind="ALPR")

    response = client.get("/cameras/?kind=ALPR,drone&vendor=nobody&confirmed_since=yesterday")

    assert response.status_code == 200
    assert listed_ids(response) == [camera.pk]
    text = notice(response)
    assert "kind = “drone”: not a known value" in text
    assert "vendor = “nobody”: no such vendor" in text
    assert "confirmed_since = “yesterday”" in text


def test_no_notice_when_everything_is_understood(client):
    CameraFactory()

    assertNotContains(client.get("/cameras/?kind=camera&sort=-id"), 'id="ignored-notice"')


def test_a_bad_page_or_sort_is_ignored_with_a_notice(client):
    first, second = CameraFactory(), CameraFactory()

    response = client.get("/cameras/?page=two&sort=colour")

    assert response.status_code == 200
    assert listed_ids(response) == [first.pk, second.pk]
    text = notice(response)
    assert "page = “two”: not a page number" in text
    assert "sort = “colour”: not a column this list can be sorted by" in text
    for page in ("0", "-3", "x" * 1900):
        response = client.get(f"/cameras/?page={page}")
        assert response.status_code == 200
        assert "not a page number" in notice(response)
    # Past INPUT_MAX_PARAMETER_CHARS, the request is refused, naming the parameter.
    response = client.get(f"/cameras/?page={'9' * 5000}")
    assert response.status_code == 400
    assert "page: is 5000 characters long; the limit is 2000." in response.text


def test_a_page_past_the_end_shows_the_last_page_with_a_notice(client):
    cameras = [CameraFactory() for _ in range(pages.CAMERAS_PER_PAGE + 1)]

    response = client.get("/cameras/?page=7")

    assert response.status_code == 200
    assert listed_ids(response) == [cameras[-1].pk]
    assert "page = “7”: past the last page" in notice(response)


def test_the_list_sorts_by_a_column_with_aria_sort_on_its_header(client):
    camera = CameraFactory(kind="camera")
    alpr = CameraFactory(kind="ALPR")
    unknown = CameraFactory(kind="")

    ascending = client.get("/cameras/?sort=kind")
    descending = client.get("/cameras/?sort=-kind")

    # By the label the reader sees ("camera (CCTV)" before "licence-plate
    # reader"), unknown kinds last either way.
    assert listed_ids(ascending) == [camera.pk, alpr.pk, unknown.pk]
    assert listed_ids(descending) == [alpr.pk, camera.pk, unknown.pk]
    assertContains(ascending, '<th scope="col" aria-sort="ascending">')
    assertContains(ascending, 'href="?sort=-kind"')
    assertContains(descending, '<th scope="col" aria-sort="descending">')
    assertContains(descending, "sorted by “Kind”, descending")
    assertContains(ascending, "aria-sort=", count=1)


def test_the_list_sorts_by_vendor_operator_status_and_confirmation(client):
    acme = VendorFactory(name="Acme")
    zeta = VendorFactory(name="Zeta")
    police = OperatorFactory(name="Police")
    late = CameraFactory(vendor=zeta, last_confirmed=date(2026, 3, 1), status=Status.VERIFIED)
    early = CameraFactory(vendor=acme, operator=police, last_confirmed=date(2024, 3, 1))
    none = CameraFactory()

    assert listed_ids(client.get("/cameras/?sort=vendor")) == [early.pk, late.pk, none.pk]
    assert listed_ids(client.get("/cameras/?sort=-vendor")) == [late.pk, early.pk, none.pk]
    assert listed_ids(client.get("/cameras/?sort=operator")) == [early.pk, late.pk, none.pk]
    assert listed_ids(client.get("/cameras/?sort=-last_confirmed")) == [late.pk, early.pk, none.pk]
    assert listed_ids(client.get("/cameras/?sort=status")) == [early.pk, none.pk, late.pk]
    assert listed_ids(client.get("/cameras/?sort=-id")) == [none.pk, early.pk, late.pk]


def test_the_list_is_paged_by_50_keeping_filters_and_sort(client):
    cameras = [CameraFactory(kind="ALPR") for _ in range(pages.CAMERAS_PER_PAGE + 2)]
    CameraFactory(kind="camera")

    first = client.get("/cameras/?kind=ALPR&sort=-id")
    second = client.get("/cameras/?kind=ALPR&sort=-id&page=2")

    assert len(listed_ids(first)) == 50
    assert listed_ids(second) == [cameras[1].pk, cameras[0].pk]
    assertContains(first, "Page 1 of 2")
    assertContains(first, '<a href="?kind=ALPR&amp;sort=-id&amp;page=2" rel="next">')
    assertContains(first, '<link rel="next" href="?kind=ALPR&amp;sort=-id&amp;page=2">')
    assertContains(second, "Page 2 of 2")
    assertContains(second, '<a href="?kind=ALPR&amp;sort=-id" rel="prev">')
    assertContains(second, "52 cameras match these filters.")
    # A sort link starts again from the first page, with the same filters.
    assertContains(second, 'href="?kind=ALPR&amp;sort=id"')
    assertContains(second, '<input type="hidden" name="sort" value="-id">')


def test_the_list_marks_stale_cameras_and_restricted_vendors(client):
    restricted = VendorFactory(name="Hikvision")
    VendorRestrictionFactory(vendor=restricted)
    old = timezone.localdate() - timedelta(days=800)
    CameraFactory(vendor=restricted, last_confirmed=old)

    response = client.get("/cameras/")

    assertContains(response, '<span class="badge badge-stale">stale</span>')
    assertContains(response, '<span class="badge badge-restricted">restricted</span>')


def test_a_removed_camera_is_never_stale(client):
    old = timezone.localdate() - timedelta(days=800)
    CameraFactory(status=Status.REMOVED, removed_on=old, last_confirmed=old)

    assertNotContains(client.get("/cameras/"), "badge-stale")


def test_an_empty_result_says_so(client):
    CameraFactory(kind="camera")

    response = client.get("/cameras/?kind=radar")

    assertContains(response, "No camera matches these filters.")
    assertNotContains(response, "<table")


# ------------------------------------------------------------ camera page


@pytest.fixture
def measured_camera():
    return CameraFactory(
        location=Point(-87.6298, 41.8781, srid=4326),
        kind="ALPR",
        visibility="public",
        zone="traffic",
        camera_type="fixed",
        mount="pole",
        directions=[90.0, 270.0],
        height=6.0,
        tilt=30.0,
        product="Falcon",
        first_seen=date(2024, 4, 2),
        last_confirmed=timezone.localdate(),
        osm_type="node",
        osm_id=740239084,
        tags={"surveillance:type": "ALPR", "direction": "90;270", "camera:angle": "30"},
    )


def test_the_camera_page_says_every_attribute_in_plain_words(client, measured_camera):
    response = client.get(f"/cameras/{measured_camera.pk}/")

    assertContains(response, f"<h1>Licence-plate reader (ALPR) #{measured_camera.pk}</h1>")
    for text in (
        "public space",
        "traffic",
        "fixed",
        "pole",
        "90° (east), 270° (west)",
        "30° below horizontal",
        "6 m above the ground",
        "Falcon",
        "latitude 41.878100, longitude -87.629800",
        "April 2, 2024",
        "Reported (unverified)",
    ):
        assertContains(response, text)
    assertNotContains(response, "badge-stale")


def test_the_camera_page_maps_the_camera_and_its_cones(client, measured_camera):
    response = client.get(f"/cameras/{measured_camera.pk}/")

    data = map_data(response, "camera-map-data")
    assert data["longitude"] == pytest.approx(-87.6298)
    assert data["latitude"] == pytest.approx(41.8781)
    assert data["fieldOfView"] == cones.field_of_view(
        location=(-87.6298, 41.8781),
        directions=[90.0, 270.0],
        camera_type="fixed",
        kind="ALPR",
        height=6.0,
        tilt=30.0,
    )
    assert len(data["fieldOfView"]) == 2
    assertContains(response, "leaflet/leaflet.js")
    assertContains(response, "window.sightlineCameraMap")
    assertContains(response, 'id="camera-map"')


def test_the_camera_page_links_to_osm_tags_and_downloads(client, measured_camera):
    response = client.get(f"/cameras/{measured_camera.pk}/")

    assertContains(response, 'href="https://www.openstreetmap.org/node/740239084"')
    assertContains(response, "This camera is OpenStreetMap node 740239084.")
    assertContains(response, "<details")
    assertContains(response, '<th scope="row"><code>camera:angle</code></th><td>30</td>')
    assertContains(response, "The 3 raw tags, as the source gave them")
    assertContains(response, f'href="/api/v1/cameras/{measured_camera.pk}/"')
    assertContains(response, f'href="/api/v1/cameras/{measured_camera.pk}/history/"')


def test_a_hidden_camera_is_not_found(client):
    camera = CameraFactory(status=Status.HIDDEN)

    assert client.get(f"/cameras/{camera.pk}/").status_code == 404
    assert client.get(f"/es/cameras/{camera.pk}/").status_code == 404
    assert client.get("/cameras/999999/").status_code == 404


def test_moderators_see_a_hidden_camera_marked_hidden(client, moderator):
    camera = camera_create(location=Point(-87.6, 41.9, srid=4326), actor=None, kind="camera")
    camera_hide(camera=camera, actor=moderator, reason="a prank report")
    client.force_login(moderator)

    response = client.get(f"/cameras/{camera.pk}/")

    assertContains(response, "Hidden by moderation")
    assertContains(response, "a prank report")


def test_a_stale_camera_says_since_when(client, settings):
    settings.CAMERA_STALE_AFTER_DAYS = 365
    camera = CameraFactory(last_confirmed=date(2020, 6, 1))

    response = client.get(f"/cameras/{camera.pk}/")

    assertContains(response, '<span class="badge badge-stale">stale</span>')
    assertContains(response, "dates from June 1, 2020, more than 365 days ago")


def test_staleness_counts_from_first_seen_when_never_confirmed(client, settings):
    settings.CAMERA_STALE_AFTER_DAYS = 365
    recent = CameraFactory(first_seen=timezone.localdate() - timedelta(days=10))
    old = CameraFactory(first_seen=date(2019, 1, 1))

    assertNotContains(client.get(f"/cameras/{recent.pk}/"), "badge-stale")
    assertContains(client.get(f"/cameras/{old.pk}/"), "badge-stale")
    assert list(Camera.objects.stale()) == [old]


def test_a_removed_camera_shows_when_and_why(client):
    camera = camera_create(location=Point(-87.6, 41.9, srid=4326), actor=None, kind="camera")
    camera_remove(camera=camera, removed_on=date(2026, 2, 3), actor=None, reason="pole taken down")

    response = client.get(f"/cameras/{camera.pk}/")

    assertContains(response, "Removed: found gone on Feb. 3, 2026.")
    assertContains(response, "pole taken down")


def test_the_vendor_is_shown_with_its_restrictions_and_their_sources(client, everything):
    _vendor, _operator, camera = everything

    response = client.get(f"/cameras/{camera.pk}/")

    assertContains(response, '<a href="/vendors/hikvision/">Hikvision</a>')
    assertContains(response, "restricted vendor")
    assertContains(response, "US Commerce Entity List")
    assertContains(response, f'<a href="{ENTITY_LIST_URL}" rel="noopener noreferrer">')
    assertContains(response, '<a href="/operators/chicago-police/">Chicago Police</a>')


def test_an_unmatched_vendor_spelling_is_shown_as_given(client):
    camera = CameraFactory(vendor_raw="Acme Eyes", operator_raw="Town Hall")

    response = client.get(f"/cameras/{camera.pk}/")

    assertContains(response, "The source names the vendor “Acme Eyes”")
    assertContains(response, "The source names the operator “Town Hall”")


def test_capabilities_are_shown_with_their_evidence(client):
    camera = camera_create(location=Point(-87.6, 41.9, srid=4326), actor=None, kind="camera")
    contract = evidence_add(
        camera=camera,
        kind="contract",
        url="https://city.example/contracts/42",
        title="Contract 42 with Acme",
        date=date(2025, 1, 15),
    )
    camera_set_capability(
        camera=camera,
        capability="face_recognition",
        present=True,
        actor=None,
        evidence=[contract],
        note="Listed in the contract's annex.",
    )

    response = client.get(f"/cameras/{camera.pk}/")

    assertContains(response, "<strong>Face recognition</strong>")
    assertContains(response, "Listed in the contract&#x27;s annex.")
    assertContains(
        response,
        '<a href="https://city.example/contracts/42" rel="noopener noreferrer">'
        "Contract 42 with Acme</a>",
    )


def test_photos_are_shown_with_alt_text_and_outside_ones_only_linked(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    camera = CameraFactory()
    evidence_add(
        camera=camera,
        kind="photo",
        document=SimpleUploadedFile("pole.jpg", b"\xff\xd8\xff\xd9", content_type="image/jpeg"),
        date=date(2025, 7, 4),
    )
    evidence_add(
        camera=camera,
        kind="photo",
        url="https://photos.example/abc.jpg",
        title="Seen from the crossing",
    )

    response = client.get(f"/cameras/{camera.pk}/")
    body = response.content.decode()

    img = re.search(r'<img src="(/media/evidence/[^"]+)" alt="([^"]+)"', body)
    assert img, "the uploaded photo is not shown"
    assert img.group(2) == f"Photo of camera #{camera.pk}, taken on July 4, 2025"
    assert '<img src="https://photos.example' not in body
    assertContains(response, '<a href="https://photos.example/abc.jpg" rel="noopener noreferrer">')
    assertContains(response, "Seen from the crossing")


def test_the_history_lists_every_version_newest_first_in_plain_words(client, moderator):
    vendor = VendorFactory(name="Axis Communications")
    camera = camera_create(
        location=Point(-87.6, 41.9, srid=4326),
        actor=None,
        kind="camera",
        height=4.0,
        tags={"surveillance:type": "camera", "note": "by the school"},
    )
    camera_update(
        camera=camera,
        actor=moderator,
        reason="measured on site",
        height=6.0,
        vendor=vendor,
        directions=[180.0],
        tags={"surveillance:type": "camera", "height": "6"},
    )

    response = client.get(f"/cameras/{camera.pk}/")
    body = response.content.decode()

    assert body.index("Version 2") < body.index("Version 1")
    assertContains(response, "changed by moderator")
    assertContains(response, "first recorded by an anonymous contributor")
    assertContains(response, "Reason given: measured on site")
    assertContains(response, "Height: changed from 4 m above the ground to 6 m above the ground")
    assertContains(response, "Vendor: Axis Communications")
    assertContains(response, "Directions: 180° (south)")
    assertContains(response, "Tag height added: “6”")
    assertContains(response, "Tag note removed (it was “by the school”)")
    assertContains(response, "2 raw tags recorded")
    assertContains(response, "Every version of this record, newest first.")


def test_an_import_is_named_as_the_author_of_its_versions(client):
    from registry.models import Dataset
    from registry.services.history import open_changeset

    dataset = Dataset.objects.create(name="chicago-open-data")
    changeset = open_changeset(actor="import: chicago-open-data", dataset=dataset)
    camera = camera_create(
        location=Point(-87.6, 41.9, srid=4326),
        actor=None,
        changeset=changeset,
        kind="camera",
        dataset=dataset,
    )

    response = client.get(f"/cameras/{camera.pk}/")

    assertContains(response, "first recorded by an import of chicago-open-data")
    assertContains(response, "Dataset: chicago-open-data")


def source_note(response, label: str) -> str:
    """The note on where the value under `label` (a fact's <dt>) came from."""
    body = response.content.decode()
    fact = body[body.index(f"<dt>{label}</dt>") :]
    fact = fact[: fact.index("</dd>")]
    match = re.search(r'<span class="field-source">(.*?)</span>', fact, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else ""


def test_each_fact_says_which_import_set_it_and_when(client, tmp_path):
    from .importing import camera_tags, node_xml, osm_xml, run

    path = tmp_path / "extract.osm"
    path.write_text(osm_xml(node_xml(7, -87.63, 41.88, camera_tags("ALPR", height="5"))))
    run(path, "--source", "osm")
    camera = Camera.objects.get(osm_id=7)
    imported = date_format(timezone.localdate(camera.revisions.get().created_at))

    response = client.get(f"/cameras/{camera.pk}/")

    assert source_note(response, "Kind") == f"from osm · {imported}"
    assert source_note(response, "Height") == f"from osm · {imported}"
    assert source_note(response, "Tilt") == ""  # not recorded: no one set it


def test_a_fact_set_by_a_moderator_or_a_survey_says_so(client, moderator):
    camera = camera_create(location=Point(-87.6, 41.9, srid=4326), actor=None, kind="camera")
    camera_update(camera=camera, actor=moderator, reason="measured on site", height=6.0)
    today = date_format(timezone.localdate())

    response = client.get(f"/cameras/{camera.pk}/")

    assert source_note(response, "Height") == f"set by a moderator · {today}"
    assert source_note(response, "Kind") == f"from a survey report · {today}"


def test_the_sources_of_facts_are_in_spanish_on_the_spanish_page(client, moderator):
    camera = camera_create(location=Point(-87.6, 41.9, srid=4326), actor=None, kind="camera")
    camera_update(camera=camera, actor=moderator, height=6.0)

    response = client.get(f"/es/cameras/{camera.pk}/")

    assertContains(response, "establecido por un moderador")
    assertContains(response, "de un informe sobre el terreno")


def test_a_long_history_shows_the_latest_versions_and_links_to_all(client, monkeypatch):
    monkeypatch.setattr(pages, "HISTORY_SHOWN", 2)
    camera = camera_create(location=Point(-87.6, 41.9, srid=4326), actor=None, kind="camera")
    for height in (3.0, 4.0, 5.0):
        camera = camera_update(camera=camera, actor=None, height=height)

    response = client.get(f"/cameras/{camera.pk}/")

    assertContains(response, "The 2 most recent of 4 versions, newest first.")
    assertContains(response, "Version 4")
    assertNotContains(response, "Version 1<")


# ---------------------------------------------------------------- vendors


def test_the_vendor_list_counts_visible_cameras_and_marks_restrictions(client):
    hikvision = VendorFactory(name="Hikvision", country="CN")
    VendorRestrictionFactory(vendor=hikvision, regime="fcc_covered_list")
    axis = VendorFactory(name="Axis Communications")
    CameraFactory(vendor=hikvision)
    CameraFactory(vendor=hikvision, status=Status.HIDDEN)
    CameraFactory(vendor=axis)
    CameraFactory(vendor=axis, status=Status.REMOVED, removed_on=date(2026, 1, 1))

    response = client.get("/vendors/")
    body = response.content.decode()

    hikvision_row = body[body.index('href="/vendors/hikvision/"') :].split("</tr>")[0]
    axis_row = body[body.index('href="/vendors/axis-communications/"') :].split("</tr>")[0]
    assert '<td class="number">1</td>' in hikvision_row
    assert "US FCC Covered List" in hikvision_row
    assert "badge-restricted" in hikvision_row
    assert '<td class="number">2</td>' in axis_row
    assert "none recorded" in axis_row
    assertContains(response, "2 vendors.")
    assertContains(response, "1 is under a legal restriction.")
    assertContains(response, '<span data-country="CN">CN</span>')


def test_the_vendor_list_sorts_by_name_or_count(client):
    few = VendorFactory(name="Alpha")
    many = VendorFactory(name="beta")
    CameraFactory(vendor=many)
    CameraFactory(vendor=many)
    CameraFactory(vendor=few)

    def order(response):
        return re.findall(
            r'<th scope="row"><a href="/vendors/([\w-]+)/"', response.content.decode()
        )

    assert order(client.get("/vendors/")) == [few.slug, many.slug]
    assert order(client.get("/vendors/?sort=-name")) == [many.slug, few.slug]
    by_count = client.get("/vendors/?sort=-count")
    assert order(by_count) == [many.slug, few.slug]
    assertContains(by_count, '<th scope="col" aria-sort="descending">')
    assertContains(by_count, 'href="?sort=count"')
    bad = client.get("/vendors/?sort=price&page=x")
    assert bad.status_code == 200
    assert "sort = “price”" in notice(bad)
    assert "page = “x”" in notice(bad)


def test_the_vendor_page_shows_who_they_are_and_their_restrictions(client):
    parent = VendorFactory(name="Motorola Solutions", slug="motorola-solutions")
    vendor = VendorFactory(
        name="Avigilon",
        slug="avigilon",
        country="CA",
        parent=parent,
        website="https://www.avigilon.com/",
        wikidata="Q4827931",
        aliases=["Avigilon Corporation"],
    )
    VendorRestrictionFactory(
        vendor=vendor,
        regime="other",
        regime_detail="Example municipal ban",
        effective_date=date(2022, 5, 1),
        scope="City contracts only.",
        source_url="https://city.example/ordinance",
        source_title="Ordinance 2022-15",
    )

    response = client.get("/vendors/avigilon/")

    assertContains(response, "<h1>Avigilon</h1>")
    assertContains(response, '<span data-country="CA">CA</span>')
    assertContains(response, '<a href="/vendors/motorola-solutions/">Motorola Solutions</a>')
    assertContains(response, 'href="https://www.avigilon.com/"')
    assertContains(response, 'href="https://www.wikidata.org/wiki/Q4827931"')
    assertContains(response, "Avigilon Corporation")
    assertContains(response, "Example municipal ban")
    assertContains(response, '<time datetime="2022-05-01">May 1, 2022</time>')
    assertContains(response, "City contracts only.")
    assertContains(
        response,
        '<a href="https://city.example/ordinance" rel="noopener noreferrer">Ordinance 2022-15</a>',
    )
    assertContains(response, "No camera is recorded for them yet.")
    assertNotContains(response, "organisation-map-data")
    child = client.get("/vendors/motorola-solutions/")
    assertContains(child, '<a href="/vendors/avigilon/">Avigilon</a>')


def test_the_vendor_page_counts_and_maps_its_visible_cameras(client):
    vendor = VendorFactory(name="Flock Safety", slug="flock-safety")
    police = OperatorFactory(name="Evanston Police", slug="evanston-police")
    alpr = CameraFactory(vendor=vendor, kind="ALPR", operator=police)
    other_alpr = CameraFactory(vendor=vendor, kind="ALPR")
    detector = CameraFactory(vendor=vendor, kind="gunshot_detector", status=Status.VERIFIED)
    hidden = CameraFactory(vendor=vendor, kind="ALPR", status=Status.HIDDEN)

    response = client.get("/vendors/flock-safety/")
    body = response.content.decode()

    assertContains(response, "3 cameras in the registry, removed ones included.")
    kinds = body[body.index("By kind") : body.index("By status")]
    assert re.search(r"Licence-plate reader \(ALPR\)</a></th>\s*<td class=\"number\">2<", kinds)
    assert re.search(r"Gunshot detector</a></th>\s*<td class=\"number\">1<", kinds)
    assertContains(response, 'href="/cameras/?vendor=flock-safety&amp;kind=ALPR"')
    statuses = body[body.index("By status") : body.index("By operator")]
    assert re.search(r"Reported \(unverified\)</a></th>\s*<td class=\"number\">2<", statuses)
    operators = body[body.index("By operator") :]
    assert re.search(r'href="/operators/evanston-police/">Evanston Police</a>', operators)
    assert "Not identified" in operators
    points = map_data(response, "organisation-map-data")
    assert points["type"] == "FeatureCollection"
    drawn = {feature["id"] for feature in points["features"]}
    assert drawn == {alpr.pk, other_alpr.pk, detector.pk}
    assert hidden.pk not in drawn
    assert points["cameraUrl"] == "/cameras/{id}/"
    assertContains(response, 'href="/?vendor=flock-safety"')
    assertContains(response, 'href="/cameras/?vendor=flock-safety"')
    assertContains(response, 'href="/api/v1/downloads/cameras.geojson?vendor=flock-safety"')
    assertContains(response, "window.sightlineOrganisationMap")


def test_a_vendor_with_too_many_cameras_links_to_the_main_map_instead(client, monkeypatch):
    monkeypatch.setattr(pages, "MAP_POINTS_MAX", 1)
    vendor = VendorFactory(slug="motorola")
    CameraFactory(vendor=vendor)
    CameraFactory(vendor=vendor)

    response = client.get("/vendors/motorola/")

    assertNotContains(response, "organisation-map-data")
    assertNotContains(response, "leaflet.js")
    assertContains(response, 'too many cameras to draw on this page: <a href="/?vendor=motorola">')


def test_an_unknown_vendor_or_operator_is_not_found(client):
    assert client.get("/vendors/nobody/").status_code == 404
    assert client.get("/operators/nobody/").status_code == 404


# -------------------------------------------------------------- operators


def test_the_operator_list_shows_types_and_visible_counts(client):
    police = OperatorFactory(name="Chicago Police", operator_type="police")
    OperatorFactory(name="Transit Authority", operator_type="transport")
    CameraFactory(operator=police)
    CameraFactory(operator=police, status=Status.HIDDEN)

    response = client.get("/operators/")
    body = response.content.decode()

    row = body[body.index(f'href="/operators/{police.slug}/"') :].split("</tr>")[0]
    assert "<td>police</td>" in row
    assert '<td class="number">1</td>' in row
    assertContains(response, "2 operators.")


def test_the_operator_page_counts_by_vendor(client):
    operator = OperatorFactory(
        name="Chicago Police", slug="chicago-police", operator_type="police", wikidata="Q1340186"
    )
    axis = VendorFactory(name="Axis Communications", slug="axis-communications")
    CameraFactory(operator=operator, vendor=axis)
    CameraFactory(operator=operator, status=Status.HIDDEN)

    response = client.get("/operators/chicago-police/")
    body = response.content.decode()

    assertContains(response, "<h1>Chicago Police</h1>")
    assertContains(response, "Police")
    assertContains(response, 'href="https://www.wikidata.org/wiki/Q1340186"')
    assertContains(response, "1 camera in the registry, removed ones included.")
    vendors = body[body.index("By vendor") :]
    assert re.search(r'href="/vendors/axis-communications/">Axis Communications</a>', vendors)
    assertContains(response, 'href="/?operator=chicago-police"')
    assert len(map_data(response, "organisation-map-data")["features"]) == 1


# ------------------------------------------------------ about and privacy


def test_the_about_page_explains_licence_citation_api_and_staleness(client, settings):
    settings.CAMERA_STALE_AFTER_DAYS = 400
    CameraFactory()
    CameraFactory(status=Status.HIDDEN)

    response = client.get("/about/")

    assertContains(response, "Open Database Licence 1.0")
    assertContains(response, "© OpenStreetMap contributors")
    assertContains(response, "more than 400 days")
    consulted = date_format(timezone.localdate())
    assertContains(response, f"http://testserver/ (consulted on {consulted}).")
    assertContains(response, 'href="/api/v1/docs/"')
    assertContains(response, 'href="/api/v1/downloads/cameras.geojson"')
    assertContains(response, "The registry holds 1 device today.")
    assertContains(response, 'id="field-of-view"')
    assertContains(response, '<td class="number">60°</td>')
    assertContains(response, "between 5 and 80 metres")


def test_the_privacy_page_names_the_tile_server(client, settings):
    settings.BASEMAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"

    response = client.get("/privacy/")

    assertContains(response, "tile server at tiles.example.org")
    assertContains(response, "never stores your IP address or your browser's user agent")
    assertContains(response, "removes all metadata from every photo")
    assertContains(response, "keyed hash")
    assertContains(response, "no third-party trackers")


def test_the_privacy_page_with_tiles_served_by_sightline(client, settings):
    settings.BASEMAP_TILE_URL = "/static/registry/blank-tile.png"

    response = client.get("/privacy/")

    assertContains(response, "come from Sightline's own server")
    assertNotContains(response, "tile server at")
