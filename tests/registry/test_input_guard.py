"""Hostile text at every entry point: a NUL or another control character, a
lone surrogate, bytes that are not UTF-8, an over-long parameter. Each is a
400 naming the input (JSON under /api/, a page elsewhere), never a 500, and
nothing is written."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client

from registry.models import Camera, Changeset, EditSuggestion, Submission
from registry.text_input import text_problem
from tests.factories import CameraFactory
from tests.pow import fetch_and_solve

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


def written() -> tuple[int, int, int, int]:
    return (
        Camera.objects.count(),
        Changeset.objects.count(),
        Submission.objects.count(),
        EditSuggestion.objects.count(),
    )


@pytest.mark.parametrize(
    "path, name",
    [
        ("/?vendor=flock%00safety", "vendor"),
        ("/cameras/?operator=%00", "operator"),
        ("/cameras/?q=abc%01def", "q"),
        ("/tiles/cameras/3/2/3.mvt?vendor=a%00b", "vendor"),
        ("/api/v1/cameras/?vendor=%00", "vendor"),
        ("/api/v1/stats/?kind=ALPR%1b", "kind"),
        ("/api/v1/cameras/?bbox=%ff%fe", "bbox"),
        ("/cameras/?%00=1", "\\x00"),
        ("/exposure/?area=%ed%a0%80", "area"),
        ("/api/v1/areas/?q=" + "a" * 2001, "q"),
    ],
)
def test_bad_query_parameters_are_a_400_naming_them(client, path, name):
    response = client.get(path)

    assert response.status_code == 400
    if path.startswith("/api/"):
        assert list(response.json()) == [name]
    else:
        assert f"{name}: " in response.text


def test_the_message_says_what_is_wrong(client):
    assert client.get("/api/v1/cameras/?vendor=a%00").json() == {
        "vendor": ["Contains the control character U+0000, which no text in Sightline may hold."]
    }
    assert client.get("/api/v1/cameras/?vendor=%ff").json() == {"vendor": ["Is not UTF-8 text."]}


@pytest.mark.parametrize(
    "field, value",
    [
        ("note", "on the pole\x00"),
        ("vendor", "Flock\x07"),
        ("operator", "\x1b[31mpolice"),
    ],
)
def test_a_form_field_with_a_control_character_is_a_400_and_stores_nothing(client, field, value):
    before = written()
    body = {"latitude": "41.88", "longitude": "-87.63", "kind": "ALPR", field: value}

    response = client.post("/submit/", body)

    assert response.status_code == 400
    assert f"{field}: contains the control character" in response.text
    assert written() == before


def test_lines_in_a_note_are_text_not_control_characters(client):
    body = {"latitude": "41.88", "longitude": "-87.63", "kind": "ALPR", "note": "one\r\ntwo\t3"}

    response = client.post("/submit/", body)

    assert response.status_code == 303
    assert Submission.objects.get().note == "one\r\ntwo\t3"


def test_a_form_body_that_is_not_utf8_is_a_400(client):
    before = written()
    response = client.post(
        "/submit/",
        b"latitude=41.88&longitude=-87.63&kind=ALPR&note=caf%E9",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert "note: is not UTF-8 text" in response.text
    assert written() == before


@pytest.mark.parametrize(
    "changes, name",
    [
        ({"product": "XR\u0000"}, "changes.product"),
        ({"prod\u0001uct": "XR"}, "changes.prod\\x01uct"),
        ({"product": "\ud800"}, "changes.product"),
    ],
)
def test_a_json_string_or_key_with_bad_text_is_a_400_naming_where_it_is(changes, name):
    client = Client()
    camera = CameraFactory()
    before = written()
    body = {"changes": changes, "altcha": fetch_and_solve(client)}

    response = client.post(
        f"/api/v1/cameras/{camera.pk}/edit-suggestions/",
        json.dumps(body),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert list(response.json()) == [name]
    assert written() == before


@pytest.mark.parametrize(
    "value, lines, expected",
    [
        ("plain", False, None),
        ("a\nb", True, None),
        ("a\nb", False, "contains the control character U+000A"),
        ("a\x7f", True, "contains the control character U+007F"),
        ("\udcff", False, "is not valid Unicode text"),
        ("x" * 11, False, "is 11 characters long; the limit is 10"),
    ],
)
def test_text_problems(value, lines, expected):
    problem = text_problem(value, max_length=10, lines=lines)

    if expected is None:
        assert problem is None
    else:
        assert problem.startswith(expected)


# --------------------------------------- values of the wrong type or none


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"height": "abc"}, "height"),
        ({"height": [1]}, "height"),
        ({"tilt": {"a": 1}}, "tilt"),
        ({"directions": "north"}, "directions"),
        ({"directions": [1, "x"]}, "directions"),
        ({"directions": [400]}, "directions"),
        ({"location": 5}, "location"),
        ({"location": [1]}, "location"),
        ({"location": ["a", "b"]}, "location"),
        ({"vendor": "flock"}, "vendor"),
        ({"vendor": True}, "vendor"),
        ({"operator": 99999}, "operator"),
        ({"first_seen": 20240101}, "first_seen"),
        ({"first_seen": "yesterday"}, "first_seen"),
        ({"location": None}, "location"),
        ({"kind": "spaceship"}, "kind"),
        ({"camera_type": ["dome"]}, "camera_type"),
    ],
)
def test_a_suggested_value_of_the_wrong_type_is_a_400_naming_the_field(changes, field):
    client = Client()
    camera = CameraFactory()
    before = written()
    body = {"changes": changes, "altcha": fetch_and_solve(client)}

    response = client.post(
        f"/api/v1/cameras/{camera.pk}/edit-suggestions/",
        json.dumps(body),
        content_type="application/json",
    )

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert written() == before


def test_a_stored_suggestion_with_a_value_of_the_wrong_type_is_refused_not_a_500(
    django_user_model,
):
    moderator = django_user_model.objects.create_superuser(username="mod", password="x" * 20)
    camera = CameraFactory()
    suggestion = EditSuggestion.objects.create(
        camera=camera, base_version=1, changes={"vendor": [None, "flock"], "height": [None, 3]}
    )
    client = Client()
    client.force_login(moderator)

    response = client.post(
        f"/moderation/edit-suggestions/{suggestion.pk}/", {"action": "apply", "seen_version": 1}
    )

    assert response.status_code == 400
    assert "Give the vendor&#x27;s number." in response.text
    suggestion.refresh_from_db()
    assert suggestion.state == "open"


def test_clearing_a_field_that_may_be_empty_is_suggested_and_applied(django_user_model):
    moderator = django_user_model.objects.create_superuser(username="mod", password="x" * 20)
    camera = CameraFactory(kind="ALPR", directions=[90.0])
    client = Client()
    body = {"changes": {"kind": "", "directions": []}, "altcha": fetch_and_solve(client)}
    response = client.post(
        f"/api/v1/cameras/{camera.pk}/edit-suggestions/",
        json.dumps(body),
        content_type="application/json",
    )
    assert response.json()["changes"] == {"kind": ["ALPR", ""], "directions": [[90.0], []]}
    client.force_login(moderator)

    applied = client.post(
        f"/moderation/edit-suggestions/{response.json()['edit_suggestion']}/",
        {"action": "apply", "seen_version": camera.version},
    )

    assert applied.status_code == 302
    camera.refresh_from_db()
    assert (camera.kind, camera.directions) == ("", [])


def test_a_stored_suggestion_of_null_for_a_field_that_may_be_empty_applies_as_empty(
    django_user_model,
):
    moderator = django_user_model.objects.create_superuser(username="mod", password="x" * 20)
    camera = CameraFactory(kind="ALPR")
    suggestion = EditSuggestion.objects.create(
        camera=camera, base_version=1, changes={"kind": ["ALPR", None]}
    )
    client = Client()
    client.force_login(moderator)

    applied = client.post(
        f"/moderation/edit-suggestions/{suggestion.pk}/", {"action": "apply", "seen_version": 1}
    )

    assert applied.status_code == 302
    camera.refresh_from_db()
    assert camera.kind == ""
