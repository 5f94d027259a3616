"""Consent history: every change to a contact's ``allow_*`` fields, list memberships, legal
basis and consent level, with who, when, why.

Consent is a property of the contact, so its history lives in the base app. It moved
here from ``sales_actions`` (migrations sales_actions 0005 and accounts 0009 keep the
existing rows); the sales email a change came from is kept as a plain id, because a
model in the base app cannot point up at ``sales_actions``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .records import Contact


class ConsentChange(models.Model):
    """One change of one consent field of a contact."""

    class Source(models.TextChoices):
        ONE_CLICK = "one_click", _("One-click unsubscribe (List-Unsubscribe-Post)")
        UNSUBSCRIBE_PAGE = "unsubscribe_page", _("Unsubscribe page")
        MAILTO = "mailto", _("Unsubscribe email")
        USER = "user", _("Changed by a user")
        FORM = "form", _("Contact form")
        API = "api", _("API")
        IMPORT = "import", _("CSV import")
        SUBSCRIPTION_CENTRE = "subscription_centre", _("Subscription centre")
        ERASURE = "erasure", _("GDPR erasure")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consent_changes")
    field = models.CharField(max_length=30)
    # A yes/no field (``allow_*``, a list membership) keeps its values here; a field with
    # choices (legal basis, consent level) keeps them in ``old_text`` / ``new_text``.
    old_value = models.BooleanField(null=True, blank=True)
    new_value = models.BooleanField(null=True, blank=True)
    old_text = models.CharField(max_length=30, blank=True)
    new_text = models.CharField(max_length=30, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices)
    reason = models.CharField(max_length=500, blank=True)
    sales_email_id = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        db_index=True,
        help_text="The sales email whose unsubscribe link or address the contact used.",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # For field "subscription": the list joined or left (its name kept if it is deleted).
    subscription_list = models.ForeignKey(
        "accounts.SubscriptionList",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consent_changes",
    )
    list_name = models.CharField(max_length=120, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # The last change of a field, asked before an opt-out may be reversed.
            models.Index(
                fields=["contact", "field", "-occurred_at"], name="consentchange_contact_field"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.old_display} -> {self.new_display} ({self.source})"

    def _value_display(self, value: bool | None, text: str) -> str:
        if self.field in CHOICE_FIELDS:
            return str(CHOICE_FIELDS[self.field].get(text, text or "—"))
        return str(_("yes") if value else _("no"))

    @property
    def old_display(self) -> str:
        """The value before, as the contact page names it ("yes", "Legitimate interest")."""
        return self._value_display(self.old_value, self.old_text)

    @property
    def new_display(self) -> str:
        return self._value_display(self.new_value, self.new_text)

    @property
    def field_label(self) -> str:
        if self.field == SUBSCRIPTION_FIELD:
            return str(_("List “%(name)s”") % {"name": self.list_name or "?"})
        return str(FIELD_LABELS.get(self.field, self.field))

    @property
    def by_contact(self) -> bool:
        """The contact made this change themselves (an unsubscribe link, page or email)."""
        return self.source in CONTACT_SOURCES


# Sources where the contact acted themselves: reversing such an opt-out needs a reason.
CONTACT_SOURCES = frozenset(
    {
        ConsentChange.Source.ONE_CLICK,
        ConsentChange.Source.UNSUBSCRIBE_PAGE,
        ConsentChange.Source.MAILTO,
        ConsentChange.Source.SUBSCRIPTION_CENTRE,
    }
)
# The ConsentChange.field of a subscription-list join or leave.
SUBSCRIPTION_FIELD = "subscription"
# The consent fields as the contact page names them.
FIELD_LABELS = {
    "allow_email": _("Email"),
    "allow_bulk_email": _("Bulk (marketing) email"),
    "allow_prefill": _("Form prefill"),
    # Dynamics' "Follow email" has no effect on tracking; in this hub it is the contact's
    # consent to open and click tracking, and named so.
    "follow_email": _("Open and click tracking"),
    "guardian_consent": _("Guardian consent (minor)"),
    "legal_basis": _("Legal basis"),
    "consent_level": _("Consent level"),
}
# Consent fields with choices rather than yes/no: {field: {value: label}}.
CHOICE_FIELDS = {
    "legal_basis": dict(Contact.LegalBasis.choices),
    "consent_level": dict(Contact.ConsentLevel.choices),
}
