"""Contacts: create, update (consent through the consent service), delete."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from abm.exceptions import ApplicationError
from accounts.models import (
    Account,
    BuyingRole,
    ConsentChange,
    Contact,
    ContactAccount,
    User,
    buying_roles_to_mask,
)
from accounts.services.changes import changes_notify
from accounts.services.consent import CONSENT_WRITABLE_FIELDS, contact_consent_update
from accounts.services.consent import REASON_FIELD as CONSENT_REASON_FIELD
from accounts.services.records.common import (
    CONTACT_FIELDS,
    _assign,
    _check_create,
    _check_write,
    _resolve_owner,
    _save,
)
from accounts.services.records.rules import (
    contact_rules_check,
)


def _clean_contact_data(data: dict) -> tuple[dict, list[Account] | None, list[str] | None]:
    data = dict(data)
    extra_accounts = data.pop("accounts", None)
    roles = data.pop("buying_roles", None)
    if roles is not None:
        bad = [r for r in roles if r not in BuyingRole.values]
        if bad:
            raise ApplicationError(
                f"'{bad[0]}' is not a buying role; choose from {', '.join(BuyingRole.values)}.",
                field="buying_roles",
            )
    if "email" in data and data["email"] is not None:
        data["email"] = data["email"].strip().lower()
    return data, extra_accounts, roles


def _sync_account_links(contact: Contact, extra_accounts: list[Account] | None) -> set[int]:
    """Keep ContactAccount equal to primary + extra accounts; return every account id touched."""
    before = set(
        ContactAccount.objects.filter(contact=contact).values_list("account_id", flat=True)
    )
    wanted = set(before)
    if extra_accounts is not None:
        wanted = {a.pk for a in extra_accounts}
    if contact.account_id:
        wanted.add(contact.account_id)
    ContactAccount.objects.filter(contact=contact).exclude(account_id__in=wanted).delete()
    ContactAccount.objects.bulk_create(
        [ContactAccount(contact=contact, account_id=pk) for pk in wanted - before],
        ignore_conflicts=True,
    )
    ContactAccount.objects.filter(contact=contact).update(is_primary=False)
    if contact.account_id:
        ContactAccount.objects.filter(contact=contact, account_id=contact.account_id).update(
            is_primary=True
        )
    return before | wanted


def _split_consent(data: dict) -> tuple[dict, dict[str, bool | str], str]:
    """The consent fields and their reason leave ``data``: the consent service writes them."""
    consent = {f: data.pop(f) for f in CONSENT_WRITABLE_FIELDS if f in data}
    reason = data.pop(CONSENT_REASON_FIELD, "") or ""
    return data, consent, reason


def contact_create(
    *, user: User, data: dict, consent_source: str = ConsentChange.Source.USER
) -> Contact:
    """Create a contact, link it to its primary and other accounts.

    Consent fields other than their defaults are set through the consent service (a
    ``ConsentChange`` each, ``consent_source`` saying whether a page or the API asked).
    """
    _check_create(user, Contact)
    data, extra_accounts, roles = _clean_contact_data(data)
    data, consent, reason = _split_consent(data)
    _resolve_owner(user, data)
    contact = Contact()
    _assign(contact, data, CONTACT_FIELDS)
    contact.buying_roles_mask = buying_roles_to_mask(roles)
    contact_rules_check(contact=contact)
    with transaction.atomic():
        _save(contact)
        touched = _sync_account_links(contact, extra_accounts)
        contact_consent_update(
            contact=contact, changes=consent, source=consent_source, user=user, reason=reason
        )
    changes_notify(kind="contact", account_ids=touched, contact_ids={contact.pk})
    return contact


def contact_update(
    *,
    user: User,
    contact: Contact,
    data: dict,
    consent_source: str = ConsentChange.Source.USER,
) -> Contact:
    """Change a contact's fields, roles, consent and account associations.

    Consent changes go through the consent service: reversing the contact's own opt-out
    needs ``consent_reason`` in ``data`` and is refused for a sales rep (nothing is saved).
    """
    _check_write(user, contact)
    data, extra_accounts, roles = _clean_contact_data(data)
    data, consent, reason = _split_consent(data)
    _resolve_owner(user, data, current_owner_id=contact.owner_id)
    old_account_id = contact.account_id
    _assign(contact, data, CONTACT_FIELDS)
    if roles is not None:
        contact.buying_roles_mask = buying_roles_to_mask(roles)
    contact_rules_check(contact=contact)
    contact.updated_at = timezone.now()
    with transaction.atomic():
        _save(contact)
        touched = _sync_account_links(contact, extra_accounts)
        contact_consent_update(
            contact=contact, changes=consent, source=consent_source, user=user, reason=reason
        )
    changes_notify(kind="contact", account_ids=touched | {old_account_id}, contact_ids={contact.pk})
    return contact


def contact_delete(*, user: User, contact: Contact) -> None:
    _check_write(user, contact)
    account_ids = set(
        ContactAccount.objects.filter(contact=contact).values_list("account_id", flat=True)
    )
    with transaction.atomic():
        contact.delete()
        changes_notify(kind="contact", account_ids=account_ids)
