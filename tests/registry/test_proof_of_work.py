"""The proof of work asked of anonymous writes: each way a solution can be
wrong gets its own message on the field `altcha`, and a solution works once."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import urllib.parse

import altcha
import pytest
from django.core.exceptions import ValidationError

from registry import proof_of_work
from registry.proof_of_work import new_challenge, verify_solution
from tests.pow import encode, solve


@pytest.fixture
def challenge() -> dict:
    return new_challenge()


@pytest.fixture
def solved(challenge) -> dict:
    return {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": solve(challenge),
        "salt": challenge["salt"],
        "signature": challenge["signature"],
    }


def as_payload(solution) -> str:
    return base64.b64encode(json.dumps(solution).encode()).decode()


def refusal(payload) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        verify_solution(payload)
    (error,) = caught.value.error_dict["altcha"]
    (message,) = error.messages
    return message, error.code


def expiry(challenge: dict) -> int:
    query = challenge["salt"].partition("?")[2]
    return int(urllib.parse.parse_qs(query)["expires"][0])


def test_a_solved_challenge_is_accepted(challenge):
    verify_solution(encode(challenge, solve(challenge)))


def test_a_challenge_has_the_altcha_fields_and_settings(settings, challenge):
    assert set(challenge) == {"algorithm", "challenge", "maxnumber", "salt", "signature"}
    assert challenge["algorithm"] == "SHA-256"
    assert challenge["maxnumber"] == settings.POW_MAX_NUMBER
    assert abs(expiry(challenge) - (time.time() + settings.POW_EXPIRES_SECONDS)) < 5
    assert challenge["salt"].endswith("&")


def test_solving_takes_well_under_a_second(challenge):
    started = time.perf_counter()
    solve(challenge)

    assert time.perf_counter() - started < 1


def test_the_reference_altcha_library_accepts_sightlines_challenges(challenge):
    solution = altcha.solve_challenge_v1(
        challenge["challenge"], challenge["salt"], "SHA-256", challenge["maxnumber"]
    )
    payload = encode(challenge, solution.number)

    assert altcha.verify_solution_v1(payload, proof_of_work.hmac_key()) == (True, None)
    verify_solution(payload)


def test_a_replayed_solution_is_refused(solved):
    verify_solution(as_payload(solved))

    assert refusal(as_payload(solved)) == (
        "The proof of work has already been used: fetch and solve a new challenge.",
        "replayed",
    )


def test_two_simultaneous_uses_of_one_solution_cannot_both_pass(solved):
    payload, outcomes, start = as_payload(solved), [], threading.Barrier(8)

    def use():
        start.wait()
        try:
            verify_solution(payload)
            outcomes.append("accepted")
        except ValidationError:
            outcomes.append("refused")

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["accepted"] + ["refused"] * 7


def test_a_wrong_number_is_refused(solved):
    wrong = {**solved, "number": solved["number"] + 1}

    assert refusal(as_payload(wrong)) == (
        "The proof of work's number does not solve its challenge.",
        "wrong_number",
    )


def test_a_prolonged_expiry_is_refused(solved):
    later = str(expiry(solved) + 86400)
    salt = solved["salt"].replace(f"expires={expiry(solved)}", f"expires={later}")

    assert refusal(as_payload({**solved, "salt": salt})) == (
        "The proof of work's number does not solve its challenge.",
        "wrong_number",
    )


def test_a_changed_salt_rehashed_is_refused_by_its_signature(solved):
    salt = solved["salt"].replace(solved["salt"][:4], "0000", 1)
    challenge = hashlib.sha256(f"{salt}{solved['number']}".encode()).hexdigest()

    assert refusal(as_payload({**solved, "salt": salt, "challenge": challenge})) == (
        "The proof of work's signature is not valid: its challenge was not issued by Sightline.",
        "signature",
    )


def test_a_bad_signature_is_refused(solved):
    signature = "0" * 64

    _message, code = refusal(as_payload({**solved, "signature": signature}))

    assert code == "signature"


def test_a_challenge_signed_with_another_key_is_refused(settings):
    settings.POW_HMAC_KEY = "the key of another server"
    foreign = new_challenge()
    settings.POW_HMAC_KEY = ""

    _message, code = refusal(encode(foreign, solve(foreign)))

    assert code == "signature"


def test_the_key_derives_from_the_secret_key_unless_set(settings):
    derived = proof_of_work.hmac_key()
    settings.SECRET_KEY = "another secret"
    assert proof_of_work.hmac_key() not in {derived, b"another secret"}
    settings.POW_HMAC_KEY = "explicit"
    assert proof_of_work.hmac_key() == b"explicit"


def test_an_expired_challenge_is_refused(monkeypatch, settings, solved):
    monkeypatch.setattr(proof_of_work, "now", lambda: expiry(solved) + 1)

    assert refusal(as_payload(solved)) == (
        "The proof of work's challenge has expired: fetch and solve a new one.",
        "expired",
    )


def test_a_challenge_is_good_until_its_expiry(monkeypatch, solved):
    monkeypatch.setattr(proof_of_work, "now", lambda: expiry(solved) - 1)

    verify_solution(as_payload(solved))


def test_a_signed_challenge_without_expiry_is_refused():
    challenge = altcha.create_challenge_v1(
        algorithm="SHA-256", max_number=100, hmac_key=proof_of_work.hmac_key()
    )
    number = altcha.solve_challenge_v1(challenge).number

    assert refusal(encode(challenge.to_dict(), number)) == (
        "The proof of work's challenge has no valid expiry: fetch a new one.",
        "expired",
    )


B64 = as_payload
FIELDS = {"algorithm": "SHA-256", "challenge": "a", "number": 1, "salt": "b", "signature": "c"}


@pytest.mark.parametrize(
    ("payload", "message", "code"),
    [
        (
            None,
            "A proof of work is required: fetch a challenge from /api/v1/challenge/, "
            "solve it and send it as altcha.",
            "required",
        ),
        (
            "",
            "A proof of work is required: fetch a challenge from /api/v1/challenge/, "
            "solve it and send it as altcha.",
            "required",
        ),
        ("not base64!", "The proof of work is not base64-encoded.", "malformed"),
        (
            base64.b64encode(b"\xff\xfe not json").decode(),
            "The proof of work is not JSON once base64-decoded.",
            "malformed",
        ),
        (
            base64.b64encode(b"{'single': 'quotes'}").decode(),
            "The proof of work is not JSON once base64-decoded.",
            "malformed",
        ),
        (B64([1, 2]), "The proof of work is not a JSON object.", "malformed"),
        (
            B64({}),
            "The proof of work lacks algorithm, challenge, number, salt, signature.",
            "incomplete",
        ),
        (
            B64({k: v for k, v in FIELDS.items() if k != "number"}),
            "The proof of work lacks number.",
            "incomplete",
        ),
        (
            B64(FIELDS | {"number": "7"}),
            "The proof of work's number is not a whole number from 0.",
            "malformed",
        ),
        (
            B64(FIELDS | {"number": True}),
            "The proof of work's number is not a whole number from 0.",
            "malformed",
        ),
        (
            B64(FIELDS | {"number": -1}),
            "The proof of work's number is not a whole number from 0.",
            "malformed",
        ),
        (
            B64(FIELDS | {"challenge": 5}),
            "The proof of work's algorithm, challenge, salt and signature must be strings.",
            "malformed",
        ),
        (
            B64(FIELDS | {"algorithm": "SHA-1"}),
            "The proof of work uses 'SHA-1'; Sightline's challenges use SHA-256.",
            "algorithm",
        ),
        ("A" * 5000, "The proof of work is not base64-encoded JSON.", "malformed"),
    ],
    ids=[
        "none",
        "empty",
        "not-base64",
        "not-utf8",
        "not-json",
        "array",
        "empty-object",
        "no-number",
        "number-as-text",
        "number-as-bool",
        "negative-number",
        "challenge-as-number",
        "sha-1",
        "too-long",
    ],
)
def test_garbage_payloads_get_a_precise_message(payload, message, code):
    assert refusal(payload) == (message, code)
