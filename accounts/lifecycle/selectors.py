"""Reads of the lead lifecycle: a lead's history, the actions open to a user, the
disqualify reasons, and the leads pipeline (count per status, conversion between the
steps, median time in each status)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.expressions import Window
from django.db.models.functions import Coalesce, Greatest
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

    furthest_in_history = Subquery(
        LeadStatusChange.objects.filter(lead=OuterRef("pk"))
        .annotate(i=_index("to_status"))
        .order_by("-i")
        .values("i")[:1],
        output_field=IntegerField(),
    )
    reached = leads.annotate(
        furthest=Greatest(Coalesce(furthest_in_history, Value(-1)), _index("status"))
    ).aggregate(**{f"r{i}": Count("id", filter=Q(furthest__gte=i)) for i in range(len(PATH))})
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

    # Completed stays: each history row until the lead's next row.
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
    stays: dict[str, list[float]] = {status: [] for status in S.values}
    for status, entered, left in rows.iterator(chunk_size=5000):
        if left is not None:
            stays[status].append((left - entered).total_seconds() / 86400)
    current: dict[str, list[float]] = {status: [] for status in OPEN_STATUSES}
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
    for status, entered in open_leads.iterator(chunk_size=5000):
        current[status].append((now - entered).total_seconds() / 86400)

    def _median(values: list[float]) -> float | None:
        return round(median(values), 2) if values else None

    statuses = [
        {
            "status": status,
            "label": labels[status],
            "count": by_status.get(status, 0),
            "median_days_in_status": _median(stays[status]),
            "completed_stays": len(stays[status]),
            "median_days_current": _median(current.get(status, [])),
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
