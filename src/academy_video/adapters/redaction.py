"""Secrets a log line must never carry, replaced by ``[redacted]`` before the line is written.

A log line is read by more people, for longer, than the secrets in it are meant for: a presigned
S3 URL in a probe's error lets anyone fetch (or replace) the source until it expires, a bearer
JWT or a playback token lets anyone act as its user. What is taken out:

- presigned S3 query values: ``X-Amz-Signature``, ``X-Amz-Credential``, ``X-Amz-Security-Token``,
  and the older presigns' ``Signature`` and ``AWSAccessKeyId``; ``Credential=`` and
  ``Signature=`` of an AWS ``Authorization`` header;
- our media signatures (``sig=`` of signed media and upload URLs);
- ``Authorization``, ``X-Worker-Token`` and ``X-Amz-Security-Token`` header values, and any
  ``Bearer`` credential;
- JWTs and playback tokens (``base64url(json).base64url(mac)``, with or without a third part):
  both start ``eyJ``, the base64 of ``{"``;
- the process's own configured secrets (``Redactor(secrets)``), wherever they appear.

Cheap on the lines that carry none (every access line: thousands a second): one lowered copy and
a few substring tests decide whether the pattern runs at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "[redacted]"

# A secret value ends where a URL's parameter, a quoted string, a JSON escape or a header's
# parameter list would end it.
_VALUE = r"""[^\s&'"<>\\,;]+"""
_SECRET = re.compile(
    rf"""
    (?P<keep>
        # A query parameter (or an AWS Authorization header's), "=" or its encoding "%3D".
        (?<![a-z])
        (?:x-amz-(?:signature|credential|security-token)|signature|credential|awsaccesskeyid|sig)
        (?:=|%3d)
      # A header as a log shows one: "Name: v", "'name': 'v'", (b'name', b'v'), name=v, and
      # inside a JSON string (quotes escaped).
      | \b(?:authorization|x-worker-token|x-amz-security-token)
        \\?["']?\s*[:=,]\s*b?\\?["']?(?:(?:bearer|basic|token)\s+)?
      | \bbearer\s+
    )
    {_VALUE}
    | eyJ[a-z0-9_-]{{8,}}\.[a-z0-9_-]{{8,}}(?:\.[a-z0-9_-]+)?  # a JWT or a playback token
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Lowercase substrings of which a line holds at least one if the pattern can match in it (an
# AWSAccessKeyId or a Credential comes with its Signature).
_MARKERS = ("sig", "amz-", "token", "bearer", "authoriz", "eyj")
# Shorter configured values are left alone: they would redact ordinary words.
MIN_SECRET = 8


def _keep_name(match: re.Match[str]) -> str:
    return (match["keep"] or "") + REDACTED


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first: a secret containing another is replaced whole.
        self.secrets = tuple(
            sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len, reverse=True)
        )

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        lowered = text.lower()
        for marker in _MARKERS:
            if marker in lowered:
                return _SECRET.sub(_keep_name, text)
        return text
