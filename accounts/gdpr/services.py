"""Export and erasure of a person (a contact), for admins.

Both walk the same graph: the contact's reverse relations (every model with a foreign key
to the contact: activities, sales emails, consent history, memberships, leads, calls,
event registrations, form submissions, scores …) and, below each of those rows, the rows
it owns (foreign keys with ``on_delete=CASCADE``: a lead's status history and score, an
email's tracked links and open/click events …). A model added later is found the same way.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import uuid

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abm.exceptions import ForbiddenError
from abm.permissions import may_handle_personal_data
from accounts.models import (
    ConsentChange,
    Contact,
    ErasureRecord,
    SubscriptionMembership,
    User,
)
from accounts.services.changes import changes_notify
from accounts.services.consent import (
    contact_consent_update,
    contact_subscriptions_update,
    contacts_consent_update_bulk,
)

from .registry import gdpr_erasers

EXPORT_FORMAT = "abm-hub.person-export/1"
ERASED_DOMAIN = "erased.invalid"

# Fields that hold what a person wrote, was sent or left behind. Matched by name on every
# model the walk reaches; choices, keys and unique fields are never touched.
PERSONAL_FIELD_NAMES = frozenset(
    {
        "first_name",
        "last_name",
        "full_name",
        "name",
        "title",
        "department",
        "company",
        "email",
        "phone",
        "mobile",
        "address",
        "topic",
        "subject",
        "body",
        "text",
        "message",
        "note",
        "notes",
        "comment",
        "description",
        "reason",
        "end_reason",
        "error",
        "url",
        "metadata",
        "payload",
        "answers",
        "data",
        "values",
        "user_agent",
        "ip",
        "number",
        "caller_number",
        "raw_message_id",
    }
)
PERSONAL_SUFFIXES = ("_email", "_url", "_html", "_text", "_ip", "_phone", "_address")
# Models whose rows are copied into the rows pointing at them even without owning them:
# a hub event's webhook deliveries carry its payload (their event link is SET_NULL).
COPIED_BY_CHILDREN = frozenset({"accounts.hubevent"})
TEXT_TYPES = models.CharField | models.TextField  # Email/URL/Slug fields are CharFields


def _check(user: User) -> None:
    if not may_handle_personal_data(user):
        raise ForbiddenError(_("Only admins can export or erase a person's data."))


# --- the walk -------------------------------------------------------------------------


def _reverse_fks(model) -> list:
    """The one-to-many relations pointing at ``model`` (not many-to-many), hidden ones
    (``related_name="+"``) included."""
    return [
        rel
        for rel in model._meta.get_fields(include_hidden=True)
        if rel.auto_created
        and not rel.concrete
        and (rel.one_to_many or rel.one_to_one)
        and not rel.many_to_many
    ]


def person_rows(contact: Contact):
    """Yield (model, queryset, depth) for every row about the person: depth 1 points at the
    contact; depth 2 is owned (CASCADE) by a depth-1 row, or copies one (a hub event's
    webhook deliveries). The contact's wards (other
    people whose guardian they are) are not theirs and are left out."""
    for rel in _reverse_fks(Contact):
        model = rel.related_model
        if model is Contact:
            continue  # wards: other people
        rows = model._default_manager.filter(**{rel.field.name: contact.pk})
        yield model, rows, 1
        for child in _reverse_fks(model):
            if child.related_model is Contact:
                continue
            owned = child.on_delete is models.CASCADE
            if not owned and model._meta.label_lower not in COPIED_BY_CHILDREN:
                continue
            yield (
                child.related_model,
                child.related_model._default_manager.filter(
                    **{f"{child.field.name}__in": rows.values("pk")}
                ),
                2,
            )


# --- export ---------------------------------------------------------------------------


def _json_value(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return {"base64": base64.b64encode(bytes(value)).decode()}
    return value


def _row(obj) -> dict:
    out = {}
    for field in obj._meta.concrete_fields:
        if isinstance(field, models.BinaryField):
            continue  # attachments' bytes are not about the person
        out[field.attname] = _json_value(getattr(obj, field.attname))
    return out


def person_export(*, user: User, contact: Contact) -> dict:
    """Everything about the person as JSON-safe data: the contact, their accounts and
    guardian, and every row of every model that points at them (``records``, keyed
    ``app_label.model``), with counts."""
    _check(user)
    contact = Contact.objects.select_related("account", "guardian", "owner").get(pk=contact.pk)
    records: dict[str, list[dict]] = {}
    for model, rows, _depth in person_rows(contact):
        found = [_row(obj) for obj in rows.order_by("pk")]
        if found:
            records.setdefault(model._meta.label_lower, []).extend(found)
    return {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now().isoformat(),
        "erased": ErasureRecord.objects.filter(contact_id=contact.pk).exists(),
        "contact": {
            **_row(contact),
            "account_name": contact.account.name if contact.account_id else None,
            "accounts": list(contact.accounts.order_by("name").values("id", "name")),
            "guardian_email": contact.guardian.email if contact.guardian_id else None,
            "owner_name": contact.owner.display_name if contact.owner_id else None,
        },
        "counts": {label: len(rows) for label, rows in sorted(records.items())},
        "records": records,
    }


# --- erasure --------------------------------------------------------------------------


def personal_fields(model) -> list:
    """The fields of ``model`` an erasure blanks."""
    found = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.is_relation or field.unique or field.choices:
            continue
        name = field.name
        if name not in PERSONAL_FIELD_NAMES and not name.endswith(PERSONAL_SUFFIXES):
            continue
        if isinstance(field, TEXT_TYPES | models.JSONField | models.GenericIPAddressField):
            found.append(field)
    return found


def _blank(field):
    if isinstance(field, models.JSONField):
        return field.get_default() if field.has_default() else ({} if not field.null else None)
    if isinstance(field, models.GenericIPAddressField):
        return None if field.null else "0.0.0.0"
    return None if field.null and not field.blank else ""


def person_erase(*, user: User, contact: Contact) -> tuple[ErasureRecord, bool]:
    """Erase the person: (the erasure record, whether this call erased them). A second
    call changes nothing and returns the first record."""
    _check(user)
    with transaction.atomic():
        locked = Contact.objects.select_for_update().filter(pk=contact.pk).first()
        if locked is None:
            raise ForbiddenError(_("The contact no longer exists."))
        existing = ErasureRecord.objects.filter(contact_id=contact.pk).first()
        if existing is not None:
            return existing, False
        counts: dict[str, int] = {}
        # Off every list and every consent: through the consent door, so the history says
        # so (the reasons written before are blanked below, these carry none of theirs).
        list_ids = list(
            SubscriptionMembership.objects.filter(contact=locked).values_list(
                "subscription_list_id", flat=True
            )
        )
        # Blank every row about the person first, then write the non-personal changes.
        for model, rows, _depth in person_rows(locked):
            fields = personal_fields(model)
            if not fields:
                continue
            changed = rows.update(**{f.name: _blank(f) for f in fields})
            if changed:
                label = model._meta.label_lower
                counts[label] = counts.get(label, 0) + changed
        contact_subscriptions_update(
            contact=locked,
            changes={pk: False for pk in list_ids},
            source=ConsentChange.Source.ERASURE,
            user=user,
        )
        counts["memberships_removed"] = len(list_ids)
        contact_consent_update(
            contact=locked,
            changes={
                "allow_email": False,
                "allow_bulk_email": False,
                "allow_prefill": False,
                "follow_email": False,
                "guardian_consent": False,
            },
            source=ConsentChange.Source.ERASURE,
            user=user,
        )
        # Their wards keep their records but lose this guardian (and so its consent).
        contacts_consent_update_bulk(
            changes={
                pk: {"guardian_consent": False}
                for pk in Contact.objects.filter(
                    guardian=locked, guardian_consent=True
                ).values_list("pk", flat=True)
            },
            source=ConsentChange.Source.ERASURE,
            user=user,
            reason=_("Their guardian was erased (GDPR)."),
        )
        counts["wards_unlinked"] = Contact.objects.filter(guardian=locked).update(
            guardian=None, updated_at=timezone.now()
        )
        for name, eraser in gdpr_erasers().items():
            counts[name] = int(eraser(locked.pk) or 0)
        Contact.objects.filter(pk=locked.pk).update(
            first_name="",
            last_name="",
            title="",
            department="",
            phone="",
            email=f"erased-{locked.pk}@{ERASED_DOMAIN}",
            is_minor=False,
            guardian=None,
            updated_at=timezone.now(),
        )
        record = ErasureRecord.objects.create(contact_id=locked.pk, erased_by=user, counts=counts)
        changes_notify(kind="contact", contact_ids={locked.pk}, account_ids={locked.account_id})
    contact.refresh_from_db()
    return record, True
