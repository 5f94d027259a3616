"""Forms of the cadence pages: they check the input's shape; the services check the rules."""

from __future__ import annotations

from datetime import time

from django import forms
from django.utils.translation import gettext_lazy as _

from abm.forms import ServiceForm
from sales_actions.cadences.models import Cadence, CadenceStep
from sales_actions.models import EmailTemplate


class CadenceForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    visibility = forms.ChoiceField(
        label=_("Shared with"), choices=Cadence.Visibility.choices, initial="team"
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=Cadence.Status.choices, initial="active", required=False
    )
    skip_weekends = forms.BooleanField(label=_("Skip weekends"), required=False, initial=True)
    end_on_reply = forms.BooleanField(
        label=_("End for a person who replies (out-of-office replies do not count)"),
        required=False,
        initial=True,
    )
    business_hours_start = forms.TimeField(
        label=_("Business hours from"),
        initial=time(9, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    business_hours_end = forms.TimeField(
        label=_("Business hours to"),
        initial=time(17, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("In the owner's time zone."),
    )


class StepForm(ServiceForm):
    kind = forms.ChoiceField(label=_("Step"), choices=CadenceStep.Kind.choices)
    day_offset = forms.IntegerField(
        label=_("Days after the previous step"), min_value=0, max_value=365, initial=1
    )
    send_time = forms.TimeField(
        label=_("At"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Empty: the time the previous step ran."),
    )
    template = forms.ModelChoiceField(
        label=_("Approved email"),
        required=False,
        queryset=EmailTemplate.objects.none(),
        help_text=_("For an automatic email."),
    )
    title = forms.CharField(
        label=_("Task title"), required=False, max_length=255, help_text=_("For a task step.")
    )

    def __init__(self, *args, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if templates is not None:
            self.fields["template"].queryset = templates


class EnrolForm(ServiceForm):
    cadence = forms.ModelChoiceField(label=_("Cadence"), queryset=Cadence.objects.none())

    def __init__(self, *args, cadences=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cadences is not None:
            self.fields["cadence"].queryset = cadences
