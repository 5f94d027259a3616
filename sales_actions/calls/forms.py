"""Forms of the call pages: the call-log dialog, a call's notes and outcome, the outcome list."""

from __future__ import annotations

import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abm.forms import ServiceForm
from abm.permissions import may_record_activity_as_others
from accounts.models import User
from accounts.selectors.records import owner_choices
from sales_actions.calls.models import Call, CallOutcome
from sales_actions.calls.selectors import call_outcomes_offered

_DURATION = re.compile(r"^\s*(?:(\d+):)?(\d+)(?::(\d{1,2}))?\s*$")


class DurationField(forms.CharField):
    """``4:05`` (minutes:seconds), ``1:02:03`` or a number of seconds -> seconds."""

    default_error_messages = {
        "invalid": _("Write the duration as minutes:seconds (4:05) or seconds (245).")
    }

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        match = _DURATION.match(text)
        if not match:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        first, second, third = match.groups()
        if third is not None:  # h:m:s
            hours, minutes, seconds = int(first or 0), int(second), int(third)
        elif first is not None:  # m:s
            hours, minutes, seconds = 0, int(first), int(second)
        else:
            return int(second)
        if seconds > 59 or (third is not None and minutes > 59):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return hours * 3600 + minutes * 60 + seconds


def _outcome_field(*, required: bool = False) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=CallOutcome.objects.none(),
        required=required,
        label=_("Outcome"),
        empty_label=_("No outcome"),
    )


class CallLogForm(ServiceForm):
    """The call-log dialog: how the call went, for the contact the page named."""

    number = forms.CharField(max_length=50, label=_("Number dialled"))
    direction = forms.ChoiceField(
        choices=Call.Direction.choices, initial=Call.Direction.OUTBOUND, label=_("Direction")
    )
    status = forms.ChoiceField(
        choices=[(s.value, s.label) for s in Call.LOGGED_STATUSES],
        label=_("Status"),
        widget=forms.RadioSelect,
    )
    outcome = _outcome_field()
    notes = forms.CharField(
        required=False, label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3})
    )
    started_at = forms.DateTimeField(
        label=_("Call time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    duration = DurationField(
        required=False,
        label=_("Duration"),
        help_text=_("minutes:seconds"),
        widget=forms.TextInput(
            attrs={"placeholder": "4:05", "inputmode": "numeric", "maxlength": 12}
        ),
    )
    recording_url = forms.URLField(
        required=False, max_length=1000, assume_scheme="https", label=_("Recording link")
    )
    caller = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label=_("Caller"))

    def __init__(self, *args, user: User, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault(
            "started_at", timezone.localtime().replace(second=0, microsecond=0)
        )
        super().__init__(*args, **kwargs)
        self.fields["outcome"].queryset = call_outcomes_offered()
        if may_record_activity_as_others(user):
            caller = self.fields["caller"]
            caller.queryset = owner_choices(user=user)
            caller.label_from_instance = lambda u: u.display_name
            caller.empty_label = _("Me")
        else:
            del self.fields["caller"]


class CallEditForm(ServiceForm):
    """A call's notes and outcome, changed from its card."""

    outcome = _outcome_field()
    notes = forms.CharField(
        required=False, label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        # Offered outcomes, plus the call's own even when it has been retired since.
        offered = CallOutcome.objects.filter(is_active=True)
        if call.outcome_id:
            offered = CallOutcome.objects.filter(pk=call.outcome_id) | offered
        self.fields["outcome"].queryset = offered.order_by("position", "name")


class CallOutcomeForm(ServiceForm):
    name = forms.CharField(max_length=80, label=_("Name"))
    description = forms.CharField(max_length=255, required=False, label=_("Description"))
    position = forms.IntegerField(
        min_value=0, max_value=32767, required=False, initial=0, label=_("Position")
    )
    is_active = forms.BooleanField(required=False, initial=True, label=_("Offered"))
