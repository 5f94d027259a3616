"""The Celery app and every beat schedule of ABM Hub."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abm.settings")

app = Celery("abm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Each app adds its periodic work here, so the whole schedule reads in one place.
app.conf.beat_schedule = {
    "sales-emails-sweep": {
        "task": "sales_actions.tasks.sales_emails_sweep_task",
        "schedule": 60.0,
    },
    # Target accounts: a safety net behind the debounced refresh each commit queues, and
    # "next scheduled" columns that time (not a write) made stale.
    "target-rollups-refresh-dirty": {
        "task": "accounts.rollups_refresh_dirty",
        "schedule": 15.0,
    },
    "target-rollups-refresh-stale-schedule": {
        "task": "accounts.rollups_refresh_stale_schedule",
        "schedule": 60.0,
    },
    "targeting-rules-run": {
        "task": "accounts.targeting_rules_run",
        "schedule": 6 * 3600.0,
    },
    # Buying groups: a safety net behind the debounced score flush each activity queues,
    # and the full set-based recompute (scores decay with time, not only with writes).
    "buying-groups-scores-flush": {
        "task": "buying_groups.scores_flush",
        "schedule": 15.0,
    },
    "buying-groups-scores-recompute-all": {
        "task": "buying_groups.scores_recompute_all",
        "schedule": 3600.0,
    },
}
