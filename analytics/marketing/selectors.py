"""Reads of the Marketing insights panel: how a contact, an account or a lead interacts with
marketing over the last twelve weeks (weeks from Monday in the reader's time zone).

- Emails delivered, opened, clicked: marketing emails only, told apart from sales emails as
  everywhere else (``sales_actions.insights.selectors.marketing_email_q``: an email of a
  campaign, or a marketing-kind template sent through the outbox). "Delivered" is a recorded
  ``email_sent`` of such an email: the marketing platform records a send once delivered and
  the outbox once its mail server took it. Opens and clicks by machines (``is_bot``) are
  left out, as is every machine event.
- Web visits, forms submitted, events registered and attended: the people's activities.
- Campaigns touched: distinct campaigns of their (human) activities in the window.
- Score over time: ``accounts.LeadScoreDay`` (a row on each day the score changed, carried
  forward). A lead shows its own; a contact the highest of its leads' on each day; an account
  the highest of its leads' (account leads and its contacts' leads). A contact without
  leads has no stored score history: its current engagement score is shown, and said so.

Counts and campaigns are one grouped query (kind, week, campaign) over a bounded window the
``(contact, -occurred_at)`` index serves (plus the busiest campaigns' names); the score
history two.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Case, CharField, Count, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext_lazy as _

from accounts.models import Activity, Campaign, Lead, LeadScoreDay
from sales_actions.insights.scope import InsightsScope, WeekWindow, week_of
from sales_actions.insights.selectors import marketing_email_q

T = Activity.Type

KPIS = (
    ("email_delivered", _("Emails delivered")),
    ("email_opened", _("Emails opened")),
    ("email_clicked", _("Emails clicked")),
    ("web_visit", _("Web visits")),
    ("form", _("Forms submitted")),
    ("event_registered", _("Events registered")),
    ("event_attended", _("Events attended")),
)
KPI_TYPES = (
    T.EMAIL_SENT,
    T.EMAIL_OPENED,
    T.EMAIL_CLICKED,
    T.WEB_VISIT,
    T.FORM_SUBMITTED,
    T.EVENT_REGISTERED,
    T.EVENT_ATTENDED,
)


def _kind() -> Case:
    marketing = marketing_email_q()
    return Case(
        When(Q(type=T.EMAIL_SENT) & marketing, then=Value("email_delivered")),
        When(Q(type=T.EMAIL_OPENED) & marketing, then=Value("email_opened")),
        When(Q(type=T.EMAIL_CLICKED) & marketing, then=Value("email_clicked")),
        When(type=T.WEB_VISIT, then=Value("web_visit")),
        When(type=T.FORM_SUBMITTED, then=Value("form")),
        When(type=T.EVENT_REGISTERED, then=Value("event_registered")),
        When(type=T.EVENT_ATTENDED, then=Value("event_attended")),
        default=Value(None, output_field=CharField()),
        output_field=CharField(),
    )


def _activities(scope: InsightsScope, window: WeekWindow):
    return Activity.objects.filter(
        **scope.contact_filter(),
        occurred_at__gte=window.start,
        occurred_at__lt=window.end,
        is_bot=False,
    )


def kpis_and_campaigns(*, scope: InsightsScope, window: WeekWindow, top: int = 5):
    """Each KPI with its total and weekly counts (oldest first), and the campaigns their
    activities in the window belong to (how many, the busiest ``top``). One scan, grouped by
    (kind, week, campaign), then one small query for the busiest campaigns' names."""
    counts: dict[tuple[str, date], int] = {}
    per_campaign: dict[int, int] = {}
    if scope.basis != "none":
        rows = (
            _activities(scope, window)
            .filter(Q(type__in=KPI_TYPES) | Q(campaign__isnull=False))
            .annotate(kind=_kind(), week=TruncWeek("occurred_at", tzinfo=window.tz))
            .values("kind", "week", "campaign_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            if row["kind"] is not None:
                key = (row["kind"], week_of(row["week"], window))
                counts[key] = counts.get(key, 0) + row["n"]
            if row["campaign_id"] is not None:
                per_campaign[row["campaign_id"]] = (
                    per_campaign.get(row["campaign_id"], 0) + row["n"]
                )
    kpis = []
    for key, label in KPIS:
        weekly = [counts.get((key, monday), 0) for monday in window.mondays]
        kpis.append({"key": key, "label": str(label), "total": sum(weekly), "weekly": weekly})
    names = dict(
        Campaign.objects.filter(pk__in=list(per_campaign)).values_list("pk", "name")
        if per_campaign
        else []
    )
    busiest = sorted(per_campaign.items(), key=lambda item: (-item[1], names.get(item[0], "")))
    campaigns = {
        "count": len(per_campaign),
        "top": [{"id": pk, "name": names.get(pk, ""), "activities": n} for pk, n in busiest[:top]],
    }
    return kpis, campaigns


def _leads(scope: InsightsScope):
    """The leads whose score stands for the record, and the words for which."""
    obj = scope.obj
    if scope.record == "lead":
        return Lead.objects.filter(pk=obj.pk), _("The lead's score.")
    if scope.record == "contact":
        return Lead.objects.filter(contact_id=obj.pk), _(
            "The highest score of the contact's leads."
        )
    leads = Lead.objects.filter(Q(account_id=obj.pk) | Q(contact_id__in=scope.contacts))
    return leads, _("The highest score of the account's leads (and its contacts' leads).")


def score_history(*, scope: InsightsScope, window: WeekWindow, today: date) -> dict:
    """The score on each day of the window (UTC days, as ``LeadScoreDay`` keeps them), the
    highest of the record's leads; or, without leads, the current score alone."""
    first = window.start.date() if hasattr(window.start, "date") else window.start
    days = [first + timedelta(days=i) for i in range((today - first).days + 1)]
    leads, basis = _leads(scope)
    before = LeadScoreDay.objects.filter(lead=OuterRef("pk"), day__lt=first).order_by("-day")
    start_scores = dict(
        leads.annotate(start=Subquery(before.values("score")[:1])).values_list("pk", "start")
    )
    if not start_scores:
        return {
            "kind": "current",
            "basis": str(_("No lead, so no stored score history: the current engagement score.")),
            "current": _current_score(scope),
            "days": [],
            "values": [],
        }
    changes: dict[int, dict[date, int]] = {}
    for lead_id, day, score in LeadScoreDay.objects.filter(
        lead_id__in=list(start_scores), day__gte=first, day__lte=today
    ).values_list("lead_id", "day", "score"):
        changes.setdefault(lead_id, {})[day] = score
    running = dict(start_scores)
    values = []
    for day in days:
        for lead_id, by_day in changes.items():
            if day in by_day:
                running[lead_id] = by_day[day]
        known = [v for v in running.values() if v is not None]
        values.append(max(known) if known else None)
    if all(v is None for v in values):
        return {
            "kind": "current",
            "basis": str(
                _("No score history stored yet: the current lead score.")
                if scope.record == "lead"
                else _("No score history stored yet: the highest current score of its leads.")
            ),
            "current": max(leads.values_list("score", flat=True)),
            "days": [],
            "values": [],
        }
    return {
        "kind": "history",
        "basis": str(basis),
        "leads": len(start_scores),
        "current": values[-1] if values else None,
        "days": days,
        "values": values,
    }


def _current_score(scope: InsightsScope) -> int | None:
    """A contact's engagement score (the buying-group person score's mirror); an account's
    highest; None when nobody is there."""
    from accounts.models import Contact

    if scope.basis == "none":
        return None
    if scope.record == "contact":
        return scope.obj.engagement_score
    return (
        Contact.objects.filter(pk__in=scope.contacts)
        .order_by("-engagement_score")
        .values_list("engagement_score", flat=True)
        .first()
    )


def marketing_insights(*, scope: InsightsScope, window: WeekWindow, today: date) -> dict:
    kpis, campaigns = kpis_and_campaigns(scope=scope, window=window)
    return {
        "weeks": list(window.mondays),
        "kpis": kpis,
        "campaigns": campaigns,
        "score": score_history(scope=scope, window=window, today=today),
    }
