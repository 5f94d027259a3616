"""Accounts (companies): create, update, delete."""

from __future__ import annotations

from django.utils import timezone

from accounts.domains import normalize_domain
from accounts.models import (
    Account,
    User,
)
from accounts.services.changes import changes_notify
from accounts.services.records.common import (
    ACCOUNT_FIELDS,
    _assign,
    _check_create,
    _check_write,
    _resolve_owner,
    _save,
)
from accounts.services.records.rules import (
    account_rules_check,
)


def _clean_account_data(data: dict) -> dict:
    data = dict(data)
    if "domain" in data:
        data["domain"] = normalize_domain(data["domain"])
    if "name" in data and data["name"] is not None:
        data["name"] = data["name"].strip()
    return data


def account_create(*, user: User, data: dict) -> Account:
    """Create an account (company); sales reps become its owner."""
    _check_create(user, Account)
    data = _clean_account_data(data)
    _resolve_owner(user, data)
    account = Account()
    _assign(account, data, ACCOUNT_FIELDS)
    account_rules_check(account=account)
    _save(account)
    changes_notify(kind="account", account_ids={account.pk})
    return account


def account_update(*, user: User, account: Account, data: dict) -> Account:
    """Change an account's fields."""
    _check_write(user, account)
    data = _clean_account_data(data)
    _resolve_owner(user, data, current_owner_id=account.owner_id)
    _assign(account, data, ACCOUNT_FIELDS)
    account_rules_check(account=account)
    account.updated_at = timezone.now()
    _save(account)
    changes_notify(kind="account", account_ids={account.pk})
    return account


def account_delete(*, user: User, account: Account) -> None:
    """Delete an account with its deals and leads; its contacts stay, unlinked."""
    _check_write(user, account)
    account.delete()
