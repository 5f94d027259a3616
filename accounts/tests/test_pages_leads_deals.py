"""Lead and opportunity pages: lists, lead detail with its lifecycle, forms."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Lead, Opportunity
from accounts.tests.factories import (
    AccountFactory,
    ContactFactory,
    LeadFactory,
    OpportunityFactory,
    ProductFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LEADS = reverse("accounts:lead_list")
DEALS = reverse("accounts:opportunity_list")
ROLES = ["admin", "marketer", "sales_rep"]


@pytest.mark.parametrize("role", ROLES)
def test_lead_and_deal_pages_render_for_every_role(client, request, role):
    lead = LeadFactory(topic="Needs analytics")
    OpportunityFactory(name="Q3 expansion")
    client.force_login(request.getfixturevalue(role))

    assert "Needs analytics" in client.get(LEADS).content.decode()
    assert "Q3 expansion" in client.get(DEALS).content.decode()
    detail = client.get(reverse("accounts:lead_detail", args=[lead.pk]))
    assert detail.status_code == 200 and "Lifecycle" in detail.content.decode()


def test_lists_have_empty_states(client, marketer):
    client.force_login(marketer)
    assert "No leads yet" in client.get(LEADS).content.decode()
    assert "No opportunities yet" in client.get(DEALS).content.decode()


def test_lead_list_filters_and_score_sort(client, marketer, sales_rep):
    product = ProductFactory(name="Widgets")
    LeadFactory(topic="A", status="mql", score=80, owner=sales_rep, product=product)
    LeadFactory(topic="B", status="new", score=10)
    LeadFactory(topic="C", status="mql", score=50)
    client.force_login(marketer)

    def topics(**params):
        return [lead.topic for lead in client.get(LEADS, params).context["rows"]]

    assert sorted(topics(status="mql")) == ["A", "C"]
    assert topics(owner=sales_rep.pk) == ["A"]
    assert topics(product=product.pk) == ["A"]
    assert sorted(topics(score_min=40)) == ["A", "C"]
    assert topics(sort="-score") == ["A", "C", "B"]
    assert topics(sort="score") == ["B", "C", "A"]


def test_lead_list_queries_are_constant(client, marketer, queries_constant):
    client.force_login(marketer)
    LeadFactory.create_batch(2, owner=UserFactory(), product=ProductFactory())

    def grow():
        for _ in range(20):
            LeadFactory(owner=UserFactory(), product=ProductFactory())

    queries_constant(LEADS, grow)


def test_lead_detail_without_contact_says_it_cannot_be_scored(client, marketer):
    lead = LeadFactory(contact=None, account=AccountFactory(), status="nurturing")
    client.force_login(marketer)
    body = client.get(reverse("accounts:lead_detail", args=[lead.pk])).content.decode()
    assert "This lead has no contact, so it cannot be scored automatically" in body


def test_lead_detail_shows_lifecycle_position_and_history(client, marketer):
    lead = LeadFactory(status="new", owner=marketer)
    client.force_login(marketer)
    client.post(
        reverse("accounts:lead_edit", args=[lead.pk]),
        {
            "status": "mql",
            "score": 70,
            "contact": lead.contact.email,
            "owner": marketer.pk,
            "topic": lead.topic,
        },
    )
    response = client.get(reverse("accounts:lead_detail", args=[lead.pk]))
    steps = response.context["lifecycle"]
    assert [s["label"] for s in steps if s["done"]] == ["New", "Nurturing"]
    assert [s["label"] for s in steps if s["current"]] == ["Marketing-qualified"]
    assert "New → Marketing-qualified" in response.content.decode()


def test_lead_with_neither_contact_nor_account_is_a_field_error(client, marketer):
    client.force_login(marketer)
    response = client.post(
        reverse("accounts:lead_create"), {"topic": "Orphan", "status": "new", "score": 0}
    )
    assert response.status_code == 200
    assert "needs a contact or an account" in response.context["form"].errors["contact"][0]
    assert not Lead.objects.exists()


def test_create_lead_for_contact_takes_its_account(client, sales_rep):
    contact = ContactFactory(email="lead@example.com")
    client.force_login(sales_rep)
    response = client.post(
        reverse("accounts:lead_create"),
        {"contact": "lead@example.com", "status": "new", "score": 5, "owner": sales_rep.pk},
    )
    lead = Lead.objects.get()
    assert response["Location"] == reverse("accounts:lead_detail", args=[lead.pk])
    assert lead.account_id == contact.account_id and lead.owner == sales_rep


def test_unknown_contact_email_is_a_field_error(client, marketer):
    client.force_login(marketer)
    response = client.post(
        reverse("accounts:lead_create"),
        {"contact": "ghost@example.com", "status": "new", "score": 0},
    )
    assert "No contact has the email" in response.context["form"].errors["contact"][0]


def test_sales_rep_cannot_edit_another_reps_lead(client, sales_rep, other_rep):
    lead = LeadFactory(owner=other_rep, score=3)
    client.force_login(sales_rep)
    client.post(
        reverse("accounts:lead_edit", args=[lead.pk]),
        {"contact": lead.contact.email, "status": "mql", "score": 99, "owner": sales_rep.pk},
    )
    lead.refresh_from_db()
    assert lead.score == 3 and lead.owner == other_rep


# --- Opportunities ----------------------------------------------------------------------


def test_opportunity_list_filters_and_sorts(client, marketer, sales_rep):
    acme = AccountFactory(name="Acme")
    OpportunityFactory(name="Won", stage="closed_won", amount=500, account=acme)
    OpportunityFactory(
        name="Open big",
        stage="proposal",
        amount=9000,
        owner=sales_rep,
        close_date=dt.date(2030, 1, 1),
    )
    OpportunityFactory(
        name="Open small", stage="prospecting", amount=100, close_date=dt.date(2029, 1, 1)
    )
    client.force_login(marketer)

    def names(**params):
        return [o.name for o in client.get(DEALS, params).context["rows"]]

    assert sorted(names(is_open="true")) == ["Open big", "Open small"]
    assert names(is_open="false") == ["Won"]
    assert names(stage="proposal") == ["Open big"]
    assert names(owner=sales_rep.pk) == ["Open big"]
    assert names(sort="-amount") == ["Open big", "Won", "Open small"]
    assert names(sort="close") == ["Open small", "Open big", "Won"]  # no date last
    assert names(q="acme") == ["Won"]
    body = client.get(DEALS).content.decode()
    assert reverse("accounts:account_detail", args=[acme.pk]) in body


def test_opportunity_list_queries_are_constant(client, marketer, queries_constant):
    client.force_login(marketer)
    OpportunityFactory.create_batch(2, owner=UserFactory())

    def grow():
        for _ in range(20):
            OpportunityFactory(owner=UserFactory())

    queries_constant(DEALS, grow)


def test_create_and_edit_opportunity(client, sales_rep):
    account = AccountFactory(domain="deal.example")
    client.force_login(sales_rep)
    response = client.post(
        reverse("accounts:opportunity_create") + f"?next=/accounts/{account.pk}/",
        {
            "name": "New deal",
            "account": "deal.example",
            "amount": "1500.50",
            "currency": "eur",
            "stage": "prospecting",
            "close_date": "2030-06-30",
            "owner": sales_rep.pk,
            "next": f"/accounts/{account.pk}/",
        },
    )
    deal = Opportunity.objects.get()
    assert response["Location"] == f"/accounts/{account.pk}/"
    assert deal.currency == "EUR" and deal.owner == sales_rep and deal.account == account

    client.post(
        reverse("accounts:opportunity_edit", args=[deal.pk]),
        {
            "name": "New deal",
            "account": "deal.example",
            "amount": "1500.50",
            "currency": "EUR",
            "stage": "closed_won",
            "owner": sales_rep.pk,
        },
    )
    deal.refresh_from_db()
    assert deal.stage == "closed_won" and deal.closed_at is not None


def test_opportunity_form_errors(client, marketer):
    client.force_login(marketer)
    response = client.post(
        reverse("accounts:opportunity_create"),
        {"name": "", "account": "", "amount": "-5", "currency": "dollars", "stage": "prospecting"},
    )
    errors = response.context["form"].errors
    assert {"name", "account", "amount", "currency"} <= set(errors)
    assert not Opportunity.objects.exists()


def test_sales_rep_cannot_edit_another_reps_opportunity(client, sales_rep, other_rep):
    deal = OpportunityFactory(owner=other_rep, amount=10)
    client.force_login(sales_rep)
    listing = client.get(DEALS).content.decode()
    assert reverse("accounts:opportunity_edit", args=[deal.pk]) not in listing
    response = client.post(
        reverse("accounts:opportunity_edit", args=[deal.pk]),
        {
            "name": "Mine now",
            "account": deal.account.domain,
            "amount": 1,
            "currency": "USD",
            "stage": "prospecting",
            "owner": sales_rep.pk,
        },
        follow=True,
    )
    assert "you do not own it" in response.content.decode()
    deal.refresh_from_db()
    assert deal.amount == 10 and deal.owner == other_rep
