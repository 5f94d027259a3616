"""Leads: create, update, delete. Every status change goes through
``accounts.lifecycle.services.lead_status_change`` (history, activity, hub event)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError
from accounts.lifecycle import services as lifecycle
from accounts.models import (
    Lead,
    LeadScore,
    User,
)
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


def lead_create(*, user: User, data: dict, source: str = "user") -> Lead:
    """Create a lead for a contact and/or an account; its first status starts its history."""
    _check_create(user, Lead)
    data = dict(data)
    _resolve_owner(user, data)
    lead = Lead()
    _assign(lead, data, LEAD_FIELDS)
    lead_rules_check(lead=lead)
    if lead.contact_id and lead.account_id is None:
        lead.account_id = lead.contact.account_id
    with transaction.atomic():
        _save(lead)
        lifecycle.lead_history_start(lead, user=user, source=source)
    changes_notify(kind="lead", account_ids={lead.account_id}, contact_ids={lead.contact_id})
    return lead


def lead_update(*, user: User, lead: Lead, data: dict, source: str = "user") -> Lead:
    """Change a lead; a new status goes through the lifecycle (checked and kept)."""
    _check_write(user, lead)
    data = dict(data)
    _resolve_owner(user, data, current_owner_id=lead.owner_id)
    if "score" in data and data["score"] != lead.score:
        computed = LeadScore.objects.filter(lead=lead).select_related("model").first()
        if computed is not None:
            raise ApplicationError(
                _("The scoring model “%(model)s” computes this lead's score; it cannot be typed.")
                % {"model": computed.model.name if computed.model else ""},
                field="score",
            )
    old_status = lead.status
    new_status = data.pop("status", old_status)
    _assign(lead, data, LEAD_FIELDS)
    lead_rules_check(lead=lead)
    lead.updated_at = timezone.now()
    with transaction.atomic():
        # The status (and converted deal) are only ever written by the lifecycle: keep
        # what is stored now, so a concurrent change (lead scoring) is not overwritten.
        current, lead.opportunity_id = (
            Lead.objects.select_for_update().values_list("status", "opportunity_id").get(pk=lead.pk)
        )
        lead.status = current
        _save(lead)
        if new_status not in (old_status, current):
            try:
                lifecycle.lead_status_change(lead, new_status, user=user, source=source)
            except ApplicationError as exc:
                if exc.field in {"reason", "disqualify_reason"}:
                    # Moves that need a reason have their own action on the lead page.
                    raise ApplicationError(
                        _("Use the lead's %(action)s action: it asks for the reason.")
                        % {
                            "action": _("Disqualify")
                            if exc.field == "disqualify_reason"
                            else _("Return to marketing")
                        },
                        field="status",
                    ) from exc
                raise
    changes_notify(kind="lead", account_ids={lead.account_id}, contact_ids={lead.contact_id})
    return lead


def lead_delete(*, user: User, lead: Lead) -> None:
    _check_write(user, lead)
    lead.delete()
