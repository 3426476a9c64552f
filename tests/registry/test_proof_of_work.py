"""The proof of work asked of anonymous writes: each way a solution can be
wrong gets its own message on the field `altcha`, and a solution works once:
spent by a row in PostgreSQL, in the write's own transaction."""

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
from django.db import connection, transaction

from registry import proof_of_work
from registry.models import SpentProof
from registry.proof_of_work import check_solution, new_challenge, verify_solution
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


def spend_in_a_write(payload) -> None:
    """What a write does: check and spend the proof in its transaction."""
    with transaction.atomic():
        verify_solution(payload)


def refusal(payload, check=check_solution) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        check(payload)
    (error,) = caught.value.error_dict["altcha"]
    (message,) = error.messages
    return message, error.code


def expiry(challenge: dict) -> int:
    query = challenge["salt"].partition("?")[2]
    return int(urllib.parse.parse_qs(query)["expires"][0])


@pytest.mark.django_db
def test_a_solved_challenge_is_accepted(challenge):
    spend_in_a_write(encode(challenge, solve(challenge)))

    assert SpentProof.objects.filter(signature=challenge["signature"]).exists()


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


@pytest.mark.django_db
def test_the_reference_altcha_library_accepts_sightlines_challenges(challenge):
    solution = altcha.solve_challenge_v1(
        challenge["challenge"], challenge["salt"], "SHA-256", challenge["maxnumber"]
    )
    payload = encode(challenge, solution.number)

    assert altcha.verify_solution_v1(payload, proof_of_work.hmac_key()) == (True, None)
    spend_in_a_write(payload)


@pytest.mark.django_db
def test_a_replayed_solution_is_refused(solved):
    spend_in_a_write(as_payload(solved))

    assert refusal(as_payload(solved), check=spend_in_a_write) == (
        "The proof of work has already been used: fetch and solve a new challenge.",
        "replayed",
    )


@pytest.mark.django_db
def test_a_proof_used_by_a_write_that_rolls_back_stays_good(solved):
    with pytest.raises(RuntimeError), transaction.atomic():
        verify_solution(as_payload(solved))
        raise RuntimeError("refused for another reason")

    spend_in_a_write(as_payload(solved))
    assert SpentProof.objects.count() == 1


def test_a_proof_is_spent_only_inside_a_write():
    with pytest.raises(RuntimeError, match="inside the write's own transaction"):
        proof_of_work.spend(proof_of_work.Solution(signature="0" * 64, expires=time.time() + 60))


@pytest.mark.django_db
def test_expired_spent_proofs_are_pruned_by_later_writes(monkeypatch, challenge, solved):
    spend_in_a_write(as_payload(solved))
    monkeypatch.setattr(proof_of_work, "now", lambda: expiry(solved) + 1)
    fresh = new_challenge()

    spend_in_a_write(encode(fresh, solve(fresh)))

    assert list(SpentProof.objects.values_list("signature", flat=True)) == [fresh["signature"]]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_writes_with_one_solution_commit_once(solved):
    """Ten writes, each on its own database connection, all sending one
    solution at once: exactly one commits."""
    payload, outcomes, start = as_payload(solved), [], threading.Barrier(10)

    def write():
        start.wait()
        try:
            spend_in_a_write(payload)
            outcomes.append("accepted")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["accepted"] + ["refused"] * 9
    assert SpentProof.objects.count() == 1


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


@pytest.mark.django_db
def test_a_challenge_is_good_until_its_expiry(monkeypatch, solved):
    monkeypatch.setattr(proof_of_work, "now", lambda: expiry(solved) - 1)

    spend_in_a_write(as_payload(solved))


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
        *(
            (
                B64(FIELDS | {field: "é" * 64}),
                "The proof of work's algorithm, challenge, salt and signature are ASCII text, "
                "as Sightline issued them.",
                "malformed",
            )
            for field in ("algorithm", "challenge", "salt", "signature")
        ),
        (
            B64(FIELDS | {"number": 10**400}),
            "The proof of work's signature is not valid: its challenge was not issued by "
            "Sightline.",
            "signature",
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
        "non-ascii-algorithm",
        "non-ascii-challenge",
        "non-ascii-salt",
        "non-ascii-signature",
        "huge-number",
        "too-long",
    ],
)
def test_garbage_payloads_get_a_precise_message(payload, message, code):
    assert refusal(payload) == (message, code)
