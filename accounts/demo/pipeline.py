"""Demo steps for the pipeline: leads, deals with their contact roles, tasks and meetings."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from accounts.demo.shapes import Person, weighted
from accounts.demo.vocabulary import MEETING_SUBJECTS, TASK_TITLES
from accounts.models import (
    DisqualifyReason,
    Lead,
    LeadStatusChange,
    Opportunity,
    OpportunityContactRole,
    Task,
)

if TYPE_CHECKING:
    from accounts.demo.builder import DemoBuilder


PATH = ["new", "nurturing", "mql", "sales_accepted", "converted"]


def _lead_moves(rng, status: str, created: datetime, now: datetime) -> list[tuple]:
    """The walk of a lead to its status: (from, to, when), the creation first."""
    # A disqualified lead leaves the path from wherever it got to.
    steps = (
        PATH[: PATH.index(status) + 1] if status in PATH else [*PATH[: rng.randint(1, 4)], status]
    )
    moves, when = [("", steps[0], created)], created
    for before, after in zip(steps, steps[1:], strict=False):
        when = min(now, when + timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 23)))
        moves.append((before, after, when))
    return moves


def _lead_history_build(b: DemoBuilder, owners: dict[int, int]) -> None:
    """The LeadStatusChange rows of every demo lead (marketing moves them until MQL, the
    owner accepts, converts or disqualifies them)."""
    rng = b.rng_for("lead-history")
    writer = b.writer(LeadStatusChange)
    reasons = list(DisqualifyReason.objects.filter(is_active=True).values_list("pk", flat=True))
    marketer_id = b.users["marketer"].pk
    next_id = b.next_id(LeadStatusChange)
    rows = []
    for lead_id, _person, status, created in b.leads:
        moves = _lead_moves(rng, status, created, b.now)
        b.lead_steps[lead_id] = moves[1:]
        for before, after, when in moves:
            sales = after in ("sales_accepted", "converted", "disqualified")
            rows.append(
                writer.row(
                    id=next_id,
                    lead_id=lead_id,
                    from_status=before,
                    to_status=after,
                    changed_at=when,
                    changed_by_id=(
                        None if after == "mql" else owners[lead_id] if sales else marketer_id
                    ),
                    source="scoring" if after == "mql" else "user",
                    disqualify_reason_id=(
                        rng.choice(reasons) if after == "disqualified" and reasons else None
                    ),
                )
            )
            next_id += 1
    b.count("lead status changes", writer.write(rows))


def leads_build(b: DemoBuilder) -> None:
    rng, now = b.rng, b.now
    writer = b.writer(Lead)
    owners: dict[int, int] = {}
    next_id = b.next_id(Lead)
    statuses = list(Lead.Status.values)
    weights = [("new", 25), ("nurturing", 30), ("mql", 15), ("sales_accepted", 10)]
    weights += [("converted", 8), ("disqualified", 12)]
    score_ranges = {
        "new": (0, 30),
        "nurturing": (15, 59),
        "mql": (60, 100),
        "sales_accepted": (65, 100),
        "converted": (70, 100),
        "disqualified": (0, 40),
    }
    marketer_id = b.users["marketer"].pk
    campaign_ids = [c[0] for c in b.campaigns]
    rows = []
    i = 0
    for index, company in enumerate(b.companies):
        # The first company carries one lead of every status, so any data set has them.
        share = 1.0 if index == 0 else 0.25 if company.is_target else 0.08
        chosen = [p for p in company.contacts if rng.random() < share]
        parents: list[Person | None] = list(chosen)
        if rng.random() < 0.05 or index == 0:
            parents.append(None)  # an account-level lead with no contact yet
        for person in parents:
            status = statuses[i] if i < len(statuses) else weighted(rng, weights)
            i += 1
            product_id, product_name, _ = rng.choice(b.products)
            created = now - timedelta(days=rng.randint(1, 170))
            low, high = score_ranges[status]
            owner = company.owner_id if status in ("sales_accepted", "converted") else None
            lead_id = next_id
            next_id += 1
            rows.append(
                writer.row(
                    id=lead_id,
                    topic=f"{product_name} for {company.name}",
                    product_id=product_id,
                    contact_id=person.id if person else None,
                    account_id=company.id,
                    status=status,
                    score=rng.randint(low, high),
                    owner_id=owner or marketer_id,
                    source_campaign_id=rng.choice(campaign_ids),
                    created_at=created,
                    updated_at=created + timedelta(days=rng.randint(0, 10)),
                )
            )
            b.leads.append((lead_id, person, status, created))
            owners[lead_id] = owner or marketer_id
    b.count("leads", writer.write(rows))
    _lead_history_build(b, owners)


def opportunities_build(b: DemoBuilder) -> None:
    rng, now = b.rng, b.now
    writer = b.writer(Opportunity)
    role_writer = b.writer(OpportunityContactRole)
    next_id = b.next_id(Opportunity)
    next_role = b.next_id(OpportunityContactRole)
    stages = list(Opportunity.Stage.values)
    weights = [("prospecting", 20), ("qualification", 20), ("proposal", 15)]
    weights += [("negotiation", 10), ("closed_won", 18), ("closed_lost", 17)]
    rows, roles = [], []
    i = 0
    for company in b.companies:
        n = rng.choice((0, 1, 1, 2, 3)) if company.is_target else 1 if rng.random() < 0.12 else 0
        if i == 0:
            n = len(stages)  # every stage appears even in a tiny data set
        for _ in range(n):
            stage = stages[i] if i < len(stages) else weighted(rng, weights)
            i += 1
            product_id, product_name, _ = rng.choice(b.products)
            created = now - timedelta(days=rng.randint(5, 175))
            closed = stage in Opportunity.CLOSED_STAGES
            if closed:
                close_date = (created + timedelta(days=rng.randint(5, 90))).date()
                yesterday = (now - timedelta(days=1)).date()
                if close_date > yesterday:
                    # Spread the late ones out rather than pile them all on yesterday (the
                    # pipeline analysis would show a spike of closes the day before).
                    days = max(1, (yesterday - created.date()).days)
                    close_date = created.date() + timedelta(days=rng.randint(1, days))
            else:
                close_date = (now + timedelta(days=rng.randint(7, 150))).date()
            # Deal size grows slower than headcount: $5k for a start-up, ~$0.7M at most.
            size = 5000 + company.employees**0.65 * rng.uniform(60, 400)
            amount = Decimal(int(size) // 500 * 500)
            opp_id = next_id
            next_id += 1
            closed_at = (
                timezone.make_aware(datetime.combine(close_date, datetime.min.time()))
                + timedelta(hours=15)
                if closed
                else None
            )
            rows.append(
                writer.row(
                    id=opp_id,
                    account_id=company.id,
                    name=f"{company.name} — {product_name}",
                    amount=amount,
                    stage=stage,
                    close_date=close_date,
                    owner_id=company.owner_id or rng.choice(b.rep_ids),
                    created_at=created,
                    closed_at=closed_at,
                    updated_at=closed_at or created + timedelta(days=rng.randint(0, 20)),
                )
            )
            people = sorted(company.contacts, key=lambda p: (not p.roles, p.id))
            picked = people[: rng.randint(1, min(3, len(people)))] if people else []
            for k, person in enumerate(picked):
                roles.append(
                    role_writer.row(
                        id=next_role,
                        opportunity_id=opp_id,
                        contact_id=person.id,
                        role=person.roles[0] if person.roles else "",
                        is_primary=k == 0,
                    )
                )
                next_role += 1
            primary = picked[0] if picked else None
            b.deals.append((opp_id, company, primary, stage, created, closed_at, amount))
    b.count("opportunities", writer.write(rows))
    b.count("opportunity_contact_roles", role_writer.write(roles))


def tasks_plan(b: DemoBuilder) -> list:
    """Open tasks (some overdue), finished tasks, and meetings booked ahead."""
    rng, now = b.rng, b.now
    writer = b.writer(Task)
    next_id = b.next_id(Task)
    rows = []
    b.done_tasks: list[tuple[Person, str, datetime]] = []
    b.future_meetings: list[tuple[Person, datetime, str]] = []
    types = list(Task.Type.values)
    for index, company in enumerate(b.companies):
        if not company.contacts:
            continue
        chance = 0.45 if company.is_target else 0.06
        if index == 0:
            chance = 1.0
        if rng.random() < chance:
            for _ in range(rng.randint(1, 3)):
                person = rng.choice(company.contacts)
                kind = rng.choice(types)
                title = TASK_TITLES[kind].format(
                    name=f"{person.first} {person.last}", company=company.name
                )
                owner = company.owner_id or rng.choice(b.rep_ids)
                done = rng.random() < 0.35
                due = now + timedelta(days=rng.randint(-30 if done else -5, 21), hours=3)
                completed = min(b.real_now, due - timedelta(hours=rng.randint(1, 30)))
                rows.append(
                    writer.row(
                        id=next_id,
                        type=kind,
                        title=title,
                        description=f"{company.name}: keep the deal moving.",
                        due_at=due,
                        status="done" if done else "open",
                        owner_id=owner,
                        contact_id=person.id,
                        account_id=company.id,
                        created_by_id=owner,
                        created_at=min(now, due) - timedelta(days=rng.randint(1, 10)),
                        completed_at=completed if done else None,
                    )
                )
                next_id += 1
                if done:
                    b.done_tasks.append((person, title, completed))
        if company.is_target and company.worked and rng.random() < 0.3 or index == 0:
            person = next((p for p in company.contacts if p.roles), company.contacts[0])
            when = now + timedelta(days=rng.randint(1, 21), hours=rng.randint(-3, 5))
            b.future_meetings.append(
                (person, when, f"{rng.choice(MEETING_SUBJECTS)} with {company.name}")
            )
    return rows


def tasks_build(b: DemoBuilder) -> None:
    """Write the planned tasks (finished ones and booked meetings become activities later)."""
    b.count("tasks", b.writer(Task).write(tasks_plan(b)))
