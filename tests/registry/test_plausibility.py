"""Plausibility warnings: each kind, with its reason and evidence, computed
when a camera is submitted and stored with it; and the moderation queue
sorting and filtering by them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import Point, Polygon
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import translation
from pytest_django.asserts import assertContains

from registry.models import Evidence, Submission
from registry.services.areas import area_upsert
from registry.services.contributions import receipt_issue, submission_create
from registry.services.plausibility import describe, ground_metres
from tests.factories import CameraFactory, DatasetFactory, VendorFactory

pytestmark = pytest.mark.django_db

HERE = Point(-87.6300, 41.8800, srid=4326)
FIVE_METRES_NORTH = Point(-87.6300, 41.880045, srid=4326)
HALF_A_METRE_NORTH = Point(-87.6300, 41.8800045, srid=4326)
# Two made-up countries side by side, and the sea to the east of both.
FREEDONIA = Polygon(((-88, 41), (-87, 41), (-87, 42), (-88, 42), (-88, 41)), srid=4326)
SYLVANIA = Polygon(((-89, 41), (-88, 41), (-88, 42), (-89, 42), (-89, 41)), srid=4326)
IN_FREEDONIA = Point(-87.5, 41.5, srid=4326)
IN_SYLVANIA = Point(-88.5, 41.5, srid=4326)
# 0.1° of longitude east of Freedonia's coast at 41.5° N: about 8.3 km.
AT_SEA = Point(-86.9, 41.5, srid=4326)


@dataclass
class FakeStoredPhoto:
    name: str
    thumbnail_name: str
    position: tuple[float, float] | None = None


def submit(**values) -> Submission:
    values.setdefault("location", HERE)
    values.setdefault("kind", "camera")
    return submission_create(**values)


def codes(submission: Submission) -> list[str]:
    return [warning["code"] for warning in submission.warnings]


def the(code: str, submission: Submission) -> dict:
    """The warning of this kind, worded in the active language."""
    found = [w for w in submission.warnings if w["code"] == code]
    assert len(found) == 1, submission.warnings
    return describe(found[0])


@pytest.fixture
def countries():
    """Freedonia (FD) and, for Flock's reference country, Sylvania as the US."""
    area_upsert(name="Freedonia", level="country", code="FD", geometry=FREEDONIA)
    area_upsert(name="United States", level="country", code="US", geometry=SYLVANIA)


@pytest.fixture
def flock():
    return VendorFactory(name="Flock Safety", slug="flock-safety")


def spread(point: Point, number: int) -> Point:
    """Cameras a hundred metres apart or more, around `point`."""
    return Point(point.x + number * 0.002, point.y, srid=4326)


# ---------------------------------------------------------------- duplicate


class TestDuplicate:
    def test_a_near_duplicate_says_how_far_and_how_many(self):
        existing = CameraFactory(location=HERE, kind="camera")
        warning = the("duplicate", submit(location=FIVE_METRES_NORTH))
        assert warning["reason"] == f"Camera #{existing.pk} of the same kind is within 10.0 m."
        assert warning["evidence"] == (
            "It is 5.0 m away, reported (unverified); 1 public camera of the same kind facing "
            "the same way lies within 10.0 m."
        )

    def test_an_exact_duplicate_is_at_the_very_same_place(self):
        existing = CameraFactory(location=HERE, kind="camera")
        warning = the("duplicate", submit(location=HALF_A_METRE_NORTH))
        assert (
            warning["reason"]
            == f"Camera #{existing.pk} of the same kind is at the very same place."
        )

    def test_cameras_facing_apart_on_one_pole_are_not_duplicates(self):
        CameraFactory(location=HERE, kind="camera", directions=[0])
        assert codes(submit(location=FIVE_METRES_NORTH, directions=[180])) == []
        assert codes(submit(location=FIVE_METRES_NORTH, directions=[350])) == ["duplicate"]
        assert codes(submit(location=HALF_A_METRE_NORTH, directions=[180])) == ["duplicate"]

    def test_beyond_the_threshold_or_of_another_kind_is_none(self, settings):
        settings.SUBMISSION_DUPLICATE_METRES = 4
        CameraFactory(location=HERE, kind="camera")
        CameraFactory(location=HERE, kind="ALPR")
        assert codes(submit(location=FIVE_METRES_NORTH)) == []


# ------------------------------------------------------- vendor and country


class TestVendorRare:
    def test_the_second_fake_is_warned_as_the_first_was(self, countries, flock):
        first = submit(vendor=flock, kind="ALPR", location=IN_FREEDONIA)
        second = submit(vendor=flock, kind="ALPR", location=spread(IN_FREEDONIA, 1))
        assert "vendor_rare" in codes(first)
        warning = the("vendor_rare", second)
        assert warning["reason"] == (
            "No verified or imported camera of Flock Safety is recorded in Freedonia."
        )
        assert warning["evidence"] == (
            "0 verified or imported cameras of it there (fewer than 3 count as rare); "
            "1 unverified report, which does not count. Its reference countries: "
            "United States."
        )

    def test_verified_and_imported_cameras_vouch_for_the_vendor(self, countries, flock):
        CameraFactory(vendor=flock, location=spread(IN_FREEDONIA, 1), status="verified")
        for number in (2, 3):
            CameraFactory(
                vendor=flock, location=spread(IN_FREEDONIA, number), dataset=DatasetFactory()
            )
        assert "vendor_rare" not in codes(submit(vendor=flock, location=IN_FREEDONIA))

    def test_a_few_trusted_cameras_still_make_it_rare(self, countries, flock):
        CameraFactory(vendor=flock, location=spread(IN_FREEDONIA, 1), status="verified")
        warning = the("vendor_rare", submit(vendor=flock, location=IN_FREEDONIA))
        assert warning["reason"] == "Flock Safety is rarely seen in Freedonia."

    def test_an_untrusted_dataset_does_not_vouch(self, countries, flock, settings):
        settings.SUBMISSION_TRUSTED_DATASETS = ["osm"]
        settings.SUBMISSION_VENDOR_RARE_COUNT = 1
        CameraFactory(
            vendor=flock, location=spread(IN_FREEDONIA, 1), dataset=DatasetFactory(name="x")
        )
        assert "vendor_rare" in codes(submit(vendor=flock, location=IN_FREEDONIA))
        CameraFactory(
            vendor=flock, location=spread(IN_FREEDONIA, 2), dataset=DatasetFactory(name="osm")
        )
        assert "vendor_rare" not in codes(submit(vendor=flock, location=IN_FREEDONIA))

    def test_a_reference_country_is_not_warned(self, countries, flock):
        assert "vendor_rare" not in codes(submit(vendor=flock, kind="ALPR", location=IN_SYLVANIA))

    def test_a_vendor_without_reference_says_so(self, countries):
        vendor = VendorFactory(name="Acme Optics")
        warning = the("vendor_rare", submit(vendor=vendor, location=IN_FREEDONIA))
        assert warning["evidence"].endswith("Sightline has no reference countries for it.")

    def test_a_worldwide_vendor_is_not_warned(self, countries):
        axis = VendorFactory(name="Axis Communications")
        assert codes(submit(vendor=axis, location=IN_FREEDONIA)) == []


class TestVendorKind:
    def test_a_gunshot_detector_from_a_cctv_maker_is_warned(self):
        axis = VendorFactory(name="Axis Communications")
        warning = the("vendor_kind", submit(vendor=axis, kind="gunshot_detector"))
        assert warning["reason"] == (
            "Axis Communications is not known to make a gunshot detector."
        )
        assert warning["evidence"] == (
            "It makes: camera (CCTV), licence-plate reader (ALPR), radar (reference data); "
            "no verified or imported camera of it is a gunshot detector."
        )

    def test_a_kind_it_makes_or_a_vendor_without_reference_is_not(self):
        axis = VendorFactory(name="Axis Communications")
        assert codes(submit(vendor=axis, kind="camera")) == []
        assert codes(submit(vendor=VendorFactory(), kind="gunshot_detector")) == []

    def test_a_trusted_camera_of_that_kind_outweighs_the_reference(self):
        axis = VendorFactory(name="Axis Communications")
        CameraFactory(vendor=axis, kind="microphone", status="verified", location=spread(HERE, 3))
        assert codes(submit(vendor=axis, kind="microphone")) == []


# -------------------------------------------------------------------- burst


class TestBurst:
    def test_many_reports_under_one_receipt(self):
        receipt, _token = receipt_issue()
        sent = [submit(receipt=receipt, location=spread(HERE, n * 20)) for n in range(5)]
        assert [codes(s) for s in sent] == [[], [], [], [], ["burst"]]
        warning = the("burst", sent[-1])
        assert warning["reason"] == "Submission 5 in a burst of reports."
        assert warning["evidence"] == "5 reports under one receipt or account within 10 minutes."

    def test_new_sessions_and_receipts_do_not_escape_a_burst_in_one_area(self, settings):
        settings.SUBMISSION_AREA_BURST_COUNT = 4
        sent = [
            submit(
                receipt=receipt_issue()[0],
                session_marker=f"session-{n}",
                location=spread(HERE, n),
            )
            for n in range(4)
        ]
        assert [codes(s) for s in sent] == [[], [], [], ["burst"]]
        assert the("burst", sent[-1])["evidence"] == (
            "4 reports from anyone within 2.0 km of each other within 60 minutes."
        )
        far_away = submit(receipt=receipt_issue()[0], location=Point(2.35, 48.85, srid=4326))
        assert codes(far_away) == []

    def test_a_burst_from_one_session_is_still_caught(self):
        sent = [
            submit(session_marker="abc", kind=kind, location=spread(HERE, n * 20))
            for n, kind in enumerate(("camera", "ALPR", "guard", "radar", "microphone"))
        ]
        assert codes(sent[-1]) == ["burst"]
        assert "one browser session" in the("burst", sent[-1])["evidence"]

    def test_the_words_never_name_the_contributor(self, django_user_model):
        user = django_user_model.objects.create_user(username="alice", password="a-long-pass-42")
        sent = [submit(user=user, location=spread(HERE, n * 20)) for n in range(5)]
        assert "alice" not in str(sent[-1].warnings)
        scopes = sent[-1].warnings[0]["params"]["scopes"]
        assert scopes == [{"scope": "sender", "count": 5, "seconds": 600}]


# ---------------------------------------------------------------- open water


class TestOutsideCountries:
    def test_a_position_at_sea_is_warned_with_the_nearest_country(self, countries):
        warning = the("outside_countries", submit(location=AT_SEA))
        assert warning["reason"] == (
            "The position is outside every country's boundary: perhaps open water."
        )
        assert warning["evidence"].startswith("The nearest country is Freedonia, 8.3 km away.")
        assert "no water data" in warning["evidence"]

    def test_inside_a_country_or_without_countries_loaded_is_not(self, countries):
        assert "outside_countries" not in codes(submit(location=IN_FREEDONIA))

    def test_without_countries_nothing_is_said(self):
        assert codes(submit(location=AT_SEA)) == []


# -------------------------------------------------------------------- photos


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_photo(position) -> FakeStoredPhoto:
    names = [default_storage.save(f"photos/p{n}.jpg", ContentFile(b"x")) for n in (1, 2)]
    return FakeStoredPhoto(*names, position=position)


class TestPhotoFar:
    def test_a_photo_taken_far_away_is_warned_and_its_position_not_kept(self, media):
        near = stored_photo((41.8801, -87.6300))
        far = stored_photo((41.9250, -87.6300))  # 5 km north
        submission = submit(photos=[near, far, stored_photo(None)])
        warning = the("photo_far", submission)
        assert warning["reason"] == "Photo 2 was taken 5.0 km from the reported position."
        assert "photo 2: 5.0 km" in warning["evidence"]
        assert "41.925" not in str(submission.warnings)

    def test_photos_taken_nearby_are_not(self, media):
        assert codes(submit(photos=[stored_photo((41.8810, -87.6300))])) == []


def test_ground_distance_is_metres_on_the_earth():
    assert ground_metres((41.88, -87.63), (41.93, -87.63)) == pytest.approx(5_560, rel=0.002)


def test_the_words_follow_the_readers_language(countries, flock):
    warning = submit(vendor=flock, location=IN_FREEDONIA).warnings[0]
    with translation.override("es"):
        spanish = describe(warning)
    assert spanish["reason"] != warning["message"]
    assert "Flock Safety" in spanish["reason"]


def test_an_older_warning_keeps_its_message():
    old = {"code": "vendor_rare", "message": "No other camera of X is recorded in Y."}
    assert describe(old)["reason"] == "No other camera of X is recorded in Y."


# ------------------------------------------------------------ the queue page


@pytest.fixture
def mod_client(django_user_model):
    user = django_user_model.objects.create_user(username="mod", password="a-long-pass-41")
    user.user_permissions.add(Permission.objects.get(codename="moderate"))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def queue_items(countries, flock):
    """Oldest first: no warning; a duplicate; a rare vendor and a duplicate."""
    plain = submit(location=spread(IN_SYLVANIA, 10))
    CameraFactory(location=HERE, kind="camera")
    duplicate = submit(location=FIVE_METRES_NORTH)
    CameraFactory(location=IN_FREEDONIA, kind="ALPR")
    both = submit(vendor=flock, kind="ALPR", location=IN_FREEDONIA)
    return plain, duplicate, both


def row_ids(response) -> list[int]:
    return [int(row["url"].rstrip("/").rsplit("/", 1)[1]) for row in response.context["rows"]]


class TestQueue:
    def test_it_shows_each_warning_with_its_reason_and_evidence(self, mod_client, queue_items):
        response = mod_client.get("/moderation/")
        assertContains(response, "Vendor rare in the country:")
        assertContains(response, "0 verified or imported cameras of it there")
        assertContains(response, 'value="vendor_rare"')

    def test_it_filters_by_a_kind_of_warning(self, mod_client, queue_items):
        plain, duplicate, both = queue_items
        assert row_ids(mod_client.get("/moderation/", {"warning": "duplicate"})) == [
            duplicate.pk,
            both.pk,
        ]
        assert row_ids(mod_client.get("/moderation/", {"warning": "vendor_rare"})) == [both.pk]
        assert row_ids(mod_client.get("/moderation/", {"warning": "none"})) == [plain.pk]
        assert row_ids(mod_client.get("/moderation/", {"warning": "any"})) == [
            duplicate.pk,
            both.pk,
        ]

    def test_it_sorts_by_the_number_of_warnings(self, mod_client, queue_items):
        plain, duplicate, both = queue_items
        response = mod_client.get("/moderation/", {"sort": "warnings"})
        assert row_ids(response) == [both.pk, duplicate.pk, plain.pk]
        newest = mod_client.get("/moderation/", {"sort": "newest"})
        assert row_ids(newest) == [both.pk, duplicate.pk, plain.pk]

    def test_the_counts_are_offered_and_an_unknown_value_ignored(self, mod_client, queue_items):
        response = mod_client.get("/moderation/", {"warning": "spaceship", "sort": "up"})
        assert response.status_code == 200
        assert len(response.context["rows"]) == 3
        assert [item.parameter for item in response.context["ignored"]] == ["warning", "sort"]
        counts = {c["value"]: c["count"] for c in response.context["filtering"]["warning_choices"]}
        assert (counts["duplicate"], counts["vendor_rare"], counts["burst"]) == (2, 1, 0)

    def test_the_pages_keep_the_filter(self, mod_client, countries):
        for number in range(26):
            submit(location=spread(IN_FREEDONIA, number * 5), kind="camera")
        response = mod_client.get("/moderation/", {"warning": "none", "sort": "newest"})
        assert "warning=none" in response.context["pagination"]["next_url"]
        assert "sort=newest" in response.context["pagination"]["next_url"]


def test_the_item_page_shows_reason_and_evidence(mod_client, countries):
    submission = submit(location=AT_SEA)
    response = mod_client.get(f"/moderation/submissions/{submission.pk}/")
    assertContains(response, "Outside every country:")
    assertContains(response, "The nearest country is Freedonia")


def test_no_photo_metadata_is_stored_besides_the_distance(media):
    submission = submit(photos=[stored_photo((42.5, -87.63))])
    assert Evidence.objects.filter(camera=submission.camera).count() == 1
    params = submission.warnings[0]["params"]
    assert set(params) == {"photos", "metres"} and params["photos"][0][0] == 1
    assert "42.5" not in str(submission.warnings)
