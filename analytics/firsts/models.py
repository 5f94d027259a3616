"""What the lifecycle-firsts worker keeps: one row per (account, lifecycle fact)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accounts.models import Account


class LifecycleFirst(models.Model):
    """The first time an account reached a lifecycle fact, and its nearest touches.

    ``fact`` is ``lead:<status>`` (a lead of the account moved to that status),
    ``opportunity_created`` or ``stage:<stage>`` (one of its deals entered the stage).
    ``steps`` holds, per path dimension and side, the account's nearest activities with a
    value in that dimension before (``b:<dimension>``) and after (``a:<dimension>``) that
    moment, nearest first, each ``[epoch seconds, value]``, at most ``STEPS_KEPT`` of them:
    a flow anchored at the fact reads its paths here instead of probing the activity
    stream once per account. Refreshed by ``analytics.firsts.refresh``.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    fact = models.CharField(max_length=40)
    at = models.DateTimeField()
    steps = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "fact"], name="lifecycle_first_unique")
        ]
        indexes = [models.Index(fields=["fact", "at"], name="lifecycle_first_fact_at")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.fact} {self.at:%Y-%m-%d}"


class LifecycleFirstDirty(models.Model):
    """An account whose lifecycle firsts must be recomputed (marked by the listener)."""

    account_id = models.BigIntegerField(primary_key=True)
    marked_at = models.DateTimeField(default=timezone.now)


class LifecycleFirstState(models.Model):
    """One row once a full build ran: until then the analyses compute firsts live."""

    key = models.CharField(max_length=20, primary_key=True)
    built_at = models.DateTimeField(null=True, blank=True)
    accounts = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
