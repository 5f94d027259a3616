"""Marking accounts as targets (and taking that back)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import may_write
from accounts.models import Account, AccountRollup, HubEvent, TargetOptOut, User
from accounts.services.changes import changes_notify
from accounts.services.hub_events import HubEventInput, hub_events_emit_bulk
from accounts.services.rollups import rollups_refresh

BULK_TARGET_MAX = 1000


def _load_accounts(account_ids: Iterable) -> list[Account]:
    try:
        ids = sorted({int(pk) for pk in account_ids})
    except (TypeError, ValueError) as exc:
        raise ApplicationError(
            "account_ids must be a list of account ids.", field="account_ids"
        ) from exc
    if not ids:
        raise ApplicationError("Choose at least one account.", field="account_ids")
    if len(ids) > BULK_TARGET_MAX:
        raise ApplicationError(
            f"At most {BULK_TARGET_MAX} accounts at once; got {len(ids)}.", field="account_ids"
        )
    accounts = list(Account.objects.filter(pk__in=ids))
    missing = sorted(set(ids) - {a.pk for a in accounts})
    if missing:
        raise ApplicationError(
            f"These ids are not accounts: {', '.join(map(str, missing[:20]))}.", field="account_ids"
        )
    return accounts


def _check(user: User | None, accounts: list[Account]) -> None:
    if user is None:
        return  # system actors: targeting rules and imports run by a worker
    forbidden = [a for a in accounts if not may_write(user, a)]
    if forbidden:
        names = ", ".join(a.name for a in forbidden[:5])
        raise ForbiddenError(f"Your role cannot change these accounts: {names}.", code="forbidden")


def _sync_rollups(ids: list[int], *, is_target: bool) -> None:
    """Copy is_target onto the rollups now, so the target page is right at once.

    An account that has no rollup row yet gets one computed here (a few set-based
    queries), so a new target shows on the page with its figures straight away.
    """
    AccountRollup.objects.filter(account_id__in=ids).exclude(is_target=is_target).update(
        is_target=is_target
    )
    if is_target:
        have = set(AccountRollup.objects.filter(account_id__in=ids).values_list("pk", flat=True))
        missing = [pk for pk in ids if pk not in have]
        if missing:
            rollups_refresh(account_ids=missing)


def _lock_ids(ids: list[int], *, is_target: bool) -> list[int]:
    """The accounts among ``ids`` whose flag is ``is_target`` now, locked until commit, so
    two requests never both report (and announce) the same change."""
    return list(
        Account.objects.select_for_update()
        .filter(pk__in=ids, is_target=is_target)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _target_events(ids: list[int], *, kind: str, user: User | None, source: str) -> None:
    hub_events_emit_bulk(
        HubEventInput(
            kind=kind,
            subject_type="account",
            subject_id=pk,
            account_id=pk,
            actor_id=user.pk if user else None,
            payload={"account": pk, "source": source},
        )
        for pk in ids
    )


def accounts_mark_target(
    *, user: User | None, account_ids: Iterable, source: str = Account.TargetSource.MANUAL
) -> int:
    """Make accounts targets (all or none); returns how many became targets now."""
    accounts = _load_accounts(account_ids)
    _check(user, accounts)
    ids = [a.pk for a in accounts]
    now = timezone.now()
    with transaction.atomic():
        became = _lock_ids(ids, is_target=False)
        changed = Account.objects.filter(pk__in=became).update(
            is_target=True, target_since=now, target_source=source, updated_at=now
        )
        _target_events(became, kind=HubEvent.Kind.TARGET_ADDED, user=user, source=source)
        if source == Account.TargetSource.MANUAL:
            # A person's choice outranks a rule's: remember it so rules never undo it.
            Account.objects.filter(pk__in=ids).update(target_source=source)
            TargetOptOut.objects.filter(account_id__in=ids).delete()
        _sync_rollups(ids, is_target=True)
        changes_notify(kind="account", account_ids=ids)
    return changed


def accounts_unmark_target(*, user: User | None, account_ids: Iterable) -> int:
    """Stop targeting accounts; the accounts and their data stay. Returns how many changed."""
    accounts = _load_accounts(account_ids)
    _check(user, accounts)
    ids = [a.pk for a in accounts]
    now = timezone.now()
    with transaction.atomic():
        stopped = _lock_ids(ids, is_target=True)
        changed = Account.objects.filter(pk__in=stopped).update(
            is_target=False, target_since=None, target_source="", updated_at=now
        )
        _target_events(stopped, kind=HubEvent.Kind.TARGET_REMOVED, user=user, source="")
        if user is not None:
            # A person's "not a target" outranks the rules, as their "target" does.
            TargetOptOut.objects.bulk_create(
                [TargetOptOut(account_id=pk, removed_by=user, removed_at=now) for pk in ids],
                update_conflicts=True,
                unique_fields=["account"],
                update_fields=["removed_by", "removed_at"],
            )
        _sync_rollups(ids, is_target=False)
        changes_notify(kind="account", account_ids=ids)
    return changed
