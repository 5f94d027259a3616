"""Reads of the Insights panel: the engagement velocity grid, upcoming cadences and tasks.

The grid counts a record's people's human activity (``is_bot`` left out) per kind and per
week over the last twelve weeks, weeks running Monday to Monday in the reader's own time
zone; one grouped query (GROUP BY kind, week) over a bounded window that the
``(contact, -occurred_at)`` index serves.

Sales emails and marketing emails are told apart the way the account rollups tell a 1:1
touch from a marketing send (``accounts.services.rollups.one_to_one_touch``): an email
activity is a marketing email when it belongs to a campaign, or when the outbox sent it
from a marketing-kind template (``metadata.kind == "marketing"``); every other email
activity is a sales email.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Case, CharField, Count, F, Q, Value, When
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Activity, Task
from sales_actions.cadences.selectors import record_enrolments
from sales_actions.insights.scope import InsightsScope, WeekWindow, week_of

T = Activity.Type
EMAIL_TYPES = (T.EMAIL_SENT, T.EMAIL_OPENED, T.EMAIL_CLICKED, T.EMAIL_REPLIED)
CADENCE_TYPES = (T.CAMPAIGN_ADDED, T.CAMPAIGN_REMOVED)

# The grid's rows, top to bottom: (key, label).
GRID_ROWS = (
    ("sales_email_sent", _("Sales emails sent")),
    ("sales_email_opened", _("Sales emails opened")),
    ("sales_email_clicked", _("Sales emails clicked")),
    ("sales_email_replied", _("Sales emails replied")),
    ("cadence", _("Cadence actions")),
    ("call", _("Calls")),
    ("web_visit", _("Web visits")),
    ("form", _("Forms submitted")),
)
GRID_TYPES = (*EMAIL_TYPES, *CADENCE_TYPES, T.CALL, T.WEB_VISIT, T.FORM_SUBMITTED)

UPCOMING_LIMIT = 10


def marketing_email_q(prefix: str = "") -> Q:
    """An email activity sent by marketing: of a campaign, or of a marketing-kind template
    sent through the outbox. (Evaluates to unknown, never true, for other rows: use it in
    ``When`` or as a positive filter, not negated.)"""
    return Q(**{f"{prefix}campaign__isnull": False}) | Q(**{f"{prefix}metadata__kind": "marketing"})


def _grid_kind() -> Case:
    none = Value(None, output_field=CharField())
    return Case(
        When(Q(type__in=EMAIL_TYPES) & marketing_email_q(), then=none),
        When(type=T.EMAIL_SENT, then=Value("sales_email_sent")),
        When(type=T.EMAIL_OPENED, then=Value("sales_email_opened")),
        When(type=T.EMAIL_CLICKED, then=Value("sales_email_clicked")),
        When(type=T.EMAIL_REPLIED, then=Value("sales_email_replied")),
        # Added to / removed from a cadence (its emails count as sales emails above).
        When(type__in=CADENCE_TYPES, metadata__has_key="cadence", then=Value("cadence")),
        When(type=T.CALL, then=Value("call")),
        When(type=T.WEB_VISIT, then=Value("web_visit")),
        When(type=T.FORM_SUBMITTED, then=Value("form")),
        default=none,
        output_field=CharField(),
    )


def velocity_grid(*, scope: InsightsScope, window: WeekWindow) -> dict:
    """Counts per kind and week: ``{"weeks": [monday, …], "rows": [{key, label, counts,
    total}], "max": n, "total": n}``. One query."""
    counts: dict[tuple[str, object], int] = {}
    if scope.basis != "none":
        rows = (
            Activity.objects.filter(
                **scope.contact_filter(),
                occurred_at__gte=window.start,
                occurred_at__lt=window.end,
                is_bot=False,
                type__in=GRID_TYPES,
            )
            .annotate(kind=_grid_kind(), week=TruncWeek("occurred_at", tzinfo=window.tz))
            .filter(kind__isnull=False)
            .values("kind", "week")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            key = (row["kind"], week_of(row["week"], window))
            counts[key] = counts.get(key, 0) + row["n"]
    out_rows = []
    for key, label in GRID_ROWS:
        values = [counts.get((key, monday), 0) for monday in window.mondays]
        out_rows.append({"key": key, "label": str(label), "counts": values, "total": sum(values)})
    return {
        "weeks": list(window.mondays),
        "rows": out_rows,
        "max": max((max(r["counts"]) for r in out_rows), default=0),
        "total": sum(r["total"] for r in out_rows),
    }


def upcoming_cadences(*, user, scope: InsightsScope) -> list:
    """Open enrolments of the record's people in cadences the user may see, soonest next
    step first (at most ten)."""
    if scope.basis == "none":
        return []
    if scope.basis == "account_contacts":
        enrolments = record_enrolments(user=user, account_id=scope.account_id)
    else:
        enrolments = record_enrolments(user=user, contact_ids=scope.contacts)
    return list(enrolments.order_by(F("next_due_at").asc(nulls_last=True), "pk")[:UPCOMING_LIMIT])


def upcoming_tasks(*, scope: InsightsScope) -> list[Task]:
    """Open tasks on the record's people (and, for an account or opportunity, the account's
    tasks on nobody in particular), soonest due first, undated last (at most ten)."""
    if scope.basis == "none":
        return []
    where = Q(contact_id__in=scope.contacts)
    if scope.record in ("account", "opportunity") and scope.account_id:
        where |= Q(account_id=scope.account_id, contact__isnull=True)
    return list(
        Task.objects.filter(where, status=Task.Status.OPEN)
        .select_related("owner", "contact")
        .order_by(F("due_at").asc(nulls_last=True), "id")[:UPCOMING_LIMIT]
    )


def insights(*, user, scope: InsightsScope, window: WeekWindow, now: datetime | None = None):
    """Everything the panel and the API show (three queries after the scope's)."""
    now = now or timezone.now()
    tasks = upcoming_tasks(scope=scope)
    for task in tasks:
        task.is_overdue = task.due_at is not None and task.due_at < now
    return {
        "grid": velocity_grid(scope=scope, window=window),
        "cadences": upcoming_cadences(user=user, scope=scope),
        "tasks": tasks,
    }
