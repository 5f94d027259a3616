"""Forms of the lead lifecycle dialogs and the disqualify reasons page."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from abm.forms import ServiceForm
from accounts.lifecycle.services import REASON_MAX, ConversionInput
from accounts.models import BuyingRole, Contact, DisqualifyReason, Lead

_REASON_WIDGET = forms.Textarea(attrs={"rows": 3})


class LeadAcceptForm(ServiceForm):
    reason = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=REASON_MAX,
        widget=_REASON_WIDGET,
        help_text=_("Optional; kept in the lead's history."),
    )


class LeadReturnForm(ServiceForm):
    reason = forms.CharField(
        label=_("Why does it go back to marketing?"),
        max_length=REASON_MAX,
        widget=_REASON_WIDGET,
        help_text=_("Kept in the lead's history; marketing reads it."),
    )


class LeadDisqualifyForm(ServiceForm):
    disqualify_reason = forms.ModelChoiceField(
        label=_("Reason"),
        queryset=DisqualifyReason.objects.filter(is_active=True),
        empty_label=_("Choose a reason"),
    )
    reason = forms.CharField(
        label=_("Note"), required=False, max_length=REASON_MAX, widget=_REASON_WIDGET
    )


class LeadConvertForm(ServiceForm):
    name = forms.CharField(
        label=_("Opportunity name"),
        max_length=255,
        required=False,
        help_text=_("Left empty: the lead's topic or product."),
    )
    contact = forms.ModelChoiceField(
        label=_("Contact in a role"),
        queryset=Contact.objects.none(),
        required=False,
        empty_label=_("The lead's contact, else the account's primary contact"),
    )
    role = forms.ChoiceField(
        label=_("Their role"), choices=[("", "—"), *BuyingRole.choices], required=False
    )
    amount = forms.DecimalField(
        label=_("Amount"), min_value=0, max_digits=14, decimal_places=2, required=False
    )
    currency = forms.RegexField(
        label=_("Currency"),
        regex=r"^[A-Z]{3}$",
        max_length=3,
        required=False,
        initial=lambda: settings.BASE_CURRENCY,
        help_text=_("Three capital letters, e.g. USD."),
        error_messages={"invalid": _("Use a three-letter currency code such as USD.")},
    )
    close_date = forms.DateField(
        label=_("Expected close date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reason = forms.CharField(
        label=_("Note"), required=False, max_length=REASON_MAX, widget=_REASON_WIDGET
    )

    def __init__(self, *args, lead: Lead, **kwargs):
        super().__init__(*args, **kwargs)
        account_id = lead.account_id or (lead.contact.account_id if lead.contact_id else None)
        self.fields["contact"].queryset = (
            Contact.objects.filter(account_links__account_id=account_id).order_by(
                "last_name", "first_name", "id"
            )
            if account_id
            else Contact.objects.none()
        )

    def conversion(self) -> ConversionInput:
        data = self.cleaned_data
        contact = data.get("contact")
        return ConversionInput(
            name=data.get("name") or "",
            amount=data.get("amount"),
            currency=data.get("currency") or "",
            close_date=data.get("close_date"),
            contact_id=contact.pk if contact else None,
            role=data.get("role") or "",
            note=data.get("reason") or "",
        )


class DisqualifyReasonForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    position = forms.IntegerField(
        label=_("Position"), min_value=0, max_value=32767, initial=0, required=False
    )
    is_active = forms.BooleanField(label=_("Offered"), required=False, initial=True)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["position"] = data.get("position") or 0
        return data
