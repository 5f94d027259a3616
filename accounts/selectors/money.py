"""Money reads: open deal value never adds different currencies as one number.

Deals carry their own currency (Opportunity.currency). A sum of amounts is either grouped
by currency: ``[{"currency": "EUR", "amount": Decimal}, …]``, largest first (templates show
it with ``{{ totals|money_totals }}``), or converted to ``settings.BASE_CURRENCY`` with the
rates an admin keeps (CurrencyRate; ``rates_to_base``), leaving out and counting the deals
in a currency that has no rate (the target-accounts rollup, accounts.services.rollups).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet, Sum

from accounts.models import CurrencyRate, Opportunity


def _ordered(pairs: Iterable[tuple[str, Decimal]]) -> list[dict]:
    totals = [{"currency": c, "amount": a or Decimal("0")} for c, a in pairs]
    return sorted(totals, key=lambda t: (-t["amount"], t["currency"]))


def totals_of(pairs: Iterable[tuple[str, Decimal]]) -> list[dict]:
    """In memory: ``(currency, amount)`` pairs (deals already loaded) → one total per currency."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for currency, amount in pairs:
        sums[currency] += Decimal(amount or 0)
    return _ordered(sums.items())


def open_deals(*, opportunities: QuerySet | None = None) -> QuerySet:
    """Deals not closed won or lost."""
    qs = opportunities if opportunities is not None else Opportunity.objects.all()
    return qs.exclude(stage__in=Opportunity.CLOSED_STAGES)


def money_by_currency(*, opportunities: QuerySet) -> list[dict]:
    """The amounts of these deals, one total per currency (one grouped query)."""
    rows = opportunities.values("currency").annotate(total=Sum("amount")).order_by()
    return _ordered((row["currency"], row["total"]) for row in rows)


def open_deal_value_by_currency(*, account_ids=None, accounts: QuerySet | None = None) -> list:
    """Open deal value of some accounts (ids, or a queryset of accounts), per currency."""
    qs = open_deals()
    if accounts is not None:
        qs = qs.filter(account__in=accounts.values("pk"))
    if account_ids is not None:
        qs = qs.filter(account_id__in=list(account_ids))
    return money_by_currency(opportunities=qs)


def open_deal_value_per_account(*, account_ids: Iterable[int]) -> dict[int, list[dict]]:
    """{account id: its open deal value per currency} for a page of accounts (one query)."""
    ids = list(account_ids)
    grouped: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    if not ids:
        return {}
    rows = (
        open_deals()
        .filter(account_id__in=ids)
        .values("account_id", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in rows:
        grouped[row["account_id"]].append((row["currency"], row["total"]))
    return {pk: _ordered(pairs) for pk, pairs in grouped.items()}


# --- Exchange rates -------------------------------------------------------------------


def base_currency() -> str:
    """The currency converted open deal values are stated in (``settings.BASE_CURRENCY``)."""
    return settings.BASE_CURRENCY


def rates_to_base() -> dict[str, Decimal]:
    """{currency: what one unit is worth in the base currency}; the base itself is 1."""
    rates = dict(CurrencyRate.objects.values_list("currency", "rate_to_base"))
    rates[base_currency()] = Decimal(1)
    return rates


def currency_rate_list() -> QuerySet:
    """The rates an admin keeps, by currency, with who changed each last."""
    return CurrencyRate.objects.select_related("updated_by").order_by("currency")
