"""Insights panel: the velocity grid's counts for a known set of activities (bots, marketing
emails and other people left out; week boundaries in the reader's non-UTC zone, across a
DST change), one query per grid, account and opportunity sums, upcoming cadences and tasks,
scoping (404), the API and the panel on the record pages."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Activity, ContactAccount, OpportunityContactRole, Task
from accounts.tests.factories import (
    AccountFactory,
    ActivityFactory,
    CampaignFactory,
    ContactFactory,
    OpportunityFactory,
    TaskFactory,
)
from sales_actions.cadences.models import Cadence, CadenceStep, Enrolment
from sales_actions.insights.scope import insights_scope, week_window
from sales_actions.insights.selectors import velocity_grid
from sales_actions.models import SalesEmail
from sales_actions.tests.factories import EmailTemplateFactory

pytestmark = pytest.mark.django_db
T = Activity.Type

# Wednesday 2 December 2026, 04:00 in Los Angeles (UTC-8). This week began Monday 30
# November 00:00 PST = 08:00 UTC; the first of the twelve weeks, Monday 14 September
# 00:00 PDT (UTC-7) = 07:00 UTC.
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
LA = "America/Los_Angeles"


def at(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def reader(sales_rep):
    sales_rep.time_zone = LA
    sales_rep.save(update_fields=["time_zone"])
    return sales_rep


@pytest.fixture
def account(sales_rep):
    return AccountFactory(name="Globex", owner=sales_rep)


@pytest.fixture
def known(account):
    """Two people of the account with a known set of activities; returns (anna, ben)."""
    anna = ContactFactory(account=account, first_name="Anna")
    ben = ContactFactory(account=account, first_name="Ben")
    stranger = ContactFactory(first_name="Stranger")  # another account
    campaign = CampaignFactory()

    def act(contact, type_, when, **kw):
        return ActivityFactory(contact=contact, type=type_, occurred_at=when, **kw)

    # Sunday 29 Nov 23:00 in LA (Monday 07:00 UTC): the week of 23 November, not this one.
    act(anna, T.WEB_VISIT, at(2026, 11, 30, 7, 0))
    # Monday 30 Nov 00:30 in LA: this week.
    act(anna, T.WEB_VISIT, at(2026, 11, 30, 8, 30))
    act(anna, T.EMAIL_SENT, at(2026, 12, 1, 16, 0), initiated_by="user")
    act(anna, T.EMAIL_OPENED, at(2026, 12, 1, 17, 0))
    act(anna, T.EMAIL_OPENED, at(2026, 12, 1, 17, 1), is_bot=True)  # a scanner: left out
    act(anna, T.EMAIL_CLICKED, at(2026, 12, 1, 17, 2), is_bot=True)  # left out
    act(anna, T.EMAIL_REPLIED, at(2026, 12, 1, 18, 0))
    # Marketing emails are not sales emails: a campaign's, and an outbox marketing send.
    act(anna, T.EMAIL_SENT, at(2026, 12, 1, 9, 0), campaign=campaign)
    act(anna, T.EMAIL_OPENED, at(2026, 12, 1, 10, 0), campaign=campaign)
    act(anna, T.EMAIL_SENT, at(2026, 12, 1, 9, 0), metadata={"sales_email": 1, "kind": "marketing"})
    act(anna, T.CAMPAIGN_ADDED, at(2026, 11, 25, 12), metadata={"cadence": 7, "cadence_name": "Q"})
    act(anna, T.CAMPAIGN_ADDED, at(2026, 11, 25, 12), campaign=campaign)  # not a cadence
    act(anna, T.NOTE, at(2026, 11, 25, 12))  # not a kind of the grid
    # The first week's first minute counts; the minute before it does not.
    act(anna, T.CALL, at(2026, 9, 14, 7, 0), initiated_by="user")
    act(anna, T.CALL, at(2026, 9, 14, 6, 59), initiated_by="user")
    act(ben, T.FORM_SUBMITTED, at(2026, 10, 7, 15, 0))
    act(ben, T.EMAIL_CLICKED, at(2026, 10, 7, 15, 5))
    act(stranger, T.WEB_VISIT, at(2026, 12, 1, 12, 0))
    return anna, ben


def rows(grid):
    return {row["key"]: row["counts"] for row in grid["rows"]}


def test_week_window_is_monday_to_monday_in_the_readers_zone(reader):
    window = week_window(user=reader, now=NOW)
    assert len(window.mondays) == 12
    assert str(window.mondays[0]) == "2026-09-14" and str(window.mondays[-1]) == "2026-11-30"
    assert window.start == at(2026, 9, 14, 7, 0)  # PDT
    assert window.end == at(2026, 12, 7, 8, 0)  # PST


def test_velocity_grid_counts_a_known_set_of_activities(reader, known, django_assert_num_queries):
    anna, _ben = known
    window = week_window(user=reader, now=NOW)
    scope = insights_scope(user=reader, record="contact", pk=anna.pk)
    with django_assert_num_queries(1):
        grid = velocity_grid(scope=scope, window=window)
    got = rows(grid)
    zeros = [0] * 12
    this_week, last_week, first_week = 11, 10, 0
    assert got["web_visit"] == [*zeros[:10], 1, 1]
    assert got["sales_email_sent"][this_week] == 1 and sum(got["sales_email_sent"]) == 1
    assert got["sales_email_opened"] == [*zeros[:11], 1]  # the bot's open left out
    assert got["sales_email_clicked"] == zeros  # only a bot clicked
    assert got["sales_email_replied"] == [*zeros[:11], 1]
    assert got["cadence"][last_week] == 1 and sum(got["cadence"]) == 1
    assert got["call"][first_week] == 1 and sum(got["call"]) == 1
    assert got["form"] == zeros
    assert grid["total"] == 7 and grid["max"] == 1
    labels = [row["label"] for row in grid["rows"]]
    assert labels[:2] == ["Sales emails sent", "Sales emails opened"]


def test_account_grid_sums_its_contacts_in_one_query(
    reader, known, account, django_assert_num_queries
):
    anna, ben = known
    # A contact linked to the account as a secondary one counts too.
    carl = ContactFactory(first_name="Carl")
    ContactAccount.objects.create(contact=carl, account=account, is_primary=False)
    ActivityFactory(contact=carl, type=T.CALL, occurred_at=at(2026, 12, 1, 20, 0))
    window = week_window(user=reader, now=NOW)
    scope = insights_scope(user=reader, record="account", pk=account.pk)
    assert scope.basis == "account_contacts"
    with django_assert_num_queries(1):
        grid = velocity_grid(scope=scope, window=window)
    got = rows(grid)
    week_of_oct_5 = 3
    assert got["form"][week_of_oct_5] == 1
    assert got["sales_email_clicked"][week_of_oct_5] == 1
    assert got["call"][11] == 1
    assert got["web_visit"][11] == 1  # the stranger's visit is not the account's
    assert grid["total"] == 10


def test_opportunity_sums_its_contact_roles_else_its_accounts_contacts(reader, known, account):
    anna, ben = known
    deal = OpportunityFactory(account=account, owner=reader)
    window = week_window(user=reader, now=NOW)
    scope = insights_scope(user=reader, record="opportunity", pk=deal.pk)
    assert scope.basis == "opportunity_account"
    assert velocity_grid(scope=scope, window=window)["total"] == 9
    OpportunityContactRole.objects.create(opportunity=deal, contact=ben)
    scope = insights_scope(user=reader, record="opportunity", pk=deal.pk)
    assert scope.basis == "opportunity_roles"
    grid = velocity_grid(scope=scope, window=window)
    assert grid["total"] == 2 and sum(rows(grid)["form"]) == 1


@pytest.fixture
def upcoming(sales_rep, account, known):
    anna, ben = known
    cadence = Cadence.objects.create(name="Q4 outreach", owner=sales_rep)
    step = CadenceStep.objects.create(
        cadence=cadence, position=2, kind=CadenceStep.Kind.CALL, title="Intro call"
    )
    soon = timezone.now() + timedelta(days=2)
    Enrolment.objects.create(cadence=cadence, contact=ben, step=step, next_due_at=soon)
    Enrolment.objects.create(
        cadence=cadence, contact=anna, status=Enrolment.Status.FINISHED, step=None
    )
    TaskFactory(account=account, contact=anna, title="Send the pricing", owner=sales_rep,
                due_at=timezone.now() - timedelta(days=1))  # fmt: skip
    TaskFactory(account=account, contact=None, title="Plan the QBR", due_at=soon)
    TaskFactory(account=account, contact=ben, title="Done already", status=Task.Status.DONE)
    return cadence


def test_api_answers_the_grid_cadences_and_tasks(api_as, sales_rep, account, upcoming):
    body = api_as(sales_rep).get(f"/api/v1/insights/account/{account.pk}/").json()
    assert body["basis"] == "account_contacts" and body["record"] == "account"
    assert len(body["grid"]["weeks"]) == 12 and len(body["grid"]["rows"]) == 8
    [enrolment] = body["cadences"]
    assert enrolment["cadence_name"] == "Q4 outreach" and enrolment["next_step"] == "call"
    assert enrolment["next_step_label"] == "Call task" and enrolment["next_due_at"]
    assert [t["title"] for t in body["tasks"]] == ["Send the pricing", "Plan the QBR"]
    assert body["tasks"][0]["overdue"] is True and body["tasks"][1]["overdue"] is False


def test_api_query_count_is_bounded(
    api_as, sales_rep, account, upcoming, django_assert_max_num_queries
):
    client = api_as(sales_rep)
    with django_assert_max_num_queries(6):  # record, grid, enrolments, tasks (+ session/user)
        assert client.get(f"/api/v1/insights/account/{account.pk}/").status_code == 200


def test_a_rep_cannot_read_another_reps_account_insights(
    api_as, client, sales_rep, other_rep, marketer, account
):
    url = f"/api/v1/insights/account/{account.pk}/"
    assert api_as(other_rep).get(url).status_code == 404
    assert api_as(sales_rep).get(url).status_code == 200
    assert api_as(marketer).get(url).status_code == 200
    assert api_as(sales_rep).get("/api/v1/insights/account/999999/").status_code == 404
    assert api_as(sales_rep).get(f"/api/v1/insights/lead/{account.pk}/").status_code == 404
    client.force_login(other_rep)
    page = client.get(reverse("insights:account_panel", args=[account.pk]))
    assert page.status_code == 200
    assert "Engagement velocity" not in page.content.decode()
    assert "These insights are for Sam Seller and their team." in page.content.decode()


def test_the_panel_renders_on_the_record_pages(client, sales_rep, account, known, upcoming):
    anna, _ben = known
    deal = OpportunityFactory(account=account, owner=sales_rep)
    client.force_login(sales_rep)
    for record, pk, page in (
        ("contact", anna.pk, reverse("accounts:contact_detail", args=[anna.pk])),
        ("account", account.pk, reverse("accounts:account_detail", args=[account.pk])),
        ("opportunity", deal.pk, reverse("accounts:opportunity_detail", args=[deal.pk])),
    ):
        panel_url = reverse(f"insights:{record}_panel", args=[pk])
        assert panel_url in client.get(page).content.decode()
        html = client.get(panel_url).content.decode()
        assert "Engagement velocity" in html and "Upcoming cadences" in html
        assert "data-ip-heatmap" in html and "js/insights_panel.js" in html
        assert '<th scope="row" class="nowrap">Web visits</th>' in html  # the table
        if record != "contact":
            assert "Q4 outreach" in html and "Plan the QBR" in html


BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Version/17.4 Safari"


@pytest.mark.parametrize(("kind", "sales_opens"), [("marketing", 0), ("sales", 1)])
def test_an_outbox_emails_opens_count_as_sales_only_for_a_sales_template(
    send, sales_rep, kind, sales_opens
):
    contact = ContactFactory()
    template = EmailTemplateFactory(kind=kind)
    send(user=sales_rep, template_id=template.pk, contact_ids=[contact.pk])
    SalesEmail.objects.update(sent_at=timezone.now() - timedelta(minutes=5))
    html = mail.outbox[-1].alternatives[0][0]
    pixel = re.search(r'"http://127.0.0.1:8000(/emails/t/o/[^"]*)"', html).group(1)
    assert Client().get(pixel, HTTP_USER_AGENT=BROWSER).status_code == 200
    opened = Activity.objects.get(type=T.EMAIL_OPENED, contact=contact)
    assert opened.metadata["kind"] == kind and not opened.is_bot
    scope = insights_scope(user=sales_rep, record="contact", pk=contact.pk)
    got = rows(velocity_grid(scope=scope, window=week_window(user=sales_rep)))
    assert sum(got["sales_email_opened"]) == sales_opens
    assert sum(got["sales_email_sent"]) == sales_opens  # the send itself, likewise
