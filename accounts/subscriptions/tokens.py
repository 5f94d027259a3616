"""The subscription centre's signed link.

The token signs the contact (and, when a marketing email carries it, that email and the
list the send targeted) with a salt of its own, so no other token of the hub can be
replayed as a centre link; a forged or altered token reads as None and the page is a 404.
It does not expire: an unsubscribe link must keep working as long as the mail is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.urls import reverse

SALT = "accounts.subscription_centre"
_SEP = "."


@dataclass(frozen=True)
class CentreLink:
    contact_id: int
    sales_email_id: int | None = None
    list_id: int | None = None


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT, sep=_SEP)


def centre_token(contact_id: int, *, sales_email_id: int | None = None, list_id=None) -> str:
    return _signer().sign(f"{int(contact_id)}-{int(sales_email_id or 0)}-{int(list_id or 0)}")


def centre_token_read(token: str) -> CentreLink | None:
    """What a token was made for, or None when it is forged, altered or malformed."""
    try:
        value = _signer().unsign(token or "")
    except signing.BadSignature:
        return None
    parts = value.split("-")
    if len(parts) != 3 or not all(p.isdecimal() for p in parts):
        return None
    contact_id, email_id, list_id = (int(p) for p in parts)
    return CentreLink(contact_id, email_id or None, list_id or None)


def centre_path(contact_id: int, *, sales_email_id: int | None = None, list_id=None) -> str:
    """The centre's path (no host) for this contact."""
    token = centre_token(contact_id, sales_email_id=sales_email_id, list_id=list_id)
    return reverse("subscription_centre:centre", args=[token])
