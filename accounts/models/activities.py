"""The one activity stream everything else reads."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from .marketing import Campaign
from .records import Account, Contact
from .users import User


class Activity(models.Model):
    """One interaction with a contact: the event stream every score and column reads."""

    class Type(models.TextChoices):
        EMAIL_SENT = "email_sent", "Email sent"
        EMAIL_OPENED = "email_opened", "Email opened"
        EMAIL_CLICKED = "email_clicked", "Email clicked"
        EMAIL_REPLIED = "email_replied", "Email replied"
        WEB_VISIT = "web_visit", "Web visit"
        FORM_SUBMITTED = "form_submitted", "Form submitted"
        DOCUMENT_VIEWED = "document_viewed", "Document viewed"
        MEETING = "meeting", "Meeting"
        CALL = "call", "Call"
        NOTE = "note", "Note"
        TASK = "task", "Task"
        EVENT_REGISTERED = "event_registered", "Event registered"
        EVENT_ATTENDED = "event_attended", "Event attended"
        CAMPAIGN_ADDED = "campaign_added", "Added to campaign"
        CAMPAIGN_REMOVED = "campaign_removed", "Removed from campaign"
        LEAD_STATUS_CHANGED = "lead_status_changed", "Lead status changed"
        OPPORTUNITY_CREATED = "opportunity_created", "Opportunity created"
        OPPORTUNITY_WON = "opportunity_won", "Opportunity won"

    class InitiatedBy(models.TextChoices):
        USER = "user", "Our user (touch)"
        CONTACT = "contact", "The contact (engagement)"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        WEB = "web", "Web"
        PHONE = "phone", "Phone"
        MEETING = "meeting", "Meeting"
        EVENT = "event", "Event"
        SOCIAL = "social", "Social"
        CRM = "crm", "CRM"
        OTHER = "other", "Other"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="activities")
    # Derived from the contact's primary account when recorded, and stored so that
    # per-account scans never join through contacts.
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    type = models.CharField(max_length=24, choices=Type.choices)
    occurred_at = models.DateTimeField(default=timezone.now)
    initiated_by = models.CharField(max_length=8, choices=InitiatedBy.choices)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    content_type = models.CharField(max_length=60, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    is_bot = models.BooleanField(
        default=False, help_text="Machine event (scanner, privacy proxy): kept, not scored."
    )
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(
                fields=["account", "type", "-occurred_at"], name="activity_account_type_time"
            ),
            models.Index(fields=["contact", "-occurred_at"], name="activity_contact_time"),
            models.Index(fields=["occurred_at"], name="activity_time"),
            models.Index(fields=["account", "-occurred_at"], name="activity_account_time"),
            # "Who did <type> in the last N days" (the people filters for sales events): the
            # window's rows of one type, not every type's.
            models.Index(
                fields=["type", "occurred_at", "contact"], name="activity_type_time_contact"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} — {self.contact_id} @ {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def is_touch(self) -> bool:
        return self.initiated_by == self.InitiatedBy.USER

    @property
    def display_subject(self) -> str:
        """The subject for people: a lead status change names the statuses by their labels
        (its stored subject, ``Lead status: mql → sales_accepted``, has the codes)."""
        from .records import Lead

        meta = self.metadata or {}
        if self.type == self.Type.LEAD_STATUS_CHANGED and "from" in meta and "to" in meta:
            labels = dict(Lead.Status.choices)
            old, new = meta["from"], meta["to"]
            return f"{labels.get(old, old)} → {labels.get(new, new)}"
        return self.subject
