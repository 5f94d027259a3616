"""Forms of the tasks page: filters, a new task for any record, snooze and reassign."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from abm.forms import ServiceForm
from accounts.forms import AccountPickField, ContactPickField, TaskForm, _picker_attrs
from accounts.models import Task, User
from accounts.selectors.records import owner_choices


class TaskFilterForm(forms.Form):
    """The filters above the list; each bad value is an error naming its field (400)."""

    type = forms.ChoiceField(
        choices=[("", _("Any type"))] + list(Task.Type.choices), required=False, label=_("Type")
    )
    due = forms.DateField(
        required=False, label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    account = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    cadence = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class TaskNewForm(TaskForm):
    """The tasks page's "New task": the record is picked here, not given by the page."""

    contact = ContactPickField(label=_("Contact"))
    account = AccountPickField(label=_("Account"))

    def __init__(self, *args, user: User, contact_lookup_url: str, account_lookup_url: str, **kw):
        super().__init__(*args, user=user, **kw)
        self.fields["contact"].widget.attrs.update(
            _picker_attrs("task-contact-options", contact_lookup_url)
        )
        self.fields["account"].widget.attrs.update(
            _picker_attrs("task-account-options", account_lookup_url)
        )

    def clean(self):
        data = super().clean()
        if not data.get("contact") and not data.get("account") and not self.errors:
            self.add_error("contact", _("Pick a contact or an account."))
        return data


SNOOZE_CHOICES = [
    ("1d", _("1 day")),
    ("3d", _("3 days")),
    ("next_week", _("Next week")),
    ("date", _("Pick a date")),
]


class TaskSnoozeForm(ServiceForm):
    snooze = forms.ChoiceField(choices=SNOOZE_CHOICES, label=_("Snooze"))
    until = forms.DateField(
        required=False, label=_("Until"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("snooze") == "date" and not data.get("until"):
            self.add_error("until", _("Pick the date to snooze until."))
        return data

    def until_value(self):
        data = self.cleaned_data
        return data["until"] if data["snooze"] == "date" else data["snooze"]


class TaskReassignForm(ServiceForm):
    owner = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Owner"))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_choices(user=user)
        self.fields["owner"].label_from_instance = lambda u: u.display_name
