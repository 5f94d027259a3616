"""Reads of consent history: what changed a contact's ``allow_*`` fields, who and why."""

from __future__ import annotations

from accounts.models import ConsentChange, Contact

HISTORY_LIMIT = 50


def contact_consent_history(*, contact: Contact, limit: int = HISTORY_LIMIT) -> list[ConsentChange]:
    """The contact's latest consent changes, newest first, with who made them."""
    return list(
        ConsentChange.objects.filter(contact=contact)
        .select_related("user")
        .order_by("-occurred_at", "-id")[:limit]
    )
