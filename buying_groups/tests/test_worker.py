"""The incremental score path through a real Celery worker on Redis and PostgreSQL."""

import time
from pathlib import Path

import pytest
from django.core.cache import cache

from accounts.services.activities import activity_record
from accounts.tests.factories import ContactFactory
from buying_groups.models import BuyingGroup, DirtyScore
from buying_groups.services.groups import buying_group_members_assign
from buying_groups.services.scores import FLUSH_KEY, score_from_points
from buying_groups.tests.factories import BuyingGroupFactory, TemplateRoleFactory

REPO = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 30


@pytest.fixture
def bg_worker(celery_worker_process):
    """The shared real worker, with the score debounce key cleared first."""
    cache.delete(FLUSH_KEY)
    return celery_worker_process


def _wait_for(predicate, worker):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            pytest.fail(f"the worker exited with code {worker.returncode}")
        if predicate():
            return
        time.sleep(0.05)
    pytest.fail(f"the worker did not refresh the scores within {WAIT_SECONDS}s")


def test_new_activity_reaches_group_and_person_scores_through_a_worker(bg_worker):
    group = BuyingGroupFactory()
    role = TemplateRoleFactory(template=group.role_template)
    alice, bob = (ContactFactory(account=group.account) for _ in range(2))
    buying_group_members_assign(
        user=None,
        group=group,
        items=[{"contact": alice.pk, "role": role.pk}, {"contact": bob.pk, "role": role.pk}],
    )
    expected_points = 0
    for contact, kind, points in [
        (alice, "email_replied", 10),
        (bob, "meeting", 8),
        (alice, "form_submitted", 6),
    ]:
        activity_record(contact=contact, type=kind)  # commits: the listener queues a flush
        expected_points += points
        target = score_from_points(expected_points, 60)
        _wait_for(
            lambda t=target: BuyingGroup.objects.get(pk=group.pk).engagement_score == t, bg_worker
        )
    alice.refresh_from_db()
    assert alice.engagement_score == score_from_points(16, 20)
    assert not DirtyScore.objects.exists()

    # A burst of 30 activities is debounced into few flushes, and every one is counted.
    for _ in range(30):
        activity_record(contact=bob, type="web_visit")
    final = score_from_points(expected_points + 60, 60)
    _wait_for(lambda: BuyingGroup.objects.get(pk=group.pk).engagement_score == final, bg_worker)
