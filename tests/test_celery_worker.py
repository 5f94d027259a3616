"""A real Celery worker on Redis runs what the web side queues (eager mode proves nothing)."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from abm.celery import app as celery_app
from abm.tasks import PING_KEY, ping
from accounts.tests.factories import UserFactory

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

REPO = Path(__file__).resolve().parent.parent
WAIT_SECONDS = 30


@pytest.fixture
def worker(redis_url, live_database_url, tmp_path):
    """A `celery worker --pool=solo` subprocess on the test database and Redis."""
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "abm.settings",
        "DEBUG": "true",
        "SECRET_KEY": "abm-hub-worker-test",
        "DATABASE_URL": live_database_url,
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CONN_MAX_AGE": "0",
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "abm",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                f"--hostname=abm-test-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    yield process
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
    # Keep the worker's own words for a failing test's report.
    print(log.read_text()[-4000:])


def test_task_queued_by_the_web_side_runs_in_a_real_worker(worker, redis_url, monkeypatch):
    # Rows the test commits (transactional_db): the worker must read these, not another db.
    UserFactory.create_batch(3)
    token = uuid.uuid4().hex
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL == redis_url

    result = ping.delay(token)

    assert result.id
    # The worker writes through Django's Redis cache; read it back the same way.
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            pytest.fail(f"the worker exited with code {worker.returncode}")
        seen = cache.get(PING_KEY.format(token=token))
        if seen is not None:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"no worker ran the task within {WAIT_SECONDS}s")
    assert seen == {"users": 3}
