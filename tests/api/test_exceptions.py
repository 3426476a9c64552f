"""The API's one error path: a service's ValidationError becomes a 400 (a
version conflict or an item already decided a 409, an idempotency key
reused a 422) with a machine-readable body, never a 500."""

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from api.exceptions import exception_handler
from registry.services.cameras import VersionConflict, camera_create, camera_update


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


@pytest.mark.django_db
def test_a_version_conflict_is_a_409_with_the_current_version_and_what_changed(
    django_user_model,
):
    editor = django_user_model.objects.create_user(username="editor", password="x" * 20)
    camera = camera_create(location=Point(-87.63, 41.88, srid=4326), actor=None, kind="camera")
    camera = camera_update(camera=camera, actor=editor, reason="measured", height=4.5)

    response = handle(VersionConflict(camera, expected=1))

    assert response.status_code == 409
    assert response.data["current_version"] == 2
    assert "(version 1, now 2)" in response.data["detail"]
    (change,) = response.data["changes_since"]
    assert (change["version"], change["by"], change["fields"]) == (2, "editor", ["height"])


def test_an_item_already_decided_is_a_409():
    error = ValidationError(
        {"state": ValidationError("This was already approved by M at T.", code="already_decided")}
    )

    response = handle(error)

    assert response.status_code == 409
    assert response.data == {"state": ["This was already approved by M at T."]}


def test_an_idempotency_key_sent_again_with_another_request_is_a_422():
    error = ValidationError(
        {"idempotency_key": ValidationError("used for another", code="idempotency_key_reused")}
    )

    assert handle(error).status_code == 422
