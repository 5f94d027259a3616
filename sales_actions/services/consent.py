"""Email consent: the one place Contact consent fields change, each change kept."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import may_write
from accounts.models import Contact, User
from accounts.services import changes_notify
from sales_actions.models import ConsentChange, SalesEmail
from sales_actions.signing import token_read

CONSENT_FIELDS = ("allow_email", "allow_bulk_email", "follow_email")


def contact_consent_update(
    *,
    contact: Contact,
    source: str,
    user: User | None = None,
    email: SalesEmail | None = None,
    **changes: bool,
) -> list[ConsentChange]:
    """Change consent fields of a contact at once and keep every change with its source."""
    if user is not None and not may_write(user, contact):
        raise ForbiddenError("Your role does not allow changing this contact's consent.")
    for field, value in changes.items():
        if field not in CONSENT_FIELDS:
            raise ApplicationError(f"'{field}' is not a consent field.", field=field)
        if not isinstance(value, bool):
            raise ApplicationError(f"{field} must be true or false.", field=field)
    if source not in ConsentChange.Source.values:
        raise ApplicationError(f"'{source}' is not a consent source.", field="source")
    now = timezone.now()
    with transaction.atomic():
        current = Contact.objects.select_for_update().filter(pk=contact.pk).values(*CONSENT_FIELDS)
        current = current.first()
        if current is None:
            raise ApplicationError("The contact no longer exists.", field="contact")
        changed = {f: v for f, v in changes.items() if current[f] != v}
        if not changed:
            return []
        Contact.objects.filter(pk=contact.pk).update(**changed, updated_at=now)
        rows = ConsentChange.objects.bulk_create(
            [
                ConsentChange(
                    contact=contact,
                    field=field,
                    old_value=current[field],
                    new_value=value,
                    source=source,
                    email=email,
                    user=user,
                    occurred_at=now,
                )
                for field, value in changed.items()
            ]
        )
        for field, value in changed.items():
            setattr(contact, field, value)
        changes_notify(kind="contact", contact_ids={contact.pk}, account_ids={contact.account_id})
    return rows


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
    contact_consent_update(contact=contact, source=source, email=email, allow_bulk_email=False)
    return contact
