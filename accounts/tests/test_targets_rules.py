"""Targeting rules and recommendations: safe conditions, preview, worker runs, roles."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import Account, TargetingRule
from accounts.services import recommendations
from accounts.tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    OpportunityFactory,
)

pytestmark = pytest.mark.django_db
RULES = "/api/v1/targeting-rules/"
HIGH_FIT_SOFTWARE = [
    {"field": "fit_score", "op": ">=", "value": 80},
    {"field": "industry", "op": "in", "value": ["software", "energy"]},
]


@pytest.fixture
def accounts():
    return {
        "match": AccountFactory(name="Match", fit_score=90, industry="software"),
        "energy": AccountFactory(name="Energy", fit_score=85, industry="energy"),
        "low": AccountFactory(name="Low", fit_score=40, industry="software"),
        "retail": AccountFactory(name="Retail", fit_score=95, industry="retail"),
        "manual": AccountFactory(
            name="Manual", fit_score=10, industry="retail", is_target=True, target_source="manual"
        ),
    }


def test_preview_counts_before_saving(api_as, marketer, accounts):
    response = api_as(marketer).post(
        RULES + "preview/", {"conditions": HIGH_FIT_SOFTWARE}, format="json"
    )
    assert response.json() == {
        "matching": 2,
        "would_add": 2,
        "description": "Fit score >= 80 and Industry in (Software, Energy)",
    }
    assert not TargetingRule.objects.exists()
    assert not Account.objects.filter(name="Match", is_target=True).exists()


def test_saved_rule_targets_matches_and_never_untargets_a_manual_target(
    api_as, marketer, accounts, django_capture_on_commit_callbacks
):
    client = api_as(marketer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            RULES, {"name": "High fit", "conditions": HIGH_FIT_SOFTWARE}, format="json"
        )
    assert response.status_code == 201
    targets = set(Account.objects.filter(is_target=True).values_list("name", "target_source"))
    assert targets == {("Match", "rule"), ("Energy", "rule"), ("Manual", "manual")}
    # Narrowing the rule releases the rule-made target it no longer matches, never Manual.
    rule_id = response.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        client.patch(
            f"{RULES}{rule_id}/",
            {
                "conditions": [
                    {"field": "industry", "op": "=", "value": "software"},
                    {"field": "fit_score", "op": "between", "value": [80, 100]},
                ]
            },
            format="json",
        )
    assert set(Account.objects.filter(is_target=True).values_list("name", flat=True)) == {
        "Match",
        "Manual",
    }
    assert TargetingRule.objects.get().last_run_added == 0


def test_rule_applies_to_an_account_when_it_changes(
    accounts, admin, django_capture_on_commit_callbacks
):
    from accounts.services.rules import targeting_rule_create

    with django_capture_on_commit_callbacks(execute=True):
        targeting_rule_create(user=admin, name="High fit", conditions=HIGH_FIT_SOFTWARE)
    low = accounts["low"]
    with django_capture_on_commit_callbacks(execute=True):
        services.account_update(user=admin, account=low, data={"fit_score": 88})
    low.refresh_from_db()
    assert low.is_target and low.target_source == "rule"


def test_a_person_removing_a_target_outranks_the_rules(
    accounts, admin, django_capture_on_commit_callbacks
):
    from accounts.services.rules import targeting_rule_create, targeting_rules_run

    with django_capture_on_commit_callbacks(execute=True):
        targeting_rule_create(user=admin, name="High fit", conditions=HIGH_FIT_SOFTWARE)
    match = accounts["match"]
    with django_capture_on_commit_callbacks(execute=True):
        services.accounts_unmark_target(user=admin, account_ids=[match.pk])
    targeting_rules_run()
    match.refresh_from_db()
    assert not match.is_target


@pytest.mark.parametrize(
    "conditions",
    [
        [],
        "fit_score >= 80",
        [{"field": "__import__('os')", "op": "=", "value": 1}],
        [{"field": "fit_score", "op": "in", "value": [1]}],
        [{"field": "fit_score", "op": ">=", "value": "eighty"}],
        [{"field": "fit_score", "op": "between", "value": [90, 10]}],
        [{"field": "industry", "op": "in", "value": ["spaceships"]}],
        [{"field": "country", "op": ">=", "value": "x"}],
    ],
)
def test_bad_conditions_are_400_naming_conditions(api_as, marketer, conditions):
    response = api_as(marketer).post(
        RULES, {"name": "Bad", "conditions": conditions}, format="json"
    )
    assert response.status_code == 400 and "conditions" in response.json()
    assert not TargetingRule.objects.exists()


def test_rule_needs_a_name(api_as, marketer):
    response = api_as(marketer).post(
        RULES, {"name": " ", "conditions": HIGH_FIT_SOFTWARE}, format="json"
    )
    assert response.status_code == 400 and "name" in response.json()


def test_sales_reps_cannot_edit_rules(api_as, sales_rep, admin, client):
    from accounts.services.rules import targeting_rule_create

    rule = targeting_rule_create(user=admin, name="R", conditions=HIGH_FIT_SOFTWARE)
    rep = api_as(sales_rep)
    assert rep.get(RULES).status_code == 200
    assert (
        rep.post(RULES, {"name": "X", "conditions": HIGH_FIT_SOFTWARE}, format="json").status_code
        == 403
    )
    assert rep.patch(f"{RULES}{rule.pk}/", {"name": "Y"}, format="json").status_code == 403
    assert rep.delete(f"{RULES}{rule.pk}/").status_code == 403
    assert rep.post(f"{RULES}{rule.pk}/run/").status_code == 403
    assert (
        rep.post(RULES + "preview/", {"conditions": HIGH_FIT_SOFTWARE}, format="json").status_code
        == 403
    )
    client.force_login(sales_rep)
    page = client.get(reverse("targets:rules")).content
    assert b"Only marketers and admins" in page
    client.post(
        reverse("targets:rules"),
        {"name": "Sneaky", "field_0": "fit_score", "op_0": ">=", "value_0": "1"},
    )
    assert TargetingRule.objects.count() == 1


def test_rules_page_preview_and_save(
    client, marketer, accounts, django_capture_on_commit_callbacks
):
    client.force_login(marketer)
    form = {
        "name": "Page rule",
        "field_0": "fit_score",
        "op_0": ">=",
        "value_0": "80",
        "field_1": "industry",
        "op_1": "in",
        "value_1": "software, energy",
        "is_active": "1",
    }
    preview = client.post(reverse("targets:rule_preview"), form).content.decode()
    assert "<strong>2</strong> accounts match" in preview
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("targets:rules"), form)
    assert response.status_code == 302
    assert Account.objects.filter(target_source="rule").count() == 2


def test_recommendations_explain_and_dismissal_sticks_until_data_change(api_as, marketer, accounts):
    won = AccountFactory(name="Won before", industry="retail", is_target=True)
    OpportunityFactory(account=won, stage="closed_won")
    for _ in range(3):
        ActivityFactory(contact=ContactFactory(account=accounts["low"]), type="form_submitted")
    client = api_as(marketer)
    data = client.get("/api/v1/target-accounts/recommendations/").json()
    assert data["method"] == recommendations.METHOD
    by_name = {r["name"]: r for r in data["results"]}
    assert by_name["Retail"]["score"] == 95 + 15
    assert "Retail, where we won deals" in by_name["Retail"]["reasons"]
    assert (
        by_name["Low"]["score"] == 40 + 6
        and "3 engagements in 30 days" in by_name["Low"]["reasons"]
    )
    assert "Manual" not in by_name  # a target already

    retail = accounts["retail"]
    assert (
        client.post(f"/api/v1/target-accounts/recommendations/{retail.pk}/dismiss/").status_code
        == 200
    )
    names = [
        r["name"] for r in client.get("/api/v1/target-accounts/recommendations/").json()["results"]
    ]
    assert "Retail" not in names
    Account.objects.filter(pk=retail.pk).update(fit_score=90)  # a small change: still hidden
    names = [
        r["name"] for r in client.get("/api/v1/target-accounts/recommendations/").json()["results"]
    ]
    assert "Retail" not in names
    Account.objects.filter(pk=retail.pk).update(fit_score=70)  # a marked change: back
    names = [
        r["name"] for r in client.get("/api/v1/target-accounts/recommendations/").json()["results"]
    ]
    assert "Retail" in names

    response = client.post(
        f"/api/v1/target-accounts/recommendations/{accounts['match'].pk}/select/"
    )
    assert response.json() == {"id": accounts["match"].pk, "is_target": True}
    response = client.post("/api/v1/target-accounts/recommendations/999999/dismiss/")
    assert response.status_code == 400 and "account" in response.json()
