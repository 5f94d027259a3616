"""Marketing events (in person or webinars), who registered and who came.

Named ``MarketingEvent``: ``HubEvent`` is the hub's event *stream*, something else.
Registration and check-in each write an activity (``event_registered`` /
``event_attended``), so scores, analytics and the live feed see them like any other
interaction.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .marketing import Campaign
from .records import Contact
from .users import User


class MarketingEvent(models.Model):
    class Type(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        WEBINAR = "webinar", _("Webinar")

    name = models.CharField(_("name"), max_length=200)
    type = models.CharField(_("type"), max_length=12, choices=Type.choices, default=Type.IN_PERSON)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    venue = models.CharField(_("venue"), max_length=255, blank=True)
    webinar_url = models.URLField(_("webinar link"), max_length=500, blank=True)
    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="marketing_events",
        verbose_name=_("campaign"),
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    description = models.TextField(_("description"), blank=True)
    # Questions asked at registration: [{"key": "diet", "label": "Dietary needs"}, …]
    questions = models.JSONField(_("registration questions"), default=list, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["-starts_at", "-id"], name="mevent_start")]

    def __str__(self) -> str:
        return self.name


class EventRegistration(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        WAITLISTED = "waitlisted", _("Waitlisted")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        PAGE = "page", _("Page")
        API = "api", _("API")
        IMPORT = "import", _("Import")
        CHECK_IN = "check_in", _("Walk-in check-in")

    event = models.ForeignKey(
        MarketingEvent, on_delete=models.CASCADE, related_name="registrations"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="event_registrations"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REGISTERED)
    answers = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PAGE)
    registered_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    registered_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-registered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "contact"], name="event_registration_once")
        ]
        indexes = [
            models.Index(fields=["event", "status", "registered_at"], name="eventreg_status"),
            models.Index(fields=["contact", "-registered_at"], name="eventreg_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} @ {self.event_id} ({self.status})"
