"""The hub event stream: what happened, written in the transaction that made it happen.

A transactional outbox. Every write that others may want to hear about (an activity, a
lead status change, a target marked, a buying-group member added, a sales email opened,
a call logged, a cadence enrolment) adds a ``HubEvent`` row in its own transaction, so
the event exists exactly when the write does. Consumers (the live feed, webhooks) are
handed each event once by ``accounts.services.hub_events.hub_events_dispatch``; pages and
filters may read the table directly.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .records import Account, Contact
from .users import User


class HubEvent(models.Model):
    class Kind(models.TextChoices):
        ACTIVITY_RECORDED = "activity.recorded", _("Activity recorded")
        SALES_EMAIL_SENT = "sales_email.sent", _("Sales email sent")
        SALES_EMAIL_OPENED = "sales_email.opened", _("Sales email opened")
        SALES_EMAIL_CLICKED = "sales_email.clicked", _("Sales email clicked")
        SALES_EMAIL_REPLIED = "sales_email.replied", _("Sales email replied")
        SALES_CALL_LOGGED = "sales_call.logged", _("Sales call logged")
        CADENCE_ADDED = "cadence.added", _("Added to a cadence")
        CADENCE_REMOVED = "cadence.removed", _("Removed from a cadence")
        CADENCE_STEP_DONE = "cadence.step_done", _("Cadence step done")
        CADENCE_STEP_DUE = "cadence.step_due", _("Cadence step due")
        FORM_SUBMITTED = "form.submitted", _("Form submitted")
        TARGET_ADDED = "target.added", _("Target account added")
        TARGET_REMOVED = "target.removed", _("Target account removed")
        BUYING_GROUP_MEMBER_ADDED = "buying_group.member_added", _("Buying-group member added")
        BUYING_GROUP_MEMBER_REMOVED = (
            "buying_group.member_removed",
            _("Buying-group member removed"),
        )
        BUYING_GROUP_ENGAGEMENT_JUMPED = (
            "buying_group.engagement_jumped",
            _("Buying-group engagement jumped"),
        )
        LEAD_STATUS_CHANGED = "lead.status_changed", _("Lead status changed")

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    occurred_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    # What the event is about: ("contact", 12), ("lead", 7), ("buying_group", 3) …
    subject_type = models.CharField(max_length=20)
    subject_id = models.BigIntegerField()
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who should hear about it (the contact's owner, else the account's) and who did it
    # (null: the contact or the system).
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_bot = models.BooleanField(default=False)
    payload = models.JSONField(default=dict, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["owner", "-id"], name="hubevent_owner_id"),
            models.Index(
                fields=["contact", "kind", "-occurred_at"], name="hubevent_contact_kind_time"
            ),
            models.Index(fields=["account", "-id"], name="hubevent_account_id"),
            models.Index(fields=["created_at"], name="hubevent_created"),
            models.Index(
                fields=["id"],
                name="hubevent_undispatched",
                condition=Q(dispatched_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_type}:{self.subject_id} #{self.pk}"
