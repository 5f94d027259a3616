"""Issue 9, data truth: "last touch" is a 1:1 touch, never a marketing send.

HubSpot's "last contacted": a call, a meeting, or an email one of our users sent to that
person. An email of a campaign, or a marketing-kind template sent through the outbox (which
may go to a whole account), is not one. Both the rebuild and the incremental refresh read
the same definition; this runs on SQLite and PostgreSQL alike (JSON key lookups).
"""

import datetime as dt

import pytest
from django.utils import timezone

from accounts import services
from accounts.models import AccountRollup
from accounts.services import rollups
from accounts.tests.factories import (
    AccountFactory,
    ActivityFactory,
    CampaignFactory,
    ContactFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def ago(**kw):
    return NOW - dt.timedelta(**kw)


def touch(account):
    return AccountRollup.objects.get(account=account).last_touch_at


def _sent(contact, when, **extra):
    return ActivityFactory(
        contact=contact, type="email_sent", initiated_by="user", occurred_at=when, **extra
    )


def test_a_marketing_send_is_not_a_touch_but_a_personal_email_is():
    account = AccountFactory(is_target=True)
    person = ContactFactory(account=account)
    campaign = CampaignFactory()
    # The latest emails are marketing sends: a campaign email, an outbox marketing template.
    _sent(person, ago(hours=1), campaign=campaign)
    _sent(person, ago(hours=2), metadata={"sales_email": 7, "kind": "marketing"})
    # A 1:1 sales email from the outbox, and one logged by hand (no metadata).
    _sent(person, ago(days=2), metadata={"sales_email": 8, "kind": "sales"})
    _sent(person, ago(days=5))

    rollups.rollups_rebuild(now=NOW)

    assert touch(account) == ago(days=2)


def test_an_account_with_only_marketing_sends_has_no_last_touch():
    account = AccountFactory(is_target=True)
    person = ContactFactory(account=account)
    _sent(person, ago(days=1), campaign=CampaignFactory())
    _sent(person, ago(days=3), metadata={"sales_email": 1, "kind": "marketing"})
    # Not touches either: a note, and the contact's own reply.
    ActivityFactory(contact=person, type="note", initiated_by="user", occurred_at=ago(hours=1))
    ActivityFactory(contact=person, type="email_replied", occurred_at=ago(hours=2))

    rollups.rollups_rebuild(now=NOW)

    assert touch(account) is None


def test_calls_and_meetings_are_touches_even_within_a_campaign():
    account = AccountFactory(is_target=True)
    person = ContactFactory(account=account)
    campaign = CampaignFactory()
    ActivityFactory(
        contact=person,
        type="meeting",
        initiated_by="user",
        occurred_at=ago(days=4),
        campaign=campaign,
    )
    rollups.rollups_rebuild(now=NOW)
    assert touch(account) == ago(days=4)


def test_the_incremental_refresh_agrees_with_the_rebuild(django_capture_on_commit_callbacks, admin):
    account = AccountFactory(is_target=True)
    person = ContactFactory(account=account)
    campaign = CampaignFactory()
    rollups.rollups_rebuild(now=NOW)

    # A campaign send recorded through the service leaves last touch empty…
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_record(
            contact=person,
            type="email_sent",
            user=admin,
            occurred_at=ago(hours=3),
            campaign=campaign,
        )
    assert touch(account) is None
    # …a personal email sets it.
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_record(
            contact=person, type="email_sent", user=admin, occurred_at=ago(hours=5)
        )
    assert touch(account) == ago(hours=5)
    assert rollups.rollups_rebuild().drifted == 0
