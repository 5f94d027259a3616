"""Signed tokens in email links: opens, clicks, unsubscribes and reply addresses.

Each purpose has its own salt, so a token for one can never be replayed as another;
an altered token fails its signature and the view answers 404.
"""

from __future__ import annotations

from django.core import signing

_SEP = "."  # valid in URLs and in the local part of an address


def _signer(purpose: str) -> signing.Signer:
    return signing.Signer(salt=f"sales_actions.{purpose}", sep=_SEP)


def token_make(purpose: str, *parts: int) -> str:
    return _signer(purpose).sign("-".join(str(p) for p in parts))


def token_read(purpose: str, token: str, count: int) -> tuple[int, ...] | None:
    """The integers signed in ``token``, or None when it is forged, altered or malformed."""
    try:
        value = _signer(purpose).unsign(token or "")
    except signing.BadSignature:
        return None
    parts = value.split("-")
    if len(parts) != count or not all(p.isdecimal() for p in parts):
        return None
    return tuple(int(p) for p in parts)
