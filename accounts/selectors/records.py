"""Reads behind the record pages: lists (their sorts; abm.paging pages them), detail panels."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from abm.paging import Key, Sort
from abm.permissions import may_choose_owner
from accounts.models import (
    Account,
    Activity,
    Contact,
    ContactAccount,
    Lead,
    Note,
    Opportunity,
    Task,
    User,
)

TIMELINE_SIZE = 50

# --- Accounts -------------------------------------------------------------------------

# Each list's sorts (abm.paging.Sort): ?sort=fit pages by fit score then id, ?sort=-fit the
# other way round; ``descending`` is the direction of a header's first click.
ACCOUNT_SORTS: dict[str, Sort] = {
    "name": Sort(_("Name"), (Key(Lower("name")),)),
    "industry": Sort(_("Industry"), ("industry",)),
    # No head count sorts below every number.
    "employees": Sort(_("Employees"), (Key("employee_count", nulls="low"),), descending=True),
    "fit": Sort(_("Fit score"), ("fit_score",), descending=True),
    "created": Sort(_("Created"), ("created_at",), descending=True),
}


ACCOUNT_ROW_RELATED = ("owner__team",)
CONTACT_ROW_RELATED = ("account", "owner")
LEAD_ROW_RELATED = ("contact", "account", "product", "owner")
OPPORTUNITY_ROW_RELATED = ("account", "owner")


def account_list_queryset() -> QuerySet[Account]:
    """Accounts to page through; rows get ACCOUNT_ROW_RELATED attached afterwards."""
    return Account.objects.all()


def account_contact_counts(account_ids: list[int]) -> dict[int, int]:
    """Contacts associated (primary or not) with each account, in one grouped query."""
    if not account_ids:
        return {}
    rows = (
        ContactAccount.objects.filter(account_id__in=account_ids)
        .values("account_id")
        .annotate(n=Count("id"))
        .values_list("account_id", "n")
    )
    return dict(rows)


def account_detail(*, pk: int) -> Account:
    return Account.objects.select_related("owner", "owner__team", "parent").get(pk=pk)


def account_contacts(*, account: Account) -> list[ContactAccount]:
    """Every contact associated with the account, primary ones first."""
    return list(
        ContactAccount.objects.filter(account=account)
        .select_related("contact", "contact__owner")
        .order_by("-is_primary", "contact__last_name", "contact__first_name", "contact_id")
    )


def account_opportunities(*, account: Account) -> list[Opportunity]:
    return list(
        Opportunity.objects.filter(account=account)
        .select_related("owner")
        .order_by("close_date", "-created_at")
    )


def open_tasks(*, account: Account | None = None, contact: Contact | None = None) -> list[Task]:
    tasks = Task.objects.filter(status=Task.Status.OPEN).select_related("owner", "contact")
    if account is not None:
        tasks = tasks.filter(account=account)
    if contact is not None:
        tasks = tasks.filter(contact=contact)
    return list(tasks.order_by(F("due_at").asc(nulls_last=True), "id")[:50])


def notes_for(*, account: Account | None = None, contact: Contact | None = None) -> list[Note]:
    notes = Note.objects.select_related("author", "contact")
    if account is not None:
        notes = notes.filter(account=account)
    if contact is not None:
        notes = notes.filter(contact=contact)
    return list(notes.order_by("-created_at", "-id")[:20])


def timeline(
    *, account: Account | None = None, contact: Contact | None = None, size: int = TIMELINE_SIZE
) -> list[Activity]:
    """The latest activities of an account or a contact, newest first."""
    activities = Activity.objects.select_related("contact", "user", "campaign")
    if account is not None:
        activities = activities.filter(account=account)
    if contact is not None:
        activities = activities.filter(contact=contact)
    return list(activities.order_by("-occurred_at", "-id")[:size])


# --- Contacts -------------------------------------------------------------------------

CONTACT_SORTS: dict[str, Sort] = {
    # Plain columns so the (last_name, first_name) index serves the default order.
    "name": Sort(_("Name"), ("last_name", "first_name")),
    "engagement": Sort(_("Engagement"), ("engagement_score",), descending=True),
    "created": Sort(_("Created"), ("created_at",), descending=True),
}


def contact_list_queryset() -> QuerySet[Contact]:
    return Contact.objects.all()


def contact_detail(*, pk: int) -> Contact:
    return Contact.objects.select_related(
        "account", "owner", "guardian", "source_campaign", "account__owner"
    ).get(pk=pk)


def contact_accounts(*, contact: Contact) -> list[ContactAccount]:
    return list(
        ContactAccount.objects.filter(contact=contact)
        .select_related("account")
        .order_by("-is_primary", "account__name")
    )


def contact_leads(*, contact: Contact) -> list[Lead]:
    return list(Lead.objects.filter(contact=contact).select_related("product", "owner"))


# --- Leads ----------------------------------------------------------------------------

LEAD_SORTS: dict[str, Sort] = {
    "created": Sort(_("Created"), ("created_at",), descending=True),
    "score": Sort(_("Score"), ("score",), descending=True),
}

# The main path of a lead's life; "disqualified" is the side exit.
LEAD_LIFECYCLE = [
    Lead.Status.NEW,
    Lead.Status.NURTURING,
    Lead.Status.MQL,
    Lead.Status.SALES_ACCEPTED,
    Lead.Status.CONVERTED,
]


def lead_list_queryset() -> QuerySet[Lead]:
    return Lead.objects.all()


def lead_detail(*, pk: int) -> Lead:
    return Lead.objects.select_related(
        "contact",
        "contact__account",
        "account",
        "product",
        "owner",
        "source_campaign",
        "opportunity",
    ).get(pk=pk)


# --- Opportunities --------------------------------------------------------------------

OPPORTUNITY_SORTS: dict[str, Sort] = {
    "created": Sort(_("Created"), ("created_at",), descending=True),
    "amount": Sort(_("Amount"), ("amount",), descending=True),
    # No close date sorts after every date.
    "close": Sort(_("Close date"), (Key("close_date", nulls="high"),)),
    "name": Sort(_("Name"), (Key(Lower("name")),)),
}


def opportunity_list_queryset() -> QuerySet[Opportunity]:
    return Opportunity.objects.all()


# --- Pickers --------------------------------------------------------------------------


def owner_choices(*, user: User) -> QuerySet[User]:
    """Who the user may make an owner: sales reps only themselves."""
    users = User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
    if not may_choose_owner(user):
        return users.filter(pk=user.pk)
    return users


def account_suggestions(*, text: str, limit: int = 15) -> list[Account]:
    text = (text or "").strip()
    if not text:
        return []
    return list(
        Account.objects.filter(Q(name__icontains=text) | Q(domain__icontains=text)).order_by(
            Lower("name"), "id"
        )[:limit]
    )


def contact_suggestions(*, text: str, limit: int = 15) -> list[Contact]:
    text = (text or "").strip()
    if not text:
        return []
    return list(
        Contact.objects.filter(
            Q(email__icontains=text) | Q(last_name__icontains=text) | Q(first_name__icontains=text)
        )
        .select_related("account")
        .order_by("last_name", "first_name", "id")[:limit]
    )
