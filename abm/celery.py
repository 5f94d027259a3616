"""The Celery app and every beat schedule of ABM Hub."""

import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abm.settings")

log = logging.getLogger(__name__)


def _survive_redis_loss_with_unacked_messages() -> None:
    """Keep a worker alive when Redis goes away while it holds unacknowledged messages.

    kombu 5.7's Redis transport closes the transport before the channel on a lost
    connection; the channel then tries to hand its unacknowledged messages back through
    the closed transport and the worker dies ("Unrecoverable error: AttributeError:
    'NoneType' object has no attribute 'hostname'"), found by tests/test_outage.py. With
    no transport there is nowhere to hand them back to: skip it. If Redis kept them, the
    next consumer restores them after the visibility timeout; if Redis lost them, what they
    stood for is marked in the database and beat's catch-up does it.
    """
    from kombu.transport import redis as kombu_redis

    restore_unacked = kombu_redis.QoS.restore_unacked
    if getattr(restore_unacked, "abm_patched", False):
        return

    def restore_unacked_unless_closed(self, client=None):
        if client is None and getattr(self.channel.connection, "client", None) is None:
            log.warning(
                "broker connection closed: %d unacknowledged message(s) left to the "
                "visibility timeout",
                len(self._delivered),
            )
            self._delivered.clear()
            return None
        return restore_unacked(self, client)

    restore_unacked_unless_closed.abm_patched = True
    kombu_redis.QoS.restore_unacked = restore_unacked_unless_closed


_survive_redis_loss_with_unacked_messages()

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
        "schedule": 15.0,  # HEALTH_HEARTBEAT_SECONDS, set below once settings are read
    },
    "sales-emails-sweep": {
        "task": "sales_actions.sales_emails_sweep_task",
        "schedule": 60.0,
    },
    # Cadences: replies and bounces end people, finished tasks wake them, due steps run.
    "cadences-tick": {
        "task": "sales_actions.cadences_tick_task",
        "schedule": 60.0,
    },
    # Target accounts: a safety net behind the debounced refresh each commit queues, and
    # "next scheduled" columns that time (not a write) made stale.
    "target-rollups-refresh-dirty": {
        "task": "accounts.rollups_refresh_dirty_task",
        "schedule": 15.0,
    },
    # Best bets: the catch-up behind the debounced refresh each commit queues, and the
    # hourly rebuild (points decay with time).
    "bestbets-refresh-dirty": {
        "task": "sales_actions.bestbets_refresh_dirty_task",
        "schedule": 30.0,
    },
    "bestbets-rebuild": {
        "task": "sales_actions.bestbets_rebuild_task",
        "schedule": 3600.0,
    },
    "target-rollups-refresh-stale-schedule": {
        "task": "accounts.rollups_refresh_stale_schedule_task",
        "schedule": 60.0,
    },
    # The hub event stream: each commit that wrote events queues a dispatch; this is the
    # catch-up after a broker outage, and the daily prune of old dispatched events.
    "hub-events-dispatch": {
        "task": "accounts.hub_events_dispatch_task",
        "schedule": 15.0,
    },
    "hub-events-prune": {
        "task": "accounts.hub_events_prune_task",
        "schedule": 24 * 3600.0,
    },
    # Webhooks: deliveries whose retry time came, and the catch-up after a broker outage
    # (each commit that queues deliveries also queues the sender).
    "webhooks-send-due": {
        "task": "accounts.webhooks_send_due_task",
        "schedule": 15.0,
    },
    "import-jobs-requeue": {
        "task": "accounts.import_jobs_requeue_task",
        "schedule": 60.0,
    },
    # Hosted forms: double opt-in emails not sent yet (the broker was down after commit).
    "webform-opt-in-emails-send": {
        "task": "accounts.webform_opt_in_emails_send_task",
        "schedule": 60.0,
    },
    "targeting-rules-run": {
        "task": "accounts.targeting_rules_run_task",
        "schedule": 6 * 3600.0,
    },
    # Buying groups: a safety net behind the debounced score flush each activity queues,
    # and the full set-based recompute (scores decay with time, not only with writes).
    # Lead scores: the catch-up behind the debounced flush each activity queues, the
    # qualification of leads that crossed their threshold, and the hourly full recompute
    # (points decay and expire with time, not only with writes).
    "lead-scores-flush": {
        "task": "accounts.lead_scores_flush_task",
        "schedule": 15.0,
    },
    "lead-scores-qualify": {
        "task": "accounts.lead_scores_qualify_task",
        "schedule": 60.0,
    },
    "lead-scores-recompute-all": {
        "task": "accounts.lead_scores_recompute_all_task",
        "schedule": 3600.0,
    },
    "buying-groups-scores-flush": {
        "task": "buying_groups.scores_flush_task",
        "schedule": 15.0,
    },
    "buying-groups-generation-jobs-requeue": {
        "task": "buying_groups.generation_jobs_requeue_task",
        "schedule": 60.0,
    },
    "buying-groups-scores-recompute-all": {
        "task": "buying_groups.scores_recompute_all_task",
        "schedule": 3600.0,
    },
    # Account health: the catch-up behind the debounced refresh each commit queues, and the
    # full recompute (recency decays with time; buying-group scores change in their worker).
    # Upsell intent decays with time too: recomputed with the same rhythm.
    "account-health-refresh-dirty": {
        "task": "analytics.health_refresh_dirty_task",
        "schedule": 60.0,
    },
    "account-health-recompute-all": {
        "task": "analytics.health_recompute_all_task",
        "schedule": 3600.0,
    },
    "upsell-intent-refresh": {
        "task": "analytics.upsell_intent_refresh_task",
        "schedule": 3600.0,
    },
    # Marketing impact: deals get their shares when created or won (change listener);
    # nightly, every deal again, so touches recorded late (imports) count too.
    "impact-credits-refresh": {
        "task": "analytics.impact_credits_refresh_task",
        "schedule": 24 * 3600.0,
    },
    # Lifecycle firsts (analytics.firsts): the catch-up behind the debounced refresh each
    # commit queues (it builds the table the first time), and a nightly full rebuild.
    "analytics-firsts-refresh-dirty": {
        "task": "analytics.firsts_refresh_dirty_task",
        "schedule": 60.0,
    },
    "analytics-firsts-rebuild": {
        "task": "analytics.firsts_rebuild_task",
        "schedule": 24 * 3600.0,
    },
}


@app.on_after_configure.connect
def _heartbeat_from_settings(sender, **kwargs) -> None:
    """The heartbeat interval comes from settings (and so from .env), read once configured."""
    from django.conf import settings

    entry = sender.conf.beat_schedule.get("worker-heartbeat")
    if entry is not None:
        entry["schedule"] = float(settings.HEALTH_HEARTBEAT_SECONDS)
