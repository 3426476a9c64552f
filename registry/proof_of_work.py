"""Proof of work for anonymous writes: ALTCHA challenges, served and checked
by Sightline itself, with no third party and nothing stored about the client.

The scheme is ALTCHA's (version 1, SHA-256), so the ALTCHA widget can solve
Sightline's challenges in a browser and any HTTP client can solve them in a
few lines:

1. ``GET /api/v1/challenge/`` returns a fresh challenge::

       {"algorithm": "SHA-256", "challenge": "<64 hex digits>",
        "maxnumber": 50000, "salt": "<hex>?expires=<unix time>&",
        "signature": "<64 hex digits>"}

   The server picked a secret number ``n`` in ``0..maxnumber`` and
   published ``challenge = SHA-256(salt + str(n))`` in hex. The salt carries
   the expiry time; the signature is an HMAC-SHA-256 of the challenge under
   a key only the server knows, so the server keeps no record of the
   challenges it hands out.
2. The client finds ``n``: for n = 0, 1, ... maxnumber it computes the hex
   SHA-256 of the salt (verbatim, including ``?expires=...&``) followed by n
   in decimal, until it equals ``challenge``. That takes maxnumber / 2
   hashes on average, a fraction of a second, but makes sending thousands
   of requests expensive.
3. The client sends, in the field ``altcha`` of the write request, the
   base64 (standard alphabet, padded) of the JSON object
   ``{"algorithm", "challenge", "number", "salt", "signature"}``: the
   challenge's fields as received plus the ``number`` found. The ALTCHA
   widget sends exactly this.

``check_solution`` checks, in order: that the payload is base64 of a JSON
object with those fields; the algorithm; the signature (the challenge was
issued by this server); that the number solves the challenge (so neither the
salt nor its expiry was changed); and the expiry. ``spend`` then makes it
good for one write: it inserts the challenge's signature into a table whose
primary key it is (SpentProof), inside the write's own transaction. Two
writes racing with one solution cannot both commit, on one process or many,
with or without Redis; a write that is refused for another reason rolls the
row back with it, so its proof stays good for the corrected request.

The ``altcha`` package creates the challenges, so their format is the
reference implementation's; verification is Sightline's own, because the
package's does not tell the failures apart, accepts challenges without an
expiry and compares digests in variable time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime

import altcha
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac

from registry.models import SpentProof

ALGORITHM = "SHA-256"
FIELD = "altcha"
PAYLOAD_FIELDS = ("algorithm", "challenge", "number", "salt", "signature")
# A real payload is ~250 characters; anything much longer is refused unread.
MAX_PAYLOAD_LENGTH = 2000
# Spent proofs whose challenge expired are deleted this many at a time, by
# the writes that spend new ones.
PRUNE_BATCH = 200


def now() -> float:
    """The clock challenges are issued and checked against (tests move it)."""
    return time.time()


def new_challenge() -> dict:
    """A fresh challenge, as ``GET /api/v1/challenge/`` returns it."""
    expires = datetime.fromtimestamp(now() + settings.POW_EXPIRES_SECONDS, tz=UTC)
    challenge = altcha.create_challenge_v1(
        algorithm=ALGORITHM,
        max_number=settings.POW_MAX_NUMBER,
        hmac_key=hmac_key(),
        expires=expires,
    )
    return {
        "algorithm": challenge.algorithm,
        "challenge": challenge.challenge,
        "maxnumber": challenge.max_number,
        "salt": challenge.salt,
        "signature": challenge.signature,
    }


@dataclass(frozen=True)
class Solution:
    """A checked solution, not yet spent."""

    signature: str
    expires: float  # Unix time


def check_solution(payload: str | None) -> Solution:
    """A well-formed, valid, unexpired solution of one of Sightline's
    challenges; raises ValidationError on ``altcha`` otherwise. Spends
    nothing."""
    solution = _decode(payload)
    if solution["algorithm"] != ALGORITHM:
        raise _error(
            f"The proof of work uses {solution['algorithm']!r}; "
            f"Sightline's challenges use {ALGORITHM}.",
            "algorithm",
        )
    expected_signature = _hmac_hex(solution["challenge"])
    if not hmac.compare_digest(expected_signature, solution["signature"]):
        raise _error(
            "The proof of work's signature is not valid: "
            "its challenge was not issued by Sightline.",
            "signature",
        )
    if not hmac.compare_digest(_solve_hash(solution), solution["challenge"]):
        raise _error("The proof of work's number does not solve its challenge.", "wrong_number")
    expires = _expires(solution["salt"])
    if expires - now() <= 0:
        raise _error(
            "The proof of work's challenge has expired: fetch and solve a new one.", "expired"
        )
    return Solution(signature=solution["signature"], expires=expires)


def spend(solution: Solution) -> None:
    """Marks the solution used, in the caller's transaction: refused if a
    committed write used it already; waits for a write using it right now,
    and is refused if that one commits."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("A proof of work is spent inside the write's own transaction.")
    _prune_expired()
    expires_at = datetime.fromtimestamp(solution.expires, tz=UTC)
    try:
        with transaction.atomic():
            SpentProof.objects.create(signature=solution.signature, expires_at=expires_at)
    except IntegrityError:
        raise _error(
            "The proof of work has already been used: fetch and solve a new challenge.",
            "replayed",
        ) from None


def verify_solution(payload: str | None) -> None:
    """Check a solution and spend it, inside the caller's transaction."""
    spend(check_solution(payload))


def _prune_expired() -> None:
    """Spent proofs of expired challenges are refused for their expiry
    anyway. Rows another write is deleting are skipped, not waited for."""
    expired = (
        SpentProof.objects.filter(expires_at__lt=datetime.fromtimestamp(now(), tz=UTC))
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:PRUNE_BATCH]
    )
    keys = list(expired)
    if keys:
        SpentProof.objects.filter(pk__in=keys).delete()


def hmac_key() -> bytes:
    """POW_HMAC_KEY, or a key derived from SECRET_KEY for this purpose only."""
    if settings.POW_HMAC_KEY:
        return settings.POW_HMAC_KEY.encode()
    derived = salted_hmac("sightline.proof_of_work", "hmac-key", algorithm="sha256")
    return derived.hexdigest().encode()


def _error(message: str, code: str) -> ValidationError:
    return ValidationError({FIELD: ValidationError(message, code=code)})


def _decode(payload: str | None) -> dict:
    if not payload:
        raise _error(
            "A proof of work is required: fetch a challenge from /api/v1/challenge/, "
            "solve it and send it as altcha.",
            "required",
        )
    if not isinstance(payload, str) or len(payload) > MAX_PAYLOAD_LENGTH:
        raise _error("The proof of work is not base64-encoded JSON.", "malformed")
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise _error("The proof of work is not base64-encoded.", "malformed") from None
    try:
        solution = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise _error("The proof of work is not JSON once base64-decoded.", "malformed") from None
    if not isinstance(solution, dict):
        raise _error("The proof of work is not a JSON object.", "malformed")
    missing = [field for field in PAYLOAD_FIELDS if field not in solution]
    if missing:
        raise _error(f"The proof of work lacks {', '.join(missing)}.", "incomplete")
    return _typed(solution)


def _typed(solution: dict) -> dict:
    number = solution["number"]
    if isinstance(number, bool) or not isinstance(number, int) or number < 0:
        raise _error("The proof of work's number is not a whole number from 0.", "malformed")
    texts = [field for field in PAYLOAD_FIELDS if field != "number"]
    if not all(isinstance(solution[field], str) for field in texts):
        raise _error(
            "The proof of work's algorithm, challenge, salt and signature must be strings.",
            "malformed",
        )
    # Everything Sightline issues is ASCII; digests are compared as ASCII.
    if not all(solution[field].isascii() for field in texts):
        raise _error(
            "The proof of work's algorithm, challenge, salt and signature are ASCII text, "
            "as Sightline issued them.",
            "malformed",
        )
    return solution


def _solve_hash(solution: dict) -> str:
    return hashlib.sha256(f"{solution['salt']}{solution['number']}".encode()).hexdigest()


def _hmac_hex(challenge: str) -> str:
    return hmac.new(hmac_key(), challenge.encode(), hashlib.sha256).hexdigest()


def _expires(salt: str) -> float:
    _nonce, _, query = salt.partition("?")
    values = urllib.parse.parse_qs(query).get("expires", [])
    try:
        # Exactly one: with two, which one a reader takes would be ambiguous.
        (expires,) = values
        return float(int(expires))
    except (ValueError, OverflowError):
        raise _error(
            "The proof of work's challenge has no valid expiry: fetch a new one.", "expired"
        ) from None
