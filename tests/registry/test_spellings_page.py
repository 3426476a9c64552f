"""The spellings page at the size of real data: a page of groups at a time,
searchable, and one shared list of records to map to when there are many."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from pytest_django.asserts import assertContains, assertNotContains

from registry.models import Camera, Vendor
from registry.services import camera_create
from tests.factories import VendorFactory

pytestmark = pytest.mark.django_db

PAGE = "/moderation/spellings/"


@pytest.fixture
def admin_client(client, moderator):
    client.force_login(moderator)
    return client


def unmatched_vendors(count: int) -> None:
    """`count` vendor spellings nobody would group, one camera each (groups
    of a size come in the order of their names)."""
    for number in range(count):
        camera_create(
            location=Point(number / 100, 0, srid=4326),
            actor=None,
            vendor_raw=f"Maker {number:03d} {'xyzw'[number % 4] * 3}{number * 7919}",
        )


def group_legends(response) -> list[str]:
    return [shown["group"].key for shown in response.context["roles"][0]["groups"]]


def test_groups_come_a_page_at_a_time_largest_first(admin_client):
    unmatched_vendors(55)
    camera_create(location=Point(5, 5, srid=4326), actor=None, vendor_raw="Maker 054 zzz427626")

    first = admin_client.get(PAGE)
    second = admin_client.get(PAGE, {"vendor_page": "2"})

    vendors = first.context["roles"][0]
    assert (vendors["group_count"], len(vendors["groups"])) == (55, 50)
    assert group_legends(first)[:2] == ["maker 054 zzz427626", "maker 000 xxx0"]
    assert [key[:9] for key in group_legends(second)] == [f"maker 0{n}" for n in range(49, 54)]
    assertContains(first, 'href="?vendor_page=2"')
    assertContains(second, 'id="vendor-51"')


def test_a_page_past_the_end_shows_the_last_with_a_notice(admin_client):
    unmatched_vendors(3)

    response = admin_client.get(PAGE, {"vendor_page": "9"})

    assert len(group_legends(response)) == 3
    assertContains(response, "past the last page")


def test_the_search_keeps_the_groups_holding_the_text(admin_client):
    unmatched_vendors(12)

    response = admin_client.get(PAGE, {"q": "MAKER 011"})

    assert [key[:9] for key in group_legends(response)] == ["maker 011"]
    assertContains(response, "1 holds “MAKER 011”.")


def test_many_records_are_offered_once_as_suggestions_and_mapped_by_name(admin_client):
    camera_create(location=Point(1, 1, srid=4326), actor=None, vendor_raw="Flok Safety")
    Vendor.objects.bulk_create(Vendor(name=f"Vendor {n}", slug=f"vendor-{n}") for n in range(160))
    flock = VendorFactory(name="Flock Safety")

    page = admin_client.get(PAGE)
    assertContains(page, '<datalist id="vendor-targets">', count=1)
    assertContains(page, 'list="vendor-targets"')
    assertNotContains(page, '<select name="target" id="vendor-1-target">')

    admin_client.post(
        PAGE, {"role": "vendor", "spellings": ["Flok Safety"], "target_name": "flock safety"}
    )

    assert Camera.objects.get().vendor == flock


def test_a_record_name_that_names_none_is_refused_naming_the_field(admin_client):
    camera = camera_create(location=Point(1, 1, srid=4326), actor=None, vendor_raw="Flok Safety")

    response = admin_client.post(
        PAGE, {"role": "vendor", "spellings": ["Flok Safety"], "target_name": "Nobody Inc"}
    )

    assert response.status_code == 400
    assert [str(line) for line in response.context["errors"]] == [
        "Existing vendor: no record is called “Nobody Inc”."
    ]
    assert Camera.objects.get(pk=camera.pk).vendor is None
