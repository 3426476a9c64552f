"""Sign-in attempts are limited per client, so guessing passwords costs
time; the count lives in the cache under a keyed hash of the address."""

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture
def resident(django_user_model):
    cache.clear()
    return django_user_model.objects.create_user(username="resident", password="right-pass-123")


def attempt(client, password: str):
    return client.post(LOGIN, {"username": "resident", "password": password})


def test_after_the_limit_even_the_right_password_waits(client, resident, settings):
    settings.LOGIN_RATE = "3/hour"
    assert [attempt(client, "guess").status_code for _ in range(3)] == [200, 200, 200]
    refused = attempt(client, "right-pass-123")
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_limit_is_per_client(client, resident, settings):
    settings.LOGIN_RATE = "2/hour"
    for _ in range(2):
        attempt(client, "guess")
    other = client.__class__(REMOTE_ADDR="192.0.2.44")
    assert (
        other.post(LOGIN, {"username": "resident", "password": "right-pass-123"}).status_code
        == 302
    )
