"""Target accounts: rollups, targeting rules, recommendation dismissals, opt-outs."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from .records import Account
from .users import User


def _target_sort_indexes() -> list[models.Index]:
    """Partial indexes over target rollups only, for the target page's sorts.

    (column, account) ASC serves ascending sorts (times: empty values last) and, read
    backwards, descending counts and values. Descending times keep empty values last too,
    which needs ``DESC NULLS LAST`` indexes SQLite cannot declare: PostgreSQL gets those
    from migration 0003 (TARGET_DESC_TIME_INDEXES), outside the model state.
    """
    return [
        models.Index(
            fields=[column, "account"], name=f"rollup_t_{short}", condition=models.Q(is_target=True)
        )
        for column, short in TARGET_SORT_COLUMNS
    ]


TARGET_SORT_COLUMNS = (
    ("contacts_count", "contacts"),
    ("open_deals_count", "open_deals"),
    ("open_deal_value", "open_value"),
    ("last_touch_at", "touch"),
    ("last_engagement_at", "engaged"),
    ("last_engagement_consented_at", "engaged_gdpr"),
    ("next_scheduled_at", "next"),
    ("health_score", "health"),
)


class AccountRollup(models.Model):
    """Per-account aggregates the target-accounts page sorts and filters on.

    Kept current by workers (accounts.services.rollups) from the change stream and
    rebuilt from scratch by ``manage.py rebuild_rollups``, which reports any drift.
    """

    account = models.OneToOneField(
        Account, primary_key=True, on_delete=models.CASCADE, related_name="rollup"
    )
    # A copy of Account.is_target, so the target page reads and sorts one table through
    # partial indexes. Written by accounts_mark_target/unmark in the same transaction and
    # by every refresh (drift in it is reported by rebuild_rollups like any column).
    is_target = models.BooleanField(default=False)
    contacts_count = models.PositiveIntegerField(default=0)
    open_deals_count = models.PositiveIntegerField(default=0)
    # Open deal value converted to settings.BASE_CURRENCY with the admin's CurrencyRate rows
    # (never amounts of different currencies added as they are). Deals in a currency with
    # no rate are left out of it and counted in open_deals_unconverted; open_deal_values
    # keeps the unconverted totals, one per currency ([{"currency", "amount": "12.50"}],
    # largest first), for the page's hover and the API.
    open_deal_value = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    open_deals_unconverted = models.PositiveIntegerField(default=0)
    open_deal_values = models.JSONField(default=list, blank=True)
    last_touch_at = models.DateTimeField(null=True, blank=True)
    last_engagement_at = models.DateTimeField(null=True, blank=True)
    # Engagement only from contacts with a recorded legal basis (shown in GDPR mode).
    last_engagement_consented_at = models.DateTimeField(null=True, blank=True)
    next_scheduled_at = models.DateTimeField(null=True, blank=True)
    has_decision_maker = models.BooleanField(default=False)
    has_blocker = models.BooleanField(default=False)
    has_any_buying_role = models.BooleanField(default=False)
    calls_count = models.PositiveIntegerField(default=0)
    meetings_count = models.PositiveIntegerField(default=0)
    open_tasks_count = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)
    # Account health (0-100), written only by the analytics health worker
    # (analytics.insights.health); the rollup refresh above never touches these three columns.
    # health_inputs keeps what the score was computed from, each component's points and
    # the previous score with its components, so the page can say which inputs moved it.
    health_score = models.PositiveSmallIntegerField(default=0)
    health_inputs = models.JSONField(default=dict, blank=True)
    health_computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The beat task looks for schedules that went stale, over every account.
            models.Index(fields=["next_scheduled_at", "account"], name="rollup_next_scheduled"),
            *_target_sort_indexes(),
        ]

    def __str__(self) -> str:
        return f"Rollup of account {self.account_id}"


class AccountRollupDirty(models.Model):
    """Accounts whose rollup must be recomputed: the debounce buffer of the workers.

    A burst of changes to one account upserts one row; the refresh task removes a row
    only if it was not marked again while the refresh ran.
    """

    account_id = models.BigIntegerField(primary_key=True)
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["marked_at"], name="rollup_dirty_marked")]


class TargetingRule(models.Model):
    """Marks accounts as targets when all its conditions hold (a safe, structured filter).

    ``conditions`` is a list of ``{"field": ..., "op": ..., "value": ...}`` over a
    whitelist of account properties (accounts.services.rules), combined with AND.
    """

    name = models.CharField(max_length=200)
    conditions = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_run_added = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class RecommendationDismissal(models.Model):
    """A recommended account someone dismissed, with the data it was judged on.

    The recommendation comes back only when that data changes markedly.
    """

    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, related_name="recommendation_dismissal"
    )
    dismissed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismissed_at = models.DateTimeField(default=timezone.now)
    fit_score = models.PositiveSmallIntegerField(default=0)
    engagement_30d = models.PositiveIntegerField(default=0)
    industry = models.CharField(max_length=40, blank=True)

    def __str__(self) -> str:
        return f"Dismissed recommendation of account {self.account_id}"


class TargetOptOut(models.Model):
    """A person took this account off the targets: targeting rules leave it alone."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="target_opt_out")
    removed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_at = models.DateTimeField(default=timezone.now)
