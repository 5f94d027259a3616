import pytest
from django.core import mail
from django.test import Client

from accounts.tests.factories import AccountFactory, ContactFactory
from sales_actions.models import EmailTemplate, SalesEmail
from sales_actions.tests.factories import EmailTemplateFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_template_pages_create_preview_submit_approve(sales_rep, marketer):
    workspace = WorkspaceFactory()
    rep = _client(sales_rep)
    assert rep.get("/emails/").status_code == 200
    response = rep.post(
        "/emails/templates/new/",
        {
            "name": "Intro",
            "workspace": workspace.pk,
            "kind": "sales",
            "subject": "Hi {{ contact.first_name }}",
            "body_html": '<p>Hello {{ account.name|default:"team" }}</p>',
        },
    )
    template = EmailTemplate.objects.get(name="Intro")
    assert response.status_code == 302 and template.status == "draft"
    contact = ContactFactory(first_name="Jo", account__name="Globex")
    preview = rep.post(
        "/emails/templates/preview/",
        {
            "subject": "Hi {{ contact.first_name }}",
            "body_html": template.body_html,
            "contact": contact.pk,
        },
        HTTP_HX_REQUEST="true",
    )
    assert b"Hi Jo" in preview.content and b"Hello Globex" in preview.content
    bad = rep.post("/emails/templates/preview/", {"subject": "{{ contact.ssn }}", "body_html": "x"})
    assert b"Unknown token" in bad.content
    rep.post(f"/emails/templates/{template.pk}/submit/")
    assert rep.get("/emails/approvals/").status_code == 403
    rep.post(f"/emails/templates/{template.pk}/approve/")
    template.refresh_from_db()
    assert template.status == "submitted"  # a rep cannot approve
    queue = _client(marketer).get("/emails/approvals/")
    assert b"Intro" in queue.content
    # The page posts the version it showed.
    page = _client(marketer).get(f"/emails/templates/{template.pk}/").content.decode()
    assert '<input type="hidden" name="version" value="1">' in page
    _client(marketer).post(f"/emails/templates/{template.pk}/approve/", {"version": "1"})
    template.refresh_from_db()
    assert template.status == "approved" and template.approved_by == marketer


def test_send_dialog_shows_skipped_then_sends(sales_rep, django_capture_on_commit_callbacks):
    template = EmailTemplateFactory(kind="marketing")
    account = AccountFactory()
    ok = ContactFactory(account=account)
    no_bulk = ContactFactory(account=account, allow_bulk_email=False, first_name="Nora")
    client = _client(sales_rep)
    dialog = client.get(f"/emails/send/?account={account.pk}", HTTP_HX_REQUEST="true")
    assert dialog.status_code == 200
    assert b"1</strong> of 2 recipients" in dialog.content
    assert b"does not allow marketing (bulk) email" in dialog.content
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            f"/emails/send/?account={account.pk}",
            {
                "template": template.pk,
                "cc": "",
                "bcc": "",
                "include_signature": "on",
                "idempotency_key": "dialog-1",
            },
            HTTP_HX_REQUEST="true",
        )
    assert sent.status_code == 200 and "flash" in sent["HX-Trigger"]
    assert [m.to for m in mail.outbox] == [[ok.email]]
    assert not SalesEmail.objects.filter(contact=no_bulk).exists()
    bad = client.post(
        f"/emails/send/?contacts={ok.pk}",
        {"template": template.pk, "cc": "nope", "idempotency_key": "dialog-2"},
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 400 and b"is not a valid email address" in bad.content


def test_emails_tabs_list_without_query_per_row(sales_rep, send, django_assert_max_num_queries):
    template = EmailTemplateFactory()
    account = AccountFactory()
    contacts = ContactFactory.create_batch(6, account=account)
    send(user=sales_rep, template_id=template.pk, account_id=account.pk)
    client = _client(sales_rep)
    with django_assert_max_num_queries(12):
        response = client.get(f"/emails/accounts/{account.pk}/")
    assert response.content.count(b"data-email=") == 6
    tab = client.get(f"/emails/contacts/{contacts[0].pk}/", HTTP_HX_REQUEST="true")
    assert tab.content.count(b"data-email=") == 1 and b"<html" not in tab.content
    email = SalesEmail.objects.filter(contact=contacts[0]).get()
    detail = client.get(f"/emails/sent/{email.pk}/", HTTP_HX_REQUEST="true")
    assert template.name.encode() in detail.content


def test_outbox_is_for_admins(sales_rep, admin, send):
    send(user=sales_rep, template_id=EmailTemplateFactory().pk, contact_ids=[ContactFactory().pk])
    assert _client(sales_rep).get("/emails/outbox/").status_code == 403
    page = _client(admin).get("/emails/outbox/")
    assert page.status_code == 200 and b"Sent" in page.content
    email = SalesEmail.objects.get()
    raw = _client(admin).get(f"/emails/outbox/{email.pk}/raw/")
    assert email.message_id.encode() in raw.content
