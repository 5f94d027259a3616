"""Reads of an opportunity's stage history (written by the opportunity services)."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import Opportunity, OpportunityStageChange

STAGE_LABELS = dict(Opportunity.Stage.choices)


def opportunity_stage_history(*, opportunity: Opportunity, now=None) -> list[dict]:
    """The deal's stage changes oldest first, each with the days spent in the stage it entered.

    The last entry of an open deal is still running: its days count up to now.
    """
    now = now or timezone.now()
    rows = list(
        OpportunityStageChange.objects.filter(opportunity=opportunity)
        .order_by("changed_at", "id")
        .values(
            "id",
            "from_stage",
            "to_stage",
            "changed_at",
            "changed_by_id",
            "changed_by__username",
        )[:1000]
    )
    for i, row in enumerate(rows):
        is_last = i == len(rows) - 1
        closed = row["to_stage"] in Opportunity.CLOSED_STAGES
        until = rows[i + 1]["changed_at"] if not is_last else (None if closed else now)
        row["from_stage_label"] = STAGE_LABELS.get(row["from_stage"], "")
        row["to_stage_label"] = STAGE_LABELS.get(row["to_stage"], row["to_stage"])
        row["left_at"] = until if not is_last else None
        row["days_in_stage"] = (
            round((until - row["changed_at"]).total_seconds() / 86400, 1) if until else None
        )
        row["is_current"] = is_last
    return rows
