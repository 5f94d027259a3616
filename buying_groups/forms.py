"""Forms of the buying-group pages; rules are checked again by the services."""

from django import forms

from abm.forms import ServiceForm
from accounts.models import Account, Product
from buying_groups.conditions import FIELD_HELP, conditions_format
from buying_groups.models import RoleTemplate, Stage, TemplateRole


class RoleTemplateForm(ServiceForm):
    name = forms.CharField(max_length=200)
    solution_interest = forms.ModelChoiceField(
        queryset=Product.objects.all(), required=False, empty_label="— any —"
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class RoleForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(max_length=100, required=False)
    weight = forms.IntegerField(min_value=1, max_value=1000, initial=1, required=False)
    required = forms.BooleanField(required=False)
    is_decision_maker = forms.BooleanField(required=False, label="Decision maker")
    match = forms.ChoiceField(choices=TemplateRole.Match.choices, initial="all")
    conditions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "title contains VP, Director"}),
        required=False,
        help_text=FIELD_HELP,
    )

    @staticmethod
    def initial_for(role: TemplateRole) -> dict:
        return {
            "id": role.pk,
            "name": role.name,
            "weight": role.weight,
            "required": role.required,
            "is_decision_maker": role.is_decision_maker,
            "match": role.match,
            "conditions": conditions_format(role.conditions),
        }


RoleFormSet = forms.formset_factory(RoleForm, extra=2, can_delete=True, max_num=30)


class BuyingGroupCreateForm(ServiceForm):
    account = forms.ModelChoiceField(queryset=Account.objects.none())
    solution_interest = forms.ModelChoiceField(queryset=Product.objects.all(), label="Product")
    role_template = forms.ModelChoiceField(queryset=RoleTemplate.objects.all())
    stage = forms.ModelChoiceField(queryset=Stage.objects.all(), to_field_name="key")
    name = forms.CharField(max_length=255, required=False, help_text="Default: account — product")

    def __init__(self, *args, accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = (
            accounts if accounts is not None else Account.objects.all()
        )


class BuyingGroupEditForm(ServiceForm):
    name = forms.CharField(max_length=255)
    stage = forms.ModelChoiceField(queryset=Stage.objects.all(), to_field_name="key")


class GenerateForm(ServiceForm):
    SCOPE_CHOICES = [("targets", "All target accounts"), ("filter", "Accounts matching a filter")]
    role_template = forms.ModelChoiceField(queryset=RoleTemplate.objects.all())
    solution_interest = forms.ModelChoiceField(
        queryset=Product.objects.all(), label="Solution interest"
    )
    scope = forms.ChoiceField(choices=SCOPE_CHOICES, widget=forms.RadioSelect, initial="targets")
    industry = forms.MultipleChoiceField(
        choices=Account._meta.get_field("industry").choices, required=False
    )
    country = forms.CharField(required=False)
    fit_score_min = forms.IntegerField(required=False, min_value=0, max_value=100)
    is_target = forms.NullBooleanField(required=False, label="Target accounts only")

    def account_filter(self) -> dict:
        data = self.cleaned_data
        out = {}
        if data.get("industry"):
            out["industry"] = list(data["industry"])
        if data.get("country"):
            out["country"] = data["country"]
        if data.get("fit_score_min") is not None:
            out["fit_score_min"] = str(data["fit_score_min"])
        if data.get("is_target") is not None:
            out["is_target"] = "true" if data["is_target"] else "false"
        return out
