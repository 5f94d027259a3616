"""Exchange rates an admin keeps: what open deal value is converted with.

Deals carry their own currency (Opportunity.currency). The hub adds amounts of different
currencies only after converting each to ``settings.BASE_CURRENCY`` with these rates; a
currency without a rate is never guessed, its deals are counted apart instead
(accounts.services.rollups). The base currency needs no row: its rate is 1.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .users import User

CURRENCY_CODE = RegexValidator(
    r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 code in capitals, such as EUR.")
)


class CurrencyRate(models.Model):
    """One unit of ``currency`` is worth ``rate_to_base`` units of the base currency."""

    currency = models.CharField(
        _("currency"), max_length=3, unique=True, validators=[CURRENCY_CODE]
    )
    rate_to_base = models.DecimalField(
        _("rate to the base currency"),
        max_digits=20,
        decimal_places=10,
        help_text=_("What one unit of this currency is worth in the base currency."),
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["currency"]
        verbose_name = _("currency rate")
        verbose_name_plural = _("currency rates")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate_to_base__gt=0), name="currency_rate_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.currency} = {self.rate_to_base.normalize():f}"
