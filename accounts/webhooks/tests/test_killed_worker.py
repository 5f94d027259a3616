"""Exactly once with a real kill: a worker process dies (SIGKILL) in the middle of a
dispatch, after the webhook consumer wrote its rows; the re-run writes each row once.

PostgreSQL only: the worker is a separate process, which needs a database both share.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import HubEvent, WebhookDelivery
from accounts.services import hub_events as stream
from accounts.webhooks.services import webhooks_handle_events

pytestmark = pytest.mark.django_db(transaction=True)

WORKER = textwrap.dedent(
    """
    import os, signal, django
    django.setup()
    from accounts.models import WebhookDelivery
    from accounts.services import hub_events as stream
    from accounts.webhooks.services import webhooks_handle_events

    def killed(events):
        # The webhook consumer has written its rows in this transaction: die here.
        assert WebhookDelivery.objects.count() == len(events)
        print("rows written, killing", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    stream._CONSUMERS.clear()
    stream.hub_events_consumer_register("webhooks", webhooks_handle_events)
    stream.hub_events_consumer_register("killer", killed)
    stream.hub_events_dispatch()
    """
)


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the killed worker is another process: PostgreSQL",
)
def test_a_worker_killed_mid_dispatch_leaves_nothing_and_the_rerun_writes_once(
    make_subscription, make_event, monkeypatch
):
    make_subscription()
    events = [make_event(subject=("contact", n)) for n in range(1, 21)]
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="abm.settings")
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", WORKER],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == -9, result.stderr[-2000:]
    assert "rows written, killing" in result.stdout
    connection.close()  # a fresh view of the database
    assert WebhookDelivery.objects.count() == 0
    assert HubEvent.objects.filter(dispatched_at__isnull=True).count() == 20

    monkeypatch.setattr(stream, "_CONSUMERS", {"webhooks": webhooks_handle_events})
    assert stream.hub_events_dispatch() == 20
    assert stream.hub_events_dispatch() == 0
    assert sorted(WebhookDelivery.objects.values_list("event_id", flat=True)) == [
        e.pk for e in events
    ]
