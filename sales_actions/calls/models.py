"""The call log: who called whom, on which number, how it went, and the outcome list.

Imported by ``sales_actions.models`` so Django registers them in the ``sales_actions`` app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CallOutcome(models.Model):
    """One entry of the outcome list an admin keeps (Meeting booked, Not interested …)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # A retired outcome stays on the calls that used it but is offered no more.
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("call outcome")
        verbose_name_plural = _("call outcomes")

    def __str__(self) -> str:
        return self.name


class Call(models.Model):
    """One phone call with a contact, logged by the rep or reported by the dialer."""

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("Outbound")
        INBOUND = "inbound", _("Inbound")

    class Status(models.TextChoices):
        CONNECTED = "connected", _("Connected")
        NO_ANSWER = "no_answer", _("No answer")
        BUSY = "busy", _("Busy")
        VOICEMAIL = "voicemail", _("Voicemail")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        # Only a dialer backend's calls pass through these two.
        DIALLING = "dialling", _("Dialling")
        FAILED = "failed", _("Failed")

    # Statuses a person chooses when logging a call by hand.
    LOGGED_STATUSES = (
        Status.CONNECTED,
        Status.NO_ANSWER,
        Status.BUSY,
        Status.VOICEMAIL,
        Status.WRONG_NUMBER,
    )

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("caller"),
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        on_delete=models.CASCADE,
        related_name="calls",
        verbose_name=_("contact"),
    )
    # The contact's primary account when the call was made (the account panel reads it).
    account = models.ForeignKey(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("account"),
    )
    opportunity = models.ForeignKey(
        "accounts.Opportunity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("opportunity"),
    )
    task = models.ForeignKey(
        "accounts.Task",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("task"),
    )
    number = models.CharField(_("number dialled"), max_length=50)
    caller_number = models.CharField(_("caller number"), max_length=50, blank=True)
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, default=Direction.OUTBOUND
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    outcome = models.ForeignKey(
        CallOutcome,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calls",
        verbose_name=_("outcome"),
    )
    notes = models.TextField(_("notes"), blank=True)
    started_at = models.DateTimeField(_("call time"), default=timezone.now)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    recording_url = models.URLField(_("recording"), max_length=1000, blank=True)
    # "manual" for calls made on the rep's own phone; else the dialer backend's name.
    provider = models.CharField(_("provider"), max_length=20, default="manual")
    provider_call_id = models.CharField(_("provider call id"), max_length=64, blank=True)
    voicemail_dropped_at = models.DateTimeField(null=True, blank=True)
    # The ``call`` activity written for this call (once: see services.call_activity_ensure).
    activity_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_call_id"],
                condition=~Q(provider_call_id=""),
                name="call_provider_id_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["-started_at", "-id"], name="call_time"),
            models.Index(fields=["contact", "-started_at"], name="call_contact_time"),
            models.Index(fields=["account", "-started_at"], name="call_account_time"),
            models.Index(fields=["user", "-started_at"], name="call_user_time"),
            models.Index(fields=["opportunity", "-started_at"], name="call_opportunity_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} call {self.number} ({self.get_status_display()})"

    @property
    def is_final(self) -> bool:
        return self.status != self.Status.DIALLING

    @property
    def duration_display(self) -> str:
        """``4:05`` (or ``1:02:03``); empty when unknown."""
        if self.duration_seconds is None:
            return ""
        minutes, seconds = divmod(self.duration_seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
