"""Upsell / cross-sell: accounts with a won deal whose contacts show intent for products
they have not bought.

- **Intent** is the buying-group intent signal (``buying_groups.selectors.group_intent``)
  applied to every contact of the account rather than one group's members: visits, forms,
  documents and email clicks in the intent window whose topics, text or links name a
  product (*solution*), its name (*product*) or one of its keywords (*keyword*), each
  weighted and decayed by age with the intent half-life; levels from the same thresholds.
- **Bought**: a product is bought when a won deal of the account names it, or one of the
  account's buying groups for it has reached the *purchase* stage.
- Kept current by a worker (``upsell_intent_refresh``, on a beat schedule) in
  ``AccountProductIntent``; the page and the API read that table.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from types import SimpleNamespace

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Activity, Opportunity, Product
from analytics.insights.models import AccountProductIntent
from buying_groups.selectors import INTENT_TYPES, _activity_text, _matcher

from .common import InsightSettings, account_q, money_by_currency

T = Activity.Type
CHUNK = 500
LEVELS = ("low", "medium", "high")
PURCHASE_STAGE = "purchase"


def _products():
    products = list(Product.objects.order_by("id")[:500])
    return [
        (
            p,
            _matcher(p.name),
            [(k, _matcher(k)) for k in (p.keywords or []) if isinstance(k, str) and k.strip()],
        )
        for p in products
    ]


def bought_products(account_ids, *, products=None) -> dict[int, set[int]]:
    """Products each account has bought: named by a won deal, or a group at purchase."""
    from buying_groups.models import BuyingGroup

    products = products if products is not None else _products()
    ids = list(account_ids)
    bought: dict[int, set[int]] = defaultdict(set)
    won = Opportunity.objects.filter(account_id__in=ids, stage=Opportunity.Stage.CLOSED_WON)
    for account_id, name in won.values_list("account_id", "name"):
        text = re.sub(r"[-_/+.=?&]", " ", (name or "").casefold())
        for product, name_re, _keywords in products:
            if name_re.search(text):
                bought[account_id].add(product.pk)
    for account_id, product_id in BuyingGroup.objects.filter(
        account_id__in=ids, stage__key=PURCHASE_STAGE
    ).values_list("account_id", "solution_interest_id"):
        bought[account_id].add(product_id)
    return bought


def account_intent(activities, *, products, now: datetime) -> dict[int, dict]:
    """Intent per product from one account's activities (the group_intent rule)."""
    cfg = settings.BUYING_GROUP_INTENT
    weights, half_life = cfg["signal_weights"], cfg["half_life_days"]
    found: dict[int, dict] = {}
    for activity in activities:
        text, topics = _activity_text(activity)
        decay = math.pow(
            0.5, max(0.0, (now - activity.occurred_at).total_seconds() / 86400) / half_life
        )
        for product, name_re, keyword_res in products:
            signal = None
            example = ""
            if activity.type in (T.FORM_SUBMITTED, T.DOCUMENT_VIEWED) and any(
                name_re.search(t) or any(k.search(t) for _, k in keyword_res) for t in topics
            ):
                signal, example = "solution", ", ".join(topics)
            elif name_re.search(text):
                signal, example = "product", product.name
            else:
                for keyword, keyword_re in keyword_res:
                    if keyword_re.search(text):
                        signal, example = "keyword", keyword
                        break
            if not signal:
                continue
            item = found.setdefault(
                product.pk,
                {
                    "points": 0.0,
                    "signals": Counter(),
                    "examples": defaultdict(set),
                    "contacts": set(),
                    "last": None,
                },
            )
            item["points"] += weights[signal] * decay
            item["signals"][signal] += 1
            item["examples"][signal].add(example)
            item["contacts"].add(activity.contact_id)
            if item["last"] is None or activity.occurred_at > item["last"]:
                item["last"] = activity.occurred_at
    return found


def _level(points: float) -> str | None:
    thresholds = settings.BUYING_GROUP_INTENT["thresholds"]
    if points < thresholds["low"]:
        return None
    if points >= thresholds["high"]:
        return "high"
    return "medium" if points >= thresholds["medium"] else "low"


def _explain(item: dict) -> str:
    labels = {
        "solution": _("form or document topics naming it"),
        "product": _("pages, subjects or links naming the product"),
        "keyword": _("pages, subjects or links with its keywords"),
    }
    parts = []
    for signal in ("solution", "product", "keyword"):
        n = item["signals"][signal]
        if n:
            sample = ", ".join(sorted(item["examples"][signal])[:3])
            parts.append(f"{n} × {labels[signal]} ({sample})")
    return "; ".join(parts)


def upsell_intent_refresh(*, now: datetime | None = None, chunk: int = CHUNK) -> int:
    """Recompute AccountProductIntent for every account with a won deal; returns rows kept."""
    now = now or timezone.now()
    cfg = settings.BUYING_GROUP_INTENT
    since = now - timedelta(days=cfg["window_days"])
    products = _products()
    accounts = sorted(
        set(
            Opportunity.objects.filter(stage=Opportunity.Stage.CLOSED_WON).values_list(
                "account_id", flat=True
            )
        )
    )
    kept = 0
    for start in range(0, len(accounts), chunk):
        ids = accounts[start : start + chunk]
        per_account = defaultdict(list)
        rows = Activity.objects.filter(
            account_id__in=ids,
            type__in=INTENT_TYPES,
            is_bot=False,
            occurred_at__gte=since,
            occurred_at__lte=now,
        ).values_list(
            "account_id", "contact_id", "type", "subject", "url", "metadata", "occurred_at"
        )
        for account_id, contact_id, type_, subject, url, metadata, occurred_at in rows.iterator(
            chunk_size=5000
        ):
            per_account[account_id].append(
                SimpleNamespace(
                    contact_id=contact_id,
                    type=type_,
                    subject=subject,
                    url=url,
                    metadata=metadata,
                    occurred_at=occurred_at,
                )
            )
        bought = bought_products(ids, products=products)
        fresh = []
        for account_id, activities in per_account.items():
            for product_id, item in account_intent(activities, products=products, now=now).items():
                level = _level(item["points"])
                if not level:
                    continue
                fresh.append(
                    AccountProductIntent(
                        account_id=account_id,
                        product_id=product_id,
                        points=round(item["points"], 2),
                        level=level,
                        bought=product_id in bought.get(account_id, ()),
                        signal_counts=dict(item["signals"]),
                        explanation=_explain(item),
                        contacts=len(item["contacts"]),
                        last_signal_at=item["last"],
                        computed_at=now,
                    )
                )
        with transaction.atomic():
            AccountProductIntent.objects.filter(account_id__in=ids).delete()
            AccountProductIntent.objects.bulk_create(fresh, batch_size=1000)
        kept += len(fresh)
    # Accounts that no longer have a won deal leave the list.
    AccountProductIntent.objects.exclude(account_id__in=accounts).delete()
    return kept


# --- The list ---------------------------------------------------------------------------------

MAX_ROWS = 500


def upsell_run(s: InsightSettings, *, min_level: str = "low", product: int | None = None,
               limit: int = 100) -> dict:  # fmt: skip
    """The upsell / cross-sell list for the segment: strongest intent first."""
    levels = LEVELS[LEVELS.index(min_level) :]
    qs = AccountProductIntent.objects.filter(bought=False, level__in=levels)
    segment = account_q(s, "account__")
    if segment:
        qs = qs.filter(segment)
    if product:
        qs = qs.filter(product_id=product)
    counts = qs.aggregate(
        rows=Count("id"),
        accounts=Count("account_id", distinct=True),
        high=Count("id", filter=Q(level="high")),
    )
    per_product = list(
        qs.values("product_id", "product__name")
        .annotate(accounts=Count("account_id", distinct=True), points=Sum("points"))
        .order_by("-accounts", "product__name")[:20]
    )
    rows = list(
        qs.order_by("-points", "account_id", "product_id").values(
            "account_id",
            "account__name",
            "account__industry",
            "account__owner__username",
            "product_id",
            "product__name",
            "points",
            "level",
            "explanation",
            "contacts",
            "last_signal_at",
            "computed_at",
        )[: min(limit, MAX_ROWS)]
    )
    account_ids = {r["account_id"] for r in rows}
    won: dict[int, list] = defaultdict(list)
    won_count: Counter = Counter()
    for account_id, currency, amount, n in (
        Opportunity.objects.filter(account_id__in=account_ids, stage=Opportunity.Stage.CLOSED_WON)
        .values_list("account_id", "currency")
        .annotate(total=Sum("amount"), n=Count("id"))
        .values_list("account_id", "currency", "total", "n")
        .order_by()
    ):
        won[account_id].append((currency, amount))
        won_count[account_id] += n
    names = dict(Product.objects.values_list("pk", "name")[:500])
    bought = bought_products(account_ids)
    for row in rows:
        pk = row["account_id"]
        row["won_deals"] = won_count[pk]
        row["won_value"] = money_by_currency(won[pk])
        row["bought"] = sorted(names.get(p, "?") for p in bought.get(pk, ()))
    computed = (
        AccountProductIntent.objects.order_by("-computed_at")
        .values_list("computed_at", flat=True)
        .first()
    )
    return {
        "settings": s.as_dict(),
        "min_level": min_level,
        "product": product,
        "summary": counts,
        "products": per_product,
        "rows": rows,
        "computed_at": computed,
        "definitions": definitions(),
    }


def definitions() -> dict:
    return {
        "intent": _(
            "Intent: the buying-group intent signals over all the account's contacts — "
            "visits, forms, documents and email clicks that name a product, its keywords or "
            "(in form and document topics) the solution, decayed by age."
        ),
        "bought": _(
            "Bought: a won deal of the account names the product, or one of its buying "
            "groups for the product reached the purchase stage."
        ),
        "list": _("Listed: accounts with a won deal and intent for a product not bought."),
    }
