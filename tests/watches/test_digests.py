"""Email digests: double opt-in, digests sent by the worker through a real
SMTP server on 127.0.0.1, one-click unsubscribe (RFC 8058) that deletes the
address, rate limits, and unconfirmed subscriptions that expire."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from registry.models import Subscription, Watch
from registry.services.digests import digests_send, unsubscribe_token
from tests.servers import SmtpServer, wait_until
from tests.watches.helpers import add, inside, outside, settled, town

# The worker closes its connection after each task: the tests commit.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=server.port,
    ):
        yield server
    server.stop()


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())


def subscribe(client, area, **fields):
    data = {"area": area.slug, "email": "neighbour@example.org", "frequency": "immediate"}
    return client.post(reverse("registry:watch"), {**data, **fields})


def arrived(smtp, count: int) -> bool:
    return wait_until(lambda: len(smtp.messages) >= count, seconds=5)


def link_in(message, name: str) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(rf"https://sightline\.example\.org(/watch/{name}/[^/\s]+/)", body).group(1)


def test_subscribe_confirm_digest_and_one_click_unsubscribe(client, smtp):
    area = town()
    response = subscribe(client, area)
    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    subscription = Subscription.objects.get()
    assert subscription.confirmed_at is None
    assert smtp.messages == []  # the worker sends it

    run_worker()
    assert arrived(smtp, 1)
    confirmation = smtp.messages[0]
    assert confirmation["To"] == "neighbour@example.org"
    assert "Watched Town" in confirmation["Subject"]

    # Before confirming, news send nothing.
    add(inside())
    settled()
    call_command("watches", stdout=StringIO())
    assert len(smtp.messages) == 1

    assert client.get(link_in(confirmation, "confirm")).status_code == 200
    camera = add(inside(1), kind="ALPR")
    add(outside())
    settled()
    call_command("watches", stdout=StringIO())
    assert arrived(smtp, 2)
    digest = smtp.messages[1]
    body = digest.get_body(preferencelist=("plain",)).get_content()
    assert "Camera added" in body
    assert f"https://sightline.example.org/cameras/{camera.pk}/" in body
    assert body.count("Camera added") == 1  # not the one before confirming, not outside
    unsubscribe_url = f"https://sightline.example.org{link_in(digest, 'unsubscribe')}"
    assert digest["List-Unsubscribe"].strip() == f"<{unsubscribe_url}>"
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Nothing new: nothing sent.
    settled()
    call_command("watches", stdout=StringIO())
    assert not arrived(smtp, 3)

    # A mail client's one-click POST: no session, no CSRF token.
    mail_client = Client(enforce_csrf_checks=True)
    path = unsubscribe_url.removeprefix("https://sightline.example.org")
    response = mail_client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert not Subscription.objects.exists()
    assert not Watch.objects.exists()
    assert not Subscription.objects.filter(email="neighbour@example.org").exists()


def test_a_get_of_the_unsubscribe_link_only_asks(client):
    area = town()
    subscribe(client, area)
    subscription = Subscription.objects.get()
    path = reverse("registry:watch-unsubscribe", args=[unsubscribe_token(subscription)])
    response = client.get(path)
    assert response.status_code == 200
    assert Subscription.objects.exists()


def test_a_bad_or_tampered_link_does_nothing(client):
    area = town()
    subscribe(client, area)
    assert client.get("/watch/confirm/nonsense/").status_code == 404
    assert client.post("/watch/unsubscribe/nonsense/").status_code == 200
    assert Subscription.objects.get().confirmed_at is None


def test_unconfirmed_subscriptions_expire_with_their_address(client, settings):
    area = town()
    subscribe(client, area)
    digests_send(now=timezone.now() + timedelta(hours=settings.WATCH_CONFIRM_HOURS + 1))
    assert not Subscription.objects.exists()
    assert not Watch.objects.exists()


def test_a_daily_digest_waits_a_day(client, smtp):
    area = town()
    subscribe(client, area, frequency="daily")
    subscription = Subscription.objects.get()
    from registry.services.digests import confirm_token

    client.get(reverse("registry:watch-confirm", args=[confirm_token(subscription)]))
    add(inside())
    digests_send()
    assert smtp.messages == []
    settled()
    digests_send(now=timezone.now() + timedelta(days=1, minutes=1))
    assert arrived(smtp, 1)


@pytest.mark.parametrize(
    ("fields", "named"),
    [({"email": "not an address"}, "Email address"), ({"frequency": "hourly"}, "How often")],
)
def test_a_bad_field_is_a_400_naming_it(client, fields, named):
    response = subscribe(client, town(), **fields)
    assert response.status_code == 400
    assert named in response.content.decode()
    assert not Subscription.objects.exists()


def test_subscribing_is_rate_limited_per_address(client, settings):
    settings.WATCH_SUBSCRIBE_PER_ADDRESS = 2
    area = town()
    assert subscribe(client, area).status_code == 200
    assert subscribe(client, area).status_code == 200
    assert subscribe(client, area, email="NEIGHBOUR@example.org").status_code == 429
    assert subscribe(client, area, email="other@example.org").status_code == 200
    assert Subscription.objects.count() == 3


def test_a_drawn_polygon_too_big_is_refused_naming_it(client, settings):
    settings.WATCH_MAX_GEOJSON_BYTES = 50
    polygon = (
        '{"type":"Polygon","coordinates":[[[-87.7,41.87],[-87.69,41.87],'
        "[-87.69,41.88],[-87.7,41.87]]]}"
    )
    response = client.post(
        reverse("registry:watch"),
        {"email": "a@example.org", "frequency": "daily", "polygon": polygon},
    )
    assert response.status_code == 400
    assert "GeoJSON" in response.content.decode()


def test_the_area_page_offers_to_watch_it(client):
    area = town()
    page = client.get(reverse("registry:area", args=[area.slug])).content.decode()
    assert f'href="/watch/?area={area.slug}"' in page
    form = client.get(f"/watch/?area={area.slug}").content.decode()
    assert "Watch Watched Town" in form


def test_the_privacy_page_says_what_is_kept(client, settings):
    page = client.get(reverse("registry:privacy")).content.decode()
    assert 'id="watching-heading"' in page
    assert f"{settings.WATCH_CONFIRM_HOURS} hours" in page


def test_a_route_corridor_can_be_watched_by_email(client):
    route = '{"type":"LineString","coordinates":[[-87.699,41.88],[-87.690,41.88]]}'
    response = client.post(
        reverse("registry:watch"),
        {"email": "cyclist@example.org", "frequency": "weekly", "route": route, "width": "50"},
    )
    assert response.status_code == 200
    watch = Subscription.objects.get().watch
    assert watch.area is None and watch.route_width_m == 50
    assert watch.region.contains(inside()) and not watch.region.contains(outside())


def test_a_route_without_a_width_is_a_400_naming_it(client):
    route = '{"type":"LineString","coordinates":[[-87.699,41.88],[-87.690,41.88]]}'
    response = client.post(
        reverse("registry:watch"),
        {"email": "cyclist@example.org", "frequency": "weekly", "route": route},
    )
    assert response.status_code == 400
    assert "Give the corridor" in response.content.decode()
    assert not Subscription.objects.exists() and not Watch.objects.exists()
