"""The fields a hosted form may ask for, and where each answer goes.

A form's ``fields`` is an ordered list of ``{"key", "label", "required"}`` whose keys come
from ``FIELD_CATALOG``. ``email`` is always asked and always required: it finds the contact.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class CatalogField:
    key: str
    label: str  # the default label visitors see
    target: str  # what the builder says it maps to
    kind: str  # "email" | "text" | "phone" | "textarea" | "product" | "consent"
    max_length: int = 200


FIELD_CATALOG: dict[str, CatalogField] = {
    f.key: f
    for f in (
        CatalogField(
            "email", _("Work email"), _("Contact: email (finds the contact)"), "email", 254
        ),
        CatalogField("first_name", _("First name"), _("Contact: first name"), "text", 100),
        CatalogField("last_name", _("Last name"), _("Contact: last name"), "text", 100),
        CatalogField("title", _("Job title"), _("Contact: title"), "text", 200),
        CatalogField("department", _("Department"), _("Contact: department"), "text", 100),
        CatalogField("phone", _("Phone"), _("Contact: phone"), "phone", 50),
        CatalogField(
            "company",
            _("Company"),
            _("Account: matched by the email's domain, else by name; created when none"),
            "text",
            255,
        ),
        CatalogField(
            "country",
            _("Country"),
            _("Account: country (set when the account has none)"),
            "text",
            80,
        ),
        CatalogField("topic", _("What are you interested in?"), _("Lead: topic"), "text", 255),
        CatalogField("product", _("Product"), _("Lead: product"), "product"),
        CatalogField(
            "message",
            _("Message"),
            _("Kept with the submission and the activity"),
            "textarea",
            2000,
        ),
        CatalogField(
            "allow_email",
            _("You may email me about my request."),
            _("Consent: email (allow_email)"),
            "consent",
        ),
        CatalogField(
            "allow_bulk_email",
            _("Send me news and offers by email."),
            _("Consent: marketing email (allow_bulk_email; double opt-in when set)"),
            "consent",
        ),
        CatalogField(
            "allow_prefill",
            _("Remember me on this site's forms."),
            _("Consent: remember me (allow_prefill)"),
            "consent",
        ),
    )
}

CONSENT_KEYS = ("allow_email", "allow_bulk_email", "allow_prefill")
# The contact's own fields a submission writes, and prefill shows.
CONTACT_KEYS = ("first_name", "last_name", "title", "department", "phone")
DEFAULT_FIELDS = [
    {"key": "email", "label": "", "required": True},
    {"key": "first_name", "label": "", "required": True},
    {"key": "last_name", "label": "", "required": True},
    {"key": "company", "label": "", "required": False},
    {"key": "allow_bulk_email", "label": "", "required": False},
]


def field_label(spec: dict) -> str:
    """A form field's label: the builder's own text, else the catalog's."""
    return spec.get("label") or str(FIELD_CATALOG[spec["key"]].label)
