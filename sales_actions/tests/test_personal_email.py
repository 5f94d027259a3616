"""A personalized email written by the rep: sent through the outbox, tracked and logged."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from abm.exceptions import ApplicationError, ForbiddenError
from accounts.models import Activity, OpportunityContactRole
from accounts.tests.factories import ContactFactory, OpportunityFactory
from sales_actions.models import SalesEmail
from sales_actions.services.personal import sales_email_send_personal
from sales_actions.tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Version/17.4 Safari"


def _send(django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return sales_email_send_personal(**kwargs)


def test_personal_email_is_sent_tracked_and_logged(sales_rep, django_capture_on_commit_callbacks):
    contact = ContactFactory(first_name="Jo")
    result = _send(
        django_capture_on_commit_callbacks,
        user=sales_rep,
        subject="Hi {{ contact.first_name }}",
        body="Good talking today.\n\nThe notes: https://example.com/notes?x=1",
        contact_ids=[contact.pk],
    )
    email = SalesEmail.objects.get(pk=result.queued[0]["sales_email_id"])
    assert email.template is None and email.kind == "sales"
    assert email.subject == "Hi Jo" and email.status == SalesEmail.Status.SENT
    assert [m.to for m in mail.outbox] == [[contact.email]]
    sent = Activity.objects.get(type="email_sent", contact=contact)
    assert sent.metadata["sales_email"] == email.pk and sent.metadata["template"] is None
    # Tracked like any other: the link is rewritten and a click is recorded.
    SalesEmail.objects.filter(pk=email.pk).update(sent_at=timezone.now() - timedelta(minutes=1))
    html = mail.outbox[-1].alternatives[0][0]
    (click,) = re.findall(r'"http[^"]*(/emails/t/c/[^"]*)"', html)
    response = Client().get(click, HTTP_USER_AGENT=BROWSER)
    assert response["Location"] == "https://example.com/notes?x=1"
    assert Activity.objects.filter(type="email_clicked", contact=contact).exists()


def test_personal_email_rules(sales_rep, django_capture_on_commit_callbacks):
    contact = ContactFactory()
    no_email = ContactFactory(allow_email=False)
    with pytest.raises(ApplicationError) as err:
        sales_email_send_personal(user=sales_rep, subject="", body="x", contact_ids=[contact.pk])
    assert err.value.field == "subject"
    with pytest.raises(ApplicationError) as err:
        sales_email_send_personal(user=sales_rep, subject="x", body=" ", contact_ids=[contact.pk])
    assert err.value.field == "body"
    with pytest.raises(ApplicationError) as err:
        sales_email_send_personal(
            user=sales_rep, subject="x", body="{{ contact.password }}", contact_ids=[contact.pk]
        )
    assert err.value.field == "body"
    result = _send(
        django_capture_on_commit_callbacks,
        user=sales_rep,
        subject="x",
        body="y",
        contact_ids=[contact.pk, no_email.pk],
    )
    assert [r["contact_id"] for r in result.skipped] == [no_email.pk]
    with override_settings(SALES_EMAIL_ALLOW_PERSONAL=False), pytest.raises(ForbiddenError):
        sales_email_send_personal(user=sales_rep, subject="x", body="y", contact_ids=[1])


def test_personal_email_dialog_from_a_deal_and_the_emails_panel(
    sales_rep, client, django_capture_on_commit_callbacks
):
    deal = OpportunityFactory()
    contact = ContactFactory(account=deal.account)
    OpportunityContactRole.objects.create(opportunity=deal, contact=contact, role="champion")
    client.force_login(sales_rep)
    page = client.get(reverse("accounts:opportunity_detail", args=[deal.pk])).text
    url = reverse("sales_actions:personal_email")
    assert f"{url}?opportunity={deal.pk}" in page
    panel = client.get(
        reverse("sales_actions:contact_emails", args=[contact.pk]), HTTP_HX_REQUEST="true"
    )
    assert "data-write-email" in panel.text
    dialog = client.get(url, {"opportunity": deal.pk}, HTTP_HX_REQUEST="true")
    assert dialog.status_code == 200 and "1 of 1 recipients allow sales email" in dialog.text
    bad = client.post(f"{url}?opportunity={deal.pk}", {"subject": "", "body": "x"})
    assert bad.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            f"{url}?opportunity={deal.pk}",
            {"subject": "Next steps", "body": "Shall we meet?", "idempotency_key": "p-1"},
            HTTP_HX_REQUEST="true",
        )
    assert sent.status_code == 200 and "flash" in sent["HX-Trigger"]
    email = SalesEmail.objects.get(contact=contact)
    assert email.template is None and email.subject == "Next steps"
    # The sent email's card says it was written by hand; the deal's emails panel lists it.
    card = client.get(
        reverse("sales_actions:email_detail", args=[email.pk]), HTTP_HX_REQUEST="true"
    )
    assert "Personal email" in card.text
    deal_emails = client.get(reverse("sales_actions:opportunity_emails", args=[deal.pk]))
    assert "Next steps" in deal_emails.text
    with override_settings(SALES_EMAIL_ALLOW_PERSONAL=False):
        assert client.get(url, {"contact": contact.pk}).status_code == 404
        page = client.get(reverse("accounts:opportunity_detail", args=[deal.pk])).text
        assert f"{url}?opportunity" not in page


def test_workspace_limited_user_reads_own_personal_email(
    sales_rep, other_rep, django_capture_on_commit_callbacks
):
    from sales_actions.models import WorkspaceAccess
    from sales_actions.selectors import sales_email_visible

    workspace = WorkspaceFactory()
    for user in (sales_rep, other_rep):
        WorkspaceAccess.objects.create(workspace=workspace, user=user)
    contact = ContactFactory()
    _send(
        django_capture_on_commit_callbacks,
        user=sales_rep,
        subject="x",
        body="y",
        contact_ids=[contact.pk],
    )
    assert sales_email_visible(user=sales_rep).count() == 1
    assert sales_email_visible(user=other_rep).count() == 0


def test_email_card_and_tasks_page_name_the_cadence(
    sales_rep, client, send, django_capture_on_commit_callbacks
):
    from accounts.tests.factories import TaskFactory
    from sales_actions.models import Cadence, CadenceStep, Enrolment, StepRun
    from sales_actions.tests.factories import EmailTemplateFactory

    template = EmailTemplateFactory()
    contact = ContactFactory()
    result = send(user=sales_rep, template_id=template.pk, contact_ids=[contact.pk])
    email = SalesEmail.objects.get(pk=result.queued[0]["sales_email_id"])
    cadence = Cadence.objects.create(name="Q3 outreach", owner=sales_rep)
    step = CadenceStep.objects.create(cadence=cadence, position=1, kind="auto_email")
    call_step = CadenceStep.objects.create(cadence=cadence, position=2, kind="call")
    enrolment = Enrolment.objects.create(cadence=cadence, contact=contact, enrolled_by=sales_rep)
    StepRun.objects.create(
        idempotency_key="k1",
        enrolment=enrolment,
        step=step,
        position=1,
        kind="auto_email",
        status="email_queued",
        sales_email=email,
    )
    task = TaskFactory(owner=sales_rep, contact=contact, account=contact.account, title="Step call")
    TaskFactory(owner=sales_rep, contact=contact, account=contact.account, title="Loose call")
    StepRun.objects.create(
        idempotency_key="k2",
        enrolment=enrolment,
        step=call_step,
        position=2,
        kind="call",
        status="task_created",
        task=task,
    )
    client.force_login(sales_rep)
    card = client.get(
        reverse("sales_actions:email_detail", args=[email.pk]), HTTP_HX_REQUEST="true"
    )
    assert "data-email-cadence" in card.text and "Q3 outreach" in card.text
    listing = client.get(reverse("tasks:task_list"), {"tab": "upcoming", "cadence": cadence.pk})
    assert "Step call" in listing.text and "Loose call" not in listing.text
    assert "Q3 outreach" in listing.text  # offered in the cadence filter


def test_opportunity_calls_and_emails_in_the_api(api_as, sales_rep, send):
    from sales_actions.calls.models import Call
    from sales_actions.tests.factories import EmailTemplateFactory

    deal = OpportunityFactory()
    contact = ContactFactory(account=deal.account)
    other = ContactFactory(account=deal.account)
    OpportunityContactRole.objects.create(opportunity=deal, contact=contact, role="champion")
    Call.objects.create(
        user=sales_rep, contact=contact, account=deal.account, number="1", status="connected"
    )
    Call.objects.create(
        user=sales_rep, contact=other, account=deal.account, number="2", status="busy"
    )
    template = EmailTemplateFactory()
    send(user=sales_rep, template_id=template.pk, contact_ids=[contact.pk, other.pk])
    api = api_as(sales_rep)
    calls = api.get(f"/api/v1/opportunities/{deal.pk}/calls/").json()["results"]
    assert [c["number"] for c in calls] == ["1"]
    emails = api.get(f"/api/v1/opportunities/{deal.pk}/emails/").json()["results"]
    assert [e["contact"] for e in emails] == [contact.pk]
