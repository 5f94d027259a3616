"""Signing deliveries: ``ABM-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>]``.

Each ``v1`` is ``HMAC-SHA256(secret, f"{t}.{body}")`` in hex, over the exact bytes of the
body. During the grace period after a rotation the header carries two ``v1`` values, one
per valid secret: a receiver accepts the request when any of them matches its secret and
``t`` is within its tolerance (5 minutes by default) of its own clock, which defeats
replays of an old request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable

SIGNATURE_HEADER = "ABM-Signature"
EVENT_HEADER = "ABM-Event"
DELIVERY_HEADER = "ABM-Delivery"
DEFAULT_TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"


class SignatureError(ValueError):
    """The request's signature does not prove it came from the hub (or it is too old)."""


def secret_generate() -> str:
    """A new signing secret: 32 random bytes, URL-safe, with a recognisable prefix."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature_compute(secret: str, timestamp: int, body: bytes) -> str:
    message = str(int(timestamp)).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secrets_: Iterable[str], timestamp: int, body: bytes) -> str:
    """The header value signed with every secret given (the current one first)."""
    parts = [f"t={int(timestamp)}"]
    parts += [f"v1={signature_compute(secret, timestamp, body)}" for secret in secrets_]
    return ",".join(parts)


def signature_verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> int:
    """What a receiver does (the README shows the same in a few lines); returns ``t``.

    Raises ``SignatureError`` for a malformed header, a timestamp further than
    ``tolerance`` seconds from ``now``, or no ``v1`` matching ``secret``.
    """
    timestamp = None
    candidates: list[str] = []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdecimal():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError("malformed signature header")
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance")
    expected = signature_compute(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise SignatureError("no signature matches")
    return timestamp
