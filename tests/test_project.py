"""Project-wide wiring."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_the_home_page_leads_to_the_registry(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
