"""A small hand-built book whose journeys, cohorts and flows are worked out by hand.

All events are at noon in 2025 so day gaps are whole numbers.

    account  industry  events (2025)
    A        software  01-05 web visit (webpage, campaign K1); 01-10 form "Lead form: step 1";
                       01-12 document (whitepaper); 01-15 lead -> MQL;
                       deal OA created 01-20, won 03-01
    B        software  01-20 form "Lead form: step 1"; 02-01 email (marketing email, K2);
                       02-03 web visit (webpage); 02-05 lead -> MQL;
                       deal OB created 02-10, won 02-20
    C        retail    deal OC created 01-15 (before its form), lost 02-15;
                       02-01 form "Lead form: step 1"; 02-10 and 02-11 web visits; 02-12 MQL
    D        retail    03-01 web visit (K2); deal OD created 03-05, won 05-10
    E        software  01-25 form "Contact sales"
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from accounts.models import Activity, OpportunityStageChange
from accounts.tests.factories import (
    AccountFactory,
    ActivityFactory,
    CampaignFactory,
    ContactFactory,
    OpportunityFactory,
)

T = Activity.Type


def day(month: int, d: int) -> dt.datetime:
    return dt.datetime(2025, month, d, 12, 0, tzinfo=dt.UTC)


@dataclass
class Book:
    accounts: dict
    contacts: dict
    deals: dict
    campaigns: dict


def _event(contact, kind, when, **extra):
    defaults = {
        T.FORM_SUBMITTED: ("web", "form", Activity.InitiatedBy.CONTACT),
        T.WEB_VISIT: ("web", "webpage", Activity.InitiatedBy.CONTACT),
        T.DOCUMENT_VIEWED: ("web", "whitepaper", Activity.InitiatedBy.CONTACT),
        T.EMAIL_SENT: ("email", "marketing email", Activity.InitiatedBy.USER),
        T.LEAD_STATUS_CHANGED: ("crm", "", Activity.InitiatedBy.USER),
    }
    channel, content, initiated = defaults[kind]
    return ActivityFactory(
        contact=contact,
        account=contact.account,
        type=kind,
        occurred_at=when,
        channel=channel,
        content_type=extra.pop("content_type", content),
        initiated_by=initiated,
        **extra,
    )


def _deal(account, created, closed_stage=None, closed=None):
    stage = closed_stage or "prospecting"
    deal = OpportunityFactory(account=account, stage=stage, created_at=created, closed_at=closed)
    OpportunityStageChange.objects.filter(opportunity=deal).delete()
    OpportunityStageChange.objects.create(
        opportunity=deal, from_stage="", to_stage="prospecting", changed_at=created
    )
    if closed_stage:
        OpportunityStageChange.objects.create(
            opportunity=deal, from_stage="prospecting", to_stage=closed_stage, changed_at=closed
        )
    return deal


def book_build() -> Book:
    k1 = CampaignFactory(name="K1 Spring webinar")
    k2 = CampaignFactory(name="K2 Nurture")
    accounts = {
        "A": AccountFactory(name="Alpha", industry="software", country="Germany"),
        "B": AccountFactory(name="Beta", industry="software", country="France"),
        "C": AccountFactory(name="Gamma", industry="retail", country="France"),
        "D": AccountFactory(name="Delta", industry="retail", country="Germany"),
        "E": AccountFactory(name="Epsilon", industry="software", country="Japan"),
    }
    c = {key: ContactFactory(account=acc) for key, acc in accounts.items()}
    mql = {"lead": 1, "from": "nurturing", "to": "mql"}

    _event(c["A"], T.WEB_VISIT, day(1, 5), campaign=k1)
    _event(c["A"], T.FORM_SUBMITTED, day(1, 10), subject="Lead form: step 1")
    _event(c["A"], T.DOCUMENT_VIEWED, day(1, 12))
    _event(c["A"], T.LEAD_STATUS_CHANGED, day(1, 15), metadata=mql)

    _event(c["B"], T.FORM_SUBMITTED, day(1, 20), subject="Lead form: step 1")
    _event(c["B"], T.EMAIL_SENT, day(2, 1), campaign=k2)
    _event(c["B"], T.WEB_VISIT, day(2, 3))
    _event(c["B"], T.LEAD_STATUS_CHANGED, day(2, 5), metadata=mql)

    _event(c["C"], T.FORM_SUBMITTED, day(2, 1), subject="Lead form: step 1")
    _event(c["C"], T.WEB_VISIT, day(2, 10))
    _event(c["C"], T.WEB_VISIT, day(2, 11))
    _event(c["C"], T.LEAD_STATUS_CHANGED, day(2, 12), metadata=mql)

    _event(c["D"], T.WEB_VISIT, day(3, 1), campaign=k2)
    _event(c["E"], T.FORM_SUBMITTED, day(1, 25), subject="Contact sales")

    deals = {
        "OA": _deal(accounts["A"], day(1, 20), "closed_won", day(3, 1)),
        "OB": _deal(accounts["B"], day(2, 10), "closed_won", day(2, 20)),
        "OC": _deal(accounts["C"], day(1, 15), "closed_lost", day(2, 15)),
        "OD": _deal(accounts["D"], day(3, 5), "closed_won", day(5, 10)),
    }
    return Book(accounts=accounts, contacts=c, deals=deals, campaigns={"K1": k1, "K2": k2})


YEAR = {"date_from": "2025-01-01", "date_to": "2025-12-31"}

JOURNEY = {
    "container": "account",
    "nodes": [
        {
            "id": "n1",
            "name": "Lead form: step 1",
            "condition": {"kind": "form_submitted", "contains": "lead form: STEP 1"},
        },
        {
            "id": "n2",
            "name": "Opportunity created",
            "parent": "n1",
            "condition": {"kind": "opportunity_created"},
        },
        {
            "id": "n3",
            "name": "Closed-won",
            "parent": "n2",
            "condition": {"kind": "opportunity_stage", "stage": "closed_won"},
        },
    ],
    "key_moments": {"node": "n2", "days": 30, "dimension": "type"},
    "filters": YEAR,
}

COHORT = {
    "container": "opportunity",
    "inclusion": {"condition": {"kind": "opportunity_created"}, "operator": "gte", "value": 1},
    "return": {
        "condition": {"kind": "opportunity_stage", "stage": "closed_won"},
        "operator": "gte",
        "value": 1,
    },
    "granularity": "month",
    "periods": 4,
    "filters": {"date_from": "2025-01-01", "date_to": "2025-03-31"},
}

FLOW = {
    "container": "account",
    "dimension": "content_type",
    "anchor": {
        "direction": "end",
        "name": "MQL",
        "condition": {"kind": "lead_status", "status": "mql"},
    },
    "columns": 3,
    "top": 5,
    "filters": YEAR,
}
