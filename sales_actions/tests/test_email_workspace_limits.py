"""Reading a sent email respects workspace limits: a user limited to some workspaces
never sees an email of a template in another one (pages 404 or leave it out, the API too)."""

import pytest
from django.test import Client

from accounts.tests.factories import ContactFactory
from sales_actions.models import SalesEmail, WorkspaceAccess
from sales_actions.tests.factories import EmailTemplateFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_emails(send, marketer, sales_rep):
    """One email from workspace EMEA, one from APAC, to the same contact; the rep sees EMEA."""
    emea, apac = WorkspaceFactory(name="EMEA"), WorkspaceFactory(name="APAC")
    contact = ContactFactory()
    for workspace, subject in ((emea, "EMEA hello"), (apac, "APAC secret")):
        template = EmailTemplateFactory(workspace=workspace, subject=subject)
        send(user=marketer, template_id=template.pk, contact_ids=[contact.pk])
    WorkspaceAccess.objects.create(user=sales_rep, workspace=emea)
    seen = SalesEmail.objects.get(template__workspace=emea)
    hidden = SalesEmail.objects.get(template__workspace=apac)
    return contact, seen, hidden


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_email_detail_page_is_404_outside_the_users_workspaces(two_emails, sales_rep, marketer):
    _contact, seen, hidden = two_emails
    rep = _client(sales_rep)
    assert rep.get(f"/emails/sent/{seen.pk}/").status_code == 200
    assert rep.get(f"/emails/sent/{hidden.pk}/").status_code == 404
    assert _client(marketer).get(f"/emails/sent/{hidden.pk}/").status_code == 200


def test_emails_tabs_leave_out_other_workspaces(two_emails, sales_rep, marketer):
    contact, seen, hidden = two_emails
    for url in (f"/emails/contacts/{contact.pk}/", f"/emails/accounts/{contact.account_id}/"):
        body = _client(sales_rep).get(url).content.decode()
        assert f"/emails/sent/{seen.pk}/" in body and f"/emails/sent/{hidden.pk}/" not in body
        everything = _client(marketer).get(url).content.decode()
        assert f"/emails/sent/{hidden.pk}/" in everything


def test_sales_email_api_lists_and_reads_only_allowed_workspaces(two_emails, api_as, sales_rep):
    _contact, seen, hidden = two_emails
    api = api_as(sales_rep)
    ids = [row["id"] for row in api.get("/api/v1/sales-emails/").json()["results"]]
    assert ids == [seen.pk]
    assert api.get(f"/api/v1/sales-emails/{seen.pk}/").status_code == 200
    assert api.get(f"/api/v1/sales-emails/{hidden.pk}/").status_code == 404


def test_report_counts_only_allowed_workspaces(two_emails, sales_rep, marketer):
    _contact, seen, hidden = two_emails
    response = _client(sales_rep).get("/emails/report/")
    names = [row["template__name"] for row in response.context["templates"]]
    assert names == [seen.template.name]
    assert sum(row["sent"] for row in response.context["senders"]) == 1
    everyone = _client(marketer).get("/emails/report/").context["senders"]
    assert sum(row["sent"] for row in everyone) == 2
