"""The stored best-bets ranking: one row per person worth contacting, refreshed by workers."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accounts.models import Account, Contact, User


class BestBet(models.Model):
    """A person's place in the best-bets ranking and the inputs that put them there.

    Written only by ``sales_actions.bestbets.services`` (the debounced refresh of dirty
    contacts and the full rebuild); people with no points have no row.
    """

    contact = models.OneToOneField(
        Contact, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Whose best bet it is: the contact's owner, else the primary account's owner.
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The ranking key: the final points x 100, rounded (an integer sorts and pages exactly).
    rank = models.IntegerField(default=0)
    score = models.PositiveSmallIntegerField(default=0)  # 0-100, shown on the page
    engagement = models.FloatField(default=0)
    moment = models.FloatField(default=0)
    role = models.FloatField(default=0)
    intent = models.FloatField(default=0)
    acted_factor = models.FloatField(default=1)
    moment_key = models.CharField(max_length=40, blank=True)
    moment_at = models.DateTimeField(null=True, blank=True)
    last_engaged_at = models.DateTimeField(null=True, blank=True)
    acted_at = models.DateTimeField(null=True, blank=True)
    inputs = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["-rank", "-contact"], name="bestbet_rank"),
            models.Index(fields=["owner", "-rank", "-contact"], name="bestbet_owner_rank"),
        ]

    def __str__(self) -> str:
        return f"best bet {self.contact_id}: {self.score}"


class BestBetDirty(models.Model):
    """A contact whose best-bet row must be recomputed (marked after commit by the changes
    listener, drained by the debounced task and by beat's catch-up)."""

    contact_id = models.BigIntegerField(primary_key=True)
    marked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"dirty best bet {self.contact_id}"
