"""Scoring pages: roles, the model form with rule rows (errors on the row), activation,
recompute now, and the lead page's score panel (scored, and not scored with the reason)."""

import pytest
from django.urls import reverse

from accounts.models import Lead, LeadScore, ScoringModel, ScoringRule
from accounts.scoring.services import scoring_model_create
from accounts.tests.factories import AccountFactory, ActivityFactory, LeadFactory

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "name": "Website engagement",
        "product": "",
        "threshold": "50",
        "is_active": "on",
        "description": "",
        "rules-TOTAL_FORMS": "2",
        "rules-INITIAL_FORMS": "2",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "50",
        "rules-0-kind": "activity",
        "rules-0-points": "25",
        "rules-0-activity_type": "web_visit",
        "rules-0-url_contains": "/pricing",
        "rules-0-count_mode": "each",
        "rules-0-min_count": "1",
        "rules-0-max_points": "75",
        "rules-0-decay": "half_life",
        "rules-0-decay_days": "30",
        "rules-1-kind": "field",
        "rules-1-points": "15",
        "rules-1-count_mode": "each",
        "rules-1-decay": "none",
        "rules-1-field": "contact_title",
        "rules-1-values": "VP, Chief",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ["admin", "marketer"])
def test_marketers_and_admins_create_a_model_with_rules(client, role, request):
    user = request.getfixturevalue(role)
    client.force_login(user)
    assert client.get(reverse("scoring:list")).status_code == 200
    assert client.get(reverse("scoring:create")).status_code == 200
    response = client.post(reverse("scoring:create"), form_data())
    assert response.status_code == 302, response.content.decode()[:2000]
    model = ScoringModel.objects.get()
    assert model.is_active and model.threshold == 50
    rules = list(model.rules.order_by("position"))
    assert [(r.kind, r.points) for r in rules] == [("activity", 25), ("field", 15)]
    assert rules[0].decay == "half_life" and rules[0].decay_days == 30
    page = client.get(reverse("scoring:list")).content.decode()
    assert "Website engagement" in page and "Recompute now" in page


def test_sales_rep_is_refused_everywhere(client, sales_rep, marketer):
    model = scoring_model_create(user=marketer, data={"name": "M", "threshold": 10})
    client.force_login(sales_rep)
    assert client.get(reverse("scoring:list")).status_code == 403
    assert client.get(reverse("scoring:create")).status_code == 403
    assert client.post(reverse("scoring:create"), form_data()).status_code == 403
    assert (
        client.post(reverse("scoring:activate", args=[model.pk]), {"active": "1"}).status_code
        == 403
    )
    assert client.post(reverse("scoring:recompute")).status_code == 403
    assert client.post(reverse("scoring:delete", args=[model.pk])).status_code == 403
    assert ScoringModel.objects.filter(pk=model.pk, is_active=False).exists()
    assert "/scoring/" not in client.get(reverse("accounts:lead_list")).content.decode()


def test_bad_rule_is_shown_on_its_row_and_nothing_is_saved(client, marketer):
    client.force_login(marketer)
    response = client.post(
        reverse("scoring:create"), form_data(**{"rules-0-decay_days": "", "rules-1-values": ""})
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Rule 1" in body and "This field is required." in body
    assert not ScoringModel.objects.exists() and not ScoringRule.objects.exists()


def test_a_second_active_model_for_all_leads_is_refused(client, marketer):
    scoring_model_create(user=marketer, data={"name": "First", "threshold": 10, "is_active": True})
    client.force_login(marketer)
    response = client.post(reverse("scoring:create"), form_data(name="Second"))
    assert response.status_code == 400
    assert "already the active model" in response.content.decode()
    assert ScoringModel.objects.count() == 1


def test_edit_activate_deactivate_delete_and_recompute(client, marketer):
    client.force_login(marketer)
    client.post(reverse("scoring:create"), form_data(is_active=""))
    model = ScoringModel.objects.get()
    assert not model.is_active
    edit = reverse("scoring:edit", args=[model.pk])
    assert client.get(edit).status_code == 200
    data = form_data(
        name="Renamed", is_active="", **{"rules-TOTAL_FORMS": "1", "rules-INITIAL_FORMS": "1"}
    )
    assert client.post(edit, data).status_code == 302
    model.refresh_from_db()
    assert model.name == "Renamed" and model.rules.count() == 1
    lead = LeadFactory()
    ActivityFactory(contact=lead.contact, type="web_visit", url="https://x.example/pricing")
    client.post(reverse("scoring:activate", args=[model.pk]), {"active": "1"})
    model.refresh_from_db()
    assert model.is_active
    assert client.post(reverse("scoring:recompute"), {"model": model.pk}).status_code == 302
    # Eager Celery: the recompute ran.
    assert LeadScore.objects.get(lead=lead).score == 25
    client.post(reverse("scoring:activate", args=[model.pk]), {"active": "0"})
    assert client.post(reverse("scoring:delete", args=[model.pk])).status_code == 302
    assert not ScoringModel.objects.exists()


def test_lead_page_panel_explains_the_score(client, marketer, sales_rep):
    scoring_model_create(
        user=marketer,
        data={
            "name": "Engagement",
            "threshold": 100,
            "is_active": True,
            "rules": [{"points": 10, "activity_type": "email_clicked"}],
        },
    )
    lead = LeadFactory(owner=sales_rep)
    ActivityFactory(contact=lead.contact, type="email_clicked", subject="Spring offer")
    from accounts.scoring.services import lead_scores_recompute_all

    lead_scores_recompute_all()
    client.force_login(sales_rep)
    page = client.get(reverse("accounts:lead_detail", args=[lead.pk])).content.decode()
    assert reverse("scoring:lead_score_panel", args=[lead.pk]) in page
    panel = client.get(reverse("scoring:lead_score_panel", args=[lead.pk])).content.decode()
    assert "Engagement" in panel and "+10 per Email clicked" in panel
    assert "Spring offer" in panel


def test_lead_without_contact_panel_says_why(client, sales_rep, marketer):
    scoring_model_create(user=marketer, data={"name": "M", "threshold": 10, "is_active": True})
    lead = Lead.objects.create(account=AccountFactory(), topic="Account lead")
    client.force_login(sales_rep)
    panel = client.get(reverse("scoring:lead_score_panel", args=[lead.pk])).content.decode()
    assert "Not scored automatically" in panel and "no contact" in panel
