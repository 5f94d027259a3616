"""Reads of events: the list, an event's registrations, its report, a person's events."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db.models import Count, Q, QuerySet

from abm.paging import Sort
from accounts.models import Account, Contact, EventRegistration, MarketingEvent, Opportunity
from accounts.selectors.money import totals_of

R = EventRegistration.Status
PIPELINE_DAYS = 90
ACROSS_EVENTS_LIMIT = 50

EVENT_SORTS = {
    "starts": Sort("Starts", ("starts_at", "id"), descending=True),
    "name": Sort("Name", ("name", "id")),
}
REGISTRATION_SORTS = {
    "registered": Sort("Registered", ("registered_at", "id"), descending=True),
    "checked_in": Sort("Checked in", ("checked_in_at", "id"), descending=True),
}


def event_list() -> QuerySet:
    """Every event (all signed-in users read them), with its registration counts."""
    return MarketingEvent.objects.select_related("campaign").annotate(
        registered_count=Count("registrations", filter=Q(registrations__status=R.REGISTERED)),
        waitlisted_count=Count("registrations", filter=Q(registrations__status=R.WAITLISTED)),
        attended_count=Count("registrations", filter=Q(registrations__checked_in_at__isnull=False)),
    )


def registration_list(event: MarketingEvent) -> QuerySet:
    return EventRegistration.objects.filter(event=event).select_related(
        "contact", "contact__account"
    )


def _counts(event: MarketingEvent) -> dict:
    row = EventRegistration.objects.filter(event=event).aggregate(
        registered=Count("pk", filter=Q(status=R.REGISTERED)),
        waitlisted=Count("pk", filter=Q(status=R.WAITLISTED)),
        cancelled=Count("pk", filter=Q(status=R.CANCELLED)),
        attended=Count("pk", filter=Q(checked_in_at__isnull=False)),
    )
    return row


def _accounts_across_events(event: MarketingEvent) -> list[dict]:
    """Accounts whose people came to (or registered for) this event and at least one other."""
    here = set(
        EventRegistration.objects.filter(event=event)
        .exclude(status=R.CANCELLED)
        .exclude(contact__account__isnull=True)
        .values_list("contact__account_id", flat=True)
    )
    if not here:
        return []
    rows = (
        EventRegistration.objects.filter(contact__account_id__in=here)
        .exclude(status=R.CANCELLED)
        .values("contact__account_id", "event_id", "event__name", "event__starts_at")
        .annotate(attended=Count("pk", filter=Q(checked_in_at__isnull=False)))
        .order_by("event__starts_at")
    )
    events_by_account: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        events_by_account[row["contact__account_id"]].append(
            {"id": row["event_id"], "name": row["event__name"], "attended": row["attended"] > 0}
        )
    several = {pk: evs for pk, evs in events_by_account.items() if len(evs) >= 2}
    names = dict(Account.objects.filter(pk__in=several).values_list("pk", "name"))
    found = [
        {"account_id": pk, "name": names.get(pk, f"#{pk}"), "events": evs, "count": len(evs)}
        for pk, evs in several.items()
    ]
    found.sort(key=lambda r: (-r["count"], r["name"]))
    return found[:ACROSS_EVENTS_LIMIT]


def _pipeline_after(event: MarketingEvent) -> dict:
    """Deals created on attendees' accounts within 90 days after their check-in."""
    first_in: dict[int, object] = {}
    for account_id, checked_in_at in (
        EventRegistration.objects.filter(event=event, checked_in_at__isnull=False)
        .exclude(contact__account__isnull=True)
        .values_list("contact__account_id", "checked_in_at")
    ):
        if account_id not in first_in or checked_in_at < first_in[account_id]:
            first_in[account_id] = checked_in_at
    if not first_in:
        return {"count": 0, "totals": [], "days": PIPELINE_DAYS, "accounts": 0}
    earliest = min(first_in.values())
    deals = Opportunity.objects.filter(
        account_id__in=first_in,
        created_at__gte=earliest,
        created_at__lte=max(first_in.values()) + timedelta(days=PIPELINE_DAYS),
    ).values_list("account_id", "created_at", "currency", "amount")
    kept = [
        (account_id, currency, amount)
        for account_id, created_at, currency, amount in deals
        if first_in[account_id]
        <= created_at
        <= first_in[account_id] + timedelta(days=PIPELINE_DAYS)
    ]
    return {
        "count": len(kept),
        "totals": totals_of((currency, amount) for _, currency, amount in kept),
        "days": PIPELINE_DAYS,
        "accounts": len({account_id for account_id, _, _ in kept}),
    }


def event_report(event: MarketingEvent) -> dict:
    """Registrants by status, attendance rate, accounts across several events, pipeline."""
    counts = _counts(event)
    # Everyone who held a seat: registered now (attendees are registered).
    expected = counts["registered"]
    rate = round(counts["attended"] * 100 / expected, 1) if expected else None
    return {
        "counts": counts,
        "registrants": counts["registered"] + counts["waitlisted"],
        "attendance_rate": rate,
        "seats_left": (
            max(0, event.capacity - counts["registered"]) if event.capacity is not None else None
        ),
        "accounts_across_events": _accounts_across_events(event),
        "pipeline": _pipeline_after(event),
    }


def contact_registrations(contact: Contact) -> list[EventRegistration]:
    """A person's registrations, newest event first, with the question labels resolved."""
    registrations = list(
        EventRegistration.objects.filter(contact=contact)
        .select_related("event")
        .order_by("-event__starts_at", "-pk")
    )
    for registration in registrations:
        labels = {q["key"]: q["label"] for q in registration.event.questions}
        registration.answer_rows = [
            (labels.get(key, key), value) for key, value in (registration.answers or {}).items()
        ]
    return registrations
