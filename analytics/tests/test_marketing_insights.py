"""Marketing insights: KPI known answers (marketing emails only, bots left out), campaigns
touched, the score over time from LeadScoreDay (carried forward), the current score when no
history is stored, account and lead sums, scoping (404), the API and the panels."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Activity, LeadScoreDay
from accounts.tests.factories import (
    AccountFactory,
    ActivityFactory,
    CampaignFactory,
    ContactFactory,
    LeadFactory,
)
from analytics.marketing.selectors import marketing_insights
from sales_actions.insights.scope import insights_scope, week_window

pytestmark = pytest.mark.django_db
T = Activity.Type
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # Wednesday; this week began 30 November
TODAY = NOW.date()


def at(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def account(sales_rep):
    return AccountFactory(name="Initech", owner=sales_rep)


@pytest.fixture
def people(account):
    anna = ContactFactory(account=account, first_name="Anna", engagement_score=42)
    ben = ContactFactory(account=account, first_name="Ben")
    stranger = ContactFactory(first_name="Stranger")
    spring = CampaignFactory(name="Spring webinar")
    launch = CampaignFactory(name="Launch")

    def act(contact, type_, when, **kw):
        return ActivityFactory(contact=contact, type=type_, occurred_at=when, **kw)

    act(anna, T.EMAIL_SENT, at(2026, 12, 1, 9), campaign=spring)
    act(anna, T.EMAIL_SENT, at(2026, 11, 24, 9), metadata={"sales_email": 3, "kind": "marketing"})
    act(anna, T.EMAIL_SENT, at(2026, 12, 1, 10), initiated_by="user")  # a sales email: not here
    act(anna, T.EMAIL_OPENED, at(2026, 12, 1, 11), campaign=spring)
    act(anna, T.EMAIL_OPENED, at(2026, 12, 1, 11, 1), campaign=spring, is_bot=True)  # left out
    act(anna, T.EMAIL_CLICKED, at(2026, 12, 1, 11, 2), campaign=spring)
    act(anna, T.EMAIL_OPENED, at(2026, 12, 1, 12))  # a sales email's open: not here
    act(anna, T.WEB_VISIT, at(2026, 11, 20, 12))
    act(anna, T.EVENT_REGISTERED, at(2026, 10, 1, 12), campaign=launch)
    act(anna, T.EVENT_ATTENDED, at(2026, 10, 15, 12), campaign=launch)
    act(anna, T.WEB_VISIT, at(2026, 8, 1, 12))  # before the twelve weeks
    act(ben, T.FORM_SUBMITTED, at(2026, 11, 30, 12), campaign=launch)
    act(ben, T.WEB_VISIT, at(2026, 11, 30, 13), is_bot=True)  # a crawler: left out
    act(stranger, T.WEB_VISIT, at(2026, 12, 1, 12))
    return anna, ben


def kpis(data):
    return {k["key"]: k["total"] for k in data["kpis"]}


def test_contact_kpis_known_answers(sales_rep, people, django_assert_max_num_queries):
    anna, _ben = people
    scope = insights_scope(user=sales_rep, record="contact", pk=anna.pk)
    window = week_window(user=sales_rep, now=NOW)
    with django_assert_max_num_queries(4):  # KPIs, campaigns, leads' score history (2)
        data = marketing_insights(scope=scope, window=window, today=TODAY)
    assert kpis(data) == {
        "email_delivered": 2,
        "email_opened": 1,
        "email_clicked": 1,
        "web_visit": 1,
        "form": 0,
        "event_registered": 1,
        "event_attended": 1,
    }
    delivered = next(k for k in data["kpis"] if k["key"] == "email_delivered")
    assert delivered["weekly"][-2:] == [1, 1] and sum(delivered["weekly"]) == 2
    assert data["campaigns"]["count"] == 2
    assert data["campaigns"]["top"][0] == {
        "id": data["campaigns"]["top"][0]["id"],
        "name": "Spring webinar",
        "activities": 3,
    }
    # No lead: no stored history, the current engagement score, and it says so.
    assert data["score"]["kind"] == "current" and data["score"]["current"] == 42
    assert "No lead" in data["score"]["basis"]


def test_account_sums_its_contacts(sales_rep, account, people):
    scope = insights_scope(user=sales_rep, record="account", pk=account.pk)
    data = marketing_insights(scope=scope, window=week_window(user=sales_rep, now=NOW), today=TODAY)
    got = kpis(data)
    assert got["form"] == 1 and got["web_visit"] == 1  # ben's form; his crawler visit left out
    assert got["email_delivered"] == 2
    assert data["score"]["current"] == 42  # the highest of its people


def test_score_over_time_from_lead_score_days(sales_rep, account, people):
    anna, _ben = people
    lead = LeadFactory(contact=anna, owner=sales_rep)
    other = LeadFactory(contact=anna, owner=sales_rep)
    LeadScoreDay.objects.create(lead=lead, day=date(2026, 8, 30), score=10)  # before the window
    LeadScoreDay.objects.create(lead=lead, day=date(2026, 11, 2), score=30)
    LeadScoreDay.objects.create(lead=lead, day=date(2026, 11, 20), score=25)
    LeadScoreDay.objects.create(lead=other, day=date(2026, 11, 25), score=28)
    window = week_window(user=sales_rep, now=NOW)

    scope = insights_scope(user=sales_rep, record="lead", pk=lead.pk)
    assert scope.basis == "lead_contact"
    score = marketing_insights(scope=scope, window=window, today=TODAY)["score"]
    assert score["kind"] == "history" and score["days"][0] == date(2026, 9, 14)
    assert score["days"][-1] == TODAY
    by_day = dict(zip(score["days"], score["values"], strict=True))
    assert by_day[date(2026, 9, 14)] == 10  # carried forward into the window
    assert by_day[date(2026, 11, 1)] == 10 and by_day[date(2026, 11, 2)] == 30
    assert by_day[date(2026, 11, 19)] == 30 and by_day[date(2026, 11, 20)] == 25
    assert score["current"] == 25

    # The contact: the highest of its two leads each day.
    scope = insights_scope(user=sales_rep, record="contact", pk=anna.pk)
    score = marketing_insights(scope=scope, window=window, today=TODAY)["score"]
    by_day = dict(zip(score["days"], score["values"], strict=True))
    assert by_day[date(2026, 11, 24)] == 25 and by_day[date(2026, 11, 25)] == 28
    assert score["current"] == 28 and score["leads"] == 2


def test_a_lead_without_history_shows_its_current_score(sales_rep, people):
    anna, _ben = people
    lead = LeadFactory(contact=anna, owner=sales_rep, score=17)
    scope = insights_scope(user=sales_rep, record="lead", pk=lead.pk)
    score = marketing_insights(scope=scope, window=week_window(user=sales_rep), today=TODAY)[
        "score"
    ]
    assert score == {
        "kind": "current",
        "basis": "No score history stored yet: the current lead score.",
        "current": 17,
        "days": [],
        "values": [],
    }


def test_an_account_lead_sums_the_accounts_contacts(sales_rep, account, people):
    lead = LeadFactory(contact=None, account=account, owner=sales_rep)
    scope = insights_scope(user=sales_rep, record="lead", pk=lead.pk)
    assert scope.basis == "lead_account"
    data = marketing_insights(scope=scope, window=week_window(user=sales_rep, now=NOW), today=TODAY)
    assert kpis(data)["form"] == 1 and kpis(data)["email_delivered"] == 2


def test_api_and_scoping(api_as, client, sales_rep, other_rep, marketer, account, people):
    anna, _ben = people
    lead = LeadFactory(contact=anna, owner=sales_rep)
    ActivityFactory(contact=anna, type=T.WEB_VISIT, occurred_at=timezone.now() - timedelta(hours=1))
    url = f"/api/v1/marketing-insights/account/{account.pk}/"
    body = api_as(sales_rep).get(url).json()
    assert body["basis"] == "account_contacts" and len(body["weeks"]) == 12
    assert [k["key"] for k in body["kpis"]][:3] == [
        "email_delivered",
        "email_opened",
        "email_clicked",
    ]
    assert next(k for k in body["kpis"] if k["key"] == "web_visit")["weekly"][-1] >= 1
    assert api_as(marketer).get(url).status_code == 200
    assert api_as(other_rep).get(url).status_code == 404
    assert api_as(other_rep).get(f"/api/v1/marketing-insights/lead/{lead.pk}/").status_code == 404
    lead_body = api_as(sales_rep).get(f"/api/v1/marketing-insights/lead/{lead.pk}/").json()
    assert lead_body["basis"] == "lead_contact"
    assert api_as(sales_rep).get("/api/v1/marketing-insights/opportunity/1/").status_code == 404
    client.force_login(other_rep)
    html = client.get(reverse("marketing_insights:account_panel", args=[account.pk])).content
    assert b"Emails delivered" not in html and b"their team" in html


def test_the_panel_renders_on_the_record_pages(client, sales_rep, account, people):
    anna, _ben = people
    lead = LeadFactory(contact=anna, owner=sales_rep)
    LeadScoreDay.objects.create(lead=lead, day=timezone.now().date(), score=12)
    client.force_login(sales_rep)
    for record, pk, page in (
        ("contact", anna.pk, reverse("accounts:contact_detail", args=[anna.pk])),
        ("account", account.pk, reverse("accounts:account_detail", args=[account.pk])),
        ("lead", lead.pk, reverse("accounts:lead_detail", args=[lead.pk])),
    ):
        panel_url = reverse(f"marketing_insights:{record}_panel", args=[pk])
        assert panel_url in client.get(page).content.decode()
        html = client.get(panel_url).content.decode()
        assert "Emails delivered" in html and "Campaigns touched" in html
        assert "data-ip-spark" in html and "data-ip-score" in html
        assert "js/insights_panel.js" in html
