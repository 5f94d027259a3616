from django import forms

from abm.forms import ServiceForm
from sales_actions.models import EmailTemplate, Workspace


class EmailTemplateForm(ServiceForm):
    name = forms.CharField(max_length=200)
    workspace = forms.ModelChoiceField(queryset=Workspace.objects.none())
    kind = forms.ChoiceField(choices=EmailTemplate.Kind.choices)
    subject = forms.CharField(max_length=255)
    body_html = forms.CharField(
        label="Body (HTML)",
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "true"}),
        help_text='Tokens: {{ contact.first_name|default:"there" }}, {{ account.name }}, '
        "{{ sender.name }}, {{ sender.signature }} …",
    )

    def __init__(self, *args, workspaces=None, **kwargs):
        super().__init__(*args, **kwargs)
        if workspaces is not None:
            self.fields["workspace"].queryset = workspaces


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class SendEmailForm(ServiceForm):
    template = forms.ModelChoiceField(queryset=EmailTemplate.objects.none())
    cc = forms.CharField(required=False, help_text="Comma-separated addresses.")
    bcc = forms.CharField(required=False, help_text="Comma-separated addresses.")
    personal_note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Added above the template's text for every recipient.",
    )
    include_signature = forms.BooleanField(required=False, initial=True)
    attachments = MultipleFileField(
        required=False, help_text="PDF, images, Office, CSV, text or calendar files; 10 MB in all."
    )

    def __init__(self, *args, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if templates is not None:
            self.fields["template"].queryset = templates


class PersonalEmailForm(ServiceForm):
    """A personal email: the rep writes subject and text (no template)."""

    subject = forms.CharField(max_length=255)
    body = forms.CharField(
        label="Message",
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "true"}),
        help_text="Plain text; web addresses become tracked links. Tokens such as "
        '{{ contact.first_name|default:"there" }} are filled in for each person.',
    )
    cc = forms.CharField(required=False, help_text="Comma-separated addresses.")
    bcc = forms.CharField(required=False, help_text="Comma-separated addresses.")
    include_signature = forms.BooleanField(required=False, initial=True)
