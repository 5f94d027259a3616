"""Writing a checked import: bulk upserts in batches (accounts by domain, contacts by email).

Called inside the import's transaction with rows every column parser accepted. A
blank cell (``None``) leaves an existing value alone; a new record takes the model's
default for it. Consent columns (``allow_email``, ``allow_bulk_email``) are never
written here: after the upsert they go through the consent service, which records a
``ConsentChange`` for each value that changes (a new contact starts from the defaults).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account, ConsentChange, Contact, ContactAccount, ImportJob, User
from accounts.services.consent import CONSENT_WRITABLE_FIELDS, contacts_consent_update_bulk
from accounts.services.imports.columns import TABLES
from accounts.services.imports.reading import ParsedFile

BATCH = 1000


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    account_ids: set[int] = field(default_factory=set)
    contact_ids: set[int] = field(default_factory=set)


def batches(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _update_fields(kind: str, parsed: ParsedFile, always: set[str]) -> list[str]:
    """The model fields an update rewrites: those of the file's updatable columns."""
    present = set(parsed.columns)
    return sorted({c.field.name for c in TABLES[kind] if c.updates and c.name in present} | always)


def accounts_write(parsed: ParsedFile, clean: list[dict]) -> ImportResult:
    """Create or update accounts by domain; ``is_target`` marks targets, never unmarks."""
    result = ImportResult()
    now = timezone.now()
    update_fields = _update_fields(
        ImportJob.Kind.ACCOUNTS,
        parsed,
        {"updated_at", "is_target", "target_since", "target_source"},
    )
    for batch in batches(clean):
        domains = [v["domain"] for v in batch if v.get("domain")]
        existing = {a.domain: a for a in Account.objects.filter(domain__in=domains)}
        to_create: list[Account] = []
        to_update: list[Account] = []
        for values in batch:
            account = existing.get(values.get("domain")) if values.get("domain") else None
            is_new = account is None
            if is_new:
                account = Account(created_at=now)
            for name, value in values.items():
                if name.startswith("_") or name == "is_target":
                    continue
                if value is None:
                    continue  # a blank cell leaves an existing value alone
                setattr(account, name, value)
            if values.get("is_target") and not account.is_target:
                account.is_target = True
                account.target_since = now
                account.target_source = Account.TargetSource.IMPORT
            account.updated_at = now
            (to_create if is_new else to_update).append(account)
        if to_create:
            created = Account.objects.bulk_create(to_create, batch_size=BATCH)
            result.created += len(created)
            result.account_ids.update(a.pk for a in created)
        if to_update:
            Account.objects.bulk_update(to_update, update_fields, batch_size=BATCH)
            result.updated += len(to_update)
            result.account_ids.update(a.pk for a in to_update)
    return result


def contacts_write(
    parsed: ParsedFile, clean: list[dict], *, user: User | None = None, reason: str = ""
) -> ImportResult:
    """Create or update contacts by email; their account becomes their primary link.

    Consent values go through the consent service as source ``import`` by ``user``, with
    ``reason`` and the row number as the reason of each change.
    """
    result = ImportResult()
    now = timezone.now()
    update_fields = [
        f
        for f in _update_fields(ImportJob.Kind.CONTACTS, parsed, {"updated_at"})
        if f not in CONSENT_WRITABLE_FIELDS
    ]
    for batch in batches(clean):
        emails = [v["email"] for v in batch]
        existing = {
            c.email_lower: c
            for c in Contact.objects.annotate(email_lower=Lower("email")).filter(
                email_lower__in=emails
            )
        }
        to_create: list[Contact] = []
        to_update: list[Contact] = []
        consent: list[tuple[Contact, int, dict[str, bool | str]]] = []
        for values in batch:
            contact = existing.get(values["email"])
            is_new = contact is None
            if is_new:
                contact = Contact(created_at=now)
            else:
                result.account_ids.add(contact.account_id)
            wanted: dict[str, bool | str] = {}
            for name, value in values.items():
                if name.startswith("_") or value is None:
                    continue  # a blank cell leaves an existing value alone
                if name in CONSENT_WRITABLE_FIELDS:
                    wanted[name] = value
                    continue
                setattr(contact, name, value)
            contact.updated_at = now
            (to_create if is_new else to_update).append(contact)
            if wanted:
                consent.append((contact, values.get("_row"), wanted))
        if to_create:
            Contact.objects.bulk_create(to_create, batch_size=BATCH)
            result.created += len(to_create)
        if to_update:
            Contact.objects.bulk_update(to_update, update_fields, batch_size=BATCH)
            result.updated += len(to_update)
        if consent:
            contacts_consent_update_bulk(
                changes={c.pk: wanted for c, _row, wanted in consent},
                source=ConsentChange.Source.IMPORT,
                user=user,
                reasons={
                    c.pk: _("%(reason)s, row %(row)s")
                    % {"reason": reason or _("CSV import"), "row": row}
                    for c, row, _wanted in consent
                },
            )
        touched = to_create + to_update
        result.contact_ids.update(c.pk for c in touched)
        linked = [c for c in touched if c.account_id]
        if linked:
            # The primary account moves: old links stay as plain associations.
            ContactAccount.objects.filter(
                contact_id__in=[c.pk for c in linked], is_primary=True
            ).update(is_primary=False)
            ContactAccount.objects.bulk_create(
                [
                    ContactAccount(contact_id=c.pk, account_id=c.account_id, is_primary=True)
                    for c in linked
                ],
                batch_size=BATCH,
                update_conflicts=True,
                unique_fields=["contact", "account"],
                update_fields=["is_primary"],
            )
            result.account_ids.update(c.account_id for c in linked)
    result.account_ids.discard(None)
    return result
