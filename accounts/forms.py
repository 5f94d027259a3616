"""Forms of the record pages. They check the shape of input (types, required, choices);
the services own every rule (unique email and domain, guardians, parents) and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from abm.exceptions import ApplicationError
from abm.forms import ServiceForm
from abm.permissions import may_choose_owner
from accounts.domains import normalize_domain
from accounts.models import (
    Account,
    BuyingRole,
    Campaign,
    Contact,
    Industry,
    Lead,
    LeadScore,
    Opportunity,
    Product,
    RelationshipType,
    Task,
    User,
)
from accounts.selectors.records import owner_choices
from accounts.services.consent import contact_opt_outs

# --- Picking one record among many ----------------------------------------------------
#
# There can be 50,000 accounts and far more contacts, so a <select> of all of them is
# out of the question. These fields take text (a domain, a name, an email or "#id"),
# with suggestions from a datalist filled by htmx as the user types.


def account_input_value(account: Account | None) -> str:
    if account is None:
        return ""
    return account.domain or f"#{account.pk} {account.name}"


def contact_input_value(contact: Contact | None) -> str:
    if contact is None:
        return ""
    return contact.email


def _by_hash_id(model, text: str):
    if not text.startswith("#"):
        return None
    token = text[1:].split(maxsplit=1)[0] if len(text) > 1 else ""
    if not token.isdecimal():
        raise forms.ValidationError(f"'{text}' is not a valid reference.")
    obj = model.objects.filter(pk=int(token)).first()
    if obj is None:
        raise forms.ValidationError(f"No {model._meta.verbose_name} has id {token}.")
    return obj


class RecordPickField(forms.CharField):
    """One record of ``model`` named by text: ``#id``, or what ``find`` makes of the text."""

    model = None
    default_help_text = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", self.default_help_text)
        super().__init__(*args, **kwargs)

    def clean(self, value):
        text = super().clean(value).strip()
        if not text:
            return None
        return _by_hash_id(self.model, text) or self.find(text)

    def find(self, text: str):
        raise NotImplementedError


class AccountPickField(RecordPickField):
    """An account named by its domain, its exact name or ``#id``."""

    model = Account
    default_help_text = "Type a domain or a name and pick a suggestion."

    def find(self, text: str):
        try:
            domain = normalize_domain(text)
        except ApplicationError:
            domain = None
        if domain:
            found = Account.objects.filter(domain=domain).first()
            if found:
                return found
        matches = list(Account.objects.filter(name__iexact=text)[:2])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise forms.ValidationError(
                f"Several accounts are called '{text}'; pick one from the suggestions."
            )
        raise forms.ValidationError(f"No account matches '{text}'.")


class ContactPickField(RecordPickField):
    """A contact named by email or ``#id``."""

    model = Contact
    default_help_text = "Type an email or a name and pick a suggestion."

    def find(self, text: str):
        found = Contact.objects.filter(email__iexact=text).first()
        if found:
            return found
        raise forms.ValidationError(f"No contact has the email '{text}'.")


def _picker_attrs(list_id: str, url: str) -> dict:
    return {
        "list": list_id,
        "autocomplete": "off",
        "hx-get": url,
        "hx-trigger": "input changed delay:250ms",
        "hx-target": f"#{list_id}",
        "hx-swap": "innerHTML",
    }


class OwnedForm(ServiceForm):
    """A form with an owner field limited to whom the user may choose."""

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        owner = self.fields["owner"]
        owner.queryset = owner_choices(user=user)
        owner.label_from_instance = lambda u: u.display_name
        if not may_choose_owner(user):
            # The service refuses any other owner for a rep, so offer only them.
            owner.required = True
            owner.empty_label = None
            owner.initial = user.pk
            owner.help_text = "Sales reps own what they create and edit."
            self.initial["owner"] = user.pk
        else:
            owner.empty_label = "Unassigned"
            if getattr(self, "instance", None) is None:
                self.initial.setdefault("owner", user.pk)  # the creator, as in any CRM


# --- Accounts ---------------------------------------------------------------------------


class AccountForm(OwnedForm):
    name = forms.CharField(max_length=255)
    domain = forms.CharField(
        max_length=255,
        required=False,
        help_text="The company website; stored as a bare domain such as example.com.",
    )
    industry = forms.ChoiceField(choices=[("", "—")] + list(Industry.choices), required=False)
    employee_count = forms.IntegerField(min_value=0, required=False, label="Employees")
    annual_revenue = forms.DecimalField(
        min_value=0, max_digits=16, decimal_places=2, required=False
    )
    country = forms.CharField(max_length=80, required=False)
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    parent = AccountPickField(label="Parent account")
    fit_score = forms.IntegerField(min_value=0, max_value=100, initial=0, label="Fit score")
    relationship_type = forms.ChoiceField(
        choices=[("", "—")] + list(RelationshipType.choices),
        required=False,
        label=_("Relationship type"),
    )

    def __init__(self, *args, instance: Account | None = None, lookup_url: str = "", **kwargs):
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name,
                "domain": instance.domain or "",
                "industry": instance.industry,
                "employee_count": instance.employee_count,
                "annual_revenue": instance.annual_revenue,
                "country": instance.country,
                "owner": instance.owner_id,
                "parent": account_input_value(instance.parent),
                "fit_score": instance.fit_score,
                "relationship_type": instance.relationship_type,
            }
        super().__init__(*args, **kwargs)
        self.fields["parent"].widget.attrs.update(_picker_attrs("parent-options", lookup_url))

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["industry"] = data.get("industry") or ""
        data["country"] = data.get("country") or ""
        data["fit_score"] = data.get("fit_score") or 0
        data["relationship_type"] = data.get("relationship_type") or ""
        return data


# --- Contacts ---------------------------------------------------------------------------


class ContactForm(OwnedForm):
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    email = forms.EmailField(max_length=254)
    title = forms.CharField(max_length=200, required=False)
    department = forms.CharField(max_length=100, required=False)
    phone = forms.CharField(max_length=50, required=False)
    relationship_type = forms.ChoiceField(
        choices=[("", "—")] + list(RelationshipType.choices),
        required=False,
        label=_("Relationship type"),
    )
    account = AccountPickField(label="Primary account")
    other_accounts = forms.ModelMultipleChoiceField(
        queryset=Account.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Other accounts",
        help_text="Untick to remove an association.",
    )
    add_account = AccountPickField(label="Associate with another account")
    buying_roles = forms.MultipleChoiceField(
        choices=BuyingRole.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    source_campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("name"),
        required=False,
        label="Source campaign",
        empty_label="None",
    )
    allow_email = forms.BooleanField(required=False, label="Allow email")
    allow_bulk_email = forms.BooleanField(required=False, label="Allow bulk (marketing) email")
    allow_prefill = forms.BooleanField(required=False, label="Allow form prefill")
    # Dynamics' "Follow email" has no effect on tracking; here it is the contact's consent
    # to open and click tracking (the subscription centre lets them refuse it).
    follow_email = forms.BooleanField(
        required=False,
        label=_("Allow open and click tracking"),
        help_text=_("When off, opens and clicks of our emails to them are not recorded."),
    )
    legal_basis = forms.ChoiceField(choices=Contact.LegalBasis.choices, label="Legal basis")
    consent_level = forms.ChoiceField(choices=Contact.ConsentLevel.choices, label="Consent level")
    is_minor = forms.BooleanField(required=False, label="Is a minor")
    guardian = ContactPickField(label="Parent or guardian", help_text="The guardian's email.")
    guardian_consent = forms.BooleanField(
        required=False,
        label=_("Guardian consents to marketing email"),
        help_text=_(
            "For a minor with a guardian recorded: without it no marketing email reaches them."
        ),
    )
    # Kept with the consent change; needed to turn back on what the contact turned off.
    consent_reason = forms.CharField(
        required=False,
        max_length=500,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Reason for a consent change"),
        help_text=_(
            "Kept in the consent history. Needed to turn back on email the contact "
            "turned off themselves."
        ),
    )

    CONSENT_FIELDS = (
        "allow_email",
        "allow_bulk_email",
        "allow_prefill",
        "follow_email",
        "legal_basis",
        "consent_level",
        "is_minor",
        "guardian",
        "guardian_consent",
    )

    def __init__(
        self,
        *args,
        instance: Contact | None = None,
        other_accounts: list[Account] | None = None,
        lookup_url: str = "",
        contact_lookup_url: str = "",
        **kwargs,
    ):
        self.instance = instance
        other_accounts = other_accounts or []
        if "initial" not in kwargs:
            if instance is not None:
                kwargs["initial"] = {
                    **{
                        name: getattr(instance, name)
                        for name in (
                            "first_name",
                            "last_name",
                            "email",
                            "title",
                            "department",
                            "phone",
                            "relationship_type",
                            # the guardian is shown as its email, below
                            *(f for f in self.CONSENT_FIELDS if f != "guardian"),
                        )
                    },
                    "account": account_input_value(instance.account),
                    "other_accounts": [a.pk for a in other_accounts],
                    "buying_roles": instance.buying_roles,
                    "owner": instance.owner_id,
                    "source_campaign": instance.source_campaign_id,
                    "guardian": contact_input_value(instance.guardian),
                }
            else:
                kwargs["initial"] = {
                    "allow_email": True,
                    "allow_bulk_email": True,
                    "allow_prefill": True,
                    "follow_email": True,
                }
        super().__init__(*args, **kwargs)
        self.fields["other_accounts"].queryset = Account.objects.filter(
            pk__in=[a.pk for a in other_accounts]
        ).order_by("name")
        if not other_accounts:
            del self.fields["other_accounts"]
        self.fields["account"].widget.attrs.update(_picker_attrs("account-options", lookup_url))
        self.fields["add_account"].widget.attrs.update(
            _picker_attrs("add-account-options", lookup_url)
        )
        self.fields["guardian"].widget.attrs.update(
            _picker_attrs("guardian-options", contact_lookup_url)
        )
        self.opted_out = []
        if instance is not None and instance.pk:
            self._mark_own_opt_outs(instance)

    def _mark_own_opt_outs(self, contact: Contact) -> None:
        """Say on each field the contact turned off themselves who may turn it back on."""
        opt_outs = contact_opt_outs(contact_ids=[contact.pk])
        for (_contact_id, name), change in opt_outs.items():
            if name not in self.fields or getattr(contact, name):
                continue
            self.opted_out.append(change)
            self.fields[name].help_text = _(
                "The contact turned this off themselves (%(source)s): only a marketer or an "
                "admin can turn it back on, with a reason."
            ) % {"source": change.get_source_display()}

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        extra = list(data.pop("other_accounts", []) or [])
        added = data.pop("add_account", None)
        if added is not None and added not in extra:
            extra.append(added)
        data["accounts"] = extra
        for name in ("first_name", "last_name", "title", "department", "phone"):
            data[name] = data.get(name) or ""
        data["relationship_type"] = data.get("relationship_type") or ""
        return data

    @property
    def consent_fields(self):
        return [self[name] for name in self.CONSENT_FIELDS]


# --- Leads ------------------------------------------------------------------------------


class LeadForm(OwnedForm):
    topic = forms.CharField(max_length=255, required=False)
    product = forms.ModelChoiceField(
        queryset=Product.objects.order_by("name"), required=False, empty_label="None"
    )
    contact = ContactPickField(label="Contact")
    account = AccountPickField(
        label="Account", help_text="Filled from the contact when left empty."
    )
    status = forms.ChoiceField(choices=Lead.Status.choices)
    score = forms.IntegerField(initial=0)
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    source_campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("name"),
        required=False,
        label="Source campaign",
        empty_label="None",
    )

    def __init__(
        self,
        *args,
        instance: Lead | None = None,
        lookup_url: str = "",
        contact_lookup_url: str = "",
        **kwargs,
    ):
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "topic": instance.topic,
                "product": instance.product_id,
                "contact": contact_input_value(instance.contact),
                "account": account_input_value(instance.account),
                "status": instance.status,
                "score": instance.score,
                "owner": instance.owner_id,
                "source_campaign": instance.source_campaign_id,
            }
        super().__init__(*args, **kwargs)
        if instance is not None and LeadScore.objects.filter(lead=instance).exists():
            # A scoring model computes this lead's score: shown, not typed (lead scoring).
            self.fields["score"].disabled = True
            self.fields["score"].help_text = _("Computed by lead scoring; see the Score panel.")
        self.fields["contact"].widget.attrs.update(
            _picker_attrs("contact-options", contact_lookup_url)
        )
        self.fields["account"].widget.attrs.update(_picker_attrs("account-options", lookup_url))
        # Converted and disqualified are reached through the lead page's actions (they
        # need a deal or a reason); the form offers them only to show where a lead is.
        current = instance.status if instance is not None else None
        self.fields["status"].choices = [
            (value, label)
            for value, label in Lead.Status.choices
            if value not in (Lead.Status.CONVERTED, Lead.Status.DISQUALIFIED) or value == current
        ]
        self.fields["status"].help_text = _(
            "Convert or disqualify a lead with the actions on its page."
        )

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["topic"] = data.get("topic") or ""
        data["score"] = data.get("score") or 0
        return data


# --- Opportunities ----------------------------------------------------------------------


class OpportunityForm(OwnedForm):
    name = forms.CharField(max_length=255)
    account = AccountPickField(label="Account", required=True)
    amount = forms.DecimalField(min_value=0, max_digits=14, decimal_places=2, initial=0)
    currency = forms.CharField(max_length=3, initial="USD")
    stage = forms.ChoiceField(choices=Opportunity.Stage.choices)
    close_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Close date"
    )
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)

    def __init__(self, *args, instance: Opportunity | None = None, lookup_url: str = "", **kwargs):
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name,
                "account": account_input_value(instance.account),
                "amount": instance.amount,
                "currency": instance.currency,
                "stage": instance.stage,
                "close_date": instance.close_date,
                "owner": instance.owner_id,
            }
        super().__init__(*args, **kwargs)
        self.fields["account"].widget.attrs.update(_picker_attrs("account-options", lookup_url))
        if instance is not None:
            self.fields["close_date"].widget.format = "%Y-%m-%d"

    def clean_currency(self):
        currency = (self.cleaned_data.get("currency") or "").strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise forms.ValidationError("Use a three-letter currency code such as USD or EUR.")
        return currency


# --- Dialogs: tasks and notes -------------------------------------------------------------


class TaskForm(ServiceForm):
    title = forms.CharField(max_length=255)
    type = forms.ChoiceField(choices=Task.Type.choices, initial=Task.Type.CALL)
    due_at = forms.DateTimeField(
        required=False,
        label="Due",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        owner.queryset = owner_choices(user=user)
        owner.label_from_instance = lambda u: u.display_name
        owner.empty_label = None
        owner.initial = user.pk
        self.initial.setdefault("owner", user.pk)


class NoteForm(ServiceForm):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label="Note")
