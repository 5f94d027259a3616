"""The subscription form (create and edit)."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from abm.forms import ServiceForm
from abm.permissions import ADMIN
from accounts.models import WEBHOOK_EVENT_TYPES, User


class WebhookSubscriptionForm(ServiceForm):
    url = forms.URLField(
        max_length=500,
        label=_("Endpoint URL"),
        assume_scheme="https",
        help_text=_("Where the hub POSTs each event (https:// recommended)."),
    )
    description = forms.CharField(max_length=200, required=False, label=_("Description"))
    event_types = forms.MultipleChoiceField(
        choices=[(str(kind), kind.label) for kind in WEBHOOK_EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        label=_("Events to send"),
    )
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label=_("Owner"),
        help_text=_("Gets the notice when the subscription is disabled."),
    )
    is_active = forms.BooleanField(required=False, initial=True, label=_("Active"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The owner gets the disable notice and must be able to act on it: an admin.
        self.fields["owner"].queryset = (
            User.objects.filter(is_active=True)
            .filter(Q(role=ADMIN) | Q(is_superuser=True))
            .order_by("first_name", "last_name", "username")
        )
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username
