"""Leads and opportunities through the API."""

from decimal import Decimal

import pytest

from accounts.models import Activity, Lead, Opportunity
from accounts.tests.factories import (
    AccountFactory,
    ContactFactory,
    LeadFactory,
    OpportunityFactory,
    ProductFactory,
)

pytestmark = pytest.mark.django_db

LEADS = "/api/v1/leads/"
OPPS = "/api/v1/opportunities/"


def test_lead_on_a_contact_takes_its_account(api_as, sales_rep):
    contact = ContactFactory()
    product = ProductFactory()

    response = api_as(sales_rep).post(
        LEADS, {"contact": contact.pk, "product": product.pk, "topic": "Demo"}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["account"] == contact.account_id
    assert body["can_be_scored"] is True
    assert body["owner"] == sales_rep.pk
    assert body["status"] == "new"


def test_lead_with_neither_contact_nor_account_is_400(api_as, sales_rep):
    response = api_as(sales_rep).post(LEADS, {"topic": "Orphan"}, format="json")

    assert response.status_code == 400
    assert "contact" in response.json()
    assert not Lead.objects.exists()


def test_account_only_lead_cannot_be_scored(api_as, sales_rep):
    response = api_as(sales_rep).post(LEADS, {"account": AccountFactory().pk}, format="json")

    assert response.json()["can_be_scored"] is False


def test_marketer_cannot_write_another_users_lead(api_as, marketer, other_rep, admin):
    lead = LeadFactory(owner=other_rep)

    denied = api_as(marketer).patch(f"{LEADS}{lead.pk}/", {"status": "mql"}, format="json")
    allowed = api_as(admin).patch(f"{LEADS}{lead.pk}/", {"status": "mql"}, format="json")

    assert denied.status_code == 403
    assert allowed.status_code == 200
    # A status change is kept as an activity on the lead's contact.
    assert Activity.objects.filter(contact=lead.contact, type="lead_status_changed").exists()


def test_sales_rep_writes_only_own_leads(api_as, sales_rep, other_rep):
    mine = LeadFactory(owner=sales_rep)
    theirs = LeadFactory(owner=other_rep)
    client = api_as(sales_rep)

    assert client.patch(f"{LEADS}{mine.pk}/", {"score": 40}, format="json").status_code == 200
    assert client.patch(f"{LEADS}{theirs.pk}/", {"score": 40}, format="json").status_code == 403
    assert client.delete(f"{LEADS}{theirs.pk}/").status_code == 403
    assert client.delete(f"{LEADS}{mine.pk}/").status_code == 204


def test_bad_lead_status_is_named(api_as, admin):
    lead = LeadFactory()

    response = api_as(admin).patch(f"{LEADS}{lead.pk}/", {"status": "hot"}, format="json")

    assert response.status_code == 400
    assert "status" in response.json()


def test_lead_filters_and_ordering(api_as, sales_rep):
    LeadFactory(status="mql", score=80, topic="Alpha")
    LeadFactory(status="new", score=10, topic="Beta")
    LeadFactory(status="mql", score=30, topic="Gamma")
    client = api_as(sales_rep)

    rows = client.get(LEADS, {"status": "mql", "ordering": "-score"}).json()["results"]
    found = client.get(LEADS, {"search": "beta"}).json()["results"]

    assert [r["topic"] for r in rows] == ["Alpha", "Gamma"]
    assert [r["topic"] for r in found] == ["Beta"]


def test_opportunity_create_with_contact_roles(api_as, sales_rep):
    account = AccountFactory()
    champion = ContactFactory(account=account)

    response = api_as(sales_rep).post(
        OPPS,
        {
            "account": account.pk,
            "name": "Big deal",
            "amount": "12500.50",
            "currency": "EUR",
            "close_date": "2027-03-31",
            "contact_roles": [{"contact": champion.pk, "role": "champion", "is_primary": True}],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] == "12500.50"
    assert body["contact_roles"] == [
        {"contact": champion.pk, "role": "champion", "is_primary": True}
    ]
    assert body["closed_at"] is None
    assert Activity.objects.filter(contact=champion, type="opportunity_created").exists()


def test_contact_role_from_another_account_is_400(api_as, sales_rep):
    account = AccountFactory()
    stranger = ContactFactory()

    response = api_as(sales_rep).post(
        OPPS,
        {"account": account.pk, "name": "Deal", "contact_roles": [{"contact": stranger.pk}]},
        format="json",
    )

    assert response.status_code == 400
    assert "contact_roles" in response.json()
    assert not Opportunity.objects.exists()


def test_negative_amount_and_bad_stage_are_named(api_as, admin):
    response = api_as(admin).post(
        OPPS,
        {"account": AccountFactory().pk, "name": "Deal", "amount": "-5", "stage": "won-ish"},
        format="json",
    )

    assert response.status_code == 400
    assert {"amount", "stage"} <= set(response.json())


def test_closing_stamps_closed_at(api_as, sales_rep):
    deal = OpportunityFactory(owner=sales_rep)

    response = api_as(sales_rep).patch(f"{OPPS}{deal.pk}/", {"stage": "closed_won"}, format="json")

    assert response.status_code == 200
    assert response.json()["closed_at"] is not None


def test_opportunity_roles(api_as, sales_rep, other_rep, marketer):
    deal = OpportunityFactory(owner=other_rep)

    assert (
        api_as(sales_rep).patch(f"{OPPS}{deal.pk}/", {"amount": "1"}, format="json").status_code
        == 403
    )
    assert (
        api_as(marketer).patch(f"{OPPS}{deal.pk}/", {"amount": "1"}, format="json").status_code
        == 403
    )
    deal.refresh_from_db()
    assert deal.amount == Decimal("10000")


def test_opportunity_list_filters_and_query_count(api_as, sales_rep, django_assert_max_num_queries):
    account = AccountFactory()
    for i in range(30):
        deal = OpportunityFactory(account=account, amount=1000 * i, name=f"Deal {i}")
        contact = ContactFactory(account=account)
        deal.contact_roles.create(contact=contact, role="champion")
    OpportunityFactory(stage="closed_lost", name="Lost")
    client = api_as(sales_rep)

    with django_assert_max_num_queries(4):
        rows = client.get(OPPS, {"is_open": "true", "page_size": 50}).json()["results"]
    top = client.get(OPPS, {"ordering": "-amount", "page_size": 1}).json()["results"]
    lost = client.get(OPPS, {"stage": "closed_lost"}).json()["results"]

    assert len(rows) == 30
    assert all(len(r["contact_roles"]) == 1 for r in rows)
    assert top[0]["name"] == "Deal 29"
    assert [r["name"] for r in lost] == ["Lost"]
