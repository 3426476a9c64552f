"""Webhooks: signed JSON POSTed to a real receiver on 127.0.0.1 that checks
the signature; a failing receiver gets retries with growing delays from a
real worker (`manage.py db_worker`), each logged; SSRF and https checks."""

import json
import os
import subprocess
import sys
import time
from io import StringIO
from itertools import pairwise
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from registry.filters import MapFilters
from registry.models import DeliveryState, WebhookAttempt, WebhookDelivery
from registry.services.watches import Where, watch_create
from registry.services.webhooks import check_url, sign, webhook_create
from tests.registry.test_stalled_tasks import database_url
from tests.servers import stop_process, wait_until
from tests.watches.helpers import add, history, inside, outside, settled, town
from tests.watches.receiver import Receiver, verify

ROOT = Path(__file__).parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())


def hook_for(url: str, **filters):
    watch = watch_create(where=Where(area=town()), filters=MapFilters(**filters))
    return webhook_create(watch=watch, name="Civic lab", url=url)


def test_a_signed_payload_reaches_the_receiver():
    with Receiver() as receiver:
        hook = hook_for(receiver.url)
        receiver.secret = hook.secret
        camera = history(inside())
        add(outside())
        settled()
        call_command("watches", stdout=StringIO())
        run_worker()
        assert wait_until(lambda: receiver.received, seconds=5)
    (got,) = receiver.received
    assert got["valid"]
    events = got["payload"]["events"]
    assert [event["event"] for event in events] == ["added", "changed", "verified", "removed"]
    assert {event["camera"] for event in events} == {camera.pk}
    assert events[0]["url"] == f"https://sightline.example.org/cameras/{camera.pk}/"
    assert events[0]["id"].endswith(f":camera/{camera.pk}/version/1")
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.DELIVERED
    assert list(delivery.attempt_log.values_list("number", "status_code")) == [(1, 200)]
    # Told once: the next round has nothing new.
    settled()
    call_command("watches", stdout=StringIO())
    assert WebhookDelivery.objects.count() == 1


def test_a_wrong_secret_is_refused_by_the_receiver_and_logged():
    with Receiver(secret="not the hook's") as receiver:
        hook_for(receiver.url)
        add(inside())
        settled()
        call_command("watches", stdout=StringIO())
        run_worker()
    assert receiver.received and not receiver.received[0]["valid"]
    assert WebhookAttempt.objects.get().status_code == 401


def test_verification_refuses_old_timestamps_and_other_bodies():
    body = b'{"events":[]}'
    now = time.time()
    header = sign("secret", int(now), body)
    assert verify("secret", header, body, now=now)
    assert not verify("secret", header, body + b" ", now=now)
    assert not verify("secret", header, body, now=now + 301)
    assert not verify("other", header, body, now=now)


def test_a_failing_receiver_gets_retries_with_growing_delays(tmp_path):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "TASKS_BACKEND": "database",
        "WEBHOOK_RETRY_SECONDS": "0.4",
        "WEBHOOK_MAX_ATTEMPTS": "4",
    }
    with Receiver(status=500) as receiver:
        receiver.secret = hook_for(receiver.url).secret
        add(inside())
        settled()
        call_command("watches", stdout=StringIO())
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay",
             "--interval", "0.05"],
            cwd=ROOT, env=environment, stdout=(tmp_path / "worker.log").open("wb"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            done = wait_until(
                lambda: WebhookDelivery.objects.filter(state=DeliveryState.FAILED).exists(),
                seconds=30,
                interval=0.2,
            )
        finally:
            stop_process(worker)
    assert done, (tmp_path / "worker.log").read_text()
    attempts = list(WebhookAttempt.objects.order_by("number"))
    assert [attempt.number for attempt in attempts] == [1, 2, 3, 4]
    assert all(attempt.status_code == 500 for attempt in attempts)
    gaps = [(later.at - earlier.at).total_seconds() for earlier, later in pairwise(attempts)]
    # 0.4 s, 0.8 s, 1.6 s, each plus the worker's polling
    for gap, wait in zip(gaps, (0.4, 0.8, 1.6), strict=True):
        assert gap >= wait
    assert gaps[0] < gaps[1] < gaps[2]
    assert len(receiver.received) == 4


def test_payload_lists_filtered_events_only():
    with Receiver() as receiver:
        hook = hook_for(receiver.url, kinds=("ALPR",))
        receiver.secret = hook.secret
        add(inside(), kind="camera")
        alpr = add(inside(1), kind="ALPR")
        settled()
        call_command("watches", stdout=StringIO())
        run_worker()
    events = receiver.received[0]["payload"]["events"]
    assert [event["camera"] for event in events] == [alpr.pk]
    assert json.dumps(events)  # plain JSON


@pytest.mark.parametrize(
    ("url", "allow_http", "allow_private"),
    [
        ("http://example.org/hook", False, True),
        ("https://127.0.0.1/hook", True, False),
        ("https://localhost/hook", True, False),
        ("https://10.1.2.3/hook", True, False),
        ("https://[::1]/hook", True, False),
        ("https://169.254.169.254/latest", True, False),
        ("ftp://example.org/hook", True, True),
    ],
)
def test_unsafe_addresses_are_refused(settings, url, allow_http, allow_private):
    settings.WEBHOOK_ALLOW_HTTP = allow_http
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = allow_private
    with pytest.raises(ValidationError) as refused:
        check_url(url)
    assert "url" in refused.value.message_dict


def test_staff_add_a_hook_in_the_admin(admin_client):
    area = town()
    with Receiver() as receiver:
        response = admin_client.post(
            "/admin/registry/webhook/add/",
            {"name": "Newsroom", "url": receiver.url, "area": area.pk, "kinds": ["ALPR"]},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    from registry.models import Webhook

    hook = Webhook.objects.get()
    assert hook.watch.area == area and hook.watch.kinds == ["ALPR"]
    assert len(hook.secret) == 64
    page = admin_client.get(f"/admin/registry/webhook/{hook.pk}/change/").content.decode()
    assert hook.secret in page
    assert "hook__id__exact" in page


def test_a_change_waits_for_an_older_transaction_still_writing():
    """An import running across a round commits its revisions after later,
    shorter changes: none of them may be skipped."""
    import psycopg
    from django.db import connection

    from registry.services.watches import watch_events_after

    watch = watch_create(where=Where(area=town()), filters=MapFilters())
    config = connection.settings_dict
    with psycopg.connect(
        dbname=config["NAME"], user=config["USER"], host=config["HOST"] or None,
        port=config["PORT"] or None, password=config["PASSWORD"] or None,
    ) as importer:  # fmt: skip
        importer.execute("SELECT txid_current()")  # a transaction that has written
        time.sleep(0.6)
        add(inside())
        time.sleep(0.6)
        assert watch_events_after(watch, 0, limit=10) == []
        importer.rollback()
    time.sleep(0.6)
    assert len(watch_events_after(watch, 0, limit=10)) == 1
