"""What the insights workers keep current: product intent of accounts with a won deal."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Product


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
