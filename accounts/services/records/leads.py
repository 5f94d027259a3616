"""Leads: create, update, delete."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import (
    Activity,
    Lead,
    User,
)
from accounts.services.activities import activity_record
from accounts.services.changes import changes_notify
from accounts.services.records.common import (
    LEAD_FIELDS,
    _assign,
    _check_create,
    _check_write,
    _resolve_owner,
    _save,
)
from accounts.services.records.rules import (
    lead_rules_check,
)


def lead_create(*, user: User, data: dict) -> Lead:
    """Create a lead for a contact and/or an account."""
    _check_create(user, Lead)
    data = dict(data)
    _resolve_owner(user, data)
    lead = Lead()
    _assign(lead, data, LEAD_FIELDS)
    lead_rules_check(lead=lead)
    if lead.contact_id and lead.account_id is None:
        lead.account_id = lead.contact.account_id
    _save(lead)
    changes_notify(kind="lead", account_ids={lead.account_id}, contact_ids={lead.contact_id})
    return lead


def lead_update(*, user: User, lead: Lead, data: dict) -> Lead:
    """Change a lead; a status change is kept as an activity on its contact."""
    _check_write(user, lead)
    data = dict(data)
    _resolve_owner(user, data, current_owner_id=lead.owner_id)
    old_status = lead.status
    _assign(lead, data, LEAD_FIELDS)
    lead_rules_check(lead=lead)
    lead.updated_at = timezone.now()
    with transaction.atomic():
        _save(lead)
        if lead.status != old_status and lead.contact_id:
            activity_record(
                contact=lead.contact,
                type=Activity.Type.LEAD_STATUS_CHANGED,
                user=user,
                subject=f"Lead status: {old_status} → {lead.status}",
                metadata={"lead": lead.pk, "from": old_status, "to": lead.status},
            )
    changes_notify(kind="lead", account_ids={lead.account_id}, contact_ids={lead.contact_id})
    return lead


def lead_delete(*, user: User, lead: Lead) -> None:
    _check_write(user, lead)
    lead.delete()
