"""Every lead status change, and the sales actions built on it.

``lead_status_change`` is the one door: it locks the lead, checks the move is allowed,
keeps a ``LeadStatusChange`` row (who, when, from, to, why, where from), writes the
``lead_status_changed`` activity on the lead's contact (an account lead without a contact
still gets its history row), and emits the ``lead.status_changed`` hub event, all in the
caller's transaction. Lead scoring calls it with ``source="scoring"`` to make a lead MQL;
the lead edit form and API PATCH call it through ``lead_update``.

The actions (``lead_accept``, ``lead_convert``, ``lead_return``, ``lead_disqualify``)
check the role (``abm.permissions.may_work_lead``) and the action's own rules, then call
it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError, ConflictError, ForbiddenError
from abm.permissions import may_create, may_manage_disqualify_reasons, may_work_lead
from accounts.models import (
    Activity,
    ContactAccount,
    DisqualifyReason,
    HubEvent,
    Lead,
    LeadStatusChange,
    Opportunity,
    User,
)
from accounts.services.activities import activity_record
from accounts.services.changes import changes_notify
from accounts.services.hub_events import hub_event_emit

S = Lead.Status
Source = LeadStatusChange.Source

OPEN_STATUSES = (S.NEW, S.NURTURING, S.MQL, S.SALES_ACCEPTED)

# Where a lead may go from each status. Converted is final; a disqualified lead can only
# come back to marketing (nurturing), with a reason.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.NURTURING, S.MQL, S.SALES_ACCEPTED, S.CONVERTED, S.DISQUALIFIED}),
    S.NURTURING: frozenset({S.MQL, S.SALES_ACCEPTED, S.CONVERTED, S.DISQUALIFIED}),
    S.MQL: frozenset({S.NURTURING, S.SALES_ACCEPTED, S.CONVERTED, S.DISQUALIFIED}),
    S.SALES_ACCEPTED: frozenset({S.NURTURING, S.CONVERTED, S.DISQUALIFIED}),
    S.CONVERTED: frozenset(),
    S.DISQUALIFIED: frozenset({S.NURTURING}),
}
# Going back to nurturing from these is a "return to marketing": it needs a reason.
RETURN_FROM = frozenset({S.MQL, S.SALES_ACCEPTED, S.DISQUALIFIED})
# A lead may be created in these statuses (converted needs a deal, disqualified a reason).
CREATE_STATUSES = frozenset(OPEN_STATUSES)
REASON_MAX = 2000


def _label(status: str) -> str:
    return str(dict(S.choices).get(status, status))


def _source(source: str) -> str:
    if source not in Source.values:
        raise ApplicationError(_("Unknown source of the change."), field="source")
    return source


def _transition_error(current: str, to: str) -> ApplicationError:
    if current == S.CONVERTED:
        message = _("This lead was already converted; a converted lead does not move again.")
    elif current == to:
        message = _("The lead is already %(status)s.") % {"status": _label(to)}
    else:
        message = _("A lead cannot go from %(from)s to %(to)s.") % {
            "from": _label(current),
            "to": _label(to),
        }
    return ConflictError(message, field="status", code="invalid_transition")


def lead_transition_allowed(current: str, to: str) -> bool:
    return to in TRANSITIONS.get(current, frozenset())


def lead_status_change(
    lead: Lead,
    to: str,
    *,
    user: User | None = None,
    reason: str = "",
    source: str = Source.USER,
    disqualify_reason: DisqualifyReason | None = None,
    opportunity: Opportunity | None = None,
) -> Lead:
    """Move ``lead`` to status ``to``: the one function every lead status change uses.

    ``user`` is who does it (``None``: the system, e.g. lead scoring; no role check then).
    Refused with an error naming ``status`` when the move is not allowed from the lead's
    current status (read under a row lock), ``reason`` when a return to marketing has
    none, ``disqualify_reason`` when a disqualification has none. Becoming converted needs
    the ``opportunity`` (only ``lead_convert`` passes one).
    """
    source = _source(source)
    reason = (reason or "").strip()
    if to not in S.values:
        raise ApplicationError(_("Unknown lead status."), field="status")
    if len(reason) > REASON_MAX:
        raise ApplicationError(
            _("Keep the reason under %(n)d characters.") % {"n": REASON_MAX}, field="reason"
        )
    if user is not None and not may_work_lead(user, lead):
        raise ForbiddenError(
            _("Your role cannot change this lead's status: you do not own it."),
            code="forbidden",
        )
    with transaction.atomic():
        current = Lead.objects.select_for_update().values_list("status", flat=True).get(pk=lead.pk)
        if not lead_transition_allowed(current, to):
            raise _transition_error(current, to)
        if to == S.CONVERTED and opportunity is None:
            raise ApplicationError(
                _("Convert the lead to create its opportunity; it cannot be set to converted."),
                field="status",
            )
        if to == S.DISQUALIFIED and disqualify_reason is None:
            raise ApplicationError(
                _("Choose why the lead is disqualified."), field="disqualify_reason"
            )
        if to == S.NURTURING and current in RETURN_FROM and not reason:
            raise ApplicationError(_("Say why the lead goes back to marketing."), field="reason")
        now = timezone.now()
        lead.status = to
        lead.updated_at = now
        update = {"status": to, "updated_at": now}
        if opportunity is not None:
            lead.opportunity = opportunity
            update["opportunity"] = opportunity
        Lead.objects.filter(pk=lead.pk).update(**update)
        change = LeadStatusChange.objects.create(
            lead=lead,
            from_status=current,
            to_status=to,
            changed_at=now,
            changed_by=user,
            source=source,
            reason=reason,
            disqualify_reason=disqualify_reason,
            opportunity=opportunity,
        )
        facts = {"lead": lead.pk, "from": current, "to": to, "source": source}
        if reason:
            facts["reason"] = reason
        if disqualify_reason is not None:
            facts["disqualify_reason"] = disqualify_reason.name
        if opportunity is not None:
            facts["opportunity"] = opportunity.pk
        if lead.contact_id:
            activity_record(
                contact=lead.contact,
                type=Activity.Type.LEAD_STATUS_CHANGED,
                user=user,
                occurred_at=now,
                subject=f"Lead status: {current} → {to}",
                metadata=facts,
            )
        hub_event_emit(
            HubEvent.Kind.LEAD_STATUS_CHANGED,
            subject_type="lead",
            subject_id=lead.pk,
            account_id=lead.account_id,
            contact_id=lead.contact_id,
            owner_id=lead.owner_id,
            actor_id=user.pk if user else None,
            payload={**facts, "change": change.pk},
            occurred_at=now,
            is_bot=False,
        )
        changes_notify(kind="lead", account_ids={lead.account_id}, contact_ids={lead.contact_id})
    return lead


def lead_history_start(lead: Lead, *, user: User | None, source: str = Source.USER) -> None:
    """The first history row of a new lead (from nothing to its first status)."""
    if lead.status not in CREATE_STATUSES:
        raise ApplicationError(
            _("A new lead starts as new, nurturing, marketing-qualified or sales-accepted."),
            field="status",
        )
    LeadStatusChange.objects.create(
        lead=lead,
        from_status="",
        to_status=lead.status,
        changed_at=lead.created_at,
        changed_by=user,
        source=_source(source),
    )


# --- The sales actions ----------------------------------------------------------------


def _check_may_work(user: User, lead: Lead) -> None:
    if not may_work_lead(user, lead):
        raise ForbiddenError(
            _("Your role cannot work this lead: you do not own it."), code="forbidden"
        )


def lead_accept(*, user: User, lead: Lead, reason: str = "", source: str = Source.USER) -> Lead:
    """Sales accepts the lead (from new, nurturing or marketing-qualified)."""
    _check_may_work(user, lead)
    return lead_status_change(lead, S.SALES_ACCEPTED, user=user, reason=reason, source=source)


def lead_return(*, user: User, lead: Lead, reason: str, source: str = Source.USER) -> Lead:
    """Back to marketing (nurturing), with a reason."""
    _check_may_work(user, lead)
    if not (reason or "").strip():
        raise ApplicationError(_("Say why the lead goes back to marketing."), field="reason")
    return lead_status_change(lead, S.NURTURING, user=user, reason=reason, source=source)


def lead_disqualify(
    *,
    user: User,
    lead: Lead,
    disqualify_reason: DisqualifyReason | None,
    note: str = "",
    source: str = Source.USER,
) -> Lead:
    """Disqualify an open lead for a reason from the list admins keep (and a note)."""
    _check_may_work(user, lead)
    if disqualify_reason is None:
        raise ApplicationError(_("Choose why the lead is disqualified."), field="disqualify_reason")
    if not disqualify_reason.is_active:
        raise ApplicationError(
            _("This reason is no longer offered; choose another."), field="disqualify_reason"
        )
    return lead_status_change(
        lead,
        S.DISQUALIFIED,
        user=user,
        reason=note,
        source=source,
        disqualify_reason=disqualify_reason,
    )


@dataclass
class ConversionInput:
    """What the new opportunity gets; every field optional."""

    name: str = ""
    amount: Decimal | None = None
    currency: str = ""
    close_date: date | None = None
    contact_id: int | None = None
    role: str = ""
    note: str = ""


def lead_account_has_contacts(lead: Lead) -> bool:
    account_id = lead.account_id or (lead.contact.account_id if lead.contact_id else None)
    if account_id is None:
        return False
    return ContactAccount.objects.filter(account_id=account_id).exists()


def _conversion_contact(lead: Lead, account_id: int, contact_id: int | None) -> int:
    """The contact who gets the role on the new deal: the one asked for, else the lead's
    contact, else the account's primary (then first) contact."""
    links = ContactAccount.objects.filter(account_id=account_id)
    if contact_id is not None:
        if not links.filter(contact_id=contact_id).exists():
            raise ApplicationError(
                _("This contact does not belong to the lead's account."), field="contact"
            )
        return contact_id
    if lead.contact_id:
        if not links.filter(contact_id=lead.contact_id).exists():
            raise ApplicationError(
                _("The lead's contact does not belong to its account; choose a contact."),
                field="contact",
            )
        return lead.contact_id
    first = links.order_by("-is_primary", "id").values_list("contact_id", flat=True).first()
    if first is None:
        raise ApplicationError(
            _(
                "An account-based lead's account needs at least one contact before it can "
                "be converted; add a contact to the account first."
            ),
            field="account",
        )
    return first


def lead_convert(
    *, user: User, lead: Lead, data: ConversionInput | None = None, source: str = Source.USER
) -> Opportunity:
    """Convert the lead into an opportunity on its account, with a contact in a role.

    The lead's row is locked first, so a double submit or two concurrent requests make
    exactly one opportunity: the second finds the lead converted and is refused (409).
    """
    from accounts.models import Contact
    from accounts.services.records.opportunities import opportunity_create

    data = data or ConversionInput()
    _check_may_work(user, lead)
    if not may_create(user, Opportunity):
        raise ForbiddenError(_("Your role cannot create opportunities."), code="forbidden")
    with transaction.atomic():
        # The lead's row alone (PostgreSQL refuses FOR UPDATE on an outer join's side).
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        if locked.status == S.CONVERTED or locked.opportunity_id:
            raise ConflictError(
                _("This lead was already converted to an opportunity."),
                field="status",
                code="already_converted",
                extra={"opportunity": locked.opportunity_id},
            )
        if not lead_transition_allowed(locked.status, S.CONVERTED):
            raise _transition_error(locked.status, S.CONVERTED)
        contact = Contact.objects.filter(pk=locked.contact_id).first()
        account_id = locked.account_id or (contact.account_id if contact else None)
        if account_id is None:
            raise ApplicationError(
                _("The lead's contact has no account; give the lead an account first."),
                field="account",
            )
        contact_id = _conversion_contact(locked, account_id, data.contact_id)
        name = (data.name or "").strip() or (
            locked.topic or (locked.product.name if locked.product else "") or str(locked)
        )
        fields = {
            "account": locked.account or contact.account,
            "name": name[:255],
            "owner": locked.owner or user,
            "contact_roles": [
                {
                    "contact": Contact.objects.get(pk=contact_id),
                    "role": data.role or "",
                    "is_primary": True,
                }
            ],
        }
        if data.amount is not None:
            fields["amount"] = data.amount
        if data.currency:
            fields["currency"] = data.currency
        if data.close_date is not None:
            fields["close_date"] = data.close_date
        opportunity = opportunity_create(user=user, data=fields)
        lead_status_change(
            lead,
            S.CONVERTED,
            user=user,
            reason=data.note,
            source=source,
            opportunity=opportunity,
        )
    return opportunity


# --- Disqualify reasons (admins) ------------------------------------------------------


def disqualify_reason_save(
    *, user: User, reason: DisqualifyReason | None = None, data: dict
) -> DisqualifyReason:
    """Create or change a disqualify reason (admins only)."""
    from accounts.services.records.common import _assign, _save

    if not may_manage_disqualify_reasons(user):
        raise ForbiddenError(_("Only admins can edit the disqualify reasons."), code="forbidden")
    reason = reason or DisqualifyReason()
    _assign(reason, dict(data), {"name", "position", "is_active"})
    reason.name = (reason.name or "").strip()
    if not reason.name:
        raise ApplicationError(_("A reason needs a name."), field="name")
    if DisqualifyReason.objects.filter(name__iexact=reason.name).exclude(pk=reason.pk).exists():
        raise ApplicationError(_("This reason is already in the list."), field="name")
    _save(reason)
    return reason


def disqualify_reason_delete(*, user: User, reason: DisqualifyReason) -> None:
    """Delete a reason no lead was disqualified for; a used one can only be deactivated."""
    if not may_manage_disqualify_reasons(user):
        raise ForbiddenError(_("Only admins can edit the disqualify reasons."), code="forbidden")
    if LeadStatusChange.objects.filter(disqualify_reason=reason).exists():
        raise ConflictError(
            _("Leads were disqualified for this reason; deactivate it instead."),
            field="is_active",
        )
    reason.delete()
