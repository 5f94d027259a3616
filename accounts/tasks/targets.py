"""Tasks for target accounts: rollups and targeting rules (thin wrappers over services)."""

from __future__ import annotations

from abm.tasks import hub_task
from accounts.services import rollups, rules

__all__ = [
    "rollups_refresh_dirty_task",
    "rollups_refresh_stale_schedule_task",
    "targeting_rules_apply_accounts_task",
    "targeting_rules_run_task",
]


@hub_task(name="accounts.rollups_refresh_dirty_task")
def rollups_refresh_dirty_task() -> int:
    """Recompute the rollups of every account marked dirty (debounced)."""
    return rollups.rollups_refresh_dirty()


@hub_task(name="accounts.rollups_refresh_stale_schedule_task")
def rollups_refresh_stale_schedule_task() -> int:
    """Recompute rollups whose next scheduled time has passed."""
    return rollups.rollups_refresh_stale_schedule()


@hub_task(name="accounts.targeting_rules_run_task")
def targeting_rules_run_task(rule_id: int | None = None) -> int:
    """Apply one active rule (or all of them) to every account."""
    return rules.targeting_rules_run(rule_id=rule_id)


@hub_task(name="accounts.targeting_rules_apply_accounts_task")
def targeting_rules_apply_accounts_task(account_ids: list[int]) -> int:
    """Apply every active rule to these changed accounts."""
    return rules.targeting_rules_apply(account_ids=account_ids)
