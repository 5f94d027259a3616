"""The incremental score path through a real Celery worker on Redis and PostgreSQL."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.core.cache import cache
from django.db import connection

from abm.celery import app as celery_app
from accounts.services.activities import activity_record
from accounts.tests.factories import ContactFactory
from buying_groups.models import BuyingGroup, DirtyScore
from buying_groups.services.groups import buying_group_members_assign
from buying_groups.services.scores import FLUSH_KEY, score_from_points
from buying_groups.tests.factories import BuyingGroupFactory, TemplateRoleFactory
from conftest import skip_or_fail

REPO = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 30


@pytest.fixture
def bg_redis_url():
    url = os.environ.get("REDIS_URL")
    if not url:
        skip_or_fail("REDIS_URL is not set")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis at {url} does not answer: {exc}")
    return url


@pytest.fixture
def bg_database_url(transactional_db):
    if connection.vendor != "postgresql":
        skip_or_fail("a database shared with a worker process needs PostgreSQL (DATABASE_URL)")
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{quote(db['NAME'], safe='')}"


@pytest.fixture
def bg_worker(bg_redis_url, bg_database_url, tmp_path, monkeypatch):
    """A `celery worker --pool=solo` on the test database; the test side stops being eager."""
    cache.delete(FLUSH_KEY)
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "abm.settings",
        "DEBUG": "true",
        "SECRET_KEY": "abm-hub-worker-test",
        "DATABASE_URL": bg_database_url,
        "REDIS_URL": bg_redis_url,
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
                f"--hostname=abm-bg-{uuid.uuid4().hex[:8]}@%h",
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
    print(log.read_text()[-3000:])


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
