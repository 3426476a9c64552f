"""The API's one error path: a service's ValidationError becomes a 400 (a
version conflict a 409) with a machine-readable body, never a 500."""

from django.core.exceptions import ValidationError
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from api.exceptions import exception_handler
from registry.models import Camera
from registry.services.cameras import VersionConflict


def handle(error):
    request = APIRequestFactory().get("/")
    return exception_handler(error, {"request": request, "view": APIView()})


def test_field_errors_become_a_400_keyed_by_field():
    response = handle(ValidationError({"directions": ["Ensure this value is at most 360."]}))

    assert response.status_code == 400
    assert response.data == {"directions": ["Ensure this value is at most 360."]}


def test_errors_without_a_field_are_non_field_errors():
    response = handle(ValidationError("Evidence needs a URL or a document."))

    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["Evidence needs a URL or a document."]}


def test_a_version_conflict_is_a_409():
    camera = Camera(pk=5, version=3)

    response = handle(VersionConflict(camera, expected=2))

    assert response.status_code == 409
    assert "version 3" in str(response.data[0])
