"""Every create and edit form of the pages is submitted once (issue 9, "Crashes a user meets").

One test per page form: a valid submission has its effect (a row written, a redirect or an
htmx finish), an invalid one answers the form again with an error naming the field (200 or
400), never a 500. The inventory — every page URL that takes a POST — is in
``PAGE_FORMS``; ``test_every_post_page_is_in_the_inventory`` fails when a new one appears
without a test here, so this file stays the list.
"""

from __future__ import annotations

import datetime as dt
import inspect

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import (
    Account,
    Contact,
    DisqualifyReason,
    Lead,
    Note,
    Opportunity,
    TargetingRule,
    Task,
)
from accounts.tests.factories import (
    AccountFactory,
    ContactFactory,
    ProductFactory,
)
from buying_groups.models import BuyingGroup, RoleTemplate
from buying_groups.tests.factories import BuyingGroupFactory, RoleTemplateFactory, stage
from sales_actions.models import EmailTemplate, Workspace

pytestmark = pytest.mark.django_db

# Every page (not API) URL name that takes a POST, and the test below that submits it.
PAGE_FORMS = {
    "accounts:account_create": "test_account_create_and_edit",
    "accounts:account_edit": "test_account_create_and_edit",
    "accounts:account_delete": "test_account_delete",
    "accounts:account_bulk_target": "test_account_bulk_target",
    "accounts:contact_create": "test_contact_create_and_edit",
    "accounts:contact_edit": "test_contact_create_and_edit",
    "accounts:lead_create": "test_lead_create_and_edit",
    "accounts:lead_edit": "test_lead_create_and_edit",
    "accounts:contact_delete": "test_contact_and_lead_delete",
    "accounts:lead_delete": "test_contact_and_lead_delete",
    "accounts:lead_accept": "test_lead_lifecycle_dialogs",
    "accounts:lead_convert": "test_lead_lifecycle_dialogs",
    "accounts:lead_return": "test_lead_lifecycle_dialogs",
    "accounts:lead_disqualify": "test_lead_lifecycle_dialogs",
    "accounts:disqualify_reason_list": "test_disqualify_reasons_add_edit_delete",
    "accounts:disqualify_reason_edit": "test_disqualify_reasons_add_edit_delete",
    "accounts:disqualify_reason_delete": "test_disqualify_reasons_add_edit_delete",
    "accounts:opportunity_create": "test_opportunity_create_and_edit",
    "accounts:opportunity_edit": "test_opportunity_create_and_edit",
    "accounts:task_create": "test_task_and_note_dialogs",
    "accounts:note_create": "test_task_and_note_dialogs",
    "accounts:import": "test_import_upload",
    "targets:select": "test_select_targets_adds_every_kept_tick",
    "targets:mark": "test_mark_and_remove_target",
    "targets:remove": "test_mark_and_remove_target",
    "targets:recommendation_dismiss": "test_recommendation_dismiss",
    "targets:rules": "test_targeting_rule_create_edit_run_delete",
    "targets:rule_edit": "test_targeting_rule_create_edit_run_delete",
    "targets:rule_run": "test_targeting_rule_create_edit_run_delete",
    "targets:rule_delete": "test_targeting_rule_create_edit_run_delete",
    "targets:rule_preview": "test_targeting_rule_preview",
    "buying_groups:create": "test_buying_group_create_edit_delete",
    "buying_groups:edit": "test_buying_group_create_edit_delete",
    "buying_groups:delete": "test_buying_group_create_edit_delete",
    "buying_groups:members_assign": "test_buying_group_members_assign_roles_remove",
    "buying_groups:members_roles": "test_buying_group_members_assign_roles_remove",
    "buying_groups:members_remove": "test_buying_group_members_assign_roles_remove",
    "buying_groups:template_create": "test_role_template_create_edit_delete",
    "buying_groups:template_edit": "test_role_template_create_edit_delete",
    "buying_groups:template_delete": "test_role_template_create_edit_delete",
    "buying_groups:generate": "test_generate_buying_groups",
    "sales_actions:template_create": "test_email_template_create_and_edit",
    "sales_actions:template_edit": "test_email_template_create_and_edit",
    "sales_actions:template_preview": "test_email_template_create_and_edit",
    "sales_actions:template_transition": "sales_actions/tests/test_pages.py (submit, approve)",
    "sales_actions:send_dialog": "sales_actions/tests/test_pages.py (send dialog)",
    "sales_actions:outbox_reconcile": "sales_actions/tests/test_outbox_crash.py",
    "sales_actions:unsubscribe": "sales_actions/tests/test_tracking.py",
    "sales_actions:personal_email": "sales_actions/tests/test_personal_email.py (dialog)",
    "tasks:task_new": "sales_actions/tests/test_tasks_page.py (new task)",
    "tasks:task_complete": "sales_actions/tests/test_tasks_page.py (complete, reopen)",
    "tasks:task_reopen": "sales_actions/tests/test_tasks_page.py (complete, reopen)",
    "tasks:task_snooze": "sales_actions/tests/test_tasks_page.py (snooze, reassign)",
    "tasks:task_reassign": "sales_actions/tests/test_tasks_page.py (snooze, reassign)",
    "cadences:create": "sales_actions/tests/test_cadence_pages.py (create, steps editor)",
    "cadences:edit": "sales_actions/tests/test_cadence_pages.py (create, steps editor)",
    "cadences:step_add": "sales_actions/tests/test_cadence_pages.py (create, steps editor)",
    "cadences:step_change": "sales_actions/tests/test_cadence_pages.py (create, steps editor)",
    "cadences:step_edit": "sales_actions/tests/test_cadence_pages.py (create, steps editor)",
    "cadences:people_change": "sales_actions/tests/test_cadence_pages.py (people actions)",
    "cadences:enrol": "sales_actions/tests/test_cadence_pages.py (enrol dialog)",
    "sales_actions:cadence_enrol": "sales_actions/tests/test_cadence_pages.py (enrol dialog)",
    "calls:call_log_dialog": "sales_actions/tests/test_calls.py (the dialog logs a call)",
    "sales_actions:call_log_dialog": "sales_actions/tests/test_calls.py (done call task)",
    "calls:call_edit": "sales_actions/tests/test_calls.py (call card)",
    "calls:call_place": "sales_actions/tests/test_dialer.py (the dialog dials)",
    "calls:call_voicemail": "sales_actions/tests/test_dialer.py (the dialog dials)",
    "calls:outcome_list": "sales_actions/tests/test_calls.py (outcome pages)",
    "calls:outcome_edit": "sales_actions/tests/test_calls.py (outcome pages)",
    "calls:outcome_delete": "sales_actions/tests/test_calls.py (outcome pages)",
    "events:create": "accounts/events/tests/test_events.py (pages)",
    "events:edit": "accounts/events/tests/test_events.py (pages)",
    "events:delete": "accounts/events/tests/test_events.py (pages)",
    "events:register": "accounts/events/tests/test_events.py (pages)",
    "events:import": "accounts/events/tests/test_events.py (pages)",
    "events:check_in": "accounts/events/tests/test_events.py (pages)",
    "events:cancel": "accounts/events/tests/test_events.py (pages)",
    "analytics:duplicate": "analytics/tests/test_api.py (pages)",
    "analytics:delete": "analytics/tests/test_api.py (pages)",
    "analytics:drill": "analytics/tests/test_api.py (drill to a list)",
    "analytics:list_delete": "analytics/tests/test_api.py (pages)",
    "webforms:create": "test_webform_create_edit_prefill_link_delete",
    "webforms:edit": "test_webform_create_edit_prefill_link_delete",
    "webforms:prefill_link": "test_webform_create_edit_prefill_link_delete",
    "webforms:delete": "test_webform_create_edit_prefill_link_delete",
    "webforms_public:form": "accounts/webforms/tests/test_webforms.py (submissions, spam)",
    "webforms_public:opt_in": "accounts/webforms/tests/test_webforms.py (double opt-in)",
    "webhooks:create": "test_webhook_create_edit_rotate_ping_replay_delete",
    "subscriptions:create": "test_subscription_list_create_edit_delete",
    "subscriptions:edit": "test_subscription_list_create_edit_delete",
    "subscriptions:delete": "test_subscription_list_create_edit_delete",
    "subscriptions:contact_membership": "test_subscription_list_create_edit_delete",
    "subscription_centre:centre": "accounts/subscriptions/tests/test_subscriptions.py (centre)",
    "gdpr:contact": "tests/test_subscriptions_gdpr.py (erase page needs confirmation)",
    "webhooks:edit": "test_webhook_create_edit_rotate_ping_replay_delete",
    "webhooks:rotate": "test_webhook_create_edit_rotate_ping_replay_delete",
    "webhooks:ping": "test_webhook_create_edit_rotate_ping_replay_delete",
    "webhooks:delivery_replay": "test_webhook_create_edit_rotate_ping_replay_delete",
    "webhooks:delete": "test_webhook_create_edit_rotate_ping_replay_delete",
    "scoring:create": "test_scoring_model_create_edit_activate_recompute_delete",
    "scoring:edit": "test_scoring_model_create_edit_activate_recompute_delete",
    "scoring:activate": "test_scoring_model_create_edit_activate_recompute_delete",
    "scoring:recompute": "test_scoring_model_create_edit_activate_recompute_delete",
    "scoring:delete": "test_scoring_model_create_edit_activate_recompute_delete",
}


def _post_urls() -> set[str]:
    """Page URL names whose view reads a POST (source scan: POST, require_POST, form_submit)."""
    names: set[str] = set()

    def walk(resolver, namespace=None):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                walk(p, p.namespace or namespace)
                continue
            if not isinstance(p, URLPattern) or not p.name:
                continue
            view = inspect.unwrap(p.callback)
            module = getattr(view, "__module__", "")
            if module.split(".")[0] not in {
                "accounts",
                "buying_groups",
                "sales_actions",
                "analytics",
            }:
                continue
            if ".api" in module:
                continue
            try:
                source = inspect.getsource(view)
            except (OSError, TypeError):
                continue
            if "POST" in source or "form_submit" in source or "require_POST" in repr(p.callback):
                names.add(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver())
    return names


def test_every_post_page_is_in_the_inventory():
    missing = sorted(_post_urls() - set(PAGE_FORMS))
    assert not missing, f"page forms with no submission test listed here: {missing}"


def _errors(response) -> str:
    """The form errors a page answered with (context form/errors, or the error markup)."""
    assert response.status_code in (200, 400), response.status_code
    body = response.content.decode()
    assert "field-error" in body or "form-errors" in body or "errorlist" in body, body[:400]
    return body


@pytest.fixture
def as_admin(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def as_marketer(client, marketer):
    client.force_login(marketer)
    return client


# --- Records ----------------------------------------------------------------------------


def test_account_create_and_edit(as_admin):
    url = reverse("accounts:account_create")
    ok = as_admin.post(url, {"name": "Acme", "domain": "acme.example", "fit_score": 40})
    assert ok.status_code == 302
    account = Account.objects.get(name="Acme")
    _errors(as_admin.post(url, {"name": "", "fit_score": 400}))
    edit = reverse("accounts:account_edit", args=[account.pk])
    assert as_admin.post(edit, {"name": "Acme Corp", "fit_score": 50}).status_code == 302
    account.refresh_from_db()
    assert (account.name, account.fit_score) == ("Acme Corp", 50)
    _errors(as_admin.post(edit, {"name": "Acme Corp", "fit_score": "high"}))


def test_account_delete(as_admin):
    account = AccountFactory()
    url = reverse("accounts:account_delete", args=[account.pk])
    assert as_admin.post(url).status_code == 302
    assert not Account.objects.filter(pk=account.pk).exists()


def test_account_bulk_target(as_marketer):
    a, b = AccountFactory(), AccountFactory()
    url = reverse("accounts:account_bulk_target")
    response = as_marketer.post(url, {"action": "mark", "selected": [a.pk, b.pk]})
    assert response.status_code == 302
    assert Account.objects.filter(pk__in=[a.pk, b.pk], is_target=True).count() == 2
    # A bad id or no action: nothing changes, the list says why (a flash, not a 500).
    for bad in ({"action": "mark", "selected": ["x"]}, {"selected": [a.pk]}):
        response = as_marketer.post(url, bad, follow=True)
        assert response.status_code == 200 and b"flash-error" in response.content


def _contact(**extra):
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "legal_basis": "consent",
        "consent_level": "marketing",
        "allow_email": "on",
    }
    data.update(extra)
    return data


def test_contact_create_and_edit(as_admin):
    account = AccountFactory(domain="ada.example")
    url = reverse("accounts:contact_create")
    assert as_admin.post(url, _contact(account="ada.example")).status_code == 302
    contact = Contact.objects.get(email="ada@example.com")
    _errors(as_admin.post(url, _contact(email="not an email")))
    edit = reverse("accounts:contact_edit", args=[contact.pk])
    response = as_admin.post(edit, _contact(title="CTO", account=account.domain))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.title == "CTO"
    _errors(as_admin.post(edit, _contact(legal_basis="whatever")))


def test_lead_create_and_edit(as_admin):
    contact = ContactFactory()
    url = reverse("accounts:lead_create")
    data = {"topic": "Pilot", "contact": contact.email, "status": "new", "score": 10}
    assert as_admin.post(url, data).status_code == 302
    lead = Lead.objects.get(topic="Pilot")
    _errors(as_admin.post(url, {**data, "status": "bogus"}))
    edit = reverse("accounts:lead_edit", args=[lead.pk])
    assert as_admin.post(edit, {**data, "status": "mql"}).status_code == 302
    lead.refresh_from_db()
    assert lead.status == "mql"
    _errors(as_admin.post(edit, {**data, "score": "many"}))
    # A lead without contact or account is refused by the service, shown as a form error.
    _errors(as_admin.post(url, {"topic": "Orphan", "status": "new", "score": 0}))


def test_contact_and_lead_delete(as_admin):
    contact = ContactFactory()
    lead = Lead.objects.create(contact=contact, account=contact.account, topic="Gone")
    assert as_admin.post(reverse("accounts:lead_delete", args=[lead.pk])).status_code == 302
    assert not Lead.objects.filter(pk=lead.pk).exists()
    assert as_admin.post(reverse("accounts:contact_delete", args=[contact.pk])).status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_lead_lifecycle_dialogs(as_admin):
    contact = ContactFactory()
    lead = Lead.objects.create(contact=contact, account=contact.account, status="mql")
    accept = reverse("accounts:lead_accept", args=[lead.pk])
    assert as_admin.post(accept, {"reason": "Hot"}).status_code == 302
    again = as_admin.post(accept, {"reason": "Again"})  # already accepted: 409, a form error
    assert again.status_code == 409 and "form-errors" in again.content.decode()
    back = reverse("accounts:lead_return", args=[lead.pk])
    _errors(as_admin.post(back, {"reason": ""}))
    assert as_admin.post(back, {"reason": "Too early"}).status_code == 302
    out = reverse("accounts:lead_disqualify", args=[lead.pk])
    _errors(as_admin.post(out, {"disqualify_reason": "999999"}))
    reason = DisqualifyReason.objects.filter(is_active=True).first()
    assert as_admin.post(out, {"disqualify_reason": reason.pk}).status_code == 302
    assert as_admin.post(back, {"reason": "Reopened"}).status_code == 302
    convert = reverse("accounts:lead_convert", args=[lead.pk])
    _errors(as_admin.post(convert, {"amount": "-5"}))
    assert as_admin.post(convert, {"name": "From lead", "currency": "USD"}).status_code == 302
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.opportunity.name == "From lead"


def test_disqualify_reasons_add_edit_delete(as_admin):
    url = reverse("accounts:disqualify_reason_list")
    assert (
        as_admin.post(url, {"new-name": "Wrong region", "new-is_active": "on"}).status_code == 302
    )
    reason = DisqualifyReason.objects.get(name="Wrong region")
    _errors(as_admin.post(url, {"new-name": "wrong region"}))  # already in the list
    edit = reverse("accounts:disqualify_reason_edit", args=[reason.pk])
    assert as_admin.post(edit, {"name": "Outside our regions", "position": 3}).status_code == 302
    _errors(as_admin.post(edit, {"name": ""}))
    delete = reverse("accounts:disqualify_reason_delete", args=[reason.pk])
    assert as_admin.post(delete).status_code == 302
    assert not DisqualifyReason.objects.filter(pk=reason.pk).exists()


def test_opportunity_create_and_edit(as_admin):
    account = AccountFactory(domain="deal.example")
    url = reverse("accounts:opportunity_create")
    data = {
        "name": "Big deal",
        "account": "deal.example",
        "amount": "1200.50",
        "currency": "EUR",
        "stage": "prospecting",
    }
    assert as_admin.post(url, data).status_code == 302
    deal = Opportunity.objects.get(name="Big deal")
    assert (deal.account, deal.currency) == (account, "EUR")
    _errors(as_admin.post(url, {**data, "currency": "euro"}))
    edit = reverse("accounts:opportunity_edit", args=[deal.pk])
    assert as_admin.post(edit, {**data, "stage": "negotiation"}).status_code == 302
    deal.refresh_from_db()
    assert deal.stage == "negotiation"
    _errors(as_admin.post(edit, {**data, "amount": "-5"}))


def test_task_and_note_dialogs(as_admin, admin):
    account = AccountFactory()
    task_url = reverse("accounts:task_create")
    due = (timezone.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = as_admin.post(
        task_url,
        {
            "account": account.pk,
            "title": "Call back",
            "type": "call",
            "due_at": due,
            "owner": admin.pk,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code in (200, 204)
    assert Task.objects.filter(title="Call back", account=account).exists()
    on = {"account": account.pk, "type": "call"}
    _errors(as_admin.post(task_url, {**on, "title": ""}, HTTP_HX_REQUEST="true"))
    _errors(as_admin.post(task_url, {**on, "title": "x", "due_at": "soon"}, HTTP_HX_REQUEST="true"))

    note_url = reverse("accounts:note_create")
    response = as_admin.post(
        note_url, {"account": account.pk, "body": "Met at the fair."}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code in (200, 204)
    assert Note.objects.filter(body="Met at the fair.").exists()
    _errors(as_admin.post(note_url, {"account": account.pk, "body": ""}, HTTP_HX_REQUEST="true"))


def test_import_upload(as_admin):
    url = reverse("accounts:import")
    csv = SimpleUploadedFile("a.csv", b"name,domain\nImported Co,imported.example\n", "text/csv")
    response = as_admin.post(url, {"kind": "accounts", "file": csv})
    assert response.status_code == 302
    assert Account.objects.filter(name="Imported Co").exists()  # eager Celery in tests
    _errors(as_admin.post(url, {"kind": "accounts"}))  # no file


# --- Target accounts --------------------------------------------------------------------


def test_select_targets_adds_every_kept_tick(as_marketer):
    a, b, c = AccountFactory(), AccountFactory(), AccountFactory()
    url = reverse("targets:select")
    # Kept ticks from earlier searches (selected) and ticks in the list on screen (pick).
    response = as_marketer.post(url, {"selected": [a.pk, b.pk], "pick": [b.pk, c.pk]})
    assert response.status_code == 302
    assert set(Account.objects.filter(is_target=True).values_list("pk", flat=True)) == {
        a.pk,
        b.pk,
        c.pk,
    }
    body = _errors(as_marketer.post(url, {}))  # nothing ticked
    assert "Make targets" in body


def test_mark_and_remove_target(as_marketer):
    account = AccountFactory()
    assert as_marketer.post(reverse("targets:mark", args=[account.pk])).status_code in (
        200,
        204,
        302,
    )
    account.refresh_from_db()
    assert account.is_target
    assert as_marketer.post(reverse("targets:remove", args=[account.pk])).status_code == 302
    account.refresh_from_db()
    assert not account.is_target
    assert as_marketer.post(reverse("targets:remove", args=[999999])).status_code == 404


def test_recommendation_dismiss(as_marketer):
    account = AccountFactory(fit_score=90)
    url = reverse("targets:recommendation_dismiss", args=[account.pk])
    assert as_marketer.post(url).status_code in (200, 204, 302)
    assert as_marketer.post(
        reverse("targets:recommendation_dismiss", args=[999999])
    ).status_code in (
        302,
        400,
        404,
    )


def _rule(name="High fit", value="80"):
    return {"name": name, "field_0": "fit_score", "op_0": ">=", "value_0": value, "is_active": "1"}


def test_targeting_rule_create_edit_run_delete(as_marketer):
    url = reverse("targets:rules")
    assert as_marketer.post(url, _rule()).status_code == 302
    rule = TargetingRule.objects.get(name="High fit")
    body = _errors(as_marketer.post(url, _rule(name="Bad", value="eighty")))
    assert "eighty" in body or "number" in body
    edit = reverse("targets:rule_edit", args=[rule.pk])
    assert as_marketer.post(edit, _rule(name="Higher fit", value="90")).status_code == 302
    rule.refresh_from_db()
    assert rule.name == "Higher fit"
    _errors(as_marketer.post(edit, {"name": "No conditions"}))
    assert as_marketer.post(reverse("targets:rule_run", args=[rule.pk])).status_code == 302
    assert as_marketer.post(reverse("targets:rule_delete", args=[rule.pk])).status_code == 302
    assert not TargetingRule.objects.filter(pk=rule.pk).exists()


def test_targeting_rule_preview(as_marketer):
    AccountFactory(fit_score=95)
    url = reverse("targets:rule_preview")
    ok = as_marketer.post(url, _rule())
    assert ok.status_code == 200 and b"1" in ok.content
    bad = as_marketer.post(url, _rule(value="lots"))
    assert bad.status_code in (200, 400) and b"form-errors" in bad.content or b"rror" in bad.content


# --- Buying groups ----------------------------------------------------------------------


def test_buying_group_create_edit_delete(as_marketer):
    account = AccountFactory(is_target=True)
    template = RoleTemplateFactory()
    url = reverse("buying_groups:create")
    data = {
        "account": account.pk,
        "solution_interest": template.solution_interest_id,
        "role_template": template.pk,
        "stage": stage().key,
        "name": "Acme CDP",
    }
    assert as_marketer.post(url, data).status_code == 302
    group = BuyingGroup.objects.get(name="Acme CDP")
    _errors(as_marketer.post(url, {**data, "role_template": 999999}))
    edit = reverse("buying_groups:edit", args=[group.pk])
    response = as_marketer.post(
        edit, {"name": "Acme CDP 2", "stage": group.stage.key}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code in (200, 204, 302)
    group.refresh_from_db()
    assert group.name == "Acme CDP 2"
    _errors(as_marketer.post(edit, {"name": "", "stage": "nope"}, HTTP_HX_REQUEST="true"))
    delete = reverse("buying_groups:delete", args=[group.pk])
    assert as_marketer.post(delete, HTTP_HX_REQUEST="true").status_code in (200, 204, 302)
    assert not BuyingGroup.objects.filter(pk=group.pk).exists()


def test_buying_group_members_assign_roles_remove(as_marketer):
    group = BuyingGroupFactory(account=AccountFactory(is_target=True))
    role = group.role_template.roles.create(name="Champion", weight=2)
    person = ContactFactory(account=group.account)
    assign = reverse("buying_groups:members_assign", args=[group.pk])
    htmx = {"HTTP_HX_REQUEST": "true"}
    response = as_marketer.post(
        assign, {"step": "save", "contact": [person.pk], f"role_{person.pk}": role.pk}, **htmx
    )
    assert response.status_code == 204
    assert group.members.filter(contact=person, role=role).exists()
    _errors(as_marketer.post(assign, {"step": "roles"}, **htmx))  # nobody picked

    other = group.role_template.roles.create(name="User", weight=1)
    roles = reverse("buying_groups:members_roles", args=[group.pk])
    ok = as_marketer.post(
        roles, {"step": "save", "selected": [person.pk], f"role_{person.pk}": other.pk}, **htmx
    )
    assert ok.status_code == 204
    assert group.members.filter(contact=person, role=other).exists()
    _errors(
        as_marketer.post(
            roles, {"step": "save", "selected": [person.pk], f"role_{person.pk}": 999999}, **htmx
        )
    )

    remove = reverse("buying_groups:members_remove", args=[group.pk])
    assert as_marketer.post(remove, {"selected": [person.pk]}, **htmx).status_code == 204
    assert not group.members.filter(contact=person).exists()


def _roles_formset(**first):
    row = {
        "roles-0-name": "Decision maker",
        "roles-0-weight": "3",
        "roles-0-required": "on",
        "roles-0-is_decision_maker": "on",
        "roles-0-match": "all",
        "roles-0-conditions": "seniority at_least vp",
    }
    row.update({f"roles-0-{k}": v for k, v in first.items()})
    return {
        "roles-TOTAL_FORMS": "1",
        "roles-INITIAL_FORMS": "0",
        "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "30",
        **row,
    }


def test_role_template_create_edit_delete(as_marketer):
    product = ProductFactory()
    url = reverse("buying_groups:template_create")
    data = {"name": "CDP roles", "solution_interest": product.pk, **_roles_formset()}
    assert as_marketer.post(url, data).status_code == 302
    template = RoleTemplate.objects.get(name="CDP roles")
    assert template.roles.count() == 1
    body = _errors(as_marketer.post(url, {**data, "roles-0-conditions": "shoe size is 42"}))
    assert "shoe" in body or "field" in body
    edit = reverse("buying_groups:template_edit", args=[template.pk])
    assert as_marketer.post(edit, {**data, "name": "CDP roles v2"}).status_code == 302
    template.refresh_from_db()
    assert template.name == "CDP roles v2"
    _errors(as_marketer.post(edit, {**data, "name": ""}))
    delete = reverse("buying_groups:template_delete", args=[template.pk])
    assert as_marketer.post(delete).status_code == 302
    assert not RoleTemplate.objects.filter(pk=template.pk).exists()


def test_generate_buying_groups(as_marketer):
    AccountFactory(is_target=True)
    template = RoleTemplateFactory()
    template.roles.create(name="Decision maker", weight=3)
    url = reverse("buying_groups:generate")
    data = {
        "role_template": template.pk,
        "solution_interest": template.solution_interest_id,
        "scope": "targets",
    }
    response = as_marketer.post(url, data)
    assert response.status_code == 302 and "/buying-groups/jobs/" in response["Location"]
    _errors(as_marketer.post(url, {**data, "fit_score_min": "300", "scope": "filter"}))
    _errors(as_marketer.post(url, {**data, "role_template": RoleTemplateFactory().pk}))  # no roles


# --- Sales emails -----------------------------------------------------------------------


def test_email_template_create_and_edit(as_marketer, marketer):
    workspace = Workspace.objects.create(name="EMEA")
    url = reverse("sales_actions:template_create")
    data = {
        "name": "Follow-up",
        "workspace": workspace.pk,
        "kind": "sales",
        "subject": "Hello {{ contact.first_name }}",
        "body_html": "<p>Hi {{ contact.first_name }}</p>",
    }
    response = as_marketer.post(url, data)
    assert response.status_code == 302
    template = EmailTemplate.objects.get(name="Follow-up")
    _errors(as_marketer.post(url, {**data, "subject": ""}))
    _errors(as_marketer.post(url, {**data, "body_html": "<script>x</script>"}))  # empty body
    edit = reverse("sales_actions:template_edit", args=[template.pk])
    assert as_marketer.post(edit, {**data, "name": "Follow-up 2"}).status_code == 302
    assert EmailTemplate.objects.filter(name="Follow-up 2").exists()
    _errors(as_marketer.post(edit, {**data, "kind": "spam"}))
    preview = as_marketer.post(reverse("sales_actions:template_preview"), data)
    assert preview.status_code == 200


# --- Hosted forms -----------------------------------------------------------------------


def test_webform_create_edit_prefill_link_delete(as_marketer):
    from accounts.models import WebForm

    url = reverse("webforms:create")
    data = {
        "name": "Contact us",
        "thank_you_message": "Thanks!",
        "is_active": "on",
        "use_first_name": "on",
        "required_first_name": "on",
        "order_first_name": "2",
        "order_email": "1",
    }
    response = as_marketer.post(url, data)
    assert response.status_code == 302
    webform = WebForm.objects.get(name="Contact us")
    assert [f["key"] for f in webform.fields] == ["email", "first_name"]
    _errors(as_marketer.post(url, {**data, "name": ""}))
    _errors(as_marketer.post(url, {**data, "embed_origins": "ftp://nope"}))
    edit = reverse("webforms:edit", args=[webform.pk])
    assert as_marketer.post(edit, {**data, "name": "Contact us 2"}).status_code == 302
    _errors(as_marketer.post(edit, {**data, "order_email": "-4"}))
    contact = ContactFactory(email="known@acme.example")
    link = as_marketer.post(
        reverse("webforms:prefill_link", args=[webform.pk]), {"email": contact.email}
    )
    assert link.status_code == 200 and "?c=" in link.content.decode()
    _errors(as_marketer.post(reverse("webforms:prefill_link", args=[webform.pk]), {"email": "x"}))
    delete = as_marketer.post(reverse("webforms:delete", args=[webform.pk]))
    assert delete.status_code == 302 and not WebForm.objects.filter(pk=webform.pk).exists()


def test_webhook_create_edit_rotate_ping_replay_delete(as_admin, admin, settings):
    from accounts.models import HubEvent, WebhookDelivery, WebhookSubscription
    from accounts.webhooks.services import webhooks_handle_events

    settings.WEBHOOKS_ALLOW_PRIVATE = True  # the ping goes to a closed local port
    data = {
        "url": "http://127.0.0.1:9/hook",
        "description": "ERP",
        "event_types": ["activity.recorded"],
        "owner": admin.pk,
        "is_active": "on",
    }
    url = reverse("webhooks:create")
    _errors(as_admin.post(url, {**data, "event_types": []}))
    _errors(as_admin.post(url, {**data, "url": "ftp://nope"}))
    assert as_admin.post(url, data).status_code == 302
    hook = WebhookSubscription.objects.get(description="ERP")
    edit = reverse("webhooks:edit", args=[hook.pk])
    assert as_admin.post(edit, {**data, "description": "ERP 2"}).status_code == 302
    _errors(as_admin.post(edit, {**data, "event_types": ["nope"]}))
    secret = WebhookSubscription.objects.get(pk=hook.pk).secret
    assert as_admin.post(reverse("webhooks:rotate", args=[hook.pk])).status_code == 302
    assert WebhookSubscription.objects.get(pk=hook.pk).previous_secret == secret
    assert as_admin.post(reverse("webhooks:ping", args=[hook.pk])).status_code == 302
    ping = WebhookDelivery.objects.get(subscription=hook, is_ping=True)
    assert ping.status == "failed" and ping.last_error  # nobody listens on port 9
    event = HubEvent.objects.create(kind="activity.recorded", subject_type="contact", subject_id=1)
    webhooks_handle_events([event])
    delivery = WebhookDelivery.objects.get(subscription=hook, event=event)
    replay = reverse("webhooks:delivery_replay", args=[hook.pk, delivery.pk])
    assert as_admin.post(replay).status_code == 302
    delete = as_admin.post(reverse("webhooks:delete", args=[hook.pk]))
    assert delete.status_code == 302 and not WebhookSubscription.objects.filter(pk=hook.pk).exists()


# --- Subscription lists -----------------------------------------------------------------


def test_subscription_list_create_edit_delete(as_marketer):
    from accounts.models import SubscriptionList, SubscriptionMembership

    url = reverse("subscriptions:create")
    _errors(as_marketer.post(url, {"name": ""}))
    assert as_marketer.post(url, {"name": "News", "is_public": "on"}).status_code == 302
    sl = SubscriptionList.objects.get(name="News")
    _errors(as_marketer.post(url, {"name": "news"}))  # taken, whatever the case
    edit = reverse("subscriptions:edit", args=[sl.pk])
    assert as_marketer.post(edit, {"name": "News 2"}).status_code == 302
    _errors(as_marketer.post(edit, {"name": "x" * 200}))
    contact = ContactFactory()
    member = reverse("subscriptions:contact_membership", args=[contact.pk])
    _errors(as_marketer.post(member, {"subscription_list": "999999", "subscribed": "1"}))
    ok = as_marketer.post(member, {"subscription_list": sl.pk, "subscribed": "1"})
    assert ok.status_code == 302 and SubscriptionMembership.objects.filter(contact=contact).exists()
    delete = as_marketer.post(reverse("subscriptions:delete", args=[sl.pk]))
    assert delete.status_code == 302 and not SubscriptionList.objects.exists()


# --- Lead scoring -----------------------------------------------------------------------


def test_scoring_model_create_edit_activate_recompute_delete(as_marketer):
    from accounts.models import ScoringModel

    rules = {
        "rules-TOTAL_FORMS": "1",
        "rules-INITIAL_FORMS": "1",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "50",
        "rules-0-kind": "activity",
        "rules-0-points": "10",
        "rules-0-activity_type": "email_clicked",
        "rules-0-count_mode": "each",
        "rules-0-min_count": "1",
        "rules-0-decay": "half_life",
        "rules-0-decay_days": "30",
    }
    data = {"name": "Engagement", "threshold": "50", **rules}
    url = reverse("scoring:create")
    _errors(as_marketer.post(url, {**data, "rules-0-decay_days": ""}))
    _errors(as_marketer.post(url, {**data, "threshold": "0"}))
    assert as_marketer.post(url, data).status_code == 302
    model = ScoringModel.objects.get(name="Engagement")
    edit = reverse("scoring:edit", args=[model.pk])
    assert as_marketer.post(edit, {**data, "name": "Engagement v2"}).status_code == 302
    model.refresh_from_db()
    assert model.name == "Engagement v2" and model.rules.count() == 1
    activate = reverse("scoring:activate", args=[model.pk])
    assert as_marketer.post(activate, {"active": "1"}).status_code == 302
    assert ScoringModel.objects.get(pk=model.pk).is_active
    assert as_marketer.post(reverse("scoring:recompute")).status_code == 302
    assert as_marketer.post(activate, {"active": "0"}).status_code == 302
    delete = as_marketer.post(reverse("scoring:delete", args=[model.pk]))
    assert delete.status_code == 302 and not ScoringModel.objects.exists()
