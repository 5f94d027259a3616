import pytest

from abm.exceptions import ApplicationError, ConflictError, ForbiddenError
from sales_actions import services
from sales_actions.models import EmailTemplate, WorkspaceAccess
from sales_actions.rendering import (
    TokenError,
    context_for,
    html_to_text,
    render_html,
    render_subject,
    sanitize_html,
    tokens_find,
)
from sales_actions.tests.factories import EmailTemplateFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


def test_tokens_render_values_and_fallbacks(sales_rep):
    from accounts.tests.factories import ContactFactory

    sales_rep.signature = "Sam Seller\nAcme <sales>"
    contact = ContactFactory(first_name="Jo", account__name="Globex & Co")
    body = (
        '<p>Hi {{ contact.first_name|default:"there" }} at {{account.name}}</p>'
        "<p>{{ sender.signature }}</p>"
    )
    values = context_for(contact=contact, account=contact.account, sender=sales_rep)
    html = render_html(body, values)
    assert "Hi Jo at Globex &amp; Co" in html
    assert "Sam Seller<br>Acme &lt;sales&gt;" in html

    blank = context_for(contact=None, account=None, sender=None)
    assert "Hi there at </p>" in render_html(body, blank)
    assert render_subject('Hi {{ contact.first_name|default:"friend" }}!', blank) == "Hi friend!"


def test_token_values_are_escaped_and_url_encoded_in_links():
    values = context_for()
    values["account.name"] = '<script>alert("x")</script> & co'
    html = render_html(
        '<a href="https://x.example/?a={{ account.name }}">{{ account.name }}</a>', values
    )
    assert "<script>" not in html
    assert "https://x.example/?a=%3Cscript%3E" in html


@pytest.mark.parametrize(
    "text",
    [
        "{{ contact.password }}",
        "{{ user.is_superuser }}",
        "{% load static %}",
        "{{ contact.first_name|upper }}",
        "{{ contact.first_name|default:there }}",
    ],
)
def test_unknown_tokens_and_tags_are_rejected(text):
    with pytest.raises(TokenError):
        tokens_find(text)


def test_sanitizer_strips_scripts_and_handlers_and_generates_text():
    body = sanitize_html(
        '<p onclick="x()">Hi<script>alert(1)</script> <a href="javascript:alert(1)">bad</a>'
        ' <a href="https://ok.example/a">good</a></p><ul><li>one</li></ul>'
    )
    assert "script" not in body and "onclick" not in body and "javascript" not in body
    text = html_to_text(body)
    assert "good (https://ok.example/a)" in text
    assert "- one" in text


def test_rep_drafts_and_submits_but_cannot_approve(sales_rep, marketer):
    workspace = WorkspaceFactory()
    template = services.email_template_create(
        user=sales_rep,
        workspace=workspace,
        name="Intro",
        subject="Hi {{ contact.first_name }}",
        body_html="<p>Hello {{ account.name }}</p><script>x</script>",
    )
    assert template.status == "draft" and "<script>" not in template.body_html
    assert template.body_text.strip() == "Hello {{ account.name }}"
    services.email_template_submit(user=sales_rep, template=template)
    with pytest.raises(ForbiddenError):
        services.email_template_approve(user=sales_rep, template=template, version=1)
    approved = services.email_template_approve(user=marketer, template=template, version=1)
    assert approved.status == "approved"
    assert approved.approved_by == marketer and approved.approved_at is not None


def test_admin_approves_too(sales_rep, admin):
    template = EmailTemplateFactory(status="submitted", owner=sales_rep)
    approved = services.email_template_approve(
        user=admin, template=template, version=template.version
    )
    assert approved.approved_by == admin


def test_template_with_unknown_token_cannot_be_submitted(marketer):
    template = EmailTemplateFactory(status="draft", body_html="<p>{{ contact.salary }}</p>")
    with pytest.raises(ApplicationError) as exc:
        services.email_template_submit(user=marketer, template=template)
    assert exc.value.field == "body_html" and "contact.salary" in exc.value.message
    template.refresh_from_db()
    assert template.status == "draft"


def test_editing_an_approved_version_makes_a_new_draft(marketer):
    approved = EmailTemplateFactory(status="approved", subject="Old subject")
    new = services.email_template_update(user=marketer, template=approved, subject="New subject")
    approved.refresh_from_db()
    assert approved.subject == "Old subject" and approved.status == "approved"
    assert new.pk != approved.pk and new.version == 2 and new.status == "draft"
    assert new.lineage == approved.lineage
    # A second edit of the approved version while v2 is a draft is a conflict.
    with pytest.raises(ConflictError):
        services.email_template_update(user=marketer, template=approved, subject="Other")
    # Approving v2 archives v1.
    services.email_template_submit(user=marketer, template=new)
    services.email_template_approve(user=marketer, template=new, version=2)
    approved.refresh_from_db()
    assert approved.status == "archived"


def test_rep_cannot_edit_someone_elses_template(sales_rep, other_rep):
    template = EmailTemplateFactory(status="draft", owner=other_rep)
    with pytest.raises(ForbiddenError):
        services.email_template_update(user=sales_rep, template=template, name="Mine")


def test_workspace_limits(sales_rep, marketer):
    allowed, other = WorkspaceFactory(name="EMEA"), WorkspaceFactory(name="APAC")
    WorkspaceAccess.objects.create(user=sales_rep, workspace=allowed)
    with pytest.raises(ForbiddenError):
        services.email_template_create(
            user=sales_rep, workspace=other, name="x", subject="s", body_html="<p>b</p>"
        )
    from sales_actions.selectors import email_template_list

    EmailTemplateFactory(workspace=allowed)
    EmailTemplateFactory(workspace=other)
    assert {t.workspace for t in email_template_list(user=sales_rep)} == {allowed}
    assert email_template_list(user=marketer).count() == 2


def test_template_api_crud_and_transitions(api_as, sales_rep, marketer):
    workspace = WorkspaceFactory()
    rep = api_as(sales_rep)
    created = rep.post(
        "/api/v1/email-templates/",
        {
            "name": "Intro",
            "workspace": workspace.pk,
            "kind": "sales",
            "subject": "Hi {{ contact.first_name }}",
            "body_html": "<p>Hi</p>",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert rep.post(f"/api/v1/email-templates/{pk}/submit/").json()["status"] == "submitted"
    approve = f"/api/v1/email-templates/{pk}/approve/"
    assert rep.post(approve, {"version": 1}, format="json").status_code == 403
    approved = api_as(marketer).post(approve, {"version": 1}, format="json")
    assert approved.json()["status"] == "approved" and approved.json()["approved_by"] == marketer.pk
    edited = api_as(marketer).patch(
        f"/api/v1/email-templates/{pk}/", {"subject": "Changed"}, format="json"
    )
    assert edited.status_code == 201 and edited.json()["version"] == 2
    assert EmailTemplate.objects.get(pk=pk).subject == "Hi {{ contact.first_name }}"
    bad = rep.post(
        "/api/v1/email-templates/",
        {"name": "x", "workspace": workspace.pk, "subject": "", "body_html": "<p>b</p>"},
        format="json",
    )
    assert bad.status_code == 400 and "subject" in bad.json()
    archived = api_as(marketer).post(f"/api/v1/email-templates/{pk}/archive/")
    assert archived.json()["status"] == "archived"


def test_workspace_api_and_access_limits(api_as, admin, marketer, sales_rep):
    created = api_as(marketer).post("/api/v1/workspaces/", {"name": "EMEA"}, format="json")
    assert created.status_code == 201
    assert (
        api_as(sales_rep).post("/api/v1/workspaces/", {"name": "X"}, format="json").status_code
        == 403
    )
    other = WorkspaceFactory(name="APAC")
    url = f"/api/v1/workspaces/access/{sales_rep.pk}/"
    body = {"workspaces": [created.json()["id"]]}
    assert api_as(marketer).put(url, body, format="json").status_code == 403
    limited = api_as(admin).put(url, body, format="json").json()
    assert limited == {"user": sales_rep.pk, "limited": True, "workspaces": [created.json()["id"]]}
    names = [w["name"] for w in api_as(sales_rep).get("/api/v1/workspaces/").json()["results"]]
    assert names == ["EMEA"] and other.name not in names
    bad = api_as(admin).put(url, {"workspaces": [999999]}, format="json")
    assert bad.status_code == 400 and "workspaces" in bad.json()
    assert api_as(admin).put(url, {"workspaces": []}, format="json").json()["limited"] is False
