"""Reads of the lead lifecycle: a lead's history, the actions open to a user, the
disqualify reasons, and the leads pipeline (count per status, conversion between the
steps, median time in each status)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Window
from django.db.models.functions import Coalesce
from django.db.models.functions import Lead as NextRow
from django.utils import timezone
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError
from abm.permissions import may_create, may_work_lead
from accounts.lifecycle.services import OPEN_STATUSES, lead_transition_allowed
from accounts.models import (
    DisqualifyReason,
    Lead,
    LeadStatusChange,
    Opportunity,
    Product,
    User,
)

S = Lead.Status
# The path a lead walks; disqualified leaves it.
PATH = [S.NEW, S.NURTURING, S.MQL, S.SALES_ACCEPTED, S.CONVERTED]


def lead_history(*, lead: Lead) -> list[LeadStatusChange]:
    """Every status change of the lead, newest first."""
    return list(
        LeadStatusChange.objects.filter(lead=lead)
        .select_related("changed_by", "disqualify_reason", "opportunity")
        .order_by("-changed_at", "-id")
    )


def disqualify_reasons(*, active_only: bool = True):
    qs = DisqualifyReason.objects.all()
    return qs.filter(is_active=True) if active_only else qs


@dataclass
class LeadActions:
    """Which lifecycle actions ``user`` may take on ``lead`` now."""

    accept: bool
    convert: bool
    return_: bool
    disqualify: bool

    @property
    def any(self) -> bool:
        return self.accept or self.convert or self.return_ or self.disqualify


def lead_actions(*, user: User, lead: Lead) -> LeadActions:
    if not may_work_lead(user, lead):
        return LeadActions(False, False, False, False)
    status = lead.status
    return LeadActions(
        accept=lead_transition_allowed(status, S.SALES_ACCEPTED),
        convert=lead_transition_allowed(status, S.CONVERTED) and may_create(user, Opportunity),
        return_=status in (S.MQL, S.SALES_ACCEPTED, S.DISQUALIFIED),
        disqualify=lead_transition_allowed(status, S.DISQUALIFIED),
    )


# --- The pipeline ---------------------------------------------------------------------


def _index(expression_field: str) -> Case:
    return Case(
        *[When(**{expression_field: status}, then=Value(i)) for i, status in enumerate(PATH)],
        default=Value(-1),
        output_field=IntegerField(),
    )


def _leads(*, owner: User | None, product_id: int | None, since: datetime | None):
    leads = Lead.objects.all()
    if owner is not None:
        leads = leads.filter(owner=owner)
    if product_id is not None:
        leads = leads.filter(product_id=product_id)
    if since is not None:
        leads = leads.filter(created_at__gte=since)
    return leads


def pipeline_params(query) -> dict:
    """``owner``, ``product`` and ``days`` from a query string; a bad value is a 400."""
    params: dict = {"owner": None, "product_id": None, "days": None}
    owner, product, days = (query.get(k, "") for k in ("owner", "product", "days"))
    if owner:
        if not owner.isdecimal() or not User.objects.filter(pk=int(owner)).exists():
            raise ApplicationError(_("No such user."), field="owner")
        params["owner"] = User.objects.get(pk=int(owner))
    if product:
        if not product.isdecimal() or not Product.objects.filter(pk=int(product)).exists():
            raise ApplicationError(_("No such product."), field="product")
        params["product_id"] = int(product)
    if days:
        if not days.isdecimal() or not 1 <= int(days) <= 3650:
            raise ApplicationError(_("Give a number of days from 1 to 3650."), field="days")
        params["days"] = int(days)
    return params


def _days(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 86400, 2)


def _pipeline_postgresql(leads, now: datetime) -> tuple[dict, dict, dict]:
    """PostgreSQL: steps reached, completed stays and current stays in one pass over the
    history (a window for each row's next row; leads older than the history count as one
    row in their status since their creation)."""
    lead_sql, lead_params = leads.values("pk").query.sql_with_params()
    history, lead_table = LeadStatusChange._meta.db_table, Lead._meta.db_table
    index = " ".join(f"WHEN '{status}' THEN {i}" for i, status in enumerate(PATH))
    open_list = ", ".join(f"'{status}'" for status in OPEN_STATUSES)
    sql = f"""
        WITH h AS MATERIALIZED (
            SELECT lead_id, to_status, changed_at,
                   LEAD(changed_at) OVER (PARTITION BY lead_id ORDER BY changed_at, id)
                       AS left_at
            FROM {history} WHERE lead_id IN ({lead_sql})
            UNION ALL
            SELECT l.id, l.status, l.created_at, NULL FROM {lead_table} l
            WHERE l.id IN ({lead_sql})
              AND NOT EXISTS (SELECT 1 FROM {history} x WHERE x.lead_id = l.id)
        )
        SELECT 'stay', to_status,
               percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY EXTRACT(EPOCH FROM left_at - changed_at)), count(*)
        FROM h WHERE left_at IS NOT NULL GROUP BY to_status
        UNION ALL
        SELECT 'current', to_status,
               percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY EXTRACT(EPOCH FROM %s - changed_at)), count(*)
        FROM h WHERE left_at IS NULL AND to_status IN ({open_list}) GROUP BY to_status
        UNION ALL
        SELECT 'reached', furthest::text, NULL, count(*)
        FROM (SELECT max(CASE to_status {index} ELSE -1 END) AS furthest
              FROM h GROUP BY lead_id) AS f
        GROUP BY furthest
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*lead_params, *lead_params, now])
        rows = cursor.fetchall()
    stays = {k: (_days(m), n) for kind, k, m, n in rows if kind == "stay"}
    current = {k: _days(m) for kind, k, m, _n in rows if kind == "current"}
    furthest = {int(k): n for kind, k, _m, n in rows if kind == "reached"}
    reached = {f"r{i}": sum(n for at, n in furthest.items() if at >= i) for i in range(len(PATH))}
    return reached, stays, current


def _reached(leads) -> dict:
    """How far along the path each lead got: its furthest history row (one GROUP BY), or
    its current status for a lead older than the history; counted per step."""
    counts = {f"r{i}": Count("lead_id", filter=Q(furthest__gte=i)) for i in range(len(PATH))}
    tracked = (
        LeadStatusChange.objects.filter(lead__in=leads.values("pk"))
        .values("lead_id")
        .annotate(furthest=Max(_index("to_status")))
        .aggregate(**counts)
    )
    untracked = (
        leads.filter(~Exists(LeadStatusChange.objects.filter(lead=OuterRef("pk"))))
        .annotate(furthest=_index("status"))
        .aggregate(**{f"r{i}": Count("id", filter=Q(furthest__gte=i)) for i in range(len(PATH))})
    )
    return {key: (tracked[key] or 0) + (untracked[key] or 0) for key in counts}


def _stay_medians(leads, now: datetime) -> tuple[dict, dict]:
    """Per status: (median days of the completed stays, how many), and the median days
    open leads have been in their current status so far, computed here from the rows
    (PostgreSQL does it in SQL: ``_pipeline_postgresql``). A completed stay is a history
    row until the lead's next row."""
    rows = (
        LeadStatusChange.objects.filter(lead__in=leads.values("pk"))
        .annotate(
            left_at=Window(
                NextRow("changed_at"),
                partition_by=[F("lead_id")],
                order_by=[F("changed_at").asc(), F("id").asc()],
            )
        )
        .values_list("to_status", "changed_at", "left_at")
    )
    found: dict[str, list[float]] = {}
    for status, entered, left in rows.iterator(chunk_size=5000):
        if left is not None:
            found.setdefault(status, []).append((left - entered).total_seconds())
    stays = {k: (_days(median(v)), len(v)) for k, v in found.items()}
    last_change = (
        LeadStatusChange.objects.filter(lead=OuterRef("pk"))
        .order_by("-changed_at", "-id")
        .values("changed_at")[:1]
    )
    open_leads = (
        leads.filter(status__in=OPEN_STATUSES)
        .annotate(since=Coalesce(Subquery(last_change), F("created_at")))
        .values_list("status", "since")
    )
    ages: dict[str, list[float]] = {}
    for status, entered in open_leads.iterator(chunk_size=5000):
        ages.setdefault(status, []).append((now - entered).total_seconds())
    current = {k: _days(median(v)) for k, v in ages.items()}
    return stays, current


def lead_pipeline(
    *,
    owner: User | None = None,
    product_id: int | None = None,
    days: int | None = None,
    now: datetime | None = None,
) -> dict:
    """The leads pipeline for the leads created in the last ``days`` (all when None).

    - ``statuses``: leads now in each status;
    - ``steps``: for each step of the path new → nurturing → MQL → sales-accepted →
      converted, how many leads reached it or a later step (from the history, or their
      current status for leads older than the history) and the share of those that went
      on to the next step;
    - ``median_days``: per status, the median time a lead spent in it before moving on
      (completed stays only, from the history), and the median time open leads have been
      in their current status.
    """
    now = now or timezone.now()
    since = now - timedelta(days=days) if days else None
    leads = _leads(owner=owner, product_id=product_id, since=since)
    labels = dict(S.choices)

    by_status = dict(leads.order_by().values_list("status").annotate(n=Count("id")))
    total = sum(by_status.values())

    if connection.vendor == "postgresql":
        reached, stays, current = _pipeline_postgresql(leads, now)
    else:
        reached = _reached(leads)
        stays, current = _stay_medians(leads, now)
    steps = []
    for i, status in enumerate(PATH):
        count = reached[f"r{i}"]
        following = reached[f"r{i + 1}"] if i + 1 < len(PATH) else None
        steps.append(
            {
                "status": status,
                "label": labels[status],
                "reached": count,
                "next_status": PATH[i + 1] if i + 1 < len(PATH) else None,
                "conversion": (
                    round(following / count, 4) if following is not None and count else None
                ),
            }
        )

    statuses = [
        {
            "status": status,
            "label": labels[status],
            "count": by_status.get(status, 0),
            "median_days_in_status": stays.get(status, (None, 0))[0],
            "completed_stays": stays.get(status, (None, 0))[1],
            "median_days_current": current.get(status),
        }
        for status in S.values
    ]
    converted = by_status.get(S.CONVERTED, 0)
    return {
        "total": total,
        "days": days,
        "statuses": statuses,
        "steps": steps,
        "conversion_overall": round(converted / total, 4) if total else None,
        "disqualified": by_status.get(S.DISQUALIFIED, 0),
        "note": _(
            "Steps count leads that reached a step or a later one; leads created before the "
            "history existed count by their current status."
        ),
    }
