"""API: task reopen / snooze / reassign (PATCH owner) with their role rules, and the
opportunity's related lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import OpportunityContactRole, Task
from accounts.tests.factories import (
    ActivityFactory,
    ContactFactory,
    OpportunityFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


def test_complete_reopen_snooze(api_as, sales_rep):
    task = TaskFactory(owner=sales_rep, due_at=timezone.now())
    api = api_as(sales_rep)
    assert api.post(f"/api/v1/tasks/{task.pk}/complete/").json()["status"] == "done"
    reopened = api.post(f"/api/v1/tasks/{task.pk}/reopen/")
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"
    snoozed = api.post(f"/api/v1/tasks/{task.pk}/snooze/", {"until": "3d"}, format="json")
    assert snoozed.status_code == 200
    task.refresh_from_db()
    assert task.due_at > timezone.now() + timedelta(days=2)
    day = (timezone.now() + timedelta(days=10)).date().isoformat()
    assert (
        api.post(f"/api/v1/tasks/{task.pk}/snooze/", {"until": day}, format="json").status_code
        == 200
    )
    for bad in ("soon", "2020-01-01", ""):
        response = api.post(f"/api/v1/tasks/{task.pk}/snooze/", {"until": bad}, format="json")
        assert response.status_code == 400 and "until" in response.text, bad


def test_reassign_by_patch_follows_role_rules(api_as, sales_rep, other_rep, admin):
    task = TaskFactory(owner=sales_rep)
    url = f"/api/v1/tasks/{task.pk}/"
    rep = api_as(sales_rep)
    assert rep.patch(url, {"owner": other_rep.pk}, format="json").status_code == 403
    assert rep.patch(url, {"title": "x"}, format="json").status_code == 400
    assert api_as(other_rep).patch(url, {"owner": other_rep.pk}, format="json").status_code == 403
    assert api_as(other_rep).post(f"/api/v1/tasks/{task.pk}/reopen/").status_code == 403
    assert (
        api_as(other_rep)
        .post(f"/api/v1/tasks/{task.pk}/snooze/", {"until": "1d"}, format="json")
        .status_code
        == 403
    )
    response = api_as(admin).patch(url, {"owner": other_rep.pk}, format="json")
    assert response.status_code == 200 and response.json()["owner"] == other_rep.pk
    assert api_as(admin).patch(url, {"owner": 10**12}, format="json").status_code == 400
    task.refresh_from_db()
    assert task.owner == other_rep and task.status == Task.Status.OPEN


def test_opportunity_related_lists(api_as, sales_rep):
    deal = OpportunityFactory()
    contact = ContactFactory(account=deal.account)
    outsider = ContactFactory(account=deal.account)
    OpportunityContactRole.objects.create(
        opportunity=deal, contact=contact, role="champion", is_primary=True
    )
    TaskFactory(account=deal.account, contact=contact, title="On the deal")
    TaskFactory(account=deal.account, contact=outsider, title="Not on the deal")
    ActivityFactory(contact=contact, subject="Deal visit")
    ActivityFactory(contact=outsider, subject="Other visit")
    api = api_as(sales_rep)
    base = f"/api/v1/opportunities/{deal.pk}"
    contacts = api.get(f"{base}/contacts/").json()
    assert contacts == [
        {
            "contact": contact.pk,
            "name": contact.full_name,
            "email": contact.email,
            "title": contact.title,
            "phone": contact.phone,
            "role": "champion",
            "is_primary": True,
        }
    ]
    tasks = api.get(f"{base}/tasks/").json()
    assert [t["title"] for t in tasks["results"]] == ["On the deal"]
    activities = api.get(f"{base}/activities/").json()
    assert [a["subject"] for a in activities["results"]] == ["Deal visit"]
    assert api.get(f"{base}/stage-history/").status_code == 200
    assert api.get(f"{base}/emails/").json()["results"] == []
    assert api.get(f"{base}/calls/").json()["results"] == []
    assert api.get("/api/v1/opportunities/999999/contacts/").status_code == 404
    assert api.get("/api/v1/opportunities/999999/emails/").status_code == 404
