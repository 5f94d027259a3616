"""Hosted marketing forms: what a marketer builds, and what visitors submit.

A ``WebForm`` lists its fields (a subset of ``accounts.webforms.catalog.FIELD_CATALOG``,
each mapped to a contact, account or lead field, or to a consent field) in ``fields``;
its public page lives at ``/f/<public_key>/``. Every accepted submission is a
``WebFormSubmission`` naming the contact, lead and ``form_submitted`` activity it wrote;
spam is dropped and only counted on the form.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .activities import Activity
from .marketing import Campaign, Product
from .records import Contact, Lead


def webform_public_key() -> str:
    """The unguessable part of a form's public URL."""
    return secrets.token_urlsafe(12)


class WebForm(models.Model):
    name = models.CharField(_("name"), max_length=200)
    public_key = models.CharField(max_length=32, unique=True, default=webform_public_key)
    # [{"key": "first_name", "label": "", "required": false}, …] in display order.
    fields = models.JSONField(default=list)
    intro = models.TextField(_("introduction"), blank=True)
    submit_label = models.CharField(_("button text"), max_length=60, blank=True)
    thank_you_message = models.TextField(_("thank-you message"))
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="webforms"
    )
    lead_topic = models.CharField(_("lead topic"), max_length=255, blank=True)
    lead_product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="webforms"
    )
    record_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Owner of the contacts, accounts and leads the form creates.",
    )
    is_active = models.BooleanField(_("active"), default=True)
    double_opt_in = models.BooleanField(_("double opt-in for marketing email"), default=False)
    # Sites allowed to show the form in an iframe (one origin a line); blank: any site.
    embed_origins = models.TextField(_("sites allowed to embed"), blank=True)
    spam_honeypot = models.PositiveIntegerField(default=0)
    spam_too_fast = models.PositiveIntegerField(default=0)
    spam_rate_limited = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def spam_count(self) -> int:
        return self.spam_honeypot + self.spam_too_fast + self.spam_rate_limited


class WebFormSubmission(models.Model):
    class OptIn(models.TextChoices):
        NONE = "", _("Not asked")
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")

    form = models.ForeignKey(WebForm, on_delete=models.CASCADE, related_name="submissions")
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The cleaned values the visitor sent, by catalog key (consent boxes as booleans).
    data = models.JSONField(default=dict)
    contact_created = models.BooleanField(default=False)
    prefilled = models.BooleanField(default=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # Double opt-in: the consent fields waiting for the contact's confirmation link.
    opt_in_status = models.CharField(max_length=10, choices=OptIn.choices, blank=True, default="")
    opt_in_fields = models.JSONField(default=list, blank=True)
    opt_in_sent_at = models.DateTimeField(null=True, blank=True)
    opt_in_confirmed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["form", "-submitted_at"], name="webformsub_form_time"),
            # The catch-up finds confirmation emails not sent yet.
            models.Index(
                fields=["opt_in_status", "opt_in_sent_at"], name="webformsub_optin_unsent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.form_id}: {self.data.get('email', '')}"
