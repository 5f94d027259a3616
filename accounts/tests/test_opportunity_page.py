"""The opportunity's own page: fields, stage history, contacts with roles, panels, timeline."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import Activity, OpportunityContactRole
from accounts.tests.factories import (
    ActivityFactory,
    ContactFactory,
    OpportunityFactory,
)

pytestmark = pytest.mark.django_db


def _deal_with(n_contacts: int):
    deal = OpportunityFactory(name="Big renewal", currency="EUR", amount=12500)
    for i in range(n_contacts):
        contact = ContactFactory(account=deal.account, first_name=f"P{i}", phone="+48 22 555 0100")
        OpportunityContactRole.objects.create(
            opportunity=deal, contact=contact, role="decision_maker" if i == 0 else "champion"
        )
        ActivityFactory(contact=contact, subject=f"Visit {i}")
    return deal


def test_page_shows_fields_roles_stage_history_panels_and_timeline(client, admin):
    deal = _deal_with(2)
    services.opportunity_update(user=admin, opportunity=deal, data={"stage": "proposal"})
    ActivityFactory(contact=ContactFactory(account=deal.account), subject="Not on the deal")
    client.force_login(admin)
    response = client.get(reverse("accounts:opportunity_detail", args=[deal.pk]))
    assert response.status_code == 200
    text = response.text
    assert "Big renewal" in text and "€12,500" in text.replace("€ ", "€") or "12,500" in text
    assert "Decision maker" in text and "Champion" in text
    assert "Stage history" in text and "Proposal" in text
    assert reverse("tasks:opportunity_tasks", args=[deal.pk]) in text
    assert reverse("sales_actions:opportunity_emails", args=[deal.pk]) in text
    assert "Visit 0" in text and "Visit 1" in text and "Not on the deal" not in text
    # The phone is a tel: link that also opens the call-log dialog for the deal.
    assert 'href="tel:+48225550100"' in text
    assert "data-call-dialog=" in text


def test_page_query_count_is_flat(client, admin, django_assert_max_num_queries):
    small, big = _deal_with(1), _deal_with(25)
    client.force_login(admin)
    with django_assert_max_num_queries(15) as few:
        client.get(reverse("accounts:opportunity_detail", args=[small.pk]))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("accounts:opportunity_detail", args=[big.pk]))


def test_missing_deal_is_404(client, sales_rep):
    client.force_login(sales_rep)
    assert client.get(reverse("accounts:opportunity_detail", args=[999999])).status_code == 404


def test_names_in_lists_link_to_the_page(client, admin):
    deal = _deal_with(1)
    client.force_login(admin)
    url = reverse("accounts:opportunity_detail", args=[deal.pk])
    assert url in client.get(reverse("accounts:opportunity_list")).text
    assert url in client.get(reverse("accounts:account_detail", args=[deal.account_id])).text


def test_deal_activities_include_its_own_events(admin):
    from accounts.selectors.opportunities import opportunity_activities

    deal = _deal_with(1)
    own = ActivityFactory(
        contact=ContactFactory(account=deal.account),
        type=Activity.Type.OPPORTUNITY_WON,
        metadata={"opportunity": deal.pk},
    )
    assert own in list(opportunity_activities(opportunity=deal))
