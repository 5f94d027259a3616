"""Scoring API: CRUD with nested rules, roles, bad input naming the field, the lead score
explanation (scored, and not scored with the reason)."""

import pytest

from accounts.models import Lead, ScoringModel, ScoringRule
from accounts.scoring.services import lead_scores_recompute_all
from accounts.tests.factories import AccountFactory, ActivityFactory, LeadFactory, ProductFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/scoring-models/"

BODY = {
    "name": "Engagement",
    "threshold": 60,
    "is_active": True,
    "rules": [
        {"points": 10, "activity_type": "email_clicked", "decay": "half_life", "decay_days": 30},
        {"points": 30, "activity_type": "event_attended", "decay": "expire", "decay_days": 90},
        {"kind": "field", "points": 15, "field": "contact_title", "values": "VP, Chief"},
    ],
}


def test_marketer_creates_reads_updates_and_deletes(api_as, marketer, sales_rep):
    client = api_as(marketer)
    response = client.post(URL, BODY, format="json")
    assert response.status_code == 201, response.data
    pk = response.data["id"]
    assert [r["points"] for r in response.data["rules"]] == [10, 30, 15]
    assert response.data["rules"][0]["label"].startswith("+10 per Email clicked")
    # Everybody reads.
    listed = api_as(sales_rep).get(URL)
    assert listed.status_code == 200
    assert [m["id"] for m in listed.data["results"]] == [pk]
    # PATCH without rules keeps them; with rules replaces them.
    response = client.patch(f"{URL}{pk}/", {"threshold": 80}, format="json")
    assert response.status_code == 200 and response.data["threshold"] == 80
    assert ScoringRule.objects.filter(model_id=pk).count() == 3
    response = client.patch(
        f"{URL}{pk}/", {"rules": [{"points": 5, "activity_type": "web_visit"}]}, format="json"
    )
    assert response.status_code == 200 and len(response.data["rules"]) == 1
    assert client.delete(f"{URL}{pk}/").status_code == 204
    assert not ScoringModel.objects.exists()


def test_sales_rep_cannot_write(api_as, sales_rep, marketer):
    assert api_as(sales_rep).post(URL, BODY, format="json").status_code == 403
    pk = api_as(marketer).post(URL, BODY, format="json").data["id"]
    rep = api_as(sales_rep)
    assert rep.patch(f"{URL}{pk}/", {"is_active": False}, format="json").status_code == 403
    assert rep.delete(f"{URL}{pk}/").status_code == 403
    assert ScoringModel.objects.get(pk=pk).is_active


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ([{"points": 10, "decay": "half_life"}], "rules[0].decay_days"),
        ([{"points": 0}], "rules[0].points"),
        ([{"points": 5}, {"points": 5, "activity_type": "nope"}], "rules[1].activity_type"),
        (
            [{"kind": "field", "points": 5, "field": "account_industry", "values": "Mining"}],
            "rules[0].values",
        ),
        (
            [
                {
                    "kind": "field",
                    "points": 5,
                    "field": "account_size",
                    "min_value": 9,
                    "max_value": 2,
                }
            ],
            "rules[0].max_value",
        ),
        ([{"kind": "field", "points": 5}], "rules[0].field"),
    ],
)
def test_bad_rules_are_400_naming_the_field(api_as, marketer, rules, field):
    response = api_as(marketer).post(URL, {**BODY, "rules": rules}, format="json")
    assert response.status_code == 400
    assert field in response.data, response.data
    assert not ScoringModel.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"threshold": 0}, "threshold"),
        ({"name": ""}, "name"),
        ({"product": 999999}, "product"),
        ({"rules": "x"}, "rules"),
        ({"rules": [{"points": "many"}]}, "rules"),
        ({"rules": [{"points": 5, "decay": "sometimes"}]}, "rules"),
    ],
)
def test_bad_shapes_are_400(api_as, marketer, body, field):
    response = api_as(marketer).post(URL, {**BODY, **body}, format="json")
    assert response.status_code == 400
    assert field in response.data, response.data


def test_second_active_model_for_the_same_leads_is_refused(api_as, marketer):
    client = api_as(marketer)
    product = ProductFactory()
    assert client.post(URL, BODY, format="json").status_code == 201
    response = client.post(URL, {**BODY, "name": "Two"}, format="json")
    assert response.status_code == 409 and "is_active" in response.data
    # A product's model may be active beside the all-leads one.
    body = {**BODY, "name": "Product", "product": product.pk}
    assert client.post(URL, body, format="json").status_code == 201


def test_lead_score_explanation(api_as, marketer, sales_rep):
    api_as(marketer).post(URL, BODY, format="json")
    lead = LeadFactory()
    click = ActivityFactory(contact=lead.contact, type="email_clicked", subject="Offer")
    lead_scores_recompute_all()
    response = api_as(sales_rep).get(f"/api/v1/leads/{lead.pk}/score/")
    assert response.status_code == 200
    data = response.data
    assert data["scored"] and data["model"]["name"] == "Engagement" and data["threshold"] == 60
    assert data["score"] == 10
    assert data["items"][0]["activities"][0]["id"] == click.pk
    assert data["items"][0]["rule_label"].startswith("+10 per Email clicked")


def test_lead_score_without_contact_and_unknown_lead(api_as, sales_rep):
    lead = Lead.objects.create(account=AccountFactory(), topic="x")
    data = api_as(sales_rep).get(f"/api/v1/leads/{lead.pk}/score/").data
    assert not data["scored"] and data["reason_code"] == "no_contact"
    assert api_as(sales_rep).get("/api/v1/leads/999999/score/").status_code == 404
