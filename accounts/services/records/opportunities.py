"""Opportunities: create, update with contact roles and stage history, delete."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError
from accounts.models import (
    Activity,
    Contact,
    ContactAccount,
    Opportunity,
    OpportunityContactRole,
    OpportunityStageChange,
    User,
)
from accounts.services.activities import activity_record
from accounts.services.changes import changes_notify
from accounts.services.records.common import (
    OPPORTUNITY_FIELDS,
    _assign,
    _check_create,
    _check_write,
    _resolve_owner,
    _save,
)


def _primary_contact(opportunity: Opportunity) -> Contact | None:
    role = (
        OpportunityContactRole.objects.filter(opportunity=opportunity)
        .select_related("contact")
        .order_by("-is_primary", "id")
        .first()
    )
    return role.contact if role else None


def _sync_contact_roles(opportunity: Opportunity, contact_roles: list[dict] | None) -> None:
    if contact_roles is None:
        return
    contact_ids = [item["contact"].pk for item in contact_roles]
    if len(contact_ids) != len(set(contact_ids)):
        raise ApplicationError(_("A contact can appear only once."), field="contact_roles")
    if sum(1 for item in contact_roles if item.get("is_primary")) > 1:
        raise ApplicationError(_("Only one contact can be primary."), field="contact_roles")
    for item in contact_roles:
        contact = item["contact"]
        if not ContactAccount.objects.filter(contact=contact, account=opportunity.account).exists():
            raise ApplicationError(
                f"Contact {contact.pk} is not associated with the opportunity's account.",
                field="contact_roles",
            )
    OpportunityContactRole.objects.filter(opportunity=opportunity).delete()
    OpportunityContactRole.objects.bulk_create(
        [
            OpportunityContactRole(
                opportunity=opportunity,
                contact=item["contact"],
                role=item.get("role") or "",
                is_primary=bool(item.get("is_primary")),
            )
            for item in contact_roles
        ]
    )


def opportunity_create(*, user: User, data: dict) -> Opportunity:
    """Create a deal on an account; its primary contact gets an 'opportunity created' activity."""
    _check_create(user, Opportunity)
    data = dict(data)
    contact_roles = data.pop("contact_roles", None)
    _resolve_owner(user, data)
    opportunity = Opportunity()
    _assign(opportunity, data, OPPORTUNITY_FIELDS)
    if opportunity.stage in Opportunity.CLOSED_STAGES:
        opportunity.closed_at = timezone.now()
    with transaction.atomic():
        _save(opportunity)
        # The stage history starts with the creation (analytics read it, never the deal).
        OpportunityStageChange.objects.create(
            opportunity=opportunity,
            to_stage=opportunity.stage,
            changed_at=opportunity.created_at,
            changed_by=user,
        )
        _sync_contact_roles(opportunity, contact_roles)
        contact = _primary_contact(opportunity)
        if contact:
            activity_record(
                contact=contact,
                type=Activity.Type.OPPORTUNITY_CREATED,
                user=user,
                subject=opportunity.name,
                metadata={"opportunity": opportunity.pk},
            )
        changes_notify(kind="opportunity", account_ids={opportunity.account_id})
    return opportunity


def opportunity_update(*, user: User, opportunity: Opportunity, data: dict) -> Opportunity:
    """Change a deal; closing it stamps closed_at, winning it is an activity."""
    _check_write(user, opportunity)
    data = dict(data)
    contact_roles = data.pop("contact_roles", None)
    _resolve_owner(user, data, current_owner_id=opportunity.owner_id)
    old_stage, old_account_id = opportunity.stage, opportunity.account_id
    _assign(opportunity, data, OPPORTUNITY_FIELDS)
    if opportunity.stage != old_stage:
        is_closed = opportunity.stage in Opportunity.CLOSED_STAGES
        opportunity.closed_at = timezone.now() if is_closed else None
    opportunity.updated_at = timezone.now()
    with transaction.atomic():
        _save(opportunity)
        if opportunity.stage != old_stage:
            OpportunityStageChange.objects.create(
                opportunity=opportunity,
                from_stage=old_stage,
                to_stage=opportunity.stage,
                changed_at=opportunity.closed_at or opportunity.updated_at,
                changed_by=user,
            )
        _sync_contact_roles(opportunity, contact_roles)
        if opportunity.stage == Opportunity.Stage.CLOSED_WON and old_stage != opportunity.stage:
            contact = _primary_contact(opportunity)
            if contact:
                activity_record(
                    contact=contact,
                    type=Activity.Type.OPPORTUNITY_WON,
                    user=user,
                    subject=opportunity.name,
                    metadata={"opportunity": opportunity.pk, "amount": str(opportunity.amount)},
                )
        changes_notify(kind="opportunity", account_ids={opportunity.account_id, old_account_id})
    return opportunity


def opportunity_delete(*, user: User, opportunity: Opportunity) -> None:
    _check_write(user, opportunity)
    account_id = opportunity.account_id
    with transaction.atomic():
        opportunity.delete()
        changes_notify(kind="opportunity", account_ids={account_id})
