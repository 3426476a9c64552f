"""GET /api/v1/challenge/: a proof-of-work challenge that a client solves
from the documented protocol alone (tests/pow.py does it as a client would)."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from api.exceptions import exception_handler
from registry.proof_of_work import verify_solution
from tests.pow import CHALLENGE_URL, encode, fetch_and_solve, fetch_challenge, solve

pytestmark = pytest.mark.django_db


def test_a_client_solves_the_served_challenge(client):
    payload = fetch_and_solve(client)

    verify_solution(payload)


def test_every_request_gets_a_new_challenge(client):
    first, second = fetch_challenge(client), fetch_challenge(client)

    assert first["challenge"] != second["challenge"]
    assert first["salt"] != second["salt"]


def test_a_challenge_is_never_cached(client):
    response = client.get(CHALLENGE_URL)

    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"] == "application/json"


def test_a_challenge_is_open_to_any_origin(client):
    response = client.get(CHALLENGE_URL, HTTP_ORIGIN="https://council.example")

    assert response["Access-Control-Allow-Origin"] == "*"


def test_a_refused_solution_becomes_a_400_naming_altcha(client):
    challenge = fetch_challenge(client)
    wrong = encode(challenge, (solve(challenge) + 1) % (challenge["maxnumber"] + 1))

    with pytest.raises(ValidationError) as caught:
        verify_solution(wrong)
    response = exception_handler(caught.value, {})

    assert response.status_code == 400
    assert response.data == {
        "altcha": ["The proof of work's number does not solve its challenge."]
    }


def test_the_schema_documents_how_to_obtain_solve_and_send_it(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    schema = json.loads(response.content)
    operation = schema["paths"][CHALLENGE_URL]["get"]
    for step in (
        "**Obtain**",
        "**Solve**",
        "**Send**",
        "maxnumber",
        "sha256",
        "base64",
        "`altcha`",
    ):
        assert step in operation["description"]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Challenge"}
    assert set(schema["components"]["schemas"]["Challenge"]["properties"]) == {
        "algorithm",
        "challenge",
        "maxnumber",
        "salt",
        "signature",
    }
