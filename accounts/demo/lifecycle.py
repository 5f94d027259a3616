"""Demo step for the lifecycle facts the analytics read, so every analysis has a shape.

- **Stage history**: each deal moves through the stages over weeks and months, the way
  its final stage says it went: open deals stop at their stage, won deals pass the open
  stages (now and then skipping one) before closed-won, lost deals drop off from an
  earlier stage (qualification most often) before closed-lost.
- **Touches before deals that differ in impact**: a paid or social first touch before
  most deals, won or not (first-touch credit, little else); the lead forms of the seed's
  journey ("Lead form: step 1", then often "step 2"); and a last touch before the deal
  — for deals that were won mostly the webinar, the events and the analyst report, for
  the others mostly the nurture emails. Won deals also get a touch while they were open.
- **Lead forms before qualified leads**: contacts whose lead reached MQL filled in the
  lead form first, so journeys start wider than they end.

It runs after the activity stream (it reads ``b.deals``, ``b.leads``, ``b.campaigns``),
draws from its own random generator, and writes a few rows per deal.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from accounts.demo.vocabulary import SITE, T
from accounts.models import Activity, Campaign, Opportunity, OpportunityStageChange
from accounts.services.activities import DEFAULT_CHANNEL

if TYPE_CHECKING:
    from accounts.demo.builder import DemoBuilder

S = Opportunity.Stage
OPEN = [S.PROSPECTING.value, S.QUALIFICATION.value, S.PROPOSAL.value, S.NEGOTIATION.value]
# Where lost deals were lost from (weights): qualification most often.
LOST_FROM = [(0, 25), (1, 35), (2, 25), (3, 15)]
LEAD_FORMS = [("Lead form: step 1", "/lead/1"), ("Lead form: step 2", "/lead/2")]
QUALIFIED = ("mql", "sales_accepted", "converted")


def _path(rng, stage: str) -> list[str]:
    """The stages a deal entered, creation first."""
    if stage in OPEN:
        path = OPEN[: OPEN.index(stage) + 1]
    elif stage == S.CLOSED_WON:
        path = list(OPEN) + [stage]
    else:
        last = rng.choices([i for i, _ in LOST_FROM], [w for _, w in LOST_FROM])[0]
        path = OPEN[: last + 1] + [stage]
    # Now and then a deal skips a middle stage (loops and skips are real).
    middle = [s for s in path[1:-1] if s in (S.QUALIFICATION, S.PROPOSAL)]
    if middle and len(path) > 3 and rng.random() < 0.15:
        path.remove(rng.choice(middle))
    return path


def _moments(rng, start: datetime, end: datetime, n: int) -> list[datetime]:
    """n moments after start and up to end, spread out (weeks to months apart)."""
    if n <= 0:
        return []
    span = max((end - start).total_seconds(), 3600.0)
    fractions = sorted(rng.uniform(0.08, 0.92) for _ in range(n - 1)) + [1.0]
    return [start + timedelta(seconds=span * f) for f in fractions]


def _campaigns(b: DemoBuilder) -> dict[str, list[int]]:
    by_channel: dict[str, list[int]] = {}
    for pk, _name, channel in b.campaigns:
        by_channel.setdefault(channel, []).append(pk)
    C = Campaign.Channel
    pick = lambda *channels: [pk for ch in channels for pk in by_channel.get(ch, [])]  # noqa: E731
    everything = [pk for pk, _, _ in b.campaigns]
    return {
        "first": pick(C.PAID, C.SOCIAL) or everything,
        "strong": pick(C.WEBINAR, C.EVENT, C.CONTENT) or everything,
        "weak": pick(C.EMAIL, C.DIRECT_MAIL, C.WEB) or everything,
        "lead": pick(C.WEBINAR, C.CONTENT) or everything,
    }


def lifecycle_build(b: DemoBuilder) -> None:
    rng = b.rng_for("lifecycle")
    real_now = b.real_now
    stage_writer = b.writer(OpportunityStageChange)
    stage_id = b.next_id(OpportunityStageChange)
    stages = []
    for opp_id, company, _primary, stage, created, closed_at, _amount in b.deals:
        path = _path(rng, stage)
        end = closed_at if closed_at else real_now - timedelta(hours=rng.randint(2, 72))
        times = [created, *_moments(rng, created, max(end, created), len(path) - 1)]
        if closed_at:
            times[-1] = closed_at
        owner = company.owner_id
        for i, (entered, when) in enumerate(zip(path, times, strict=True)):
            stages.append(
                stage_writer.row(
                    id=stage_id,
                    opportunity_id=opp_id,
                    from_stage=path[i - 1] if i else "",
                    to_stage=entered,
                    changed_at=min(when, real_now),
                    changed_by_id=owner,
                )
            )
            stage_id += 1
    b.count("stage_changes", stage_writer.write(stages))

    writer = b.writer(Activity)
    next_id = b.next_id(Activity)
    rows = []
    pools = _campaigns(b)
    companies = {c.id: c for c in b.companies}

    def touch(person, kind, when, campaign_id, content, subject, url=""):
        nonlocal next_id
        rows.append(
            writer.row(
                id=next_id,
                contact_id=person.id,
                account_id=person.account_id,
                type=kind,
                occurred_at=min(when, real_now),
                initiated_by="contact",
                channel=DEFAULT_CHANNEL[kind],
                campaign_id=campaign_id,
                content_type=content,
                subject=subject,
                url=url,
                created_at=min(when, real_now),
            )
        )
        next_id += 1

    names = {pk: name for pk, name, _ in b.campaigns}
    for _opp_id, company, primary, stage, created, closed_at, _amount in b.deals:
        people = companies[company.id].contacts if company.id in companies else []
        if primary is None or not people:
            continue
        won = stage == S.CLOSED_WON
        if rng.random() < 0.8:  # a paid or social first touch, won or not
            campaign = rng.choice(pools["first"])
            when = created - timedelta(days=rng.randint(45, 110), hours=rng.randint(0, 9))
            touch(
                rng.choice(people),
                T.WEB_VISIT,
                when,
                campaign,
                "ad",
                names[campaign],
                f"{SITE}/lp/ad",
            )
        if rng.random() < 0.75:  # the seed journey's lead form, step 1 then often step 2
            campaign = rng.choice(pools["lead"])
            when = created - timedelta(days=rng.randint(12, 40), hours=rng.randint(0, 9))
            title, path = LEAD_FORMS[0]
            touch(primary, T.FORM_SUBMITTED, when, campaign, "form", title, f"{SITE}{path}")
            if rng.random() < 0.6:
                title, path = LEAD_FORMS[1]
                later = when + timedelta(days=rng.randint(1, 6))
                touch(primary, T.FORM_SUBMITTED, later, campaign, "form", title, f"{SITE}{path}")
        # The last touch before the deal: what differs between won and the rest.
        strong = rng.random() < (0.8 if won else 0.25)
        campaign = rng.choice(pools["strong"] if strong else pools["weak"])
        when = created - timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 9))
        if strong:
            touch(rng.choice(people), T.EVENT_ATTENDED, when, campaign, "event", names[campaign])
        else:
            touch(
                rng.choice(people),
                T.EMAIL_CLICKED,
                when,
                campaign,
                "marketing email",
                names[campaign],
            )
        if won and closed_at and closed_at > created + timedelta(days=2):
            campaign = rng.choice(pools["strong"])
            when = created + (closed_at - created) * rng.uniform(0.3, 0.9)
            touch(
                rng.choice(people),
                T.DOCUMENT_VIEWED,
                when,
                campaign,
                "case study",
                "Customer case study",
                f"{SITE}/resources/case-study.pdf",
            )
    for _lead_id, person, status, created in b.leads:
        if person is None or status not in QUALIFIED:
            continue
        campaign = rng.choice(pools["lead"])
        when = created - timedelta(days=rng.randint(0, 3), hours=rng.randint(1, 9))
        title, path = LEAD_FORMS[0]
        touch(person, T.FORM_SUBMITTED, when, campaign, "form", title, f"{SITE}{path}")
        if rng.random() < 0.5:
            title, path = LEAD_FORMS[1]
            touch(person, T.FORM_SUBMITTED, when + timedelta(hours=rng.randint(2, 40)),
                  campaign, "form", title, f"{SITE}{path}")  # fmt: skip
    b.count("activities", writer.write(rows))
