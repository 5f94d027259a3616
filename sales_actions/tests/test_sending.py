import itertools
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends import locmem

from abm.exceptions import ApplicationError
from accounts.models import Activity, OpportunityContactRole
from accounts.tests.factories import AccountFactory, ContactFactory, OpportunityFactory
from sales_actions import services
from sales_actions.models import SalesEmail, TrackedLink
from sales_actions.services.sending import (
    REASON_NO_BULK,
    REASON_NO_EMAIL,
    Attachment,
)
from sales_actions.tests.factories import EmailTemplateFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("allow_email", "allow_bulk", "kind"),
    list(itertools.product([True, False], [True, False], ["sales", "marketing"])),
)
def test_consent_matrix(send, sales_rep, allow_email, allow_bulk, kind):
    template = EmailTemplateFactory(kind=kind)
    contact = ContactFactory(allow_email=allow_email, allow_bulk_email=allow_bulk)
    other = ContactFactory()  # always sendable, so the send itself succeeds
    result = send(user=sales_rep, template_id=template.pk, contact_ids=[contact.pk, other.pk])
    entry = next(r for r in result.recipients if r["contact_id"] == contact.pk)
    if not allow_email:
        expected = REASON_NO_EMAIL
    elif kind == "marketing" and not allow_bulk:
        expected = REASON_NO_BULK
    else:
        expected = ""
    assert entry["reason"] == expected
    assert entry["status"] == ("skipped" if expected else "queued")
    sent_to = [m.to[0] for m in mail.outbox]
    assert (contact.email in sent_to) is (not expected)
    assert other.email in sent_to


def test_send_personalizes_tracks_and_records_activity(send, sales_rep):
    sales_rep.signature = "Sam from Acme"
    sales_rep.save()
    template = EmailTemplateFactory()
    contact = ContactFactory(first_name="Jo", account__name="Globex")
    result = send(
        user=sales_rep,
        template_id=template.pk,
        contact_ids=[contact.pk],
        cc=["boss@acme.example"],
        bcc="archive@acme.example",
        personal_note="Great to meet you at the fair.",
        attachments=[Attachment(filename="deck.pdf", content=b"%PDF-1.4 test")],
    )
    email = SalesEmail.objects.get(pk=result.queued[0]["sales_email_id"])
    assert email.status == "sent" and email.sent_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Hello Jo"
    assert message.to == [contact.email] and message.cc == ["boss@acme.example"]
    assert message.bcc == ["archive@acme.example"]
    assert message.extra_headers["Message-ID"] == email.message_id
    html = message.alternatives[0][0]
    assert "Great to meet you at the fair." in html and "Sam from Acme" in html
    assert "https://example.com/guide" not in html  # links go through the redirector
    assert "/emails/t/c/" in html and "/emails/t/o/" in html
    assert message.attachments[0][0] == "deck.pdf"
    assert "List-Unsubscribe" not in message.extra_headers  # a sales (1:1) email
    assert TrackedLink.objects.filter(email=email).count() == 2
    activity = Activity.objects.get(contact=contact, type="email_sent")
    assert activity.user == sales_rep
    assert activity.metadata["template"] == template.pk
    assert activity.metadata["sender"] == sales_rep.pk


def test_marketing_email_carries_one_click_unsubscribe_headers(send, sales_rep):
    template = EmailTemplateFactory(kind="marketing")
    contact = ContactFactory()
    send(user=sales_rep, template_id=template.pk, contact_ids=[contact.pk])
    headers = mail.outbox[0].extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<http" in headers["List-Unsubscribe"] and "mailto:" in headers["List-Unsubscribe"]


def test_fifty_selected_is_fine_fifty_one_is_refused(send, sales_rep):
    template = EmailTemplateFactory()
    contacts = ContactFactory.create_batch(51)
    with pytest.raises(ApplicationError) as exc:
        send(user=sales_rep, template_id=template.pk, contact_ids=[c.pk for c in contacts])
    assert exc.value.field == "contact_ids"
    assert SalesEmail.objects.count() == 0
    result = send(
        user=sales_rep, template_id=template.pk, contact_ids=[c.pk for c in contacts[:50]]
    )
    assert len(result.queued) == 50 and SalesEmail.objects.filter(status="sent").count() == 50


def test_all_contacts_of_an_account_and_an_opportunity(send, sales_rep):
    template = EmailTemplateFactory()
    account = AccountFactory()
    ContactFactory.create_batch(3, account=account)
    ContactFactory(account=account, allow_email=False)
    preview = send(user=sales_rep, template_id=template.pk, account_id=account.pk, dry_run=True)
    assert len(preview.queued) == 3 and len(preview.skipped) == 1
    assert SalesEmail.objects.count() == 0  # a dry run writes nothing
    send(user=sales_rep, template_id=template.pk, account_id=account.pk)
    assert SalesEmail.objects.filter(account=account).count() == 3

    opportunity = OpportunityFactory(account=account)
    for contact in account.primary_contacts.all()[:2]:
        OpportunityContactRole.objects.create(opportunity=opportunity, contact=contact)
    result = send(user=sales_rep, template_id=template.pk, opportunity_id=opportunity.pk)
    assert len(result.recipients) == 2


def test_only_approved_templates_can_be_sent(send, sales_rep):
    contact = ContactFactory()
    for status in ("draft", "submitted", "archived"):
        template = EmailTemplateFactory(status=status)
        with pytest.raises(ApplicationError) as exc:
            send(user=sales_rep, template_id=template.pk, contact_ids=[contact.pk])
        assert exc.value.field == "template"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"cc": ["not-an-address"]}, "cc"),
        ({"bcc": ["a@b.example", "bad@"]}, "bcc"),
        ({"attachments": [Attachment(filename="run.exe", content=b"MZ")]}, "attachments"),
        (
            {
                "attachments": [
                    Attachment(filename="big.pdf", content=b"0" * (10 * 1024 * 1024 + 1))
                ]
            },
            "attachments",
        ),
    ],
)
def test_bad_copies_and_attachments_are_refused(send, sales_rep, kwargs, field):
    template = EmailTemplateFactory()
    contact = ContactFactory()
    with pytest.raises(ApplicationError) as exc:
        send(user=sales_rep, template_id=template.pk, contact_ids=[contact.pk], **kwargs)
    assert exc.value.field == field
    assert SalesEmail.objects.count() == 0


def test_same_idempotency_key_never_sends_twice(send, sales_rep):
    template = EmailTemplateFactory()
    contact = ContactFactory()
    first = send(
        user=sales_rep, template_id=template.pk, contact_ids=[contact.pk], idempotency_key="k1"
    )
    again = send(
        user=sales_rep, template_id=template.pk, contact_ids=[contact.pk], idempotency_key="k1"
    )
    assert first.queued[0]["sales_email_id"] == again.queued[0]["sales_email_id"]
    assert len(mail.outbox) == 1


def test_redelivered_task_never_sends_twice(send, sales_rep):
    from sales_actions.tasks import sales_emails_deliver_task

    template = EmailTemplateFactory()
    contact = ContactFactory()
    result = send(user=sales_rep, template_id=template.pk, contact_ids=[contact.pk])
    email_id = result.queued[0]["sales_email_id"]
    sales_emails_deliver_task.apply(args=[[email_id]])
    assert len(mail.outbox) == 1
    # A row a dead worker left in "sending" is not resent either.
    SalesEmail.objects.filter(pk=email_id).update(status="sending")
    sales_emails_deliver_task.apply(args=[[email_id]])
    assert len(mail.outbox) == 1


def test_transient_errors_retry_then_send(send, sales_rep, settings):
    template = EmailTemplateFactory()
    contact = ContactFactory()
    calls = {"n": 0}
    real = locmem.EmailBackend.send_messages

    def flaky(self, messages):
        calls["n"] += 1
        if calls["n"] <= 2:
            raise smtplib.SMTPResponseException(451, b"4.3.0 try again later")
        return real(self, messages)

    # Eager mode retries at once (Celery's backoff only spaces retries in a worker).
    with mock.patch.object(locmem.EmailBackend, "send_messages", flaky):
        result = send(user=sales_rep, template_id=template.pk, contact_ids=[contact.pk])
    email = SalesEmail.objects.get(pk=result.queued[0]["sales_email_id"])
    assert email.status == "sent" and email.attempts == 3
    assert len(mail.outbox) == 1


def test_permanent_error_fails_with_the_smtp_message(send, sales_rep):
    template = EmailTemplateFactory()
    contact = ContactFactory()

    def refuse(self, messages):
        raise smtplib.SMTPRecipientsRefused({contact.email: (550, b"5.1.1 no such user")})

    with mock.patch.object(locmem.EmailBackend, "send_messages", refuse):
        result = send(user=sales_rep, template_id=template.pk, contact_ids=[contact.pk])
    email = SalesEmail.objects.get(pk=result.queued[0]["sales_email_id"])
    assert email.status == "failed" and "550 5.1.1 no such user" in email.error
    assert not Activity.objects.filter(type="email_sent").exists()


def test_stale_sending_becomes_unknown_and_reconcile_settles(
    send, sales_rep, admin, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    template = EmailTemplateFactory()
    contact = ContactFactory()
    with mock.patch("sales_actions.services.sending._enqueue"):
        result = send(user=sales_rep, template_id=template.pk, contact_ids=[contact.pk])
    email = SalesEmail.objects.get(pk=result.queued[0]["sales_email_id"])
    long_ago = timezone.now() - timedelta(hours=1)
    SalesEmail.objects.filter(pk=email.pk).update(status="sending", sending_at=long_ago)
    assert services.sales_emails_sweep()["unknown"] == 1
    email.refresh_from_db()
    assert email.status == "unknown"
    with pytest.raises(ApplicationError):
        services.sales_email_reconcile(email=email, outcome="resend", user=sales_rep)
    with django_capture_on_commit_callbacks(execute=True):
        services.sales_email_reconcile(email=email, outcome="resend", user=admin)
    email.refresh_from_db()
    assert email.status == "sent" and len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == email.message_id


def test_send_api_reports_queued_and_skipped(api_as, sales_rep):
    template = EmailTemplateFactory(kind="marketing")
    ok = ContactFactory()
    no_bulk = ContactFactory(allow_bulk_email=False)
    response = api_as(sales_rep).post(
        "/api/v1/sales-emails/",
        {"template": template.pk, "contact_ids": [ok.pk, no_bulk.pk], "cc": []},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["queued"] == 1 and body["skipped"] == 1
    by_contact = {r["contact_id"]: r for r in body["recipients"]}
    assert by_contact[no_bulk.pk]["status"] == "skipped"
    assert by_contact[no_bulk.pk]["reason"] == REASON_NO_BULK
    too_many = api_as(sales_rep).post(
        "/api/v1/sales-emails/",
        {"template": template.pk, "contact_ids": list(range(1, 53))},
        format="json",
    )
    assert too_many.status_code == 400 and "contact_ids" in too_many.json()
    bad_cc = api_as(sales_rep).post(
        "/api/v1/sales-emails/",
        {"template": template.pk, "contact_ids": [ok.pk], "cc": ["nope"]},
        format="json",
    )
    assert bad_cc.status_code == 400 and "cc" in bad_cc.json()


def test_sales_email_list_api_filters_without_query_per_row(
    send, api_as, sales_rep, django_assert_max_num_queries
):
    template = EmailTemplateFactory()
    contacts = ContactFactory.create_batch(5)
    send(user=sales_rep, template_id=template.pk, contact_ids=[c.pk for c in contacts])
    client = api_as(sales_rep)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/sales-emails/", {"template": template.pk})
    rows = response.json()["results"]
    assert len(rows) == 5
    assert {"opened_at", "clicked_at", "replied_at", "opened_is_bot", "status"} <= set(rows[0])
    one = client.get("/api/v1/sales-emails/", {"contact": contacts[0].pk}).json()["results"]
    assert [r["contact"] for r in one] == [contacts[0].pk]
    assert client.get("/api/v1/sales-emails/", {"status": "failed"}).json()["results"] == []


def test_connection_lost_mid_message_is_unknown_never_resent(send, sales_rep):
    template = EmailTemplateFactory()
    contacts = ContactFactory.create_batch(4)
    real = locmem.EmailBackend.send_messages
    calls = {"n": 0}

    def drop_second(self, messages):
        calls["n"] += 1
        if calls["n"] == 2:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real(self, messages)

    with mock.patch.object(locmem.EmailBackend, "send_messages", drop_second):
        send(user=sales_rep, template_id=template.pk, contact_ids=[c.pk for c in contacts])
    statuses = sorted(SalesEmail.objects.values_list("status", flat=True))
    assert statuses == ["sent", "sent", "sent", "unknown"]
    assert len(mail.outbox) == 3  # the unknown one waits for reconcile, it is not resent
    unknown = SalesEmail.objects.get(status="unknown")
    assert "Connection unexpectedly closed" in unknown.error
    assert Activity.objects.filter(type="email_sent").count() == 3
