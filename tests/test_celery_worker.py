"""A real Celery worker on Redis runs what the web side queues (eager mode proves nothing)."""

import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from abm.celery import app as celery_app
from abm.tasks import PING_KEY, ping_task
from accounts.tests.factories import UserFactory

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

REPO = Path(__file__).resolve().parent.parent
WAIT_SECONDS = 30


def test_task_queued_by_the_web_side_runs_in_a_real_worker(celery_worker_process, redis_url):
    # Rows the test commits (transactional_db): the worker must read these, not another db.
    UserFactory.create_batch(3)
    token = uuid.uuid4().hex
    assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL == redis_url

    result = ping_task.delay(token)

    assert result.id
    # The worker writes through Django's Redis cache; read it back the same way.
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if celery_worker_process.poll() is not None:
            pytest.fail(f"the worker exited with code {celery_worker_process.returncode}")
        seen = cache.get(PING_KEY.format(token=token))
        if seen is not None:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"no worker ran the task within {WAIT_SECONDS}s")
    assert seen == {"users": 3}
