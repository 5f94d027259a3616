"""The lead lifecycle: the one status door, the actions (accept, convert, return,
disqualify) through services, pages and the API, the history, the pipeline, disqualify
reasons, relationship types and the contact / lead delete pages."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from abm.exceptions import ApplicationError, ConflictError, ForbiddenError
from accounts import services as record_services
from accounts.lifecycle import selectors, services
from accounts.models import (
    Activity,
    Contact,
    DisqualifyReason,
    HubEvent,
    Lead,
    LeadStatusChange,
    Opportunity,
    OpportunityContactRole,
)
from accounts.tests.factories import AccountFactory, ContactFactory, LeadFactory

pytestmark = pytest.mark.django_db
S = Lead.Status


def _reason(name="No budget") -> DisqualifyReason:
    return DisqualifyReason.objects.get_or_create(name=name)[0]


# --- The one door ---------------------------------------------------------------------


def test_status_change_keeps_history_activity_and_hub_event(marketer):
    lead = LeadFactory(status=S.NEW, owner=marketer)
    services.lead_status_change(lead, S.MQL, user=None, source="scoring")

    lead.refresh_from_db()
    assert lead.status == S.MQL
    change = LeadStatusChange.objects.get(lead=lead)
    assert (change.from_status, change.to_status, change.source) == (S.NEW, S.MQL, "scoring")
    assert change.changed_by is None
    activity = Activity.objects.get(contact=lead.contact, type=Activity.Type.LEAD_STATUS_CHANGED)
    assert activity.metadata["from"] == S.NEW and activity.metadata["to"] == S.MQL
    event = HubEvent.objects.get(kind=HubEvent.Kind.LEAD_STATUS_CHANGED, subject_id=lead.pk)
    assert event.payload["to"] == "mql" and event.owner_id == marketer.pk


def test_account_lead_without_contact_gets_history_but_no_activity(admin):
    account = AccountFactory()
    lead = LeadFactory(contact=None, account=account, status=S.NEW)
    services.lead_status_change(lead, S.NURTURING, user=admin)
    assert LeadStatusChange.objects.filter(lead=lead, to_status=S.NURTURING).count() == 1
    assert not Activity.objects.filter(type=Activity.Type.LEAD_STATUS_CHANGED).exists()


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (S.CONVERTED, S.NURTURING),
        (S.CONVERTED, S.DISQUALIFIED),
        (S.DISQUALIFIED, S.SALES_ACCEPTED),
        (S.SALES_ACCEPTED, S.MQL),
        (S.NEW, S.NEW),
    ],
)
def test_status_change_refuses_moves_the_lifecycle_does_not_allow(admin, start, to):
    lead = LeadFactory(status=start)
    with pytest.raises(ConflictError) as exc:
        services.lead_status_change(lead, to, user=admin, reason="x", disqualify_reason=_reason())
    assert exc.value.field == "status"
    assert not LeadStatusChange.objects.filter(lead=lead).exists()


def test_converted_only_through_convert_and_unknown_status_refused(admin):
    lead = LeadFactory(status=S.SALES_ACCEPTED)
    with pytest.raises(ApplicationError) as exc:
        services.lead_status_change(lead, S.CONVERTED, user=admin)
    assert exc.value.field == "status"
    with pytest.raises(ApplicationError) as exc:
        services.lead_status_change(lead, "won", user=admin)
    assert exc.value.field == "status"


def test_lead_create_starts_history_and_update_routes_status(admin):
    contact = ContactFactory()
    lead = record_services.lead_create(user=admin, data={"contact": contact, "topic": "T"})
    assert list(lead.status_changes.values_list("from_status", "to_status")) == [("", S.NEW)]
    record_services.lead_update(user=admin, lead=lead, data={"status": S.MQL})
    assert lead.status_changes.filter(from_status=S.NEW, to_status=S.MQL).exists()
    # A status that needs a reason cannot be typed in the edit form.
    with pytest.raises(ApplicationError) as exc:
        record_services.lead_update(user=admin, lead=lead, data={"status": S.DISQUALIFIED})
    assert exc.value.field == "status"
    lead.refresh_from_db()
    assert lead.status == S.MQL


def test_a_contact_can_have_several_leads(marketer):
    contact = ContactFactory()
    for topic in ("Analytics", "Data platform"):
        record_services.lead_create(user=marketer, data={"contact": contact, "topic": topic})
    assert contact.leads.count() == 2


# --- The actions ----------------------------------------------------------------------


def test_accept_return_disqualify_and_back(sales_rep):
    lead = LeadFactory(status=S.MQL, owner=sales_rep)
    services.lead_accept(user=sales_rep, lead=lead)
    assert lead.status == S.SALES_ACCEPTED
    with pytest.raises(ApplicationError) as exc:
        services.lead_return(user=sales_rep, lead=lead, reason="  ")
    assert exc.value.field == "reason"
    services.lead_return(user=sales_rep, lead=lead, reason="Too early")
    assert lead.status == S.NURTURING
    with pytest.raises(ApplicationError) as exc:
        services.lead_disqualify(user=sales_rep, lead=lead, disqualify_reason=None)
    assert exc.value.field == "disqualify_reason"
    services.lead_disqualify(user=sales_rep, lead=lead, disqualify_reason=_reason(), note="n")
    assert lead.status == S.DISQUALIFIED
    rows = list(lead.status_changes.order_by("changed_at", "id"))
    assert [r.to_status for r in rows] == [S.SALES_ACCEPTED, S.NURTURING, S.DISQUALIFIED]
    assert rows[1].reason == "Too early" and rows[2].disqualify_reason.name == "No budget"
    assert all(r.changed_by_id == sales_rep.pk for r in rows)


def test_retired_reason_refused(admin):
    lead = LeadFactory(status=S.NEW)
    reason = DisqualifyReason.objects.create(name="Old", is_active=False)
    with pytest.raises(ApplicationError) as exc:
        services.lead_disqualify(user=admin, lead=lead, disqualify_reason=reason)
    assert exc.value.field == "disqualify_reason"


def test_rep_cannot_act_on_someone_elses_lead(sales_rep, other_rep):
    lead = LeadFactory(status=S.MQL, owner=other_rep)
    with pytest.raises(ForbiddenError):
        services.lead_accept(user=sales_rep, lead=lead)
    with pytest.raises(ForbiddenError):
        services.lead_convert(user=sales_rep, lead=lead)
    assert not Opportunity.objects.exists()
    lead.refresh_from_db()
    assert lead.status == S.MQL


def test_convert_creates_one_opportunity_with_contact_role(sales_rep):
    lead = LeadFactory(status=S.SALES_ACCEPTED, owner=sales_rep, topic="Analytics suite")
    opp = services.lead_convert(
        user=sales_rep,
        lead=lead,
        data=services.ConversionInput(amount=1000, currency="EUR", role="decision_maker"),
    )
    lead.refresh_from_db()
    assert lead.status == S.CONVERTED and lead.opportunity_id == opp.pk
    assert (opp.name, opp.account_id, opp.owner_id, opp.currency) == (
        "Analytics suite",
        lead.account_id,
        sales_rep.pk,
        "EUR",
    )
    role = OpportunityContactRole.objects.get(opportunity=opp)
    assert role.contact_id == lead.contact_id and role.role == "decision_maker"
    assert role.is_primary
    change = lead.status_changes.get(to_status=S.CONVERTED)
    assert change.opportunity_id == opp.pk
    # Twice: refused, still one opportunity.
    with pytest.raises(ConflictError) as exc:
        services.lead_convert(user=sales_rep, lead=lead)
    assert exc.value.field == "status"
    assert Opportunity.objects.count() == 1


def test_account_lead_converts_with_the_accounts_contact(admin):
    contact = ContactFactory()
    lead = LeadFactory(contact=None, account=contact.account, status=S.MQL)
    opp = services.lead_convert(user=admin, lead=lead)
    assert list(opp.contact_roles.values_list("contact_id", flat=True)) == [contact.pk]


def test_account_lead_without_contacts_refused(admin):
    lead = LeadFactory(contact=None, account=AccountFactory(), status=S.MQL)
    assert not services.lead_account_has_contacts(lead)
    with pytest.raises(ApplicationError) as exc:
        services.lead_convert(user=admin, lead=lead)
    assert exc.value.field == "account"
    assert not Opportunity.objects.exists()
    lead.refresh_from_db()
    assert lead.status == S.MQL and not lead.status_changes.exists()


def test_convert_refuses_a_contact_of_another_account(admin):
    lead = LeadFactory(status=S.MQL)
    stranger = ContactFactory()
    with pytest.raises(ApplicationError) as exc:
        services.lead_convert(
            user=admin, lead=lead, data=services.ConversionInput(contact_id=stranger.pk)
        )
    assert exc.value.field == "contact"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_conversions_make_one_opportunity(admin):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises writers itself)")
    lead = LeadFactory(status=S.SALES_ACCEPTED)
    barrier = threading.Barrier(2)
    results: list = []

    def convert():
        from django.db import connections

        try:
            barrier.wait()
            fresh = Lead.objects.get(pk=lead.pk)
            results.append(services.lead_convert(user=admin, lead=fresh).pk)
        except ConflictError as exc:
            results.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=convert) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(str, results))[-1] == "already_converted"
    assert Opportunity.objects.count() == 1
    assert LeadStatusChange.objects.filter(lead=lead, to_status=S.CONVERTED).count() == 1


# --- Pages ----------------------------------------------------------------------------


def test_lead_page_shows_actions_history_and_warning(client, marketer):
    lead = LeadFactory(status=S.MQL, owner=marketer)
    services.lead_accept(user=marketer, lead=lead, reason="Ready")
    client.force_login(marketer)
    body = client.get(reverse("accounts:lead_detail", args=[lead.pk])).content.decode()
    assert reverse("accounts:lead_convert", args=[lead.pk]) in body
    assert reverse("accounts:lead_accept", args=[lead.pk]) not in body  # already accepted
    assert "Marketing-qualified → Sales-accepted" in body and "“Ready”" in body
    bare = LeadFactory(contact=None, account=AccountFactory(name="Lonely Ltd"))
    body = client.get(reverse("accounts:lead_detail", args=[bare.pk])).content.decode()
    assert "Lonely Ltd has no contacts yet" in body


def test_rep_sees_no_actions_on_others_leads_and_post_is_refused(client, sales_rep, other_rep):
    lead = LeadFactory(status=S.MQL, owner=other_rep)
    client.force_login(sales_rep)
    body = client.get(reverse("accounts:lead_detail", args=[lead.pk])).content.decode()
    assert reverse("accounts:lead_accept", args=[lead.pk]) not in body
    response = client.post(reverse("accounts:lead_accept", args=[lead.pk]), {"reason": ""})
    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.status == S.MQL


def test_convert_page_twice_makes_one_opportunity(client, sales_rep):
    lead = LeadFactory(status=S.SALES_ACCEPTED, owner=sales_rep)
    client.force_login(sales_rep)
    url = reverse("accounts:lead_convert", args=[lead.pk])
    assert client.get(url).status_code == 200
    first = client.post(url, {"name": "Deal", "amount": "500", "currency": "USD"})
    assert first.status_code == 302
    second = client.post(url, {"name": "Deal", "amount": "500", "currency": "USD"})
    assert second.status_code == 409
    assert "already converted" in second.content.decode()
    assert Opportunity.objects.filter(name="Deal").count() == 1


def test_convert_page_bad_currency_names_the_field(client, admin):
    lead = LeadFactory(status=S.MQL)
    client.force_login(admin)
    response = client.post(reverse("accounts:lead_convert", args=[lead.pk]), {"currency": "usd"})
    assert response.status_code == 400 and "currency" in response.context["form"].errors


def test_return_and_disqualify_pages(client, admin):
    lead = LeadFactory(status=S.SALES_ACCEPTED)
    client.force_login(admin)
    url = reverse("accounts:lead_return", args=[lead.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Not now"}).status_code == 302
    url = reverse("accounts:lead_disqualify", args=[lead.pk])
    assert client.post(url, {"disqualify_reason": ""}).status_code == 400
    reason = _reason("No need")
    assert client.post(url, {"disqualify_reason": reason.pk, "reason": "x"}).status_code == 302
    lead.refresh_from_db()
    assert lead.status == S.DISQUALIFIED


def test_pipeline_counts_conversion_and_time(client, admin):
    now = timezone.now()
    leads = [LeadFactory(status=S.NEW) for _ in range(4)]
    for lead in leads:
        LeadStatusChange.objects.create(
            lead=lead, from_status="", to_status=S.NEW, changed_at=now - timedelta(days=10)
        )
    for lead in leads[:2]:
        services.lead_status_change(lead, S.MQL, user=admin)
        LeadStatusChange.objects.filter(lead=lead, to_status=S.MQL).update(
            changed_at=now - timedelta(days=6)
        )
    services.lead_convert(user=admin, lead=leads[0])
    data = selectors.lead_pipeline(now=now)
    steps = {s["status"]: s for s in data["steps"]}
    assert steps["new"]["reached"] == 4 and steps["mql"]["reached"] == 2
    assert steps["converted"]["reached"] == 1
    assert steps["mql"]["conversion"] == 0.5  # of the two MQLs, one went further
    statuses = {s["status"]: s for s in data["statuses"]}
    assert statuses["new"]["count"] == 2 and statuses["converted"]["count"] == 1
    assert statuses["new"]["median_days_in_status"] == 4.0  # 10 days ago → 6 days ago
    assert data["conversion_overall"] == 0.25
    client.force_login(admin)
    page = client.get(reverse("accounts:lead_pipeline"), {"days": "30"})
    assert page.status_code == 200 and "lead-pipeline-data" in page.content.decode()
    assert client.get(reverse("accounts:lead_pipeline"), {"days": "x"}).status_code == 400


def test_disqualify_reason_page_admin_only(client, admin, marketer):
    url = reverse("accounts:disqualify_reason_list")
    client.force_login(marketer)
    assert client.get(url).status_code == 403
    client.force_login(admin)
    assert client.get(url).status_code == 200
    assert client.post(url, {"new-name": "Budget freeze", "new-position": "5"}).status_code == 302
    reason = DisqualifyReason.objects.get(name="Budget freeze")
    edit = reverse("accounts:disqualify_reason_edit", args=[reason.pk])
    assert client.post(edit, {"name": "Budget frozen", "position": "5"}).status_code == 302
    reason.refresh_from_db()
    assert reason.name == "Budget frozen" and not reason.is_active
    delete = reverse("accounts:disqualify_reason_delete", args=[reason.pk])
    assert client.post(delete).status_code == 302
    assert not DisqualifyReason.objects.filter(pk=reason.pk).exists()


def test_seeded_reasons_exist():
    assert DisqualifyReason.objects.filter(is_active=True).count() >= 5


# --- Delete pages ---------------------------------------------------------------------


def test_contact_delete_page(client, sales_rep, other_rep):
    mine, theirs = ContactFactory(owner=sales_rep), ContactFactory(owner=other_rep)
    client.force_login(sales_rep)
    page = client.get(reverse("accounts:contact_delete", args=[mine.pk]))
    assert page.status_code == 200 and "This cannot be undone" in page.content.decode()
    refused = client.get(reverse("accounts:contact_delete", args=[theirs.pk]))
    assert "you do not own it" in refused.content.decode()
    assert client.post(reverse("accounts:contact_delete", args=[theirs.pk])).status_code == 302
    assert Contact.objects.filter(pk=theirs.pk).exists()
    assert client.post(reverse("accounts:contact_delete", args=[mine.pk])).status_code == 302
    assert not Contact.objects.filter(pk=mine.pk).exists()


def test_lead_delete_page(client, sales_rep, other_rep):
    mine, theirs = LeadFactory(owner=sales_rep), LeadFactory(owner=other_rep)
    client.force_login(sales_rep)
    assert client.get(reverse("accounts:lead_delete", args=[mine.pk])).status_code == 200
    client.post(reverse("accounts:lead_delete", args=[theirs.pk]))
    assert Lead.objects.filter(pk=theirs.pk).exists()
    response = client.post(reverse("accounts:lead_delete", args=[mine.pk]))
    assert response.status_code == 302 and response.url == reverse("accounts:lead_list")
    assert not Lead.objects.filter(pk=mine.pk).exists()


# --- Relationship type ----------------------------------------------------------------


def test_relationship_type_filters_pages_and_api(client, api_as, marketer):
    partner = AccountFactory(name="Partner Co", relationship_type="partner")
    AccountFactory(name="Prospect Co", relationship_type="prospect")
    speaker = ContactFactory(relationship_type="speaker", email="s@x.example")
    ContactFactory(relationship_type="customer")
    client.force_login(marketer)
    rows = client.get(reverse("accounts:account_list"), {"relationship_type": "partner"})
    assert [a.pk for a in rows.context["rows"]] == [partner.pk]
    rows = client.get(reverse("accounts:contact_list"), {"relationship_type": "speaker"})
    assert [c.pk for c in rows.context["rows"]] == [speaker.pk]
    api = api_as(marketer)
    body = api.get("/api/v1/accounts/", {"relationship_type": "partner"}).json()
    assert [a["id"] for a in body["results"]] == [partner.pk]
    assert body["results"][0]["relationship_type"] == "partner"
    bad = api.get("/api/v1/contacts/", {"relationship_type": "friend"})
    assert bad.status_code == 400 and "relationship_type" in bad.json()
    changed = api.patch(
        f"/api/v1/contacts/{speaker.pk}/", {"relationship_type": "sponsor"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["relationship_type"] == "sponsor"
    bad = api.patch(
        f"/api/v1/accounts/{partner.pk}/", {"relationship_type": "friend"}, format="json"
    )
    assert bad.status_code == 400 and "relationship_type" in bad.json()


def test_relationship_type_on_forms_and_pages(client, marketer):
    account = AccountFactory(name="Acme")
    client.force_login(marketer)
    response = client.post(
        reverse("accounts:account_edit", args=[account.pk]),
        {"name": "Acme", "fit_score": "0", "relationship_type": "supplier"},
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.relationship_type == "supplier"
    body = client.get(reverse("accounts:account_detail", args=[account.pk])).content.decode()
    assert "Supplier" in body


# --- API ------------------------------------------------------------------------------


def test_api_lifecycle_actions_and_history(api_as, sales_rep, other_rep):
    lead = LeadFactory(status=S.MQL, owner=sales_rep)
    api = api_as(sales_rep)
    base = f"/api/v1/leads/{lead.pk}"
    answer = api.post(f"{base}/accept/", {"reason": "Hot"}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == S.SALES_ACCEPTED
    again = api.post(f"{base}/accept/", {}, format="json")
    assert again.status_code == 409 and "status" in again.json()
    missing = api.post(f"{base}/return/", {}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()
    assert api.post(f"{base}/return/", {"reason": "Later"}, format="json").status_code == 200
    no_reason = api.post(f"{base}/disqualify/", {}, format="json")
    assert no_reason.status_code == 400 and "disqualify_reason" in no_reason.json()
    converted = api.post(f"{base}/convert/", {"name": "API deal"}, format="json")
    assert converted.status_code == 201
    opportunity = converted.json()["opportunity"]
    twice = api.post(f"{base}/convert/", {"name": "API deal"}, format="json")
    assert twice.status_code == 409 and "status" in twice.json()
    assert Opportunity.objects.filter(name="API deal").count() == 1
    lead_body = api.get(f"{base}/").json()
    assert lead_body["opportunity"] == opportunity and lead_body["status"] == S.CONVERTED
    history = api.get(f"{base}/history/").json()
    assert [h["to_status"] for h in history] == [S.CONVERTED, S.NURTURING, S.SALES_ACCEPTED]
    assert history[0]["source"] == "api" and history[0]["changed_by"] == sales_rep.pk
    # A rep cannot act on another rep's lead.
    theirs = LeadFactory(status=S.MQL, owner=other_rep)
    refused = api.post(f"/api/v1/leads/{theirs.pk}/accept/", {}, format="json")
    assert refused.status_code == 403


def test_api_status_patch_goes_through_the_lifecycle(api_as, admin):
    lead = LeadFactory(status=S.NEW)
    api = api_as(admin)
    ok = api.patch(f"/api/v1/leads/{lead.pk}/", {"status": "mql"}, format="json")
    assert ok.status_code == 200
    assert LeadStatusChange.objects.get(lead=lead).source == "api"
    bad = api.patch(f"/api/v1/leads/{lead.pk}/", {"status": "converted"}, format="json")
    assert bad.status_code == 400 and "status" in bad.json()


def test_api_account_lead_without_contacts_refused(api_as, admin):
    lead = LeadFactory(contact=None, account=AccountFactory(), status=S.MQL)
    answer = api_as(admin).post(f"/api/v1/leads/{lead.pk}/convert/", {}, format="json")
    assert answer.status_code == 400 and "account" in answer.json()


def test_api_pipeline_and_reasons(api_as, admin, sales_rep):
    LeadFactory(status=S.MQL)
    api = api_as(sales_rep)
    body = api.get("/api/v1/leads/pipeline/").json()
    assert body["total"] == 1 and len(body["steps"]) == 5
    assert api.get("/api/v1/leads/pipeline/", {"days": "0"}).status_code == 400
    assert api.get("/api/v1/leads/pipeline/", {"owner": "abc"}).status_code == 400
    reasons = api.get("/api/v1/disqualify-reasons/").json()
    assert reasons["results"]
    assert api.post("/api/v1/disqualify-reasons/", {"name": "X"}).status_code == 403
    admin_api = api_as(admin)
    created = admin_api.post("/api/v1/disqualify-reasons/", {"name": "Merged"}, format="json")
    assert created.status_code == 201
    dup = admin_api.post("/api/v1/disqualify-reasons/", {"name": "Merged"}, format="json")
    assert dup.status_code == 400 and "name" in dup.json()
    used = DisqualifyReason.objects.get(name="Merged")
    lead = LeadFactory(status=S.NEW)
    services.lead_disqualify(user=admin, lead=lead, disqualify_reason=used)
    gone = admin_api.delete(f"/api/v1/disqualify-reasons/{used.pk}/")
    assert gone.status_code == 409


def test_dialog_errors_inside_htmx_answer_200_so_the_modal_shows_them(client, admin):
    lead = LeadFactory(status=S.MQL)
    client.force_login(admin)
    url = reverse("accounts:lead_convert", args=[lead.pk])
    response = client.post(url, {"currency": "usd"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    done = client.post(url, {"currency": "USD"}, HTTP_HX_REQUEST="true")
    assert done.status_code == 204 and done["HX-Redirect"].endswith(f"/leads/{lead.pk}/")


def test_api_create_cannot_start_converted_or_disqualified(api_as, admin):
    contact = ContactFactory()
    api = api_as(admin)
    for status in ("converted", "disqualified"):
        answer = api.post(
            "/api/v1/leads/", {"contact": contact.pk, "status": status}, format="json"
        )
        assert answer.status_code == 400 and "status" in answer.json()
    assert not Lead.objects.exists()
    made = api.post("/api/v1/leads/", {"contact": contact.pk, "status": "mql"}, format="json")
    assert made.status_code == 201
    change = LeadStatusChange.objects.get(lead_id=made.json()["id"])
    assert (change.from_status, change.to_status, change.source) == ("", "mql", "api")


def test_pipeline_counts_leads_older_than_the_history_by_their_status(admin):
    LeadFactory(status=S.SALES_ACCEPTED)  # no history rows: made before the history
    tracked = LeadFactory(status=S.NEW)
    LeadStatusChange.objects.create(lead=tracked, from_status="", to_status=S.NEW)
    services.lead_status_change(tracked, S.MQL, user=admin)
    steps = {s["status"]: s["reached"] for s in selectors.lead_pipeline()["steps"]}
    assert steps == {"new": 2, "nurturing": 2, "mql": 2, "sales_accepted": 1, "converted": 0}
