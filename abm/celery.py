"""The Celery app and every beat schedule of ABM Hub."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abm.settings")

# Every task, ours or Celery's, gets the hub's retry policy (abm.tasks.HubTask): retries
# on the real transient errors only, with Celery's backoff and jitter, at most 5 times.
app = Celery("abm", task_cls="abm.tasks:HubTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Each app adds its periodic work here, so the whole schedule reads in one place. Entries
# name tasks by their explicit ``name=`` (each ends in ``_task``). The short ones are also
# the catch-up after a broker outage: what a commit marked dirty in the database while
# Redis was down is refreshed within one interval of Redis coming back.
app.conf.beat_schedule = {
    "worker-heartbeat": {
        "task": "abm.worker_heartbeat_task",
        "schedule": float(os.environ.get("HEALTH_HEARTBEAT_SECONDS", "15")),
    },
    "sales-emails-sweep": {
        "task": "sales_actions.sales_emails_sweep_task",
        "schedule": 60.0,
    },
    # Target accounts: a safety net behind the debounced refresh each commit queues, and
    # "next scheduled" columns that time (not a write) made stale.
    "target-rollups-refresh-dirty": {
        "task": "accounts.rollups_refresh_dirty_task",
        "schedule": 15.0,
    },
    "target-rollups-refresh-stale-schedule": {
        "task": "accounts.rollups_refresh_stale_schedule_task",
        "schedule": 60.0,
    },
    "targeting-rules-run": {
        "task": "accounts.targeting_rules_run_task",
        "schedule": 6 * 3600.0,
    },
    # Buying groups: a safety net behind the debounced score flush each activity queues,
    # and the full set-based recompute (scores decay with time, not only with writes).
    "buying-groups-scores-flush": {
        "task": "buying_groups.scores_flush_task",
        "schedule": 15.0,
    },
    "buying-groups-scores-recompute-all": {
        "task": "buying_groups.scores_recompute_all_task",
        "schedule": 3600.0,
    },
}
