"""Project-wide wiring."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_the_home_page_is_the_map(client):
    response = client.get("/")

    assert response.status_code == 200
    assert response.resolver_match.view_name == "registry:map"
    assert reverse("registry:map") == "/"
