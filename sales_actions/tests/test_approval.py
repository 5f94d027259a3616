"""Approval binds to what was reviewed: a submitted version is frozen, approve names the
version, and a setting requires that somebody other than the author approves."""

import pytest

from abm.exceptions import ApplicationError, ConflictError, ForbiddenError
from sales_actions import services
from sales_actions.models import EmailTemplate
from sales_actions.tests.factories import EmailTemplateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(sales_rep):
    return EmailTemplateFactory(status="submitted", owner=sales_rep, subject="Reviewed")


def test_editing_a_submitted_version_makes_a_new_draft_and_keeps_the_reviewed_one(
    submitted, sales_rep
):
    new = services.email_template_update(user=sales_rep, template=submitted, subject="Changed")
    submitted.refresh_from_db()
    assert (submitted.status, submitted.subject) == ("submitted", "Reviewed")
    assert (new.version, new.status, new.subject) == (2, "draft", "Changed")
    # Drafts still change in place.
    again = services.email_template_update(user=sales_rep, template=new, subject="Changed twice")
    assert again.pk == new.pk


def test_approving_the_reviewed_version_approves_exactly_that_content(submitted, marketer):
    services.email_template_update(user=marketer, template=submitted, subject="Later edit")
    approved = services.email_template_approve(user=marketer, template=submitted, version=1)
    assert (approved.pk, approved.status, approved.subject) == (
        submitted.pk,
        "approved",
        "Reviewed",
    )


def test_approving_a_version_that_is_not_the_current_submitted_one_is_409(
    submitted, sales_rep, marketer
):
    v2 = services.email_template_update(user=sales_rep, template=submitted, subject="New")
    services.email_template_submit(user=sales_rep, template=v2)
    submitted.refresh_from_db()
    assert submitted.status == "archived"  # superseded by the newer submission
    with pytest.raises(ConflictError) as exc:
        services.email_template_approve(user=marketer, template=submitted, version=1)
    assert exc.value.field == "version" and "version 2" in exc.value.message
    assert services.email_template_approve(user=marketer, template=v2, version=2).pk == v2.pk


def test_approving_when_nothing_is_submitted_is_409(marketer):
    draft = EmailTemplateFactory(status="draft")
    with pytest.raises(ConflictError):
        services.email_template_approve(user=marketer, template=draft, version=1)


@pytest.mark.parametrize("version", [None, "", "abc", 0, -1, True, [1]])
def test_approve_needs_a_version(submitted, marketer, version):
    with pytest.raises(ApplicationError) as exc:
        services.email_template_approve(user=marketer, template=submitted, version=version)
    assert exc.value.field == "version" and exc.value.status_code == 400


def test_second_person_setting(settings, marketer, admin):
    own = EmailTemplateFactory(status="submitted", owner=marketer)
    assert services.email_template_approve(user=marketer, template=own, version=1)  # default off
    settings.EMAIL_APPROVAL_REQUIRES_SECOND_PERSON = True
    mine = EmailTemplateFactory(status="submitted", owner=marketer)
    with pytest.raises(ForbiddenError):
        services.email_template_approve(user=marketer, template=mine, version=1)
    assert (
        services.email_template_approve(user=admin, template=mine, version=1).approved_by == admin
    )


def test_api_approve_body_names_the_version(api_as, submitted, sales_rep, marketer, settings):
    url = f"/api/v1/email-templates/{submitted.pk}/approve/"
    missing = api_as(marketer).post(url, {}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()
    assert api_as(marketer).post(url, {"version": "x"}, format="json").status_code == 400
    v2 = api_as(sales_rep).patch(
        f"/api/v1/email-templates/{submitted.pk}/", {"subject": "Edited"}, format="json"
    )
    assert v2.status_code == 201 and v2.json()["version"] == 2
    stale = api_as(marketer).post(url, {"version": 2}, format="json")
    assert stale.status_code == 409 and "version" in stale.json()
    settings.EMAIL_APPROVAL_REQUIRES_SECOND_PERSON = True
    own = EmailTemplateFactory(status="submitted", owner=marketer)
    own_url = f"/api/v1/email-templates/{own.pk}/approve/"
    assert api_as(marketer).post(own_url, {"version": 1}, format="json").status_code == 403
    ok = api_as(marketer).post(url, {"version": 1}, format="json")
    assert ok.status_code == 200 and ok.json()["subject"] == "Reviewed"
    assert EmailTemplate.objects.get(pk=submitted.pk).status == "approved"


def test_page_approve_of_a_stale_version_is_refused(client, submitted, sales_rep, marketer):
    v2 = services.email_template_update(user=sales_rep, template=submitted, subject="New")
    services.email_template_submit(user=sales_rep, template=v2)
    client.force_login(marketer)
    response = client.post(f"/emails/templates/{v2.pk}/approve/", {"version": "1"}, follow=True)
    assert "version 2" in response.content.decode()
    v2.refresh_from_db()
    assert v2.status == "submitted"
    client.post(f"/emails/templates/{v2.pk}/approve/", {"version": "2"})
    v2.refresh_from_db()
    assert v2.status == "approved"
