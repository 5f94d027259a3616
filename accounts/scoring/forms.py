"""Forms of the scoring pages: shapes only; the service checks every rule again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from abm.forms import ServiceForm
from accounts.models import Activity, Campaign, Product, ScoringRule

RULE_FIELDS = [
    "kind",
    "points",
    "activity_type",
    "campaign",
    "content_type",
    "subject_contains",
    "url_contains",
    "count_mode",
    "min_count",
    "window_days",
    "max_points",
    "decay",
    "decay_days",
    "field",
    "values",
    "min_value",
    "max_value",
]


class ScoringModelForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=Product.objects.all(),
        required=False,
        empty_label=_("— all leads —"),
        help_text=_("A product's model wins over the all-leads model for that product's leads."),
    )
    threshold = forms.IntegerField(
        label=_("Sales-ready threshold"),
        min_value=1,
        max_value=100000,
        initial=100,
        help_text=_("Reaching it makes a new or nurturing lead marketing-qualified."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class RuleForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Rule on"), choices=ScoringRule.Kind.choices, initial="activity"
    )
    points = forms.IntegerField(label=_("Points"), min_value=-1000, max_value=1000, required=False)
    activity_type = forms.ChoiceField(
        label=_("Interaction"),
        choices=[("", _("Any interaction"))] + list(Activity.Type.choices),
        required=False,
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.all(),
        required=False,
        empty_label=_("Any campaign"),
    )
    content_type = forms.CharField(label=_("Content type"), max_length=60, required=False)
    subject_contains = forms.CharField(label=_("Subject contains"), max_length=200, required=False)
    url_contains = forms.CharField(
        label=_("URL contains"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "/pricing"}),
    )
    count_mode = forms.ChoiceField(
        label=_("Count"),
        choices=[("each", _("Points per match")), ("at_least", _("Once, for ≥ N matches"))],
        initial="each",
    )
    min_count = forms.IntegerField(
        label=_("At least N"), min_value=1, max_value=100000, required=False, initial=1
    )
    window_days = forms.IntegerField(
        label=_("Within last (days)"), min_value=1, max_value=3650, required=False
    )
    max_points = forms.IntegerField(
        label=_("At most (points)"), min_value=1, max_value=100000, required=False
    )
    decay = forms.ChoiceField(
        label=_("Points fade"), choices=ScoringRule.Decay.choices, initial="none"
    )
    decay_days = forms.IntegerField(label=_("N days"), min_value=1, max_value=3650, required=False)
    field = forms.ChoiceField(
        label=_("Field"),
        choices=[
            ("", "—"),
            ("contact_title", _("Title contains any of")),
            ("account_industry", _("Industry is any of")),
            ("account_country", _("Country is any of")),
            ("account_size", _("Employees between")),
        ],
        required=False,
    )
    values = forms.CharField(
        label=_("Values"),
        max_length=2000,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("VP, Chief, Director")}),
    )
    min_value = forms.IntegerField(label=_("Min employees"), min_value=0, required=False)
    max_value = forms.IntegerField(label=_("Max employees"), min_value=0, required=False)

    @staticmethod
    def initial_for(rule: ScoringRule) -> dict:
        data = {name: getattr(rule, name) for name in RULE_FIELDS if name != "campaign"}
        data["campaign"] = rule.campaign_id
        return data

    def payload(self) -> dict | None:
        """The rule for the service, or None for an empty or removed row."""
        data = self.cleaned_data
        if not data or data.get("DELETE") or data.get("points") in (None, ""):
            return None
        out = {name: data.get(name) for name in RULE_FIELDS}
        out["campaign"] = data["campaign"].pk if data.get("campaign") else None
        return out


RuleFormSet = forms.formset_factory(RuleForm, extra=2, can_delete=True, max_num=50)
