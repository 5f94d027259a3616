"""The lead lifecycle: every status change a lead went through, and the reasons a lead
can be disqualified for (a list admins edit).

Written only by ``accounts.lifecycle.services.lead_status_change``.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .records import Lead, Opportunity
from .users import User


class DisqualifyReason(models.Model):
    """Why a lead was disqualified ("No budget", "Competitor chosen" …)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Lower comes first in the list.")
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive reasons stay on old leads only.")
    )

    class Meta:
        ordering = ["position", "name", "id"]
        verbose_name = _("disqualify reason")
        verbose_name_plural = _("disqualify reasons")

    def __str__(self) -> str:
        return self.name


class LeadStatusChange(models.Model):
    """One move of a lead from one status to another: who, when, why and from where.

    A lead's creation is its first row (``from_status`` blank). Leads that existed before
    this table have no rows for their earlier moves (no back-fill).
    """

    class Source(models.TextChoices):
        USER = "user", _("A user on a page")
        API = "api", _("The API")
        SCORING = "scoring", _("Lead scoring")
        FORM = "form", _("A marketing form")
        IMPORT = "import", _("CSV import")
        SYSTEM = "system", _("The system")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Lead.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Lead.Status.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.USER)
    reason = models.TextField(blank=True, max_length=2000)
    disqualify_reason = models.ForeignKey(
        DisqualifyReason, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["lead", "changed_at", "id"], name="leadstatus_lead_time"),
            models.Index(fields=["to_status", "changed_at"], name="leadstatus_to_time"),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.from_status or '—'} → {self.to_status}"
