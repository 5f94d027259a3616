"""Forms of the subscription-list pages, the contact panel and the centre."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from abm.forms import ServiceForm
from accounts.models import ConsentChange, SubscriptionList
from accounts.subscriptions.services import DESCRIPTION_MAX, NAME_MAX

REASON_MAX = ConsentChange._meta.get_field("reason").max_length


class SubscriptionListForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to contacts in the subscription centre for a public list."),
    )
    is_public = forms.BooleanField(
        label=_("Public"),
        required=False,
        help_text=_(
            "Offered in the subscription centre, where contacts join and leave it "
            "themselves. An internal list is managed only by users."
        ),
    )


class MembershipForm(ServiceForm):
    """Add a contact to a list or take them off it, from the contact page."""

    subscription_list = forms.ModelChoiceField(
        queryset=SubscriptionList.objects.order_by("name"), label=_("List")
    )
    subscribed = forms.TypedChoiceField(
        choices=[("1", _("Add")), ("0", _("Remove"))],
        coerce=lambda v: v == "1",
        widget=forms.HiddenInput,
    )
    consent_reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=REASON_MAX,
        help_text=_("Kept in the consent history; needed to re-add a contact who left the list."),
    )


class CentreForm(forms.Form):
    """The centre's choice of public lists and of tracking."""

    lists = forms.TypedMultipleChoiceField(
        choices=(), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    allow_tracking = forms.BooleanField(
        required=False,
        label=_("Let us see when you open our emails and click their links"),
    )

    def __init__(self, *args, lists=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lists"].choices = [(sl.pk, sl.name) for sl in lists]
