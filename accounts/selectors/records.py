"""Reads behind the record pages: lists with keyset paging, detail pages with their panels."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Value, prefetch_related_objects
from django.db.models.functions import Coalesce, Lower

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

PAGE_SIZE = 50
TIMELINE_SIZE = 50

# --- Keyset paging ------------------------------------------------------------------
#
# Offsets get slower the deeper one pages (the database walks every skipped row);
# a keyset cursor carries the last row's sort values, so page 1,000 costs what
# page 1 does. Every sort key is made non-null (Coalesce) so that the "after this
# row" condition is a plain lexicographic comparison, and the id breaks ties.


@dataclass(frozen=True)
class SortKey:
    """One way to order a list: the expression, and the direction of a header's first click."""

    label: str
    expression: Any
    descending: bool = False


@dataclass
class KeysetPage:
    items: list
    has_next: bool = False
    has_previous: bool = False
    next_cursor: str = ""
    previous_cursor: str = ""
    extra: dict = field(default_factory=dict)


def _encode_cursor(values: list, direction: str) -> str:
    def plain(value):
        if isinstance(value, dt.datetime | dt.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        return value

    raw = json.dumps({"v": [plain(v) for v in values], "d": direction}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[list, str] | None:
    """The cursor's values and direction, or None for anything malformed (start over)."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        values, direction = data["v"], data["d"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        return None
    if direction not in ("n", "p") or not isinstance(values, list) or len(values) != 2:
        return None
    if not isinstance(values[1], int):
        return None
    return values, direction


def keyset_page(
    queryset: QuerySet,
    *,
    key: SortKey,
    descending: bool,
    cursor: str = "",
    size: int = PAGE_SIZE,
    related: tuple[str, ...] = (),
) -> KeysetPage:
    """One page of ``queryset`` ordered by ``key`` then id, both ascending or both descending.

    ``related`` objects are fetched for the page's rows afterwards (one query each):
    joining them into the paged query would make the database sort the joined rows of
    the whole table whenever the sort key has no index.
    """
    queryset = queryset.annotate(_sort=key.expression)
    decoded = _decode_cursor(cursor)
    backwards = bool(decoded and decoded[1] == "p")
    # Walking backwards reads the previous rows in the opposite order, then flips them.
    walk_desc = descending != backwards
    if decoded:
        value, last_id = decoded[0]
        op = "lt" if walk_desc else "gt"
        queryset = queryset.filter(
            Q(**{f"_sort__{op}": value}) | Q(_sort=value, **{f"id__{op}": last_id})
        )
    order = ["-_sort", "-id"] if walk_desc else ["_sort", "id"]
    rows = list(queryset.order_by(*order)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    if related:
        prefetch_related_objects(rows, *related)
    page = KeysetPage(items=rows)
    if rows:
        first, last = rows[0], rows[-1]
        page.has_next = more if not backwards else True
        page.has_previous = bool(decoded) if not backwards else more
        page.next_cursor = _encode_cursor([last._sort, last.pk], "n")
        page.previous_cursor = _encode_cursor([first._sort, first.pk], "p")
    elif decoded:
        # Ran off either end (rows deleted meanwhile): offer the way back to the start.
        page.has_previous = True
    return page


# --- Accounts -------------------------------------------------------------------------

ACCOUNT_SORTS: dict[str, SortKey] = {
    "name": SortKey("Name", Lower("name")),
    "industry": SortKey("Industry", F("industry")),
    "employees": SortKey("Employees", Coalesce("employee_count", Value(-1)), descending=True),
    "fit": SortKey("Fit score", F("fit_score"), descending=True),
    "created": SortKey("Created", F("created_at"), descending=True),
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

CONTACT_SORTS: dict[str, SortKey] = {
    # Plain last_name so the (last_name, first_name) index serves the default order.
    "name": SortKey("Name", F("last_name")),
    "engagement": SortKey("Engagement", F("engagement_score"), descending=True),
    "created": SortKey("Created", F("created_at"), descending=True),
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

LEAD_SORTS: dict[str, SortKey] = {
    "created": SortKey("Created", F("created_at"), descending=True),
    "score": SortKey("Score", F("score"), descending=True),
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
        "contact", "contact__account", "account", "product", "owner", "source_campaign"
    ).get(pk=pk)


def lead_status_history(*, lead: Lead) -> list[Activity]:
    """The lead's status changes, kept as activities on its contact."""
    if not lead.contact_id:
        return []
    return list(
        Activity.objects.filter(
            contact_id=lead.contact_id,
            type=Activity.Type.LEAD_STATUS_CHANGED,
            metadata__lead=lead.pk,
        )
        .select_related("user")
        .order_by("-occurred_at", "-id")[:20]
    )


# --- Opportunities --------------------------------------------------------------------

OPPORTUNITY_SORTS: dict[str, SortKey] = {
    "created": SortKey("Created", F("created_at"), descending=True),
    "amount": SortKey("Amount", F("amount"), descending=True),
    "close": SortKey("Close date", Coalesce("close_date", Value(dt.date(9999, 12, 31)))),
    "name": SortKey("Name", Lower("name")),
}


def opportunity_list_queryset() -> QuerySet[Opportunity]:
    return Opportunity.objects.all()


# --- Pickers --------------------------------------------------------------------------


def owner_choices(*, user: User) -> QuerySet[User]:
    """Who the user may make an owner: sales reps only themselves."""
    users = User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
    if user.is_sales_rep and not user.is_superuser:
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
