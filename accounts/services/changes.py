"""After-commit notification of what a write touched.

Consumers that keep derived data (account rollups, buying-group and lead scores,
webhooks) register a listener from their AppConfig.ready(). Each listener gets
the kind of change and the ids it touched, and marks them dirty for its own
worker: writers never need to know who reads the stream.

Listeners run after the writer's transaction committed, so the write has happened
whatever they do. Each one is isolated: its failure is logged and the others still
run, and the write still answers success. A listener stores its marks in the
database (e.g. ``AccountRollupDirty``, ``DirtyScore``) before it kicks a worker
through the broker with ``abm.tasks.enqueue``, which only logs a broker that is
down; beat's catch-up tasks find the marks once it is back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.db import transaction

log = logging.getLogger(__name__)

Listener = Callable[..., None]
_LISTENERS: list[Listener] = []

KINDS = {"activity", "account", "contact", "opportunity", "task", "lead"}


def changes_register(listener: Listener) -> None:
    """Register ``listener(kind=..., account_ids=set, contact_ids=set)``; idempotent."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def changes_dispatch(*, kind: str, account_ids: set[int], contact_ids: set[int]) -> int:
    """Call every listener now, each on its own; returns how many of them failed."""
    failed = 0
    for listener in list(_LISTENERS):
        try:
            listener(kind=kind, account_ids=set(account_ids), contact_ids=set(contact_ids))
        except Exception:  # noqa: BLE001 - one consumer's failure must not reach the writer
            failed += 1
            log.exception(
                "change listener %s failed (kind=%s, %d accounts, %d contacts)",
                getattr(listener, "__qualname__", listener),
                kind,
                len(account_ids),
                len(contact_ids),
            )
    return failed


def changes_notify(
    *, kind: str, account_ids: Iterable[int] = (), contact_ids: Iterable[int] = ()
) -> None:
    """Tell every listener, once the current transaction commits, what changed."""
    assert kind in KINDS, kind
    account_ids = {pk for pk in account_ids if pk}
    contact_ids = {pk for pk in contact_ids if pk}
    if not account_ids and not contact_ids:
        return
    transaction.on_commit(
        lambda: changes_dispatch(kind=kind, account_ids=account_ids, contact_ids=contact_ids)
    )
