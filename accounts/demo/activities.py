"""Demo step for the activity stream: six months of touches and engagement per person.

A random mix per person (hotter for targets and people with buying roles), then
the record-driven kinds: lead status changes, deals created and won, finished
tasks and meetings booked ahead. Every activity's ``account_id`` is its contact's
primary account, as ``activity_record`` does.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from accounts.demo.loader import TableWriter, bulk_load
from accounts.demo.shapes import Person, slug
from accounts.demo.vocabulary import (
    ACTIVITY_MIX,
    CALL_OUTCOMES,
    DOCUMENTS,
    EMAIL_SUBJECTS,
    FORMS,
    MEETING_SUBJECTS,
    SALES_KINDS,
    SITE,
    WEB_PAGES,
    T,
)
from accounts.models import Activity, Opportunity
from accounts.services.activities import DEFAULT_CHANNEL, DEFAULT_INITIATOR

if TYPE_CHECKING:
    from accounts.demo.builder import DemoBuilder


def activities_build(b: DemoBuilder) -> None:
    """Stream every activity row into the table (COPY on PostgreSQL)."""
    started = time.monotonic()
    writer = b.writer(Activity)
    first_id = b.next_id(Activity)
    with bulk_load(Activity, expected_rows=b.n_accounts * 20 * b.k):
        b.count("activities", writer.write(activity_rows(b, writer, first_id), batch=5000))
    b.log(f"  activities: {b.counts['activities']:,} ({time.monotonic() - started:.1f}s)")


def activity_rows(b: DemoBuilder, writer: TableWriter, next_id: int) -> Iterator[list]:
    # A generator consumed inside COPY: it must not query the database itself.
    rng, now = b.rng, b.now
    mix_types = [t for t, _ in ACTIVITY_MIX]
    mix_weights = [w for _, w in ACTIVITY_MIX]
    companies = {c.id: c for c in b.companies}
    campaigns = b.campaigns
    campaign_by_channel: dict[str, list[int]] = {}
    for pk, _, channel in campaigns:
        campaign_by_channel.setdefault(channel, []).append(pk)
    email_campaigns = campaign_by_channel.get("email", []) + campaign_by_channel.get("content", [])
    event_campaigns = campaign_by_channel.get("event", []) + campaign_by_channel.get("webinar", [])
    all_campaign_ids = [c[0] for c in campaigns]
    marketer_id = b.users["marketer"].pk
    product_names = [p[1] for p in b.products]
    row = writer.row

    real_now = b.real_now

    def make(person: Person, kind: str, when: datetime, **extra) -> list:
        nonlocal next_id
        if not extra.pop("scheduled", False):
            when = min(when, real_now)  # only booked meetings lie in the future
        company = companies[person.account_id]
        initiated = extra.pop("initiated_by", DEFAULT_INITIATOR[kind])
        user_id = extra.pop("user_id", None)
        if initiated == "user" and user_id is None:
            user_id = company.owner_id or marketer_id
        values = row(
            id=next_id,
            contact_id=person.id,
            account_id=person.account_id,
            type=kind,
            occurred_at=when,
            initiated_by=initiated,
            user_id=user_id,
            channel=extra.pop("channel", DEFAULT_CHANNEL[kind]),
            created_at=min(when, real_now),
            **extra,
        )
        next_id += 1
        return values

    def email_chain(person: Person, when: datetime, marketing: bool) -> Iterator[list]:
        company = companies[person.account_id]
        subject = rng.choice(EMAIL_SUBJECTS).format(
            company=company.name,
            first=person.first,
            industry=company.industry.replace("_", " "),
            product=rng.choice(product_names),
        )
        campaign_id = rng.choice(email_campaigns) if marketing and email_campaigns else None
        user_id = marketer_id if marketing else (company.owner_id or marketer_id)
        content = "marketing email" if marketing else "sales email"
        yield make(
            person,
            T.EMAIL_SENT,
            when,
            user_id=user_id,
            campaign_id=campaign_id,
            subject=subject,
            content_type=content,
        )
        if rng.random() < 0.45:
            when += timedelta(minutes=rng.randint(3, 600))
            bot = rng.random() < 0.04
            yield make(
                person,
                T.EMAIL_OPENED,
                when,
                campaign_id=campaign_id,
                subject=subject,
                content_type=content,
                is_bot=bot,
            )
            if rng.random() < 0.3:
                when += timedelta(minutes=rng.randint(1, 90))
                path, _ = rng.choice(WEB_PAGES)
                yield make(
                    person,
                    T.EMAIL_CLICKED,
                    when,
                    campaign_id=campaign_id,
                    subject=subject,
                    content_type=content,
                    url=f"{SITE}{path}?utm_source=email",
                    is_bot=bot,
                )
            if not marketing and rng.random() < 0.15:
                when += timedelta(hours=rng.randint(1, 48))
                yield make(
                    person,
                    T.EMAIL_REPLIED,
                    when,
                    subject=f"Re: {subject}",
                    content_type=content,
                )

    def one(person: Person, kind: str, when: datetime) -> Iterator[list]:
        company = companies[person.account_id]
        if kind == T.EMAIL_SENT:
            marketing = rng.random() < 0.6 or not company.worked
            yield from email_chain(person, when, marketing=marketing)
        elif kind == T.WEB_VISIT:
            if rng.random() < 0.35:
                _, name, keywords = rng.choice(b.products)
                path = f"/products/{slug(name)}"
                title = f"{name} — {rng.choice(keywords)}"
            else:
                path, title = rng.choice(WEB_PAGES)
            yield make(
                person, kind, when, url=f"{SITE}{path}", subject=title, content_type="webpage"
            )
        elif kind == T.DOCUMENT_VIEWED:
            title, content = rng.choice(DOCUMENTS)
            yield make(
                person,
                kind,
                when,
                url=f"{SITE}/resources/{slug(title)}.pdf",
                subject=title,
                content_type=content,
                campaign_id=rng.choice(all_campaign_ids) if rng.random() < 0.4 else None,
            )
        elif kind == T.FORM_SUBMITTED:
            title, path = rng.choice(FORMS)
            yield make(
                person,
                kind,
                when,
                url=f"{SITE}{path}",
                subject=title,
                content_type="form",
                campaign_id=rng.choice(all_campaign_ids) if rng.random() < 0.5 else None,
            )
        elif kind == T.CALL:
            outcome = rng.choice(CALL_OUTCOMES)
            duration = rng.randint(120, 1800) if outcome == "connected" else rng.randint(0, 40)
            yield make(
                person,
                kind,
                when,
                subject=f"Call with {person.first} {person.last}: {outcome}",
                metadata={"outcome": outcome, "duration_seconds": duration},
            )
        elif kind == T.MEETING:
            yield make(
                person,
                kind,
                when,
                subject=f"{rng.choice(MEETING_SUBJECTS)} with {company.name}",
                metadata={"duration_minutes": rng.choice((30, 45, 60))},
            )
        elif kind == T.NOTE:
            yield make(
                person,
                kind,
                when,
                subject=f"Note: {person.first} is evaluating {rng.choice(product_names)}",
            )
        elif kind in (T.EVENT_REGISTERED, T.EVENT_ATTENDED):
            campaign_id = rng.choice(event_campaigns) if event_campaigns else None
            name = next((c[1] for c in campaigns if c[0] == campaign_id), "Customer event")
            yield make(
                person,
                T.EVENT_REGISTERED,
                when,
                campaign_id=campaign_id,
                subject=name,
                content_type="event",
            )
            if rng.random() < 0.55:
                yield make(
                    person,
                    T.EVENT_ATTENDED,
                    min(now, when + timedelta(days=rng.randint(3, 20))),
                    campaign_id=campaign_id,
                    subject=name,
                    content_type="event",
                )
        elif kind in (T.CAMPAIGN_ADDED, T.CAMPAIGN_REMOVED):
            campaign_id = rng.choice(all_campaign_ids)
            yield make(
                person,
                T.CAMPAIGN_ADDED,
                when,
                campaign_id=campaign_id,
                user_id=marketer_id,
                subject="Added to sales campaign",
            )
            if kind == T.CAMPAIGN_REMOVED or rng.random() < 0.15:
                yield make(
                    person,
                    T.CAMPAIGN_REMOVED,
                    min(now, when + timedelta(days=rng.randint(5, 40))),
                    campaign_id=campaign_id,
                    user_id=marketer_id,
                    subject="Removed from sales campaign",
                )
        else:
            yield make(person, kind, when, subject=T(kind).label)

    # A tour of every kind on the very first person, so any data set shows them all.
    if b.people:
        first = b.people[0]
        for kind in T.values:
            yield from one(first, kind, b.when(60, business=True))

    for company in b.companies:
        heat = (1.6 if company.is_target else 0.8) * company.heat
        for person in company.contacts:
            mean = b.k * heat * (1.3 if person.roles else 0.8)
            n = max(0, int(rng.gauss(mean, mean / 3)))
            made = 0
            while made < n:
                kind = rng.choices(mix_types, mix_weights)[0]
                if not company.worked and kind in SALES_KINDS:
                    kind = T.WEB_VISIT  # sales has not worked this account yet
                when = b.when(business=DEFAULT_INITIATOR[kind] == "user", quiet=company.quiet_days)
                for values in one(person, kind, when):
                    made += 1
                    yield values

    # Record-driven kinds: lead status changes, deals created and won, finished tasks.
    for lead_id, person, _status, _created in b.leads:
        if person is None:
            continue
        # The same moves as the lead's LeadStatusChange rows (accounts/demo/pipeline.py).
        for before, after, when in b.lead_steps.get(lead_id, []):
            yield make(
                person,
                T.LEAD_STATUS_CHANGED,
                when,
                subject=f"Lead status: {before} → {after}",
                metadata={"lead": lead_id, "from": before, "to": after},
            )
    for opp_id, _company, primary, stage, created, closed_at, amount in b.deals:
        if primary is None:
            continue
        yield make(
            primary,
            T.OPPORTUNITY_CREATED,
            created,
            subject=f"Opportunity #{opp_id} created",
            metadata={"opportunity": opp_id},
        )
        if stage == Opportunity.Stage.CLOSED_WON and closed_at:
            yield make(
                primary,
                T.OPPORTUNITY_WON,
                min(now, closed_at),
                subject=f"Opportunity #{opp_id} won",
                metadata={"opportunity": opp_id, "amount": str(amount)},
            )
    for person, title, completed in b.done_tasks:
        yield make(person, T.TASK, completed, subject=title)
    # Meetings already booked for the coming weeks.
    for person, when, subject in b.future_meetings:
        yield make(
            person,
            T.MEETING,
            when,
            subject=subject,
            metadata={"duration_minutes": 30},
            scheduled=True,
        )
