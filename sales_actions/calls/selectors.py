"""Every read of the call log. Calls are read by every signed-in role (the project's read
rule: sales reps read everything, they write only what is theirs)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Opportunity
from sales_actions.calls.models import Call, CallOutcome

ROW_RELATED = ("user", "contact", "account", "outcome")
PANEL_SIZE = 50


def call_list(*, user) -> QuerySet[Call]:
    """The calls the user may read, with what a row shows joined in."""
    return Call.objects.select_related(*ROW_RELATED)


def call_detail(*, user, pk: int) -> Call:
    return Call.objects.select_related(*ROW_RELATED, "opportunity", "task").get(pk=pk)


def calls_of_opportunity(qs: QuerySet[Call], *, opportunity: Opportunity) -> QuerySet[Call]:
    """Calls made for the deal, and calls with its people."""
    return qs.filter(
        Q(opportunity=opportunity)
        | Q(contact__in=opportunity.contacts.values("pk"), opportunity__isnull=True)
    )


def record_calls(
    *, user, contact_id: int | None = None, account_id: int | None = None, opportunity=None
) -> list[Call]:
    """The latest calls of one contact, account or opportunity (a record page's panel)."""
    qs = call_list(user=user)
    if contact_id is not None:
        qs = qs.filter(contact_id=contact_id)
    elif account_id is not None:
        qs = qs.filter(account_id=account_id)
    else:
        qs = calls_of_opportunity(qs, opportunity=opportunity)
    return list(qs.order_by("-started_at", "-id")[:PANEL_SIZE])


def call_outcomes_offered() -> QuerySet[CallOutcome]:
    """The outcomes a rep may pick when logging a call."""
    return CallOutcome.objects.filter(is_active=True).order_by("position", "name")


def call_outcome_list() -> QuerySet[CallOutcome]:
    return CallOutcome.objects.order_by("position", "name")


def call_callers() -> list[tuple[int, str]]:
    """Users who made at least one call: the caller filter's choices."""
    from accounts.models import User

    users = User.objects.filter(pk__in=Call.objects.values("user_id")).order_by(
        "first_name", "last_name", "username"
    )
    return [(u.pk, u.display_name) for u in users]
