"""Whose engagement a record's insights sum, and who may read them.

A contact's insights are the person's own. An account's are summed over its contacts
(every contact linked to it, as on the account page). An opportunity's are summed over its
contact roles, or, when it has none, over its account's contacts; a lead's (marketing
insights) are its contact's, or an account lead's account's contacts. ``basis`` names which,
so the panels and the API can say it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abm.permissions import may_read_record_insights
from accounts.models import Account, Contact, ContactAccount, Lead, Opportunity
from accounts.models import OpportunityContactRole as Role
from accounts.services.tasks import user_time_zone

RECORD_MODELS = {
    "contact": Contact,
    "account": Account,
    "opportunity": Opportunity,
    "lead": Lead,
}

BASIS_LABELS = {
    "contact": _("This person's own activity."),
    "account_contacts": _("Summed over the account's contacts."),
    "opportunity_roles": _("Summed over the opportunity's contact roles."),
    "opportunity_account": _(
        "The opportunity has no contact roles: summed over its account's contacts."
    ),
    "lead_contact": _("The lead's contact's activity."),
    "lead_account": _("An account lead: summed over the account's contacts."),
    "none": _("The lead has neither a contact nor an account: nothing to sum."),
}

WEEKS = 12


@dataclass
class InsightsScope:
    record: str
    obj: object
    basis: str
    # The contacts summed: a list of ids, or a subquery of contact ids (one SQL query).
    contacts: list[int] | QuerySet
    account_id: int | None
    owner: object | None

    @property
    def basis_label(self) -> str:
        return str(BASIS_LABELS[self.basis])

    def contact_filter(self, prefix: str = "contact_id") -> dict:
        return {f"{prefix}__in": self.contacts}


def _owner(obj):
    """The user the record belongs to: its owner, a contact's account's owner when the
    contact has none."""
    owner = getattr(obj, "owner", None)
    if owner is None and isinstance(obj, Contact) and obj.account_id:
        owner = obj.account.owner
    return owner


def _account_contacts(account_id: int) -> QuerySet:
    return ContactAccount.objects.filter(account_id=account_id).values_list("contact_id", flat=True)


def insights_scope(*, user, record: str, pk: int, check: bool = True) -> InsightsScope:
    """The record and whose engagement its insights sum; Http404 for an unknown record, or
    (``check``) one the user may not read (``abm.permissions.may_read_record_insights``)."""
    model = RECORD_MODELS.get(record)
    if model is None:
        raise Http404(_("No such record."))
    qs = model.objects.select_related("owner", "owner__team")
    if model is Contact:
        qs = qs.select_related("account__owner")
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404(_("No such record."))
    owner = _owner(obj)
    if check and not may_read_record_insights(user, owner):
        raise Http404(_("No such record."))
    account_id = None
    if record == "contact":
        basis, contacts, account_id = "contact", [obj.pk], obj.account_id
    elif record == "account":
        basis, contacts, account_id = "account_contacts", _account_contacts(obj.pk), obj.pk
    elif record == "opportunity":
        account_id = obj.account_id
        roles = Role.objects.filter(opportunity_id=obj.pk).values_list("contact_id", flat=True)
        if roles.exists():
            basis, contacts = "opportunity_roles", roles
        else:
            basis, contacts = "opportunity_account", _account_contacts(obj.account_id)
    elif obj.contact_id:
        basis, contacts, account_id = "lead_contact", [obj.contact_id], obj.account_id
    elif obj.account_id:
        basis, contacts = "lead_account", _account_contacts(obj.account_id)
        account_id = obj.account_id
    else:
        basis, contacts = "none", []
    return InsightsScope(record, obj, basis, contacts, account_id, owner)


def insights_allowed(*, user, scope: InsightsScope) -> bool:
    return may_read_record_insights(user, scope.owner)


@dataclass(frozen=True)
class WeekWindow:
    """The last ``WEEKS`` weeks in the user's time zone, Monday to Monday, this week last."""

    tz: tzinfo
    mondays: tuple[date, ...]
    start: datetime
    end: datetime

    @property
    def tz_name(self) -> str:
        return getattr(self.tz, "key", str(self.tz))


def week_window(*, user, now: datetime | None = None, weeks: int = WEEKS) -> WeekWindow:
    tz = user_time_zone(user)
    local = timezone.localtime(now or timezone.now(), tz)
    this_monday = local.date() - timedelta(days=local.weekday())
    mondays = tuple(this_monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks))
    start = datetime.combine(mondays[0], time(0), tzinfo=tz)
    end = datetime.combine(this_monday + timedelta(weeks=1), time(0), tzinfo=tz)
    return WeekWindow(tz, mondays, start, end)


def week_of(value, window: WeekWindow) -> date:
    """The Monday a TruncWeek value stands for (an aware datetime in the user's zone, or a
    naive one already in it, or a date)."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = value.astimezone(window.tz)
        return value.date()
    return value
