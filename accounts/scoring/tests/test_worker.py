"""A real Celery worker on Redis rescores a lead after a new activity (the incremental path
end to end: listener -> dirty mark -> debounced flush task -> stored score and explanation).
Latency is measured by bench/lead_scoring_bench.py, not asserted here."""

import time

import pytest

from accounts.models import Activity, LeadScore, LeadScoreDirty
from accounts.scoring.services import scoring_model_create
from accounts.services.activities import activity_record
from accounts.tests.factories import LeadFactory, UserFactory

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

WAIT_SECONDS = 30


def test_new_activity_is_scored_by_a_real_worker(celery_worker_process, redis_url):
    marketer = UserFactory(role="marketer")
    scoring_model_create(
        user=marketer,
        data={
            "name": "Clicks",
            "threshold": 100,
            "is_active": True,
            "rules": [{"points": 10, "activity_type": "email_clicked"}],
        },
    )
    lead = LeadFactory()
    activity_record(contact=lead.contact, type="email_clicked", subject="Offer")
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if celery_worker_process.poll() is not None:
            pytest.fail(f"the worker exited with code {celery_worker_process.returncode}")
        score = LeadScore.objects.filter(lead=lead).first()
        if score is not None and score.score == 10:
            break
        time.sleep(0.1)
    else:
        pytest.fail(
            f"no worker scored the lead within {WAIT_SECONDS}s: "
            f"{list(LeadScore.objects.values())} "
            f"{list(Activity.objects.values('type', 'occurred_at', 'is_bot'))}"
        )
    assert score.breakdown[0]["count"] == 1
    # Every mark is drained (later changes may mark the lead again; their flush runs too).
    while LeadScoreDirty.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not LeadScoreDirty.objects.exists()
