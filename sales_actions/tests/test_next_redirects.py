"""Sales-email pages: the two actions that redirect to ``next`` stay on this site; a send
dialog without recipients or with a bad id is a 400 that says why."""

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.tests.factories import ContactFactory
from sales_actions.models import SalesEmail
from sales_actions.tests.factories import EmailTemplateFactory

pytestmark = pytest.mark.django_db


def test_template_transition_ignores_an_off_site_next(client, marketer):
    template = EmailTemplateFactory(owner=marketer)
    client.force_login(marketer)
    url = reverse("sales_actions:template_transition", args=[template.pk, "archive"])
    response = client.post(url, {"next": "https://evil.example/phish"})
    assert response.status_code == 302
    assert response["Location"] == reverse("sales_actions:template_detail", args=[template.pk])
    back = client.post(url, {"next": "/emails/report/"})
    assert back["Location"] == "/emails/report/"


def test_outbox_reconcile_ignores_an_off_site_next(client, admin, sales_rep, send):
    send(user=sales_rep, template_id=EmailTemplateFactory().pk, contact_ids=[ContactFactory().pk])
    email = SalesEmail.objects.get()
    client.force_login(admin)
    response = client.post(
        reverse("sales_actions:outbox_reconcile", args=[email.pk]),
        {"outcome": "failed", "next": "//evil.example/"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("sales_actions:outbox")


@override_settings(DEBUG=False)
def test_send_dialog_without_recipients_or_with_a_bad_id_is_a_400_saying_why(client, sales_rep):
    client.force_login(sales_rep)
    bare = client.get("/emails/send/")
    assert bare.status_code == 400 and "Choose at least one recipient" in bare.content.decode()
    bad = client.get("/emails/send/", {"account": "abc"})
    assert bad.status_code == 400 and "is not an id" in bad.content.decode()
