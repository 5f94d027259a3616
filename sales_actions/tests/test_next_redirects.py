"""The two sales-email actions that redirect to ``next`` stay on this site."""

import pytest
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
