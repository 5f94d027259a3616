"""The insights through the API and as CSV, with bad settings and who may read them."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Opportunity, OpportunityStageChange
from accounts.services.rollups import rollups_rebuild
from accounts.tests.factories import AccountFactory, OpportunityFactory
from analytics.insights.health import health_recompute_all
from analytics.tests.test_insights_impact import book as impact_book  # noqa: F401
from analytics.tests.test_insights_upsell import NOW
from analytics.tests.test_insights_upsell import book as upsell_book  # noqa: F401

pytestmark = pytest.mark.django_db
API = "/api/v1/analytics/"
SINCE = (timezone.localdate() - dt.timedelta(days=300)).isoformat()


def rows_of(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_impact_api_and_csv_one_row_per_currency(api_as, client, marketer, impact_book):  # noqa: F811
    body = api_as(marketer).get(API + "impact/", {"date_from": SINCE}).json()
    assert body["dimension"] == "campaign"
    webinar = next(r for r in body["pipeline"]["rows"] if r["label"] == "C2 Webinar")
    assert webinar["w_shaped"] == [
        {"currency": "EUR", "amount": 500.0},
        {"currency": "USD", "amount": 300.0},
    ]
    client.force_login(marketer)
    table = rows_of(client.get(reverse("analytics:impact_csv") + "?date_from=" + SINCE))
    assert table[0][:4] == ["Deals", "Dimension", "Value", "Currency"]
    webinar_rows = [r for r in table if r[2] == "C2 Webinar" and r[0] == "Created (pipeline)"]
    assert sorted((r[3], r[-1]) for r in webinar_rows) == [("EUR", "500.00"), ("USD", "300.00")]
    same = rows_of(api_as(marketer).get(API + "impact/", {"date_from": SINCE, "export": "csv"}))
    assert same == table


def test_pipeline_api_and_csv(api_as, marketer):
    deal = OpportunityFactory(stage=Opportunity.Stage.QUALIFICATION)
    OpportunityStageChange.objects.create(opportunity=deal, to_stage="prospecting")
    OpportunityStageChange.objects.create(
        opportunity=deal, from_stage="prospecting", to_stage="qualification"
    )
    body = api_as(marketer).get(API + "pipeline/", {"granularity": "month"}).json()
    assert body["conversion"]["created"] == 1
    assert body["over_time"][-1]["open"]["qualification"] == 1
    table = rows_of(api_as(marketer).get(API + "pipeline/", {"export": "csv"}))
    assert (
        table[0][0] == "Period"
        and ["Stage", "Reached", "Went on to the next", "Conversion", "Lost here"] in table
    )


def test_health_api_list_one_account_and_csv(api_as, client, marketer):
    account = AccountFactory(name="Solo")
    OpportunityFactory(account=account)
    rollups_rebuild()
    health_recompute_all()
    body = api_as(marketer).get(API + "health/", {"order": "-score"}).json()
    assert body["accounts"] == 1 and body["rows"][0]["name"] == "Solo"
    assert body["rows"][0]["points"]["open_deals"] == 10.0
    one = api_as(marketer).get(f"{API}health/{account.pk}/").json()
    assert one["score"] == 10 and one["inputs"]["open_deals"] == 1
    assert api_as(marketer).get(f"{API}health/999999/").status_code == 404
    client.force_login(marketer)
    table = rows_of(client.get(reverse("analytics:health_csv")))
    assert table[1][:3] == [str(account.pk), "Solo", "10"]


def test_upsell_api_and_csv(api_as, marketer, upsell_book):  # noqa: F811
    from analytics.insights.upsell import upsell_intent_refresh

    upsell_intent_refresh(now=NOW)
    body = api_as(marketer).get(API + "upsell/", {"min_level": "medium"}).json()
    assert [(r["account__name"], r["product__name"]) for r in body["rows"]] == [
        ("Wonka", "Journey Builder")
    ]
    table = rows_of(api_as(marketer).get(API + "upsell/", {"export": "csv"}))
    assert table[1][1:4] == ["Wonka", "Journey Builder", "medium"]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("impact/", {"dimension": "colour"}, "dimension"),
        ("impact/", {"date_from": "yesterday"}, "date_from"),
        ("impact/", {"date_from": "2026-02-01", "date_to": "2026-01-01"}, "date_from"),
        ("impact/", {"lookback_days": "0"}, "lookback_days"),
        ("impact/", {"account": "999999"}, "account"),
        ("pipeline/", {"granularity": "day"}, "granularity"),
        ("pipeline/", {"owner": "abc"}, "owner"),
        ("health/", {"order": "health"}, "order"),
        ("health/", {"limit": "0"}, "limit"),
        ("upsell/", {"min_level": "huge"}, "min_level"),
        ("upsell/", {"product": "999999"}, "product"),
        ("upsell/", {"industry": "bakery"}, "industry"),
    ],
)
def test_bad_settings_are_a_400_naming_the_field(api_as, marketer, path, params, field):
    response = api_as(marketer).get(API + path, params)
    assert response.status_code == 400
    assert field in response.json()


def test_pages_answer_bad_settings_with_a_400_and_the_defaults(client, marketer):
    client.force_login(marketer)
    response = client.get(reverse("analytics:impact") + "?dimension=colour")
    assert response.status_code == 400
    assert "dimension" in response.content.decode()
    assert client.get(reverse("analytics:upsell_csv") + "?min_level=x").status_code == 400


@pytest.mark.parametrize("name", ["impact", "pipeline", "health", "upsell"])
def test_every_signed_in_role_reads_them_and_nobody_else(client, api_as, sales_rep, admin, name):
    url = reverse(f"analytics:{name}")
    assert client.get(url).status_code == 302  # to the sign-in page
    assert client.get(reverse(f"analytics:{name}_csv")).status_code == 302
    from rest_framework.test import APIClient

    assert APIClient().get(f"{API}{name}/").status_code in (401, 403)
    for user in (sales_rep, admin):
        client.force_login(user)
        assert client.get(url).status_code == 200
        assert api_as(user).get(f"{API}{name}/").status_code == 200
