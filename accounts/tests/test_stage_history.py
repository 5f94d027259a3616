"""Opportunity stage history: the back-fill, the writes of the services, the API."""

import datetime as dt
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from accounts import services
from accounts.models import Opportunity, OpportunityStageChange
from accounts.tests.factories import AccountFactory, OpportunityFactory

pytestmark = pytest.mark.django_db
S = Opportunity.Stage


def history(opportunity) -> list[tuple[str, str]]:
    return list(
        OpportunityStageChange.objects.filter(opportunity=opportunity)
        .order_by("changed_at", "id")
        .values_list("from_stage", "to_stage")
    )


def test_backfill_gives_every_deal_its_creation_and_closed_deals_their_close():
    migration = importlib.import_module("accounts.migrations.0006_opportunity_stage_history")
    created = timezone.now() - dt.timedelta(days=40)
    open_deal = OpportunityFactory(stage=S.PROPOSAL, created_at=created)
    won = OpportunityFactory(
        stage=S.CLOSED_WON, created_at=created, closed_at=created + dt.timedelta(days=30)
    )
    lost_unknown_close = OpportunityFactory(stage=S.CLOSED_LOST, created_at=created)
    OpportunityStageChange.objects.all().delete()

    migration.backfill(apps, SimpleNamespace(connection=connection))

    assert history(open_deal) == [("", S.PROPOSAL)]
    assert history(won) == [("", S.PROSPECTING), (S.PROSPECTING, S.CLOSED_WON)]
    assert history(lost_unknown_close) == [("", S.CLOSED_LOST)]
    rows = OpportunityStageChange.objects.filter(opportunity=won).order_by("changed_at")
    assert [r.changed_at for r in rows] == [won.created_at, won.closed_at]
    assert all(r.changed_by_id is None for r in rows)


def test_backfill_works_in_chunks(monkeypatch):
    migration = importlib.import_module("accounts.migrations.0006_opportunity_stage_history")
    monkeypatch.setattr(migration, "CHUNK", 2)
    deals = [OpportunityFactory() for _ in range(5)]
    OpportunityStageChange.objects.all().delete()
    migration.backfill(apps, SimpleNamespace(connection=connection))
    assert OpportunityStageChange.objects.count() == 5
    assert {r.opportunity_id for r in OpportunityStageChange.objects.all()} == {d.pk for d in deals}


def test_services_write_the_creation_and_every_stage_change(admin):
    account = AccountFactory()
    deal = services.opportunity_create(
        user=admin, data={"account": account, "name": "Pilot", "amount": 5000}
    )
    assert history(deal) == [("", S.PROSPECTING)]
    first = OpportunityStageChange.objects.get(opportunity=deal)
    assert first.changed_at == deal.created_at and first.changed_by == admin

    services.opportunity_update(user=admin, opportunity=deal, data={"stage": S.PROPOSAL})
    services.opportunity_update(user=admin, opportunity=deal, data={"stage": S.CLOSED_WON})
    assert history(deal) == [
        ("", S.PROSPECTING),
        (S.PROSPECTING, S.PROPOSAL),
        (S.PROPOSAL, S.CLOSED_WON),
    ]
    last = OpportunityStageChange.objects.filter(opportunity=deal).latest("changed_at")
    deal.refresh_from_db()
    assert last.changed_at == deal.closed_at


def test_no_row_when_the_stage_did_not_change(admin):
    deal = services.opportunity_create(
        user=admin, data={"account": AccountFactory(), "name": "Pilot", "amount": 5000}
    )
    services.opportunity_update(user=admin, opportunity=deal, data={"amount": 7000})
    services.opportunity_update(user=admin, opportunity=deal, data={"stage": S.PROSPECTING})
    assert history(deal) == [("", S.PROSPECTING)]


def test_a_deal_created_closed_has_one_row(admin):
    deal = services.opportunity_create(
        user=admin,
        data={"account": AccountFactory(), "name": "Renewal", "stage": S.CLOSED_WON},
    )
    assert history(deal) == [("", S.CLOSED_WON)]


def test_api_lists_the_history_read_only(api_as, admin):
    deal = services.opportunity_create(
        user=admin, data={"account": AccountFactory(), "name": "Pilot", "amount": 5000}
    )
    services.opportunity_update(user=admin, opportunity=deal, data={"stage": S.QUALIFICATION})
    client = api_as(admin)
    url = f"/api/v1/opportunities/{deal.pk}/stage-history/"
    response = client.get(url)
    assert response.status_code == 200
    body = response.json()
    assert [(r["from_stage"], r["to_stage"]) for r in body] == [
        ("", "prospecting"),
        ("prospecting", "qualification"),
    ]
    assert body[0]["changed_by"] == admin.pk
    assert body[0]["days_in_stage"] is not None and not body[0]["is_current"]
    assert body[1]["is_current"]
    assert client.post(url, {}).status_code == 405
    assert client.get("/api/v1/opportunities/999999/stage-history/").status_code == 404


def test_edit_page_shows_the_history(client, admin):
    deal = services.opportunity_create(
        user=admin, data={"account": AccountFactory(), "name": "Pilot", "amount": 5000}
    )
    services.opportunity_update(user=admin, opportunity=deal, data={"stage": S.NEGOTIATION})
    client.force_login(admin)
    html = client.get(f"/opportunities/{deal.pk}/edit/").content.decode()
    assert "Stage history" in html
    assert html.index("Prospecting") < html.index("Negotiation", html.index("Stage history"))
    assert "so far" in html
