"""Event pages' forms: they check shape; the services in accounts.events.services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from abm.forms import ServiceForm
from accounts.models import Campaign, EventRegistration, MarketingEvent

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class EventForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    type = forms.ChoiceField(label=_("Type"), choices=MarketingEvent.Type.choices)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DATETIME_INPUT)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DATETIME_INPUT)
    venue = forms.CharField(label=_("Venue"), max_length=255, required=False)
    webinar_url = forms.URLField(
        label=_("Webinar link"), max_length=500, required=False, assume_scheme="https"
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.order_by("name"), required=False
    )
    capacity = forms.IntegerField(
        label=_("Capacity"), min_value=1, max_value=1_000_000, required=False,
        help_text=_("Empty: no limit. When full, new registrations join the waitlist."),
    )  # fmt: skip
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    questions = forms.CharField(
        label=_("Registration questions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One question per line; each answer is kept on the registration."),
    )

    @staticmethod
    def initial_of(event: MarketingEvent) -> dict:
        return {
            "name": event.name,
            "type": event.type,
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "venue": event.venue,
            "webinar_url": event.webinar_url,
            "campaign": event.campaign,
            "capacity": event.capacity,
            "description": event.description,
            "questions": "\n".join(q["label"] for q in event.questions),
        }

    def service_data(self, event: MarketingEvent | None = None) -> dict:
        data = dict(self.cleaned_data)
        # Keep the keys of questions whose label did not change (their answers stay linked).
        if event is not None:
            keys = {q["label"]: q["key"] for q in event.questions}
            data["questions"] = [
                {"label": label, **({"key": keys[label]} if label in keys else {})}
                for label in (line.strip() for line in data["questions"].splitlines())
                if label
            ]
        return data


class RegisterForm(ServiceForm):
    email = forms.EmailField(
        label=_("Person's email"), help_text=_("A contact already in the hub.")
    )

    def __init__(self, *args, event: MarketingEvent, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        for question in event.questions:
            self.fields[f"q_{question['key']}"] = forms.CharField(
                label=question["label"], required=False, max_length=1000
            )

    def answers(self) -> dict:
        return {q["key"]: self.cleaned_data.get(f"q_{q['key']}", "") for q in self.event.questions}


class ImportForm(ServiceForm):
    file = forms.FileField(label=_("CSV file"))


class RegistrationFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            ("", _("Any status")),
            *EventRegistration.Status.choices,
            ("attended", _("Attended")),
        ],
        required=False,
    )
