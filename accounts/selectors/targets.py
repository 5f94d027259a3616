"""Reads of the target-accounts area: the index rows, metric cards, categories, overview.

The page and the API call the same functions with the same parameters. Rows sort and
filter only on account and rollup columns (indexed), are read with ``.values()`` in a
single query, and are paged by keyset so the last page costs what the first does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from abm.exceptions import ApplicationError
from abm.paging import Key, page_size_parse, paginate
from accounts.models import (
    Account,
    AccountRollup,
    Activity,
    Contact,
    Industry,
    Opportunity,
    Team,
    User,
)
from accounts.selectors.money import base_currency, open_deal_value_by_currency
from accounts.services.activities import ENGAGEMENT_TYPES

# Each category as a condition on rollup columns (every target has a rollup row, see
# _base): CATEGORIES states it from Account (the rows), _ROLLUP_CATEGORIES from the rollup
# table itself (cards and counts, which read that one narrow table).
_CATEGORY_DEFS: dict[str, tuple[str, dict]] = {
    "all": ("All target accounts", {}),
    "no_open_tasks": ("No open tasks", {"open_tasks_count": 0}),
    "no_logged_calls": ("No logged calls", {"calls_count": 0}),
    "no_meetings": ("No meetings", {"meetings_count": 0}),
    "no_open_deals": ("No open deals", {"open_deals_count": 0}),
    "no_decision_maker": ("No decision maker", {"has_decision_maker": False}),
    "has_blocker": ("Has a blocker", {"has_blocker": True}),
}
CATEGORIES: dict[str, tuple[str, Q]] = {
    key: (label, Q(**{f"rollup__{name}": value for name, value in cond.items()}))
    for key, (label, cond) in _CATEGORY_DEFS.items()
}
_ROLLUP_CATEGORIES: dict[str, Q] = {key: Q(**cond) for key, (_, cond) in _CATEGORY_DEFS.items()}


def engagement_field() -> str:
    """The last-engagement column in force: GDPR mode leaves out contacts with no basis."""
    if settings.GDPR_MODE:
        return "rollup__last_engagement_consented_at"
    return "rollup__last_engagement_at"


def sort_fields() -> dict[str, str]:
    """Public sort key -> the column it orders by (every one indexed)."""
    return {
        "name": "name",
        "owner": "owner__username",
        "contacts": "rollup__contacts_count",
        "open_deals": "rollup__open_deals_count",
        "open_deal_value": "rollup__open_deal_value",
        "last_touch": "rollup__last_touch_at",
        "last_engagement": engagement_field(),
        "next_scheduled": "rollup__next_scheduled_at",
        # Written by the analytics health worker; partial index rollup_t_health.
        "health": "rollup__health_score",
    }


DEFAULT_SORT = "name"
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class TargetFilters:
    owner: int | None = None
    team: int | None = None
    q: str = ""
    category: str = "all"


def _int_param(params, name: str) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError as exc:
        raise ApplicationError(f"{name} must be an id.", field=name) from exc
    return value


def target_filters_parse(params) -> TargetFilters:
    """Read owner, team, q and category from a QueryDict; bad values name their field."""
    owner = _int_param(params, "owner")
    if owner is not None and not User.objects.filter(pk=owner).exists():
        raise ApplicationError(f"User {owner} does not exist.", field="owner")
    team = _int_param(params, "team")
    if team is not None and not Team.objects.filter(pk=team).exists():
        raise ApplicationError(f"Team {team} does not exist.", field="team")
    category = (params.get("category") or "all").strip()
    if category not in CATEGORIES:
        raise ApplicationError(
            f"Unknown category '{category}'; choose one of {', '.join(CATEGORIES)}.",
            field="category",
        )
    return TargetFilters(
        owner=owner, team=team, q=(params.get("q") or "").strip()[:200], category=category
    )


def _account_filtered(qs: QuerySet, filters: TargetFilters, *, via: str = "") -> QuerySet:
    """``qs`` narrowed by the owner, team and search filters on its account (reached
    through ``via``, e.g. ``"account__"``; none: ``qs`` is of accounts).

    With any of them it says is_target on the account too, so PostgreSQL can start from
    the accounts (owner index, or the targets' account_target_name for a substring
    search) rather than walk every target rollup and test each one's account.
    """
    if filters.owner:
        qs = qs.filter(**{f"{via}owner_id": filters.owner})
    if filters.team:
        qs = qs.filter(**{f"{via}owner__team_id": filters.team})
    if filters.q:
        qs = qs.filter(
            Q(**{f"{via}name__icontains": filters.q}) | Q(**{f"{via}domain__icontains": filters.q})
        )
    if filters.owner or filters.team or filters.q:
        qs = qs.filter(**{f"{via}is_target": True})
    return qs


def _base(filters: TargetFilters, *, with_category: bool = True) -> QuerySet:
    """Target accounts joined to their rollups, selected by the rollup's copy of is_target.

    The copy is what the partial ``rollup_t_*`` indexes cover, so sorts on rollup columns
    are index scans over targets only. accounts_mark_target/unmark write it in the same
    transaction as Account.is_target (and give a new target its rollup row); imports and
    other writers reach it through the rollup refresh their change notices queue.
    """
    qs = _account_filtered(Account.objects.filter(rollup__is_target=True), filters)
    if with_category:
        qs = qs.filter(CATEGORIES[filters.category][1])
    return qs


def _rollup_base(filters: TargetFilters) -> QuerySet:
    """The same targets as _base (without the category), read from the rollup table.

    With no owner, team or search filter this is one scan of the partial index over
    target rollups, no join; those filters join the account (and its owner) only.
    """
    return _account_filtered(AccountRollup.objects.filter(is_target=True), filters, via="account__")


def _card_aggregates(chosen: Q) -> dict:
    return {
        "target_accounts": Count("pk", filter=chosen),
        "accounts_with_open_deals": Count("pk", filter=chosen & Q(open_deals_count__gt=0)),
        # Converted to the base currency (accounts.services.rollups); deals in a currency
        # without a rate are only counted.
        "open_deal_value": Sum("open_deal_value", filter=chosen),
        "open_deals_unconverted": Sum("open_deals_unconverted", filter=chosen),
        "no_buying_role": Count("pk", filter=chosen & Q(has_any_buying_role=False)),
        "missing_decision_makers": Count("pk", filter=chosen & Q(has_decision_maker=False)),
    }


def _money_card(agg: dict, filters: TargetFilters) -> dict:
    """The open deal value card: the base-currency sum of the rollups, how many deals it
    leaves out (no rate for their currency), and the unconverted totals per currency."""
    agg["open_deal_value"] = agg["open_deal_value"] or Decimal("0.00")
    agg["open_deals_unconverted"] = agg["open_deals_unconverted"] or 0
    agg["open_deal_currency"] = base_currency()
    agg["open_deal_values"] = target_open_deal_values(filters=filters)
    return agg


def target_summary(*, filters: TargetFilters) -> dict:
    """The five metric cards for the accounts the filters select (two queries: the rollup
    aggregates and the open deal value per currency)."""
    agg = _rollup_base(filters).aggregate(**_card_aggregates(_ROLLUP_CATEGORIES[filters.category]))
    return _money_card(agg, filters)


def target_category_counts(*, filters: TargetFilters) -> dict[str, int]:
    """How many targets fall in each sidebar category under the other filters (one query)."""
    return _rollup_base(filters).aggregate(
        **{key: Count("pk", filter=q) for key, q in _ROLLUP_CATEGORIES.items()}
    )


def target_summary_and_counts(*, filters: TargetFilters) -> tuple[dict, dict[str, int]]:
    """The page's cards and sidebar counts in one scan of the target rollups (and one query
    for the open deal value per currency)."""
    aggregates = {f"cat_{key}": Count("pk", filter=q) for key, q in _ROLLUP_CATEGORIES.items()}
    aggregates.update(_card_aggregates(_ROLLUP_CATEGORIES[filters.category]))
    agg = _rollup_base(filters).aggregate(**aggregates)
    counts = {key: agg.pop(f"cat_{key}") for key in CATEGORIES}
    return _money_card(agg, filters), counts


def target_open_deal_values(*, filters: TargetFilters) -> list[dict]:
    """The open deal value of the targets the filters select, one total per currency."""
    return open_deal_value_by_currency(accounts=_base(filters))


# --- Rows, keyset-paged -------------------------------------------------------------------

ROW_FIELDS = (
    "id",
    "name",
    "domain",
    "owner_id",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
    "target_since",
    "target_source",
    "rollup__contacts_count",
    "rollup__open_deals_count",
    "rollup__open_deal_value",  # in the base currency
    "rollup__open_deals_unconverted",
    "rollup__open_deal_values",
    "rollup__last_touch_at",
    "rollup__last_engagement_at",
    "rollup__last_engagement_consented_at",
    "rollup__next_scheduled_at",
    "rollup__has_decision_maker",
    "rollup__has_blocker",
    "rollup__open_tasks_count",
    "rollup__calls_count",
    "rollup__meetings_count",
    "rollup__health_score",
    "rollup__health_computed_at",
)


@dataclass
class TargetPage:
    rows: list[dict]
    sort: str
    next_cursor: str | None
    previous_cursor: str | None


def _nullable(column: str) -> bool:
    return column.endswith("_at") or column == "owner__username"


def _sort_key(column: str, *, descending: bool) -> Key:
    """The column as an abm.paging Key whose ORDER BY matches a ``rollup_t_*`` index.

    Only time columns (and the owner's name) hold NULLs; they sort last either way, the
    placement their two partial indexes share. Never-null columns sort plain, so one
    index serves both directions.
    """
    nullable = _nullable(column)
    return Key(column, descending=descending, nulls="last" if nullable else None, nullable=nullable)


def target_page(
    *, filters: TargetFilters, sort: str = DEFAULT_SORT, cursor: str | None = None, size=None
) -> TargetPage:
    """One page of target rows, keyset-paged (abm.paging) in one query whatever the size."""
    size = page_size_parse(size, default=PAGE_SIZE, maximum=MAX_PAGE_SIZE)
    sort = sort or DEFAULT_SORT
    key = sort.lstrip("-")
    columns = sort_fields()
    if key not in columns:
        raise ApplicationError(
            f"Unknown ordering '{sort}'; choose one of {', '.join(columns)} (prefix - to reverse).",
            field="ordering",
        )
    page = paginate(
        _base(filters).values(*ROW_FIELDS),
        ordering=[_sort_key(columns[key], descending=sort.startswith("-"))],
        cursor=cursor,
        size=size,
    )
    engagement = engagement_field()
    for row in page.items:
        row["last_engagement"] = row[engagement]
    return TargetPage(
        rows=page.items,
        sort=sort,
        next_cursor=page.next_cursor or None,
        previous_cursor=page.previous_cursor or None,
    )


# --- Filter choices, the "select targets" search, prospects, overview ------------------


def owner_choices() -> list[dict]:
    return list(
        User.objects.filter(is_active=True)
        .order_by("first_name", "last_name", "username")
        .values("id", "username", "first_name", "last_name")
    )


def team_choices() -> list[dict]:
    return list(Team.objects.order_by("name").values("id", "name"))


def non_target_search(*, q: str = "", limit: int = 25) -> list[dict]:
    """Companies that are not targets yet, for the "select target accounts" panel."""
    qs = Account.objects.filter(is_target=False)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(domain__icontains=q))
    return _with_labels(
        qs.order_by("name", "id").values(
            "id", "name", "domain", "industry", "fit_score", "owner__username"
        )[:limit]
    )


def accounts_named(*, ids: list[int], limit: int = 500) -> list[dict]:
    """id and name of these accounts, in the order given (the ticks kept in the panel)."""
    if not ids:
        return []
    names = dict(Account.objects.filter(pk__in=ids[:limit]).values_list("pk", "name"))
    return [{"id": pk, "name": names[pk]} for pk in ids[:limit] if pk in names]


def _with_labels(rows) -> list[dict]:
    """``.values()`` rows have no get_industry_display: add the label beside the code."""
    labels = dict(Industry.choices)
    rows = list(rows)
    for row in rows:
        row["industry_label"] = labels.get(row.get("industry"), row.get("industry") or "")
    return rows


PROSPECT_DAYS = 30


def _engagement_q(since: datetime) -> Q:
    q = Q(
        type__in=ENGAGEMENT_TYPES,
        initiated_by=Activity.InitiatedBy.CONTACT,
        is_bot=False,
        occurred_at__gte=since,
        occurred_at__lte=timezone.now(),
    )
    if settings.GDPR_MODE:
        q &= ~Q(contact__legal_basis=Contact.LegalBasis.NONE)
    return q


def engagement_by_account(*, account_ids=None, limit: int | None = None) -> list[dict]:
    """Contact-initiated engagement in the last 30 days per non-target account, most first."""
    since = timezone.now() - timedelta(days=PROSPECT_DAYS)
    qs = Activity.objects.filter(_engagement_q(since), account__is_target=False)
    if account_ids is not None:
        qs = qs.filter(account_id__in=account_ids)
    qs = (
        qs.values("account_id")
        .annotate(engagements=Count("id"), contacts=Count("contact_id", distinct=True))
        .order_by("-engagements", "account_id")
    )
    return list(qs[:limit] if limit else qs)


def prospects(*, limit: int = 25) -> list[dict]:
    """Non-target accounts with contact-initiated engagement in the last 30 days, ranked by it."""
    counts = engagement_by_account(limit=limit)
    accounts = {
        a["id"]: a
        for a in Account.objects.filter(pk__in=[c["account_id"] for c in counts]).values(
            "id", "name", "domain", "industry", "fit_score", "owner__username"
        )
    }
    return _with_labels(
        {**accounts[c["account_id"]], "engagements": c["engagements"], "contacts": c["contacts"]}
        for c in counts
        if c["account_id"] in accounts
    )


def account_overview(*, account: Account) -> dict:
    """The overview of one account: activities, contacts, stakeholders, deals, pages viewed."""
    activities = list(
        Activity.objects.filter(Q(account=account) | Q(contact__account_links__account=account))
        .distinct()
        .select_related("contact", "user")
        .order_by("-occurred_at", "-id")[:25]
    )
    contacts = list(
        Contact.objects.filter(account=account).order_by("last_name", "first_name", "id")[:100]
    )
    stakeholder_ids = (
        Activity.objects.filter(
            Q(account=account) | Q(contact__account_links__account=account), user__isnull=False
        )
        .values("user_id")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    counts = {row["user_id"]: row["n"] for row in stakeholder_ids[:50]}
    from accounts.models import Task

    creators = set(
        Task.objects.filter(account=account, created_by__isnull=False).values_list(
            "created_by_id", flat=True
        )[:50]
    )
    users = {u.pk: u for u in User.objects.filter(pk__in=set(counts) | creators)}
    stakeholders = [
        {"user": users[pk], "activities": counts.get(pk, 0)}
        for pk in sorted(users, key=lambda pk: (-counts.get(pk, 0), users[pk].username))
    ]
    deals = list(Opportunity.objects.filter(account=account).order_by("-created_at", "-id")[:50])
    pages = list(
        Activity.objects.filter(
            Q(account=account) | Q(contact__account_links__account=account),
            type=Activity.Type.WEB_VISIT,
        )
        .exclude(url="")
        .values("url")
        .annotate(views=Count("id", distinct=True))
        .order_by("-views", "url")[:25]
    )
    return {
        "activities": activities,
        "contacts": contacts,
        "stakeholders": stakeholders,
        "deals": deals,
        "pages": pages,
    }
