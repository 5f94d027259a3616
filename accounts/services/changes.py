"""After-commit notification of what a write touched.

Consumers that keep derived data (account rollups, buying-group and lead scores,
webhooks) register a listener from their AppConfig.ready(). Each listener gets
the kind of change and the ids it touched, and marks them dirty for its own
worker: writers never need to know who reads the stream.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction

Listener = Callable[..., None]
_LISTENERS: list[Listener] = []

KINDS = {"activity", "account", "contact", "opportunity", "task", "lead"}


def changes_register(listener: Listener) -> None:
    """Register ``listener(kind=..., account_ids=set, contact_ids=set)``; idempotent."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def changes_notify(
    *, kind: str, account_ids: Iterable[int] = (), contact_ids: Iterable[int] = ()
) -> None:
    """Tell every listener, once the current transaction commits, what changed."""
    assert kind in KINDS, kind
    account_ids = {pk for pk in account_ids if pk}
    contact_ids = {pk for pk in contact_ids if pk}
    if not account_ids and not contact_ids:
        return

    def notify() -> None:
        for listener in list(_LISTENERS):
            listener(kind=kind, account_ids=account_ids, contact_ids=contact_ids)

    transaction.on_commit(notify)
