"""Account health: a 0-100 score per account, stored with the inputs it came from.

The score adds six components (their maximum points in brackets):

- **Engagement trend** (25): contact-initiated, non-bot activities in the last 30 days
  against the monthly average of the 60 days before. Steady scores half; doubling or
  better scores all; halving or worse scores none (log scale in between). No engagement
  in either window scores none.
- **Buying-group completeness** (15) and **buying-group engagement** (15): the average
  completeness and engagement scores of the account's buying groups (none: 0).
- **Open deals** (15): one open deal 10, two or more 15.
- **Recency of last touch** (15) and **of last engagement** (15): full within 7 days,
  nothing after 90 days, linear in between (from the account's rollup).

Where it lives: ``accounts.AccountRollup.health_score`` / ``health_inputs`` /
``health_computed_at``, so the account and target-account pages read and sort it
without importing analytics. This module is the only writer. ``health_computed_at`` is
NULL until the first computation and ``DIRTY_AT`` (1970-01-01) while a recompute is
pending: the change listener sets it, the worker replaces it; the score stays readable.
``health_inputs`` keeps the inputs, each component's points and — once the score has
changed — the previous score with its points, so the page can say which inputs moved it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abm.tasks import enqueue
from accounts.models import Account, AccountRollup, AccountRollupDirty, Activity
from accounts.services.rollups import accounts_for_contacts, rollups_refresh

log = logging.getLogger(__name__)
T = Activity.Type

VERSION = 1
CHUNK = 2000
RECENT_DAYS = 30
BEFORE_DAYS = 60
RECENCY_FULL_DAYS = 7
RECENCY_ZERO_DAYS = 90
_DEBOUNCE_KEY = "health:refresh-queued"
DIRTY_AT = datetime(1970, 1, 1, tzinfo=UTC)

COMPONENTS: dict[str, tuple[int, str]] = {
    "engagement_trend": (25, _("Engagement trend")),
    "group_completeness": (15, _("Buying-group completeness")),
    "group_engagement": (15, _("Buying-group engagement")),
    "open_deals": (15, _("Open deals")),
    "touch_recency": (15, _("Last touch")),
    "engagement_recency": (15, _("Last engagement")),
}
ENGAGEMENT_TYPES = (
    T.EMAIL_OPENED,
    T.EMAIL_CLICKED,
    T.EMAIL_REPLIED,
    T.WEB_VISIT,
    T.FORM_SUBMITTED,
    T.DOCUMENT_VIEWED,
    T.EVENT_REGISTERED,
    T.EVENT_ATTENDED,
)


# --- The formula ---------------------------------------------------------------------------


def _recency_points(days: float | None, weight: int) -> float:
    if days is None:
        return 0.0
    if days <= RECENCY_FULL_DAYS:
        return float(weight)
    if days >= RECENCY_ZERO_DAYS:
        return 0.0
    return weight * (RECENCY_ZERO_DAYS - days) / (RECENCY_ZERO_DAYS - RECENCY_FULL_DAYS)


def health_points(inputs: dict) -> dict[str, float]:
    """Each component's points from the inputs (the whole formula, pure)."""
    recent = inputs["engagements_30d"]
    before = inputs["engagements_prior_60d"] / (BEFORE_DAYS / RECENT_DAYS)
    if recent + before <= 0:
        trend = 0.0
    else:
        ratio = (recent + 1) / (before + 1)
        trend = 25 * min(1.0, max(0.0, 0.5 + math.log2(ratio) / 2))
    groups = inputs["buying_groups"]
    open_deals = inputs["open_deals"]
    return {
        "engagement_trend": round(trend, 2),
        "group_completeness": round(15 * inputs["group_completeness"] / 100, 2) if groups else 0.0,
        "group_engagement": round(15 * inputs["group_engagement"] / 100, 2) if groups else 0.0,
        "open_deals": 15.0 if open_deals >= 2 else 10.0 if open_deals == 1 else 0.0,
        "touch_recency": round(_recency_points(inputs["days_since_touch"], 15), 2),
        "engagement_recency": round(_recency_points(inputs["days_since_engagement"], 15), 2),
    }


def health_score(points: dict[str, float]) -> int:
    return max(0, min(100, round(sum(points.values()))))


# --- Computing many accounts at once -------------------------------------------------------


def _days_since(moment: datetime | None, now: datetime) -> float | None:
    if moment is None:
        return None
    return round(max(0.0, (now - moment).total_seconds() / 86400), 1)


def health_compute(*, account_ids: Iterable[int], now: datetime | None = None) -> dict[int, dict]:
    """Inputs, points and score of these accounts: three grouped queries, no per-row query."""
    from buying_groups.models import BuyingGroup  # above accounts; analytics may read it

    now = now or timezone.now()
    ids = sorted({int(pk) for pk in account_ids if pk})
    if not ids:
        return {}
    recent_from = now - timedelta(days=RECENT_DAYS)
    window_from = recent_from - timedelta(days=BEFORE_DAYS)
    engagement = {
        row["account_id"]: row
        for row in Activity.objects.filter(
            account_id__in=ids,
            type__in=ENGAGEMENT_TYPES,
            occurred_at__gte=window_from,
            occurred_at__lt=now,
            is_bot=False,
        )
        .values("account_id")
        .annotate(
            recent=Count("id", filter=Q(occurred_at__gte=recent_from)),
            prior=Count("id", filter=Q(occurred_at__lt=recent_from)),
        )
        .order_by()
    }
    groups = {
        row["account_id"]: row
        for row in BuyingGroup.objects.filter(account_id__in=ids)
        .values("account_id")
        .annotate(
            n=Count("id"), completeness=Avg("completeness_score"), engaged=Avg("engagement_score")
        )
        .order_by()
    }
    rollups = {
        row["account_id"]: row
        for row in AccountRollup.objects.filter(account_id__in=ids).values(
            "account_id", "open_deals_count", "last_touch_at", "last_engagement_at"
        )
    }
    result = {}
    for pk in ids:
        rollup = rollups.get(pk)
        if rollup is None:
            continue
        e = engagement.get(pk, {})
        g = groups.get(pk, {})
        inputs = {
            "engagements_30d": e.get("recent", 0),
            "engagements_prior_60d": e.get("prior", 0),
            "buying_groups": g.get("n", 0),
            "group_completeness": round(float(g.get("completeness") or 0), 1),
            "group_engagement": round(float(g.get("engaged") or 0), 1),
            "open_deals": rollup["open_deals_count"],
            "days_since_touch": _days_since(rollup["last_touch_at"], now),
            "days_since_engagement": _days_since(rollup["last_engagement_at"], now),
        }
        points = health_points(inputs)
        result[pk] = {"score": health_score(points), "inputs": inputs, "points": points}
    return result


def _stored(ids: list[int]) -> dict[int, dict]:
    return {
        row["account_id"]: row
        for row in AccountRollup.objects.filter(account_id__in=ids).values(
            "account_id", "health_score", "health_inputs", "health_computed_at"
        )
    }


def _payload(fresh: dict, stored: dict | None, now: datetime) -> dict:
    """What health_inputs holds: this computation and the one before the last change."""
    previous = None
    old = (stored or {}).get("health_inputs") or {}
    if old.get("points"):
        if stored["health_score"] != fresh["score"] or old.get("points") != fresh["points"]:
            previous = {
                "score": stored["health_score"],
                "points": old["points"],
                "inputs": old.get("inputs", {}),
                "computed_at": old.get("computed_at"),
            }
        else:
            previous = old.get("previous")
    return {
        "version": VERSION,
        "inputs": fresh["inputs"],
        "points": fresh["points"],
        "computed_at": now.isoformat(),
        "previous": previous,
    }


def health_refresh(*, account_ids: Iterable[int], now: datetime | None = None) -> int:
    """Compute and store the health of these accounts (chunked); returns how many were written."""
    now = now or timezone.now()
    ids = sorted({int(pk) for pk in account_ids if pk})
    written = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        stored = _stored(chunk)
        missing = [pk for pk in chunk if pk not in stored]
        if missing:
            # Health sits on the rollup row: give an account its rollup first.
            existing = set(Account.objects.filter(pk__in=missing).values_list("pk", flat=True))
            if existing:
                rollups_refresh(account_ids=existing, now=now)
                stored.update(_stored(sorted(existing)))
        fresh = health_compute(account_ids=stored.keys(), now=now)
        rows = [
            AccountRollup(
                account_id=pk,
                health_score=item["score"],
                health_inputs=_payload(item, stored.get(pk), now),
                health_computed_at=now,
            )
            for pk, item in fresh.items()
        ]
        with transaction.atomic():
            AccountRollup.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["account"],
                update_fields=["health_score", "health_inputs", "health_computed_at"],
                batch_size=1000,
            )
        written += len(rows)
    return written


def health_recompute_range(*, first_id: int, last_id: int, now: datetime | None = None) -> int:
    """Recompute every account with an id in [first_id, last_id] (one chunk of the full pass)."""
    ids = list(
        Account.objects.filter(pk__gte=first_id, pk__lte=last_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return health_refresh(account_ids=ids, now=now)


def health_chunks(*, size: int = CHUNK) -> list[tuple[int, int]]:
    """Id ranges of about ``size`` accounts each, covering every account (keyset walk)."""
    bounds = []
    last = 0
    while True:
        ids = list(
            Account.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size]
        )
        if not ids:
            return bounds
        bounds.append((ids[0], ids[-1]))
        last = ids[-1]


def health_recompute_all(*, now: datetime | None = None) -> int:
    """The full recompute in one process (the beat task fans chunks out to workers instead)."""
    now = now or timezone.now()
    return sum(
        health_recompute_range(first_id=lo, last_id=hi, now=now) for lo, hi in health_chunks()
    )


# --- After changes: mark, debounce, refresh ---------------------------------------------


def health_mark_dirty(*, account_ids: Iterable[int]) -> int:
    """Mark accounts for a recompute (their health_computed_at becomes DIRTY_AT)."""
    ids = sorted({int(pk) for pk in account_ids if pk})
    marked = 0
    for start in range(0, len(ids), 1000):
        marked += AccountRollup.objects.filter(
            account_id__in=ids[start : start + 1000], health_computed_at__gt=DIRTY_AT
        ).update(health_computed_at=DIRTY_AT)
    return marked


def health_refresh_dirty(*, limit: int = 20000) -> int:
    """Recompute the marked accounts whose rollup is current (a pending rollup waits)."""
    cache.delete(_DEBOUNCE_KEY)
    pending_rollups = AccountRollupDirty.objects.values("account_id")
    ids = list(
        AccountRollup.objects.filter(
            Q(health_computed_at__isnull=True) | Q(health_computed_at__lte=DIRTY_AT)
        )
        .exclude(account_id__in=pending_rollups)
        .values_list("account_id", flat=True)[:limit]
    )
    return health_refresh(account_ids=ids) if ids else 0


def _queue_refresh() -> None:
    from analytics.insights.tasks import health_refresh_dirty_task

    if settings.CELERY_TASK_ALWAYS_EAGER:
        health_refresh_dirty()
        return
    # After the rollup refresh the same commit queued (health reads the rollup).
    delay = settings.ROLLUP_DEBOUNCE_SECONDS + 3
    if cache.add(_DEBOUNCE_KEY, 1, timeout=delay * 3) and not enqueue(
        health_refresh_dirty_task, countdown=delay
    ):
        cache.delete(_DEBOUNCE_KEY)


def health_changes_listener(*, kind: str, account_ids: set, contact_ids: set) -> None:
    """changes_register listener: what a commit touched gets its health recomputed."""
    affected = set(account_ids) | accounts_for_contacts(contact_ids)
    if affected:
        health_mark_dirty(account_ids=affected)
        _queue_refresh()


# --- Reading it back for a page -----------------------------------------------------------


def health_explain(rollup_or_payload) -> dict:
    """The stored health as the page explains it: components, points, what moved it."""
    if isinstance(rollup_or_payload, AccountRollup):
        payload = rollup_or_payload.health_inputs or {}
        score = rollup_or_payload.health_score
    else:
        payload = rollup_or_payload or {}
        score = health_score(payload.get("points", {})) if payload.get("points") else 0
    points = payload.get("points") or {}
    previous = payload.get("previous") or {}
    before = previous.get("points") or {}
    components = []
    for key, (weight, label) in COMPONENTS.items():
        value = points.get(key, 0.0)
        delta = round(value - before[key], 1) if key in before else None
        components.append(
            {
                "key": key,
                "label": str(label),
                "points": value,
                "max": weight,
                "percent": round(100 * value / weight) if weight else 0,
                "delta": delta,
            }
        )
    moved = sorted(
        (c for c in components if c["delta"]), key=lambda c: (-abs(c["delta"]), c["key"])
    )
    return {
        "score": score,
        "computed": bool(points),
        "inputs": payload.get("inputs") or {},
        "components": components,
        "previous_score": previous.get("score"),
        "previous_at": previous.get("computed_at"),
        "moved": moved,
        "band": health_band(score) if points else "",
    }


def _pending(computed_at) -> bool:
    """A recompute is queued (or none ever ran)."""
    return computed_at is None or computed_at <= DIRTY_AT


def health_band(score: int) -> str:
    return "good" if score >= 67 else "fair" if score >= 34 else "poor"


# --- The health page: distribution and the accounts ---------------------------------------

HEALTH_ORDERS = ("score", "-score", "name")
HEALTH_PAGE = 50
HEALTH_MAX_ROWS = 5000


def _health_rows_qs(s):
    from .common import account_q

    qs = AccountRollup.objects.filter(health_computed_at__isnull=False)  # computed once
    segment = account_q(s, "account__")
    return qs.filter(segment) if segment else qs


def health_overview(s, *, order: str = "score", limit: int = HEALTH_PAGE, offset: int = 0) -> dict:
    """The distribution of scores and one page of accounts (lowest first by default)."""
    qs = _health_rows_qs(s)
    buckets = dict(
        qs.annotate(bucket=models_floor_div("health_score", 10))
        .values_list("bucket")
        .annotate(n=Count("account_id"))
        .order_by()
    )
    distribution = [
        {
            "from": b * 10,
            "to": min(100, b * 10 + 9 if b < 9 else 100),
            "accounts": buckets.get(b, 0) + (buckets.get(10, 0) if b == 9 else 0),
        }
        for b in range(10)
    ]
    ordering = {
        "score": ("health_score", "account_id"),
        "-score": ("-health_score", "account_id"),
        "name": ("account__name", "account_id"),
    }[order]
    rows = []
    for row in qs.order_by(*ordering).values(
        "account_id",
        "account__name",
        "account__is_target",
        "account__owner__username",
        "health_score",
        "health_inputs",
        "health_computed_at",
    )[offset : offset + min(limit, HEALTH_MAX_ROWS)]:
        payload = row["health_inputs"] or {}
        explained = health_explain(payload)
        rows.append(
            {
                "account_id": row["account_id"],
                "name": row["account__name"],
                "is_target": row["account__is_target"],
                "owner": row["account__owner__username"],
                "score": row["health_score"],
                "band": health_band(row["health_score"]),
                "previous_score": explained["previous_score"],
                "moved": explained["moved"][:2],
                "points": payload.get("points") or {},
                "inputs": payload.get("inputs") or {},
                "components": explained["components"],
                "computed_at": row["health_computed_at"],
                "pending": _pending(row["health_computed_at"]),
            }
        )
    agg = qs.aggregate(accounts=Count("account_id"), average=Avg("health_score"))
    return {
        "settings": s.as_dict(),
        "order": order,
        "accounts": agg["accounts"],
        "average": round(agg["average"], 1) if agg["average"] is not None else None,
        "distribution": distribution,
        "rows": rows,
        "components": [
            {"key": key, "label": str(label), "max": weight}
            for key, (weight, label) in COMPONENTS.items()
        ],
    }


def models_floor_div(field: str, by: int):
    """health_score / by as an integer bucket, the same on PostgreSQL and SQLite."""
    from django.db.models import F, IntegerField
    from django.db.models.functions import Cast

    return Cast(F(field) / by, IntegerField())


def account_health(*, account_id: int) -> dict | None:
    """One account's stored health, explained (None when the account has no rollup yet)."""
    rollup = (
        AccountRollup.objects.filter(account_id=account_id)
        .only("account_id", "health_score", "health_inputs", "health_computed_at")
        .first()
    )
    if rollup is None:
        return None
    explained = health_explain(rollup)
    explained["computed_at"] = rollup.health_computed_at
    explained["pending"] = _pending(rollup.health_computed_at)
    explained["account_id"] = account_id
    return explained
