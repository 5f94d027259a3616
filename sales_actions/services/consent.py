"""Unsubscribe links and addresses of sales emails, through the consent service.

The consent fields and their history belong to the contact (``accounts.services.consent``);
this module only reads the signed unsubscribe token, which sales emails carry.
"""

from __future__ import annotations

from accounts.models import Contact
from accounts.services.consent import contact_consent_update
from sales_actions.models import SalesEmail
from sales_actions.signing import token_read


def unsubscribe_target(token: str) -> tuple[Contact, SalesEmail | None] | None:
    """The contact (and email) an unsubscribe token was made for, or None if it is forged."""
    parts = token_read("unsubscribe", token, 2)
    if parts is None:
        return None
    contact = Contact.objects.filter(pk=parts[0]).first()
    if contact is None:
        return None
    return contact, SalesEmail.objects.filter(pk=parts[1], contact=contact).first()


def contact_unsubscribe(*, token: str, source: str) -> Contact | None:
    """Stop marketing email to the contact named by a signed token; None if it is forged."""
    target = unsubscribe_target(token)
    if target is None:
        return None
    contact, email = target
    contact_consent_update(
        contact=contact,
        changes={"allow_bulk_email": False},
        source=source,
        sales_email_id=email.pk if email is not None else None,
    )
    return contact
