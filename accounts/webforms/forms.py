"""The builder's form (one row per catalog field) and the public form a visitor fills."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from abm.forms import ServiceForm
from accounts.models import Campaign, Product, User, WebForm
from accounts.webforms.catalog import DEFAULT_FIELDS, FIELD_CATALOG, field_label

HONEYPOT = "website"  # a field people never see; bots fill it
STAMP = "stamp"
PREFILL = "c"


class WebFormBuilderForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    intro = forms.CharField(
        label=_("Introduction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown above the fields."),
    )
    submit_label = forms.CharField(
        label=_("Button text"), max_length=60, required=False, help_text=_("Default: Send")
    )
    thank_you_message = forms.CharField(
        label=_("Thank-you message"),
        widget=forms.Textarea(attrs={"rows": 3}),
        initial=_("Thank you! We will be in touch soon."),
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.order_by("name"), required=False
    )
    lead_topic = forms.CharField(
        label=_("Lead topic"),
        max_length=255,
        required=False,
        help_text=_("When the form does not ask; default: the form's name."),
    )
    lead_product = forms.ModelChoiceField(
        label=_("Lead product"),
        queryset=Product.objects.order_by("name"),
        required=False,
        help_text=_("When the form does not ask."),
    )
    record_owner = forms.ModelChoiceField(
        label=_("Owner of new records"),
        queryset=User.objects.filter(is_active=True).order_by("first_name", "last_name", "pk"),
        required=False,
        help_text=_("New contacts, accounts and leads are theirs."),
    )
    is_active = forms.BooleanField(label=_("Active (takes submissions)"), required=False)
    double_opt_in = forms.BooleanField(
        label=_("Double opt-in for marketing email"),
        required=False,
        help_text=_("Marketing consent is granted only when the contact clicks the emailed link."),
    )
    embed_origins = forms.CharField(
        label=_("Sites allowed to embed the form"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "https://www.example.com"}),
        help_text=_("One address a line; blank: any site."),
    )

    def __init__(self, *args, webform: WebForm | None = None, **kwargs):
        if webform is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": webform.name,
                "intro": webform.intro,
                "submit_label": webform.submit_label,
                "thank_you_message": webform.thank_you_message,
                "campaign": webform.campaign_id,
                "lead_topic": webform.lead_topic,
                "lead_product": webform.lead_product_id,
                "record_owner": webform.record_owner_id,
                "is_active": webform.is_active,
                "double_opt_in": webform.double_opt_in,
                "embed_origins": webform.embed_origins,
            }
        super().__init__(*args, **kwargs)
        self.fields["record_owner"].label_from_instance = lambda u: u.display_name
        specs = webform.fields if webform else []
        current = {spec["key"]: (i, spec) for i, spec in enumerate(specs)}
        if webform is None and not self.is_bound:
            current = {spec["key"]: (i, spec) for i, spec in enumerate(DEFAULT_FIELDS)}
            self.initial.setdefault("is_active", True)
        self.rows = []
        for index, (key, entry) in enumerate(FIELD_CATALOG.items()):
            position, spec = current.get(key, (len(FIELD_CATALOG) + index, None))
            if webform is None:
                position = index  # a new form lists the fields in the catalog's order
            self.fields[f"use_{key}"] = forms.BooleanField(
                required=False, initial=spec is not None or key == "email"
            )
            self.fields[f"required_{key}"] = forms.BooleanField(
                required=False, initial=bool(spec and spec.get("required")) or key == "email"
            )
            self.fields[f"label_{key}"] = forms.CharField(
                required=False,
                max_length=200,
                initial=(spec or {}).get("label", ""),
                widget=forms.TextInput(attrs={"placeholder": entry.label}),
            )
            self.fields[f"order_{key}"] = forms.IntegerField(
                required=False, min_value=0, max_value=999, initial=position + 1
            )
            self.rows.append(
                {
                    "key": key,
                    "entry": entry,
                    "use": self[f"use_{key}"],
                    "required": self[f"required_{key}"],
                    "label": self[f"label_{key}"],
                    "order": self[f"order_{key}"],
                    "always": key == "email",
                }
            )

    def service_data(self) -> dict:
        data = {
            name: self.cleaned_data.get(name)
            for name in (
                "name",
                "intro",
                "submit_label",
                "thank_you_message",
                "campaign",
                "lead_topic",
                "lead_product",
                "record_owner",
                "is_active",
                "double_opt_in",
                "embed_origins",
            )
        }
        chosen = []
        for index, key in enumerate(FIELD_CATALOG):
            if key != "email" and not self.cleaned_data.get(f"use_{key}"):
                continue
            order = self.cleaned_data.get(f"order_{key}")
            chosen.append(
                (
                    order if order is not None else 1000,
                    index,
                    {
                        "key": key,
                        "label": self.cleaned_data.get(f"label_{key}") or "",
                        "required": bool(self.cleaned_data.get(f"required_{key}")),
                    },
                )
            )
        data["fields"] = [spec for _order, _index, spec in sorted(chosen, key=lambda t: t[:2])]
        return data


class PrefillLinkForm(ServiceForm):
    email = forms.EmailField(label=_("Contact's email"), max_length=254)


class PublicForm(forms.Form):
    """The fields the builder chose, plus the honeypot, the signed stamp and the prefill link."""

    def __init__(self, *args, webform: WebForm, **kwargs):
        super().__init__(*args, **kwargs)
        self.webform = webform
        self.consent_fields = []
        for spec in webform.fields:
            key = spec["key"]
            entry = FIELD_CATALOG.get(key)
            if entry is None:
                continue
            label = field_label(spec)
            required = bool(spec.get("required"))
            if entry.kind == "email":
                field = forms.EmailField(label=label, max_length=254, required=True)
                field.widget.attrs["autocomplete"] = "email"
            elif entry.kind == "product":
                field = forms.ModelChoiceField(
                    label=label, queryset=Product.objects.order_by("name"), required=required
                )
            elif entry.kind == "consent":
                field = forms.BooleanField(label=label, required=required)
                self.consent_fields.append(key)
            elif entry.kind == "textarea":
                field = forms.CharField(
                    label=label,
                    max_length=entry.max_length,
                    required=required,
                    widget=forms.Textarea(attrs={"rows": 4}),
                )
            else:
                field = forms.CharField(label=label, max_length=entry.max_length, required=required)
                autocomplete = {
                    "first_name": "given-name",
                    "last_name": "family-name",
                    "title": "organization-title",
                    "phone": "tel",
                    "company": "organization",
                    "country": "country-name",
                }.get(key)
                if autocomplete:
                    field.widget.attrs["autocomplete"] = autocomplete
                if entry.kind == "phone":
                    field.widget.input_type = "tel"
            self.fields[key] = field
        self.fields[HONEYPOT] = forms.CharField(
            required=False,
            label=_("Leave this empty"),
            widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
        )
        self.fields[STAMP] = forms.CharField(required=False, widget=forms.HiddenInput)
        self.fields[PREFILL] = forms.CharField(required=False, widget=forms.HiddenInput)

    def visible_fields_in_order(self):
        return [self[spec["key"]] for spec in self.webform.fields if spec["key"] in self.fields]

    def values(self) -> dict:
        return {
            spec["key"]: self.cleaned_data.get(spec["key"])
            for spec in self.webform.fields
            if spec["key"] in self.fields
        }
