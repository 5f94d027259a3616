"""The CRM demo book (accounts.demo); the seed_demo command is tested in abm/tests."""

import os

import pytest
from django.db import connection

from accounts.demo import DEMO_STEPS, DemoBuilder, demo_seed
from accounts.models import (
    Account,
    Activity,
    BuyingRole,
    Contact,
    ContactAccount,
    Lead,
    Opportunity,
    Product,
    Task,
)
from conftest import skip_or_fail

pytestmark = pytest.mark.django_db


def _snapshot():
    return {
        "counts": {
            "accounts": Account.objects.count(),
            "contacts": Contact.objects.count(),
            "activities": Activity.objects.count(),
            "leads": Lead.objects.count(),
            "opportunities": Opportunity.objects.count(),
            "tasks": Task.objects.count(),
        },
        "domains": list(Account.objects.order_by("id").values_list("domain", flat=True)[:10]),
        "first_names": list(
            Contact.objects.order_by("id").values_list("first_name", flat=True)[:20]
        ),
    }


def _wipe():
    for model in (Activity, Task, Opportunity, Lead, ContactAccount, Contact, Account):
        model.objects.all().delete()


def test_same_seed_gives_same_data_and_another_seed_does_not():
    demo_seed(accounts=6, seed=7, activities_per_contact=2)
    first = _snapshot()
    _wipe()
    demo_seed(accounts=6, seed=7, activities_per_contact=2)
    assert _snapshot() == first
    _wipe()
    demo_seed(accounts=6, seed=8, activities_per_contact=2)
    assert _snapshot()["domains"] != first["domains"]


def test_tiny_data_set_covers_every_type_stage_and_status():
    result = demo_seed(accounts=3, seed=1, activities_per_contact=1)

    assert set(Activity.objects.values_list("type", flat=True)) == set(Activity.Type.values)
    assert set(Opportunity.objects.values_list("stage", flat=True)) == set(Opportunity.Stage.values)
    assert set(Lead.objects.values_list("status", flat=True)) == set(Lead.Status.values)
    assert result.counts["accounts"] == 3
    assert Task.objects.filter(status="open").exists()
    assert Product.objects.exclude(keywords=[]).count() >= 5


def test_rows_are_consistent_with_the_services_rules():
    demo_seed(accounts=8, seed=3, activities_per_contact=3, target_share=0.5)

    # Every activity's account is its contact's primary account.
    contacts = dict(Contact.objects.values_list("id", "account_id"))
    for contact_id, account_id in Activity.objects.values_list("contact_id", "account_id"):
        assert contacts[contact_id] == account_id
    # Every contact is linked to its primary account.
    assert ContactAccount.objects.filter(is_primary=True).count() == Contact.objects.count()
    # Touches have a user, engagements none; web visits have URLs.
    assert not Activity.objects.filter(initiated_by="user", user__isnull=True).exists()
    assert not Activity.objects.filter(type="web_visit", url="").exists()
    assert Account.objects.filter(is_target=True).count() == 4
    assert not Account.objects.filter(is_target=True, target_since__isnull=True).exists()
    # Buying roles follow titles: decision makers are C-level or VPs, never below.
    deciders = [c for c in Contact.objects.all() if BuyingRole.DECISION_MAKER in c.buying_roles]
    assert deciders
    assert all(c.title.startswith(("Chief", "VP")) for c in deciders)
    chiefs = list(Contact.objects.filter(title__startswith="Chief"))
    assert sum(BuyingRole.DECISION_MAKER in c.buying_roles for c in chiefs) > len(chiefs) / 3
    # Only booked meetings are in the future.
    from django.utils import timezone

    future = Activity.objects.filter(occurred_at__gt=timezone.now())
    assert future.exists()
    assert set(future.values_list("type", flat=True)) == {"meeting"}
    # The target-accounts rollups were rebuilt for the directly written rows.
    from accounts.models import AccountRollup

    first = Account.objects.order_by("id").first()
    rollup = AccountRollup.objects.get(account=first)
    assert rollup.contacts_count == first.contact_links.count() > 0
    assert AccountRollup.objects.count() == Account.objects.count()
    # Closed deals closed in the past; open ones close ahead.
    today = timezone.now().date()
    assert not Opportunity.objects.filter(stage="closed_won", close_date__gt=today).exists()
    assert not Opportunity.objects.filter(stage="prospecting", close_date__lt=today).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_copy_path_on_postgresql_writes_rows_and_resets_sequences(monkeypatch):
    if connection.vendor != "postgresql":
        skip_or_fail("DATABASE_URL is not PostgreSQL: the COPY path needs it")

    def schema():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = 'accounts_activity'::regclass "
                "UNION ALL SELECT indexname FROM pg_indexes WHERE tablename = 'accounts_activity'"
            )
            return sorted(row[0] for row in cursor.fetchall())

    before = schema()
    monkeypatch.setattr("accounts.demo.loader.BULK_LOAD_MIN_ROWS", 0)  # take the big-load path
    result = demo_seed(accounts=4, seed=2, activities_per_contact=2)
    # Foreign keys and indexes dropped for the load are all back.
    assert schema() == before
    assert len(before) >= 8
    assert result.counts["activities"] == Activity.objects.count() > 0
    assert set(Activity.objects.values_list("type", flat=True)) == set(Activity.Type.values)
    # Sequences follow the copied ids: the ORM can insert right after.
    account = Account.objects.create(name="After COPY", domain="after-copy.example")
    assert account.pk > Account.objects.exclude(pk=account.pk).order_by("-pk").first().pk
    contact = Contact.objects.create(email="after@copy.example", account=account)
    assert contact.pk == Contact.objects.order_by("-pk").first().pk
    metadata = Activity.objects.filter(type="call").values_list("metadata", flat=True).first()
    assert "outcome" in metadata
    assert os.environ.get("DATABASE_URL", "").startswith("postgres")
    # The restored foreign keys hold: an activity for a missing contact is refused.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(
            contact_id=10**9, type="note", initiated_by="user", account_id=account.pk
        )


def test_a_new_step_drawing_from_its_own_rng_leaves_the_other_rows_alone():
    demo_seed(accounts=4, seed=9, activities_per_contact=2)
    first = _snapshot()
    _wipe()
    seen = []

    def extra_step(b):
        # What an app-level or lifecycle step would read: the generated companies and deals.
        rng = b.rng_for("extra")
        seen.append((len(b.companies), len(b.deals), rng.random()))
        b.count("extra", 1)

    # Before the activities, which read what the earlier steps made.
    steps = (*DEMO_STEPS[:-1], extra_step, DEMO_STEPS[-1])
    builder = DemoBuilder(accounts=4, seed=9, activities_per_contact=2, steps=steps)
    result = builder.run()
    assert _snapshot() == first
    assert seen and seen[0][0] == 4 and seen[0][1] > 0
    assert result.counts["extra"] == 1
