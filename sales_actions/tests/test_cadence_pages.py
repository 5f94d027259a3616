"""Cadence pages: list scopes, create/edit, the steps editor, the enrol dialog (who is
skipped and why), people actions, the record panels; every form submitted."""

import pytest
from django.test import Client

from accounts.models import OpportunityContactRole
from accounts.tests.factories import (
    AccountFactory,
    ContactFactory,
    LeadFactory,
    OpportunityFactory,
)
from sales_actions.cadences.models import Cadence, CadenceStep, Enrolment
from sales_actions.tests.factories import EmailTemplateFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _cadence_with_steps(rep) -> Cadence:
    client = _client(rep)
    response = client.post(
        "/cadences/new/",
        {
            "name": "Q3 outreach",
            "visibility": "team",
            "skip_weekends": "on",
            "end_on_reply": "on",
            "business_hours_start": "09:00",
            "business_hours_end": "17:00",
        },
    )
    cadence = Cadence.objects.get(name="Q3 outreach")
    assert response.status_code == 302 and response["Location"] == f"/cadences/{cadence.pk}/"
    template = EmailTemplateFactory()
    steps = [
        {"kind": "auto_email", "day_offset": 0, "template": template.pk},
        {"kind": "call", "day_offset": 2, "title": "Call about the guide"},
        {"kind": "linkedin", "day_offset": 1, "send_time": "10:30"},
    ]
    for step in steps:
        response = client.post(f"/cadences/{cadence.pk}/steps/new/", step)
        assert response.status_code == 302, response.content[:400]
    return cadence


def test_create_cadence_and_steps_editor(sales_rep):
    cadence = _cadence_with_steps(sales_rep)
    client = _client(sales_rep)
    kinds = list(cadence.steps.order_by("position").values_list("kind", flat=True))
    assert kinds == ["auto_email", "call", "linkedin"]
    page = client.get(f"/cadences/{cadence.pk}/")
    assert page.status_code == 200
    assert "<strong>Automatic email</strong>" in page.content.decode()
    last = cadence.steps.get(position=3)
    assert client.post(f"/cadences/steps/{last.pk}/up/").status_code == 302
    kinds = list(cadence.steps.order_by("position").values_list("kind", flat=True))
    assert kinds == ["auto_email", "linkedin", "call"]
    assert client.post(f"/cadences/steps/{last.pk}/delete/").status_code == 302
    assert cadence.steps.count() == 2
    # Edit a step on its page: the call becomes a custom task three days later at 11:00.
    second = cadence.steps.get(position=2)
    edit = f"/cadences/steps/{second.pk}/edit/"
    assert client.get(edit).status_code == 200
    response = client.post(
        edit, {"kind": "custom", "day_offset": 3, "send_time": "11:00", "title": "Send the deck"}
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert (second.kind, second.day_offset, second.title) == ("custom", 3, "Send the deck")
    assert str(second.send_time) == "11:00:00"
    bad = client.post(edit, {"kind": "auto_email", "day_offset": 1})
    assert bad.status_code == 400 and "template" in bad.content.decode()
    second.refresh_from_db()
    assert second.kind == "custom"
    # Bad input names the field, never a 500.
    bad = client.post(f"/cadences/{cadence.pk}/steps/new/", {"kind": "auto_email", "day_offset": 0})
    assert bad.status_code == 400 and "template" in bad.content.decode()
    draft = EmailTemplateFactory(status="draft")
    bad = client.post(
        f"/cadences/{cadence.pk}/steps/new/",
        {"kind": "auto_email", "day_offset": 0, "template": draft.pk},
    )
    assert bad.status_code == 400
    # Edit the settings.
    response = client.post(
        f"/cadences/{cadence.pk}/edit/",
        {
            "name": "Q3 outreach (EU)",
            "visibility": "private",
            "status": "active",
            "business_hours_start": "10:00",
            "business_hours_end": "09:00",
        },
    )
    assert response.status_code == 400 and "start before" in response.content.decode()
    response = client.post(
        f"/cadences/{cadence.pk}/edit/",
        {
            "name": "Q3 outreach (EU)",
            "visibility": "private",
            "status": "paused",
            "business_hours_start": "08:00",
            "business_hours_end": "16:00",
        },
    )
    assert response.status_code == 302
    cadence.refresh_from_db()
    assert cadence.status == "paused" and not cadence.skip_weekends


def test_enrol_dialog_shows_skips_then_enrols_an_account(sales_rep):
    cadence = _cadence_with_steps(sales_rep)
    account = AccountFactory(name="Initech")
    ok = ContactFactory.create_batch(2, account=account)
    ContactFactory(account=account, allow_email=False, first_name="Nope")
    ContactFactory(account=account, email="", first_name="Blank")
    client = _client(sales_rep)
    dialog = client.get(
        f"/emails/cadences/enrol/?account={account.pk}&cadence={cadence.pk}", HTTP_HX_REQUEST="true"
    )
    text = dialog.content.decode()
    assert dialog.status_code == 200
    assert "2 people will be enrolled" in text and "2 are skipped" in text
    assert "does not allow email" in text and "has no email address" in text
    response = client.post(
        "/emails/cadences/enrol/", {"account": account.pk, "cadence": cadence.pk}
    )
    assert response.status_code == 302
    assert set(Enrolment.objects.values_list("contact_id", flat=True)) == {c.pk for c in ok}
    page = client.get(f"/cadences/{cadence.pk}/").content.decode()
    assert all(c.email in page for c in ok)
    # The panels of the account and the contact list the cadence with its next step.
    panel = client.get(f"/cadences/accounts/{account.pk}/").content.decode()
    assert "Q3 outreach" in panel and "Automatic email" in panel
    assert "Q3 outreach" in client.get(f"/cadences/contacts/{ok[0].pk}/").content.decode()
    lead = LeadFactory(contact=ok[1])
    assert "Q3 outreach" in client.get(f"/cadences/leads/{lead.pk}/").content.decode()
    # Enrolling again: everybody is skipped as already enrolled.
    again = client.get(f"/cadences/enrol/?contact={ok[0].pk}&cadence={cadence.pk}")
    assert "already in this cadence" in again.content.decode()


def test_enrol_selected_contacts_and_opportunity(sales_rep):
    cadence = _cadence_with_steps(sales_rep)
    a, b = ContactFactory(), ContactFactory()
    client = _client(sales_rep)
    response = client.post(
        "/emails/cadences/enrol/",
        {"contact": [a.pk, b.pk], "cadence": cadence.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204
    assert Enrolment.objects.count() == 2
    deal = OpportunityFactory()
    c = ContactFactory(account=deal.account)
    OpportunityContactRole.objects.create(opportunity=deal, contact=c)
    assert client.get(f"/cadences/opportunities/{deal.pk}/").status_code == 200
    response = client.post(
        "/emails/cadences/enrol/", {"opportunity": deal.pk, "cadence": cadence.pk}
    )
    assert response.status_code == 302 and Enrolment.objects.filter(contact=c).exists()
    # A cadence that is not there: the form error names the field.
    bad = client.post("/cadences/enrol/", {"contact": [a.pk], "cadence": 999999})
    assert bad.status_code == 400 and "field-error" in bad.content.decode()
    # The buying-group Members tab sends its ticked boxes as "selected".
    d = ContactFactory()
    dialog = client.get(f"/emails/cadences/enrol/?group=7&selected={d.pk}&cadence={cadence.pk}")
    assert "1 person will be enrolled" in dialog.content.decode()
    # Bad input: a 400 naming the parameter.
    assert client.get("/emails/cadences/enrol/?contact=abc").status_code == 400
    assert client.get("/cadences/?scope=everything").status_code == 400


def test_people_actions_pause_resume_remove(sales_rep):
    cadence = _cadence_with_steps(sales_rep)
    a, b = ContactFactory(), ContactFactory()
    client = _client(sales_rep)
    client.post("/emails/cadences/enrol/", {"contact": [a.pk, b.pk], "cadence": cadence.pk})
    url = f"/cadences/{cadence.pk}/people/"
    assert client.post(url, {"action": "pause", "contact": [a.pk]}).status_code == 302
    assert Enrolment.objects.get(contact=a).status == "paused"
    client.post(url, {"action": "resume", "contact": [a.pk]})
    assert Enrolment.objects.get(contact=a).status == "active"
    client.post(url, {"action": "remove", "contact": [a.pk, b.pk]})
    assert set(Enrolment.objects.values_list("status", flat=True)) == {"removed"}
    response = client.post(url, {"action": "explode", "contact": [a.pk]})
    assert response.status_code == 302  # the refusal is flashed on the cadence page


def test_list_scopes_and_roles(sales_rep, other_rep, marketer):
    cadence = _cadence_with_steps(sales_rep)
    assert "Q3 outreach" in _client(sales_rep).get("/cadences/").content.decode()
    assert _client(other_rep).get(f"/cadences/{cadence.pk}/").status_code == 404
    assert _client(other_rep).get("/cadences/?scope=all").status_code == 403
    assert "Q3 outreach" in _client(marketer).get("/cadences/?scope=all").content.decode()
    # A marketer sees it but does not change it.
    assert _client(marketer).get(f"/cadences/{cadence.pk}/edit/").status_code == 403
    step = cadence.steps.first()
    assert _client(marketer).post(f"/cadences/steps/{step.pk}/delete/").status_code == 403
    assert CadenceStep.objects.filter(pk=step.pk).exists()
