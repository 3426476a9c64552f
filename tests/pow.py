"""Solving Sightline's proof of work the way a client does, from the
documented protocol only (no server code): fetch a challenge, find the
number by brute force, send base64 JSON as `altcha`.

    payload = fetch_and_solve(client)
    client.post(url, {..., "altcha": payload})
"""

from __future__ import annotations

import base64
import hashlib
import json

CHALLENGE_URL = "/api/v1/challenge/"


def fetch_challenge(client) -> dict:
    response = client.get(CHALLENGE_URL)
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def solve(challenge: dict) -> int:
    salt, target = challenge["salt"], challenge["challenge"]
    for number in range(challenge["maxnumber"] + 1):
        if hashlib.sha256(f"{salt}{number}".encode()).hexdigest() == target:
            return number
    raise AssertionError("no number in 0..maxnumber solves the challenge")


def encode(challenge: dict, number: int) -> str:
    solution = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": number,
        "salt": challenge["salt"],
        "signature": challenge["signature"],
    }
    return base64.b64encode(json.dumps(solution).encode()).decode()


def fetch_and_solve(client) -> str:
    """A solved challenge, ready to send as the `altcha` field."""
    challenge = fetch_challenge(client)
    return encode(challenge, solve(challenge))
