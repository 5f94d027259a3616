"""What the insights workers keep current: product intent of accounts with a won deal."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Opportunity, Product


class AccountProductIntent(models.Model):
    """How strongly an account's contacts show interest in a product (the upsell list).

    Computed by ``analytics.insights.upsell.upsell_intent_refresh`` for accounts with a
    won deal, with the buying-group intent signals (buying_groups.selectors.group_intent)
    applied to all the account's contacts; rows below the lowest level are not kept.
    """

    class Level(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    points = models.FloatField(default=0)
    level = models.CharField(max_length=6, choices=Level.choices)
    bought = models.BooleanField(default=False)
    signal_counts = models.JSONField(default=dict, blank=True)
    explanation = models.TextField(blank=True)
    contacts = models.PositiveIntegerField(default=0)
    last_signal_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "product"], name="intent_account_product")
        ]
        indexes = [
            # The upsell list: products not bought, strongest first.
            models.Index(
                fields=["-points", "account"],
                name="intent_open_points",
                condition=models.Q(bought=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} × {self.product_id}: {self.level}"


class OpportunityCredit(models.Model):
    """One deal's attribution shares per campaign, channel or content type (impact's fast path).

    Kept by ``analytics.insights.impact.credits_refresh`` with the default look-back:
    ``kind`` pipeline = the touches before the deal was created, won = until it was won.
    One row per (deal, kind, dimension, value), with the deal's account, amount, currency
    and the moment that puts it in a period (created for pipeline, won for won), so the
    analysis is one range scan and one GROUP BY; each share column adds up to 1 over a
    deal's rows of one kind and dimension. A change to the deal recomputes its rows.
    """

    class Kind(models.TextChoices):
        PIPELINE = "pipeline", _("Pipeline")
        WON = "won", _("Won")

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    dimension = models.CharField(max_length=8)  # campaign (the id as text), channel, content
    value = models.CharField(max_length=200, blank=True)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(help_text="Created (pipeline) or won (won).")
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="USD")
    touches = models.PositiveIntegerField(default=0)
    first_touch = models.FloatField(default=0)
    last_touch = models.FloatField(default=0)
    linear = models.FloatField(default=0)
    w_shaped = models.FloatField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["kind", "dimension", "at"], name="credit_kind_dimension_at"),
            models.Index(fields=["opportunity"], name="credit_opportunity"),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id} {self.kind} {self.dimension}={self.value}"


class StageStay(models.Model):
    """One stay of a deal in a stage: a stage change and the moment the deal left the stage
    (its next change), i.e. the stage history with LEAD() done once.

    Kept by ``analytics.firsts.refresh`` with the lifecycle firsts (the same marks: the
    accounts a commit touched); the pipeline's days in stage read the stays that ended in
    the period by one range scan on ``left_at`` instead of a window over the whole history.
    """

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=20)
    entered_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # the range scan on left_at reads the stage and entry time from the index
            # (key columns, not INCLUDE, so SQLite builds the same index)
            models.Index(
                fields=["left_at", "stage", "entered_at", "account"], name="stage_stay_left_cov"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id} {self.stage} {self.entered_at:%Y-%m-%d}"
