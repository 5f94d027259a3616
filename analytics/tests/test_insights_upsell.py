"""Upsell / cross-sell: worked out by hand (signal points with the buying-group intent
weights: solution 3, product 2, keyword 1; low from 2, medium from 5, high from 10)."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Activity, Opportunity
from accounts.tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    OpportunityFactory,
    ProductFactory,
)
from analytics.insights.common import settings_parse
from analytics.insights.models import AccountProductIntent
from analytics.insights.upsell import upsell_intent_refresh, upsell_run
from buying_groups.tests.factories import BuyingGroupFactory, RoleTemplateFactory, stage

pytestmark = pytest.mark.django_db
T = Activity.Type
NOW = timezone.now()
JUST_NOW = NOW  # no decay: the points are the weights
WON = Opportunity.Stage.CLOSED_WON


def seen(contact, type, **fields):
    return ActivityFactory(
        contact=contact, type=type, occurred_at=fields.pop("at", JUST_NOW), **fields
    )


@pytest.fixture
def book():
    journey = ProductFactory(name="Journey Builder", keywords=["orchestration"])
    data = ProductFactory(name="Data Cloud", keywords=["warehouse"])
    email = ProductFactory(name="Email Studio", keywords=["newsletter"])
    # W bought Data Cloud (a won deal names it); its people want Journey Builder.
    w = AccountFactory(name="Wonka")
    OpportunityFactory(account=w, name="Wonka — Data Cloud", stage=WON)
    w1, w2 = ContactFactory(account=w), ContactFactory(account=w)
    seen(w1, T.FORM_SUBMITTED, metadata={"topics": ["Journey Builder"]})  # solution: 3
    seen(w2, T.WEB_VISIT, url="https://x.example/products/journey-builder")  # product: 2
    seen(w1, T.WEB_VISIT, subject="Data Cloud pricing")  # bought product: 2
    seen(w1, T.WEB_VISIT, subject="A warehouse guide")  # its keyword: 1
    seen(w2, T.EMAIL_CLICKED, subject="Newsletter tips")  # Email Studio: 1, below low
    seen(w2, T.WEB_VISIT, subject="Email Studio", is_bot=True)  # a bot
    # X bought Email Studio (its buying group reached purchase); wants Journey Builder.
    x = AccountFactory(name="Xylo")
    OpportunityFactory(account=x, name="Xylo renewal", stage=WON)
    BuyingGroupFactory(
        account=x,
        solution_interest=email,
        role_template=RoleTemplateFactory(solution_interest=email),
        stage=stage("purchase"),
    )
    x1 = ContactFactory(account=x)
    seen(x1, T.WEB_VISIT, subject="Email Studio features")  # bought: 2
    seen(x1, T.DOCUMENT_VIEWED, subject="Journey Builder datasheet")  # product: 2, low
    # Y has no won deal; Z's signal is older than the 90-day window.
    y = AccountFactory(name="Yonder")
    OpportunityFactory(account=y, stage=Opportunity.Stage.PROPOSAL)
    seen(ContactFactory(account=y), T.FORM_SUBMITTED, metadata={"topics": ["Journey Builder"]})
    z = AccountFactory(name="Zeta")
    OpportunityFactory(account=z, stage=WON)
    seen(
        ContactFactory(account=z),
        T.WEB_VISIT,
        subject="Journey Builder",
        at=NOW - dt.timedelta(days=100),
    )
    return {"journey": journey, "data": data, "email": email, "w": w, "x": x}


def run(**params):
    level = params.pop("min_level", "low")
    return upsell_run(settings_parse(params), min_level=level, limit=100)


def test_the_list_has_products_not_bought_strongest_first(book):
    upsell_intent_refresh(now=NOW)
    rows = run()["rows"]
    assert [(r["account__name"], r["product__name"], r["level"]) for r in rows] == [
        ("Wonka", "Journey Builder", "medium"),
        ("Xylo", "Journey Builder", "low"),
    ]
    wonka, xylo = rows
    assert wonka["points"] == pytest.approx(5.0, abs=0.01)
    assert wonka["contacts"] == 2
    assert "1 × form or document topics naming it (journey builder)" in wonka["explanation"]
    assert wonka["bought"] == ["Data Cloud"] and xylo["bought"] == ["Email Studio"]
    assert wonka["won_deals"] == 1 and wonka["won_value"] == [
        {"currency": "USD", "amount": 10000.0}
    ]


def test_bought_products_are_kept_but_not_listed(book):
    upsell_intent_refresh(now=NOW)
    bought = AccountProductIntent.objects.get(account=book["w"], product=book["data"])
    assert bought.bought and bought.points == pytest.approx(3.0, abs=0.01) and bought.level == "low"
    assert not AccountProductIntent.objects.filter(
        product=book["email"], account=book["w"]
    ).exists()


def test_filters_and_refresh_drops_accounts_without_a_won_deal(book):
    upsell_intent_refresh(now=NOW)
    assert [r["account__name"] for r in run(min_level="medium")["rows"]] == ["Wonka"]
    book["x"].industry = "retail"
    book["x"].save()
    assert [r["account__name"] for r in run(industry="retail")["rows"]] == ["Xylo"]
    Opportunity.objects.filter(account=book["x"]).update(stage=Opportunity.Stage.CLOSED_LOST)
    upsell_intent_refresh(now=NOW)
    assert [r["account__name"] for r in run()["rows"]] == ["Wonka"]
    summary = run()["summary"]
    assert summary == {"rows": 1, "accounts": 1, "high": 0}
