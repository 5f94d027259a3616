"""Per-account rollups: known answers, the incremental path equal to a rebuild, debounce."""

import datetime as dt
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from accounts import services
from accounts.models import AccountRollup, AccountRollupDirty, ContactAccount
from accounts.services import rollups
from accounts.services.activities import ActivityInput
from accounts.tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    OpportunityFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def ago(**kw):
    return NOW - dt.timedelta(**kw)


def ahead(**kw):
    return NOW + dt.timedelta(**kw)


def rollup(account):
    return AccountRollup.objects.get(account=account)


def test_known_answers_for_every_column():
    # Given an account with a varied history
    account = AccountFactory(is_target=True)
    dm_blocker = ContactFactory(account=account, roles=["decision_maker", "blocker"])
    no_basis = ContactFactory(account=account, legal_basis="none")
    other_home = AccountFactory()
    associated = ContactFactory(account=other_home, roles=["champion"])
    ContactAccount.objects.create(contact=associated, account=account)
    OpportunityFactory(account=account, amount=1000, stage="prospecting")
    OpportunityFactory(account=account, amount=250.5, stage="negotiation")
    OpportunityFactory(account=account, amount=9999, stage="closed_won")
    OpportunityFactory(account=account, amount=7777, stage="closed_lost")
    ActivityFactory(
        contact=dm_blocker, type="email_sent", initiated_by="user", occurred_at=ago(days=9)
    )
    ActivityFactory(contact=associated, type="call", initiated_by="user", occurred_at=ago(days=3))
    ActivityFactory(contact=dm_blocker, type="call", initiated_by="user", occurred_at=ago(days=20))
    ActivityFactory(
        contact=dm_blocker, type="meeting", initiated_by="user", occurred_at=ago(days=5)
    )
    # Not a touch: a note, an email the contact sent us.
    ActivityFactory(contact=dm_blocker, type="note", initiated_by="user", occurred_at=ago(days=1))
    ActivityFactory(
        contact=dm_blocker, type="email_replied", initiated_by="contact", occurred_at=ago(hours=1)
    )
    # Engagement: a form by a consented contact, a later visit by one with no legal basis,
    # and a bot's document view (never counts).
    ActivityFactory(contact=dm_blocker, type="form_submitted", occurred_at=ago(days=4))
    ActivityFactory(contact=no_basis, type="web_visit", occurred_at=ago(days=2))
    ActivityFactory(
        contact=dm_blocker, type="document_viewed", occurred_at=ago(hours=2), is_bot=True
    )
    # Scheduled: a future meeting in 3 days, an open task due in 2 days on a contact,
    # a done task due tomorrow and an overdue open task.
    ActivityFactory(
        contact=associated, type="meeting", initiated_by="user", occurred_at=ahead(days=3)
    )
    TaskFactory(account=None, contact=no_basis, due_at=ahead(days=2))
    TaskFactory(account=account, due_at=ahead(days=1), status="done")
    TaskFactory(account=account, due_at=ago(days=1))

    # When it is rebuilt
    rollups.rollups_rebuild(now=NOW)

    # Then every column has its defined value
    r = rollup(account)
    assert r.contacts_count == 3
    assert r.open_deals_count == 2
    assert r.open_deal_value == Decimal("1250.50")
    assert r.last_touch_at == ago(days=3)
    assert r.last_engagement_at == ago(days=2)
    assert r.last_engagement_consented_at == ago(days=4)
    assert r.next_scheduled_at == ahead(days=2)
    assert (r.has_decision_maker, r.has_blocker, r.has_any_buying_role) == (True, True, True)
    assert r.calls_count == 2
    assert r.meetings_count == 1  # the future one has not happened
    assert r.open_tasks_count == 2


def test_account_with_no_contacts_and_only_closed_deals():
    account = AccountFactory(is_target=True)
    OpportunityFactory(account=account, amount=500, stage="closed_won")
    rollups.rollups_rebuild()
    r = rollup(account)
    assert (r.contacts_count, r.open_deals_count, r.open_deal_value) == (0, 0, Decimal("0"))
    assert (r.has_any_buying_role, r.has_decision_maker, r.has_blocker) == (False, False, False)
    assert (r.last_touch_at, r.last_engagement_at, r.next_scheduled_at) == (None, None, None)


def test_changes_through_services_refresh_rollups(django_capture_on_commit_callbacks, admin):
    account = AccountFactory(is_target=True)
    contact = ContactFactory(account=account)
    deal = OpportunityFactory(account=account, amount=4000)
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_record(contact=contact, type="call", user=admin, occurred_at=ago(hours=2))
    r = rollup(account)
    assert r.calls_count == 1 and r.last_touch_at == ago(hours=2)
    assert r.open_deals_count == 1 and r.open_deal_value == Decimal("4000")

    # A deal moving to closed won leaves the open deals.
    with django_capture_on_commit_callbacks(execute=True):
        services.opportunity_update(user=admin, opportunity=deal, data={"stage": "closed_won"})
    r = rollup(account)
    assert (r.open_deals_count, r.open_deal_value) == (0, Decimal("0"))

    # A buying role given to a contact shows at once.
    with django_capture_on_commit_callbacks(execute=True):
        services.contact_update(user=admin, contact=contact, data={"buying_roles": ["blocker"]})
    assert rollup(account).has_blocker is True
    assert not AccountRollupDirty.objects.exists()


def test_incremental_path_equals_a_rebuild(django_capture_on_commit_callbacks, admin):
    from accounts.services import task_complete, task_create

    a1, a2 = AccountFactory(is_target=True), AccountFactory(is_target=True)
    with django_capture_on_commit_callbacks(execute=True):
        c1 = services.contact_create(
            user=admin,
            data={"email": "one@x.example", "account": a1, "buying_roles": ["decision_maker"]},
        )
        c2 = services.contact_create(
            user=admin,
            data={"email": "two@x.example", "account": a2, "legal_basis": "none"},
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.activities_record_bulk(
            [ActivityInput(contact_id=c1.pk, type="web_visit") for _ in range(20)]
            + [ActivityInput(contact_id=c2.pk, type="meeting", user_id=admin.pk)]
        )
        services.opportunity_create(
            user=admin, data={"account": a1, "name": "Big", "amount": Decimal("12")}
        )
        task = task_create(user=admin, title="Call", account=a2, due_at=ahead(days=4))
    with django_capture_on_commit_callbacks(execute=True):
        task_complete(user=admin, task=task)
        # The contact moves to the other account: both rollups change.
        services.contact_update(user=admin, contact=c1, data={"account": a2, "accounts": [a2]})

    report = rollups.rollups_rebuild()
    assert report.accounts == 2
    assert report.drifted == 0, report.differences
    assert rollup(a1).contacts_count == 0 and rollup(a2).contacts_count == 2


def test_rebuild_reports_and_repairs_a_drifted_row():
    account = AccountFactory(is_target=True)
    ContactFactory(account=account)
    rollups.rollups_rebuild()
    AccountRollup.objects.filter(account=account).update(contacts_count=42)
    out = StringIO()
    call_command("rebuild_rollups", stdout=out)
    assert f"account {account.pk}: contacts_count: 42 -> 1" in out.getvalue()
    assert "1 differed" in out.getvalue()
    assert rollup(account).contacts_count == 1
    out = StringIO()
    call_command("rebuild_rollups", "--fail-on-drift", stdout=out)
    assert "0 created, 0 differed" in out.getvalue()


def test_burst_of_activities_marks_one_row_and_queues_one_refresh(
    django_capture_on_commit_callbacks, settings
):
    """With a real broker, 1,000 activities for one account cost one queued refresh."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    cache.clear()
    account = AccountFactory(is_target=True)
    contact = ContactFactory(account=account)
    with mock.patch("accounts.tasks.targets.rollups_refresh_dirty_task.apply_async") as apply_async:
        for _ in range(4):
            with django_capture_on_commit_callbacks(execute=True):
                services.activities_record_bulk(
                    [ActivityInput(contact_id=contact.pk, type="web_visit") for _ in range(250)]
                )
    assert apply_async.call_count == 1
    assert list(AccountRollupDirty.objects.values_list("account_id", flat=True)) == [account.pk]
    # The worker's pass then refreshes it once and clears the mark.
    assert rollups.rollups_refresh_dirty() == 1
    assert not AccountRollupDirty.objects.exists()
    assert rollup(account).last_engagement_at is not None


def test_a_mark_renewed_during_a_refresh_stays_dirty():
    account = AccountFactory()
    rollups.rollups_mark_dirty(account_ids=[account.pk])
    real = rollups.rollups_refresh

    def refresh_and_remark(**kwargs):
        written = real(**kwargs)
        AccountRollupDirty.objects.filter(account_id=account.pk).update(
            marked_at=timezone.now() + dt.timedelta(seconds=5)
        )
        return written

    with mock.patch.object(rollups, "rollups_refresh", side_effect=refresh_and_remark):
        rollups.rollups_refresh_dirty()
    assert AccountRollupDirty.objects.filter(account_id=account.pk).exists()


def test_next_scheduled_goes_stale_and_the_beat_task_moves_it_on():
    account = AccountFactory(is_target=True)
    contact = ContactFactory(account=account)
    ActivityFactory(
        contact=contact, type="meeting", initiated_by="user", occurred_at=ahead(hours=1)
    )
    ActivityFactory(contact=contact, type="meeting", initiated_by="user", occurred_at=ahead(days=2))
    rollups.rollups_rebuild(now=NOW)
    assert rollup(account).next_scheduled_at == ahead(hours=1)
    # Two hours later the first meeting is past.
    later = NOW + dt.timedelta(hours=2)
    assert rollups.rollups_refresh_stale_schedule(now=later) == 1
    r = rollup(account)
    assert r.next_scheduled_at == ahead(days=2)
    assert r.meetings_count == 1
