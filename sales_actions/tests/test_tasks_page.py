"""The tasks page: tabs, scopes, filters and the actions with their role rules."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from abm.exceptions import ApplicationError, ForbiddenError
from accounts.models import Activity, Task
from accounts.services.tasks import task_reassign, task_reopen, task_snooze, task_snooze_until
from accounts.tests.factories import AccountFactory, ContactFactory, TaskFactory

pytestmark = pytest.mark.django_db


def _task(owner, *, due=None, status=Task.Status.OPEN, **kw):
    return TaskFactory(owner=owner, due_at=due, status=status, **kw)


# --- Snooze arithmetic ------------------------------------------------------------------

WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.mark.parametrize(
    ("choice", "now", "expected"),
    [
        ("1d", datetime(2026, 3, 6, 16, 0, tzinfo=UTC), datetime(2026, 3, 7, 16, 0, tzinfo=UTC)),
        ("3d", datetime(2026, 3, 6, 16, 0, tzinfo=UTC), datetime(2026, 3, 9, 16, 0, tzinfo=UTC)),
        # Friday evening -> Monday 09:00 in Warsaw (08:00 UTC in winter time).
        (
            "next_week",
            datetime(2026, 3, 6, 18, 0, tzinfo=UTC),
            datetime(2026, 3, 9, 9, 0, tzinfo=WARSAW),
        ),
        # Sunday 23:30 UTC is already Monday in Warsaw: a week on, not in an hour.
        (
            "next_week",
            datetime(2026, 3, 8, 23, 30, tzinfo=UTC),
            datetime(2026, 3, 16, 9, 0, tzinfo=WARSAW),
        ),
        # Across the change to summer time (29 March 2026): still 09:00 local.
        (
            "next_week",
            datetime(2026, 3, 25, 12, 0, tzinfo=UTC),
            datetime(2026, 3, 30, 7, 0, tzinfo=UTC),
        ),
    ],
)
def test_snooze_arithmetic(choice, now, expected):
    assert task_snooze_until(choice=choice, now=now, tz=WARSAW) == expected


def test_snooze_to_a_date_is_nine_in_the_users_zone(sales_rep):
    sales_rep.time_zone = "Asia/Bangkok"
    sales_rep.save()
    task = _task(sales_rep, due=timezone.now())
    now = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
    task_snooze(user=sales_rep, task=task, until=datetime(2026, 3, 10).date(), now=now)
    assert task.due_at == datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def test_snooze_refuses_the_past_and_done_tasks(sales_rep):
    task = _task(sales_rep, due=timezone.now())
    with pytest.raises(ApplicationError) as err:
        task_snooze(user=sales_rep, task=task, until=timezone.now() - timedelta(hours=1))
    assert err.value.field == "until"
    with pytest.raises(ApplicationError):
        task_snooze(user=sales_rep, task=task, until="tomorrow")
    done = _task(sales_rep, status=Task.Status.DONE)
    with pytest.raises(ApplicationError):
        task_snooze(user=sales_rep, task=done, until="1d")


# --- Role rules -------------------------------------------------------------------------


def test_reassign_role_rules(sales_rep, other_rep, marketer, admin):
    mine = _task(sales_rep)
    with pytest.raises(ForbiddenError):
        task_reassign(user=sales_rep, task=mine, owner=other_rep)
    with pytest.raises(ForbiddenError):
        task_reassign(user=other_rep, task=mine, owner=other_rep)
    assert task_reassign(user=admin, task=mine, owner=other_rep).owner == other_rep
    own = _task(marketer)
    assert task_reassign(user=marketer, task=own, owner=sales_rep).owner == sales_rep
    with pytest.raises(ForbiddenError):  # a marketer does not take a rep's task away
        task_reassign(user=marketer, task=mine, owner=marketer)


def test_reopen_keeps_the_completion_activity(sales_rep, client):
    contact = ContactFactory()
    task = _task(sales_rep, contact=contact, account=contact.account)
    client.force_login(sales_rep)
    assert client.post(reverse("tasks:task_complete", args=[task.pk])).status_code == 302
    task.refresh_from_db()
    assert task.status == Task.Status.DONE
    assert Activity.objects.filter(contact=contact, type=Activity.Type.TASK).count() == 1
    task_reopen(user=sales_rep, task=task)
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN and task.completed_at is None
    assert Activity.objects.filter(contact=contact, type=Activity.Type.TASK).count() == 1


def test_other_rep_cannot_act_on_my_task(sales_rep, other_rep, client):
    task = _task(sales_rep, due=timezone.now())
    client.force_login(other_rep)
    for name, data in (
        ("tasks:task_complete", {}),
        ("tasks:task_snooze", {"snooze": "1d"}),
    ):
        client.post(reverse(name, args=[task.pk]), data)
        task.refresh_from_db()
        assert task.status == Task.Status.OPEN
    response = client.post(reverse("tasks:task_reassign", args=[task.pk]), {"owner": other_rep.pk})
    assert response.status_code == 400  # other_rep may only choose themselves, and still not
    task.refresh_from_db()
    assert task.owner == sales_rep


# --- The page ---------------------------------------------------------------------------


def test_tabs_split_my_tasks(sales_rep, other_rep, client):
    now = timezone.now()
    overdue = _task(sales_rep, due=now - timedelta(days=2), title="Old call")
    later = _task(sales_rep, due=now + timedelta(days=5), title="Later call")
    undated = _task(sales_rep, title="Some day")
    done = _task(sales_rep, status=Task.Status.DONE, title="Done call")
    _task(other_rep, due=now - timedelta(days=1), title="Not mine")
    client.force_login(sales_rep)
    url = reverse("tasks:task_list")
    pages = {tab: client.get(url, {"tab": tab}) for tab in ("today", "overdue", "upcoming", "done")}
    assert all(r.status_code == 200 for r in pages.values())
    assert overdue.title in pages["overdue"].text and "Not mine" not in pages["overdue"].text
    assert later.title in pages["upcoming"].text and undated.title in pages["upcoming"].text
    assert done.title in pages["done"].text and later.title not in pages["done"].text
    # The navigation counts my overdue tasks.
    assert '<span class="nav-count">1</span>' in pages["today"].text


def test_filters_and_scopes(sales_rep, other_rep, admin, client):
    now = timezone.now()
    acme = AccountFactory(name="Acme")
    _task(sales_rep, due=now + timedelta(days=3), title="Acme call", account=acme)
    _task(sales_rep, due=now + timedelta(days=3), title="Other call")
    _task(sales_rep, due=now + timedelta(days=3), title="Acme mail", account=acme, type="email")
    client.force_login(sales_rep)
    url = reverse("tasks:task_list")
    text = client.get(url, {"tab": "upcoming", "account": acme.pk, "type": "call"}).text
    assert "Acme call" in text and "Other call" not in text and "Acme mail" not in text
    assert client.get(url, {"type": "nonsense"}).status_code == 400
    assert client.get(url, {"due": "not-a-date"}).status_code == 400
    assert client.get(url, {"tab": "later"}).status_code == 400
    assert client.get(url, {"scope": "all"}).status_code == 403  # a rep: mine and team
    assert client.get(url, {"scope": "team", "tab": "upcoming"}).status_code == 200
    client.force_login(admin)
    text = client.get(url, {"scope": "all", "tab": "upcoming"}).text
    assert "Acme call" in text


def test_page_queries_stay_flat(sales_rep, client, django_assert_max_num_queries):
    now = timezone.now()
    for i in range(30):
        contact = ContactFactory()
        _task(sales_rep, due=now - timedelta(hours=i + 1), contact=contact, account=contact.account)
    client.force_login(sales_rep)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("tasks:task_list"), {"tab": "overdue"})
    assert response.status_code == 200


def test_complete_call_task_opens_the_call_log_or_email_the_send_dialog(sales_rep, client):
    contact = ContactFactory()
    call = _task(sales_rep, contact=contact, account=contact.account, type="call")
    mail = _task(sales_rep, contact=contact, account=contact.account, type="email")
    client.force_login(sales_rep)
    response = client.post(reverse("tasks:task_complete", args=[mail.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert reverse("sales_actions:send_dialog") in response["HX-Trigger"]
    response = client.post(reverse("tasks:task_complete", args=[call.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    try:
        log_url = reverse("sales_actions:call_log_dialog")
    except Exception:  # the calls helper's dialog has not landed
        assert "openDialog" not in response["HX-Trigger"]
    else:
        assert log_url in response["HX-Trigger"]


def test_snooze_and_reassign_through_the_page(sales_rep, admin, client):
    task = _task(sales_rep, due=timezone.now())
    client.force_login(sales_rep)
    response = client.post(reverse("tasks:task_snooze", args=[task.pk]), {"snooze": "3d"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.due_at > timezone.now() + timedelta(days=2)
    response = client.post(reverse("tasks:task_snooze", args=[task.pk]), {"snooze": "date"})
    assert response.status_code == 400 and b"until" in response.content.lower()
    client.force_login(admin)
    response = client.get(reverse("tasks:task_reassign", args=[task.pk]))
    assert response.status_code == 200
    response = client.post(reverse("tasks:task_reassign", args=[task.pk]), {"owner": admin.pk})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.owner == admin


def test_new_task_from_the_tasks_page(sales_rep, client):
    contact = ContactFactory(email="ann@acme.test")
    client.force_login(sales_rep)
    url = reverse("tasks:task_new")
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "Call Ann", "type": "call", "contact": "ann@acme.test"})
    assert response.status_code == 302
    task = Task.objects.get(title="Call Ann")
    assert task.contact == contact and task.owner == sales_rep
    response = client.post(url, {"title": "Nobody", "type": "call"})
    assert response.status_code == 400 and "Pick a contact or an account" in response.text


def test_task_panels_on_record_pages(sales_rep, client):
    contact = ContactFactory()
    _task(sales_rep, contact=contact, account=contact.account, title="Panel task")
    client.force_login(sales_rep)
    for url in (
        reverse("tasks:contact_tasks", args=[contact.pk]),
        reverse("tasks:account_tasks", args=[contact.account_id]),
    ):
        response = client.get(url)
        assert response.status_code == 200 and "Panel task" in response.text
    page = client.get(reverse("accounts:contact_detail", args=[contact.pk])).text
    assert reverse("tasks:contact_tasks", args=[contact.pk]) in page


# --- Sending from the lists ---------------------------------------------------------------


def test_contact_and_lead_lists_have_the_selection_bar(sales_rep, client):
    from accounts.tests.factories import LeadFactory

    contact = ContactFactory()
    LeadFactory(contact=contact, account=contact.account)
    client.force_login(sales_rep)
    for name in ("accounts:contact_list", "accounts:lead_list"):
        text = client.get(reverse(name)).text
        assert "data-selection-root" in text and "data-send-selected" in text
        assert f'name="selected" value="{contact.pk}"' in text


def test_send_dialog_takes_fifty_selected_and_refuses_fifty_one(sales_rep, client):
    from sales_actions.tests.factories import EmailTemplateFactory

    EmailTemplateFactory()
    contacts = ContactFactory.create_batch(51)
    client.force_login(sales_rep)
    url = reverse("sales_actions:send_dialog")
    fifty = client.get(url, {"selected": [c.pk for c in contacts[:50]]}, HTTP_HX_REQUEST="true")
    assert fifty.status_code == 200 and "50</strong> of 50 recipients" in fifty.text
    many = client.get(url, {"selected": [c.pk for c in contacts]}, HTTP_HX_REQUEST="true")
    assert "At most 50 selected contacts per send; got 51" in many.text


def test_send_dialog_chooses_a_workspace_first(sales_rep, client):
    from sales_actions.tests.factories import EmailTemplateFactory, WorkspaceFactory

    east, west = WorkspaceFactory(name="East"), WorkspaceFactory(name="West")
    EmailTemplateFactory(workspace=east, name="East hello")
    EmailTemplateFactory(workspace=west, name="West hello")
    EmailTemplateFactory(workspace=west, name="West draft", status="draft")
    contact = ContactFactory()
    client.force_login(sales_rep)
    url = reverse("sales_actions:send_dialog")
    first = client.get(url, {"contact": contact.pk}, HTTP_HX_REQUEST="true").text
    assert "East (1 email)" in first and "West (1 email)" in first
    assert "East hello" in first and "West hello" not in first
    west_page = client.get(
        url, {"contact": contact.pk, "workspace": west.pk}, HTTP_HX_REQUEST="true"
    ).text
    assert "West hello" in west_page and "East hello" not in west_page
    assert "West draft" not in west_page
    bad = client.get(url, {"contact": contact.pk, "workspace": 999999})
    assert bad.status_code == 400 and "workspace" in bad.text


def test_lead_page_shows_the_task_panel(sales_rep, client):
    from accounts.tests.factories import LeadFactory

    contact = ContactFactory()
    lead = LeadFactory(contact=contact, account=contact.account)
    _task(sales_rep, contact=contact, account=contact.account, title="Lead call")
    client.force_login(sales_rep)
    page = client.get(reverse("accounts:lead_detail", args=[lead.pk])).text
    assert reverse("tasks:lead_tasks", args=[lead.pk]) in page
    panel = client.get(reverse("tasks:lead_tasks", args=[lead.pk]))
    assert panel.status_code == 200 and "Lead call" in panel.text


def test_buying_group_members_tab_has_the_send_button_in_its_header(sales_rep, client):
    from buying_groups.tests.factories import BuyingGroupFactory, MemberFactory

    group = BuyingGroupFactory()
    members = MemberFactory.create_batch(2, group=group)
    client.force_login(sales_rep)
    page = client.get(reverse("buying_groups:members", args=[group.pk])).text
    assert "data-send-members" in page
    # Members are listed by name, so compare the ids as a set.
    match = re.search(
        re.escape(reverse("sales_actions:send_dialog")) + r"\?contacts=([\d,]+)", page
    )
    assert match
    assert set(match.group(1).split(",")) == {str(m.contact_id) for m in members}
