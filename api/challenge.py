"""The proof-of-work challenge that anonymous writes must solve
(registry/proof_of_work.py holds the scheme)."""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.proof_of_work import new_challenge

from .views import THROTTLED

DESCRIPTION = """\
A fresh proof-of-work challenge (the ALTCHA scheme, SHA-256). Anonymous writes
must carry a solved one; it takes a client a fraction of a second, and nothing
about the client is stored.

1. **Obtain**: `GET /api/v1/challenge/`. Every response is a new challenge,
   valid once, until the time in the salt's `expires` parameter (Unix seconds,
   20 minutes by default).
2. **Solve**: find the integer `n`, 0 ≤ n ≤ `maxnumber`, for which the
   lowercase hex SHA-256 of the UTF-8 string `salt + str(n)` equals
   `challenge`. Use the salt exactly as received, including its
   `?expires=...&` suffix. In Python:

   ```python
   n = next(n for n in range(maxnumber + 1)
            if sha256(f"{salt}{n}".encode()).hexdigest() == challenge)
   ```
3. **Send**: in the write request, a field named `altcha` holding the base64
   (standard alphabet, with padding) of the JSON object
   `{"algorithm", "challenge", "number", "salt", "signature"}`: the
   challenge's values as received and `number` = n. The ALTCHA widget does
   all three steps and sends exactly this.

A write whose `altcha` is missing, malformed, not issued here, wrongly
solved, expired or already used is refused with a 400 naming `altcha`, e.g.
`{"altcha": ["The proof of work has already been used: fetch and solve a new
challenge."]}`.
"""


class ChallengeSerializer(serializers.Serializer):
    algorithm = serializers.CharField(help_text='The hash function: always "SHA-256".')
    challenge = serializers.CharField(help_text="Hex SHA-256 of salt + the secret number.")
    maxnumber = serializers.IntegerField(help_text="The secret number is in 0..maxnumber.")
    salt = serializers.CharField(
        help_text="Random hex, then ?expires=<Unix seconds>&; hashed verbatim."
    )
    signature = serializers.CharField(
        help_text="The server's HMAC of the challenge; send it back unchanged."
    )


class ChallengeView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="challenge_retrieve",
        summary="Get a proof-of-work challenge for an anonymous write",
        description=DESCRIPTION,
        responses={
            200: OpenApiResponse(
                ChallengeSerializer,
                description="A new challenge; never cached (Cache-Control: no-store).",
                examples=[
                    OpenApiExample(
                        "a challenge",
                        value={
                            "algorithm": "SHA-256",
                            "challenge": (
                                "3c8e4d4e9b5f0f8f1a2b0c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091"
                            ),
                            "maxnumber": 50000,
                            "salt": "4c6bfccde45d17b118248766?expires=1795539035&",
                            "signature": (
                                "6bc2d53aae4f710d11e91409772ed03aeb70f9f00d0e1d13a902d00d60b11cc0"
                            ),
                        },
                    )
                ],
            ),
            429: THROTTLED,
        },
    )
    def get(self, request):
        response = Response(ChallengeSerializer(new_challenge()).data)
        # A challenge is good once: no browser, proxy or CDN may hand it out again.
        add_never_cache_headers(response)
        return response
