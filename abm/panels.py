"""Record panels: how an app above ``accounts`` adds a section to a record's page.

A contact, account, lead or opportunity page belongs to ``accounts``, which imports no app
above it. An upper app (sales emails, calls, cadences, analytics …) registers a panel from
its ``AppConfig.ready()``; the record page renders every registered panel as a card that
loads its body from the upper app's own URL with htmx. So a new feature appears on the
record pages without ``accounts`` naming it, and a panel that fails fails alone.

    panel_register(record="contact", key="emails", title=_("Emails"),
                   url_name="sales_actions:contact_emails", order=20)

and in the record's template: ``{% record_panels "contact" contact.pk %}``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

RECORDS = {"contact", "account", "lead", "opportunity"}


@dataclass(frozen=True)
class Panel:
    record: str
    key: str
    title: str
    url_name: str  # reversed with the record's pk as its only argument
    order: int = 50
    # Shown only when this returns true for the user (abm.permissions predicates), else all.
    visible: Callable | None = None
    # The panel's body is refreshed when one of these htmx events fires on the page.
    refresh_on: tuple[str, ...] = ()
    # When set, the header links to the same URL as a page of its own, with this label.
    page_label: str | None = None


_PANELS: dict[str, dict[str, Panel]] = {record: {} for record in RECORDS}


def panel_register(
    *,
    record: str,
    key: str,
    title: str,
    url_name: str,
    order: int = 50,
    visible: Callable | None = None,
    refresh_on: tuple[str, ...] = (),
    page_label: str | None = None,
) -> None:
    """Add (or replace, by key) a panel on every page of ``record``; idempotent."""
    if record not in RECORDS:
        raise ValueError(f"unknown record kind {record!r}; one of {sorted(RECORDS)}")
    _PANELS[record][key] = Panel(
        record, key, title, url_name, order, visible, refresh_on, page_label
    )


def panels_for(record: str, user) -> list[Panel]:
    """The panels of ``record`` this user may see, in display order."""
    return sorted(
        (p for p in _PANELS[record].values() if p.visible is None or p.visible(user)),
        key=lambda p: (p.order, p.key),
    )
