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

``verify_solution`` checks, in order: that the payload is base64 of a JSON
object with those fields; the algorithm; the signature (the challenge was
issued by this server); that the number solves the challenge (so neither the
salt nor its expiry was changed); the expiry; and that the challenge was not
used before. A solved challenge is good for one write: its signature is
remembered in Django's cache until the challenge expires, with
``cache.add``, which is atomic, so two requests racing with the same
solution cannot both pass. That needs a cache shared by every process that
serves writes (the default in-memory cache is per process).

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
from datetime import UTC, datetime

import altcha
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.crypto import salted_hmac

ALGORITHM = "SHA-256"
FIELD = "altcha"
PAYLOAD_FIELDS = ("algorithm", "challenge", "number", "salt", "signature")
# A real payload is ~250 characters; anything much longer is refused unread.
MAX_PAYLOAD_LENGTH = 2000
CACHE_PREFIX = "pow-used:"


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


def verify_solution(payload: str | None) -> None:
    """Accept a solved challenge once; raises ValidationError on ``altcha``."""
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
    remaining = _expires(solution["salt"]) - now()
    if remaining <= 0:
        raise _error(
            "The proof of work's challenge has expired: fetch and solve a new one.", "expired"
        )
    if not cache.add(CACHE_PREFIX + solution["signature"], True, timeout=int(remaining) + 1):
        raise _error(
            "The proof of work has already been used: fetch and solve a new challenge.",
            "replayed",
        )


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
