"""Atom feeds of an area, of the camera list's filters and of a watch: what
happened, in words, valid Atom read back with feedparser."""

import feedparser
import pytest
from django.urls import reverse

from registry.filters import MapFilters
from registry.services import camera_hide
from registry.services.watches import Where, watch_create
from tests.watches.helpers import add, history, inside, outside, town

pytestmark = pytest.mark.django_db


def read(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    return feed


def test_an_areas_feed_tells_what_happened_there_newest_first(client):
    area = town()
    camera = history(inside())
    add(outside())
    feed = read(client, reverse("registry:area-feed", args=[area.slug]))
    titles = [entry.title for entry in feed.entries]
    assert titles == [
        f"Camera removed: #{camera.pk}",
        f"Camera verified: #{camera.pk}",
        f"Camera changed: #{camera.pk}",
        f"Camera added: #{camera.pk}",
    ]
    changed = feed.entries[2]
    assert "Kind: camera (CCTV) → licence-plate reader (ALPR)" in changed.summary
    assert changed.link == f"http://testserver/cameras/{camera.pk}/"
    ids = [entry.id for entry in feed.entries]
    assert len(set(ids)) == 4
    assert all(entry_id.startswith("tag:testserver,") for entry_id in ids)
    assert ids[-1].endswith(f":camera/{camera.pk}/version/1")


def test_the_feed_has_what_the_validator_asks_for(client):
    area = town()
    history(inside())
    url = reverse("registry:area-feed", args=[area.slug])
    feed = read(client, url)
    assert feed.version == "atom10"
    assert feed.feed.title == "Sightline: cameras in Watched Town"
    assert feed.feed.id
    assert feed.feed.updated
    assert feed.feed.author == "Sightline"
    assert feed.feed.subtitle == "Cameras added, removed, verified and changed, newest first."
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["self"] == f"http://testserver{url}"
    assert links["alternate"] == f"http://testserver/areas/{area.slug}/"
    for entry in feed.entries:
        assert entry.updated and entry.id and entry.link


def test_the_same_event_keeps_its_id(client):
    area = town()
    history(inside())
    url = reverse("registry:area-feed", args=[area.slug])
    first = [entry.id for entry in read(client, url).entries]
    add(inside(1))
    second = [entry.id for entry in read(client, url).entries]
    assert second[1:] == first


def test_a_hidden_camera_drops_out_without_a_word(client):
    area = town()
    camera = add(inside())
    camera_hide(camera=camera, actor=None, reason="private address")
    feed = read(client, reverse("registry:area-feed", args=[area.slug]))
    assert feed.entries == []


def test_the_camera_feed_takes_the_lists_filters(client):
    area = town()
    add(inside(), kind="ALPR")
    add(inside(1), kind="camera")
    url = reverse("registry:camera-feed") + f"?area={area.slug}&kind=ALPR"
    feed = read(client, url)
    assert len(feed.entries) == 1
    assert "ALPR" in feed.entries[0].summary
    alternate = {link.rel: link.href for link in feed.feed.links}["alternate"]
    assert alternate.endswith(f"/cameras/?kind=ALPR&area={area.slug}")


@pytest.mark.parametrize(
    ("query", "field"),
    [("kind=tank", "kind"), ("area=nowhere", "area"), ("bbox=1,2,3", "bbox")],
)
def test_a_bad_filter_is_a_400_naming_it(client, query, field):
    response = client.get(reverse("registry:camera-feed") + "?" + query)
    assert response.status_code == 400
    assert response.content.decode().startswith(f"{field}:")


def test_the_feed_is_bounded(client, settings):
    settings.WATCH_FEED_ENTRIES = 3
    area = town()
    for n in range(5):
        add(inside(n))
    feed = read(client, reverse("registry:area-feed", args=[area.slug]))
    assert len(feed.entries) == 3


def test_a_watch_has_its_own_feed_of_its_events(client):
    area = town()
    camera = history(inside())
    watch = watch_create(
        where=Where(area=area), filters=MapFilters(kinds=("ALPR",)), events=("removed",)
    )
    feed = read(client, reverse("registry:watch-feed", args=[watch.key]))
    assert [entry.title for entry in feed.entries] == [f"Camera removed: #{camera.pk}"]


def test_a_route_corridor_watches_only_near_the_route(client):
    from django.contrib.gis.geos import LineString

    route = LineString((-87.699, 41.88), (-87.690, 41.88), srid=4326)
    watch = watch_create(where=Where(route=route, width_m=100), filters=MapFilters())
    add(inside())  # on the route
    add(inside(1).__class__(-87.695, 41.8806, srid=4326))  # about 67 m north: outside
    feed = read(client, reverse("registry:watch-feed", args=[watch.key]))
    assert len(feed.entries) == 1


def test_the_area_page_and_the_list_link_to_their_feeds(client):
    area = town()
    page = client.get(reverse("registry:area", args=[area.slug])).content.decode()
    feed_url = reverse("registry:area-feed", args=[area.slug])
    assert f'<link rel="alternate" type="application/atom+xml" href="{feed_url}"' in page
    assert f'<a href="{feed_url}"' in page
    listing = client.get(reverse("registry:cameras") + "?kind=ALPR").content.decode()
    assert 'type="application/atom+xml" href="/feeds/cameras.atom?kind=ALPR"' in listing
    assert '<a href="/watch/?kind=ALPR">' in listing
