"""Targeting rules: structured conditions over account properties that mark targets.

A rule is a list of conditions ``{"field", "op", "value"}`` combined with AND, over a
whitelist of account properties; each becomes an ORM lookup (never eval'd). A worker
applies active rules to every account and to each account that changes. Rules add
targets (``target_source = "rule"``) and take back only targets they added themselves
that no active rule matches any more; a person's manual target is never undone.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import may_manage_targeting_rules
from abm.tasks import enqueue
from accounts.models import Account, Industry, TargetingRule, User
from accounts.services.targets import accounts_mark_target, accounts_unmark_target

# field -> (label, kind); kind decides which operators and values make sense.
RULE_FIELDS: dict[str, tuple[str, str]] = {
    "fit_score": ("Fit score", "int"),
    "employee_count": ("Employees", "int"),
    "annual_revenue": ("Annual revenue", "decimal"),
    "industry": ("Industry", "choice"),
    "country": ("Country", "text"),
    "owner": ("Owner (user id)", "int"),
}
NUMERIC_OPS = {">=": "gte", "<=": "lte", ">": "gt", "<": "lt", "=": "exact", "between": "range"}
TEXT_OPS = {"=": "iexact", "in": "in", "contains": "icontains"}
MAX_CONDITIONS = 20
MAX_IN_VALUES = 200
APPLY_CHUNK = 1000


def _number(value, kind: str, index: int):
    try:
        if kind == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        return Decimal(str(value))
    except (TypeError, ValueError, InvalidOperation) as exc:
        raise ApplicationError(
            f"Condition {index + 1}: '{value}' is not a number.", field="conditions"
        ) from exc


def rule_conditions_clean(conditions) -> list[dict]:
    """Validate conditions; returns them normalized or raises naming ``conditions``."""
    if not isinstance(conditions, list) or not conditions:
        raise ApplicationError("A rule needs at least one condition.", field="conditions")
    if len(conditions) > MAX_CONDITIONS:
        raise ApplicationError(f"At most {MAX_CONDITIONS} conditions per rule.", field="conditions")
    cleaned = []
    for i, cond in enumerate(conditions):
        if not isinstance(cond, dict):
            raise ApplicationError(
                f"Condition {i + 1} must have field, op and value.", field="conditions"
            )
        name, op, value = cond.get("field"), cond.get("op"), cond.get("value")
        if name not in RULE_FIELDS:
            raise ApplicationError(
                f"Condition {i + 1}: '{name}' is not a rule field ({', '.join(RULE_FIELDS)}).",
                field="conditions",
            )
        kind = RULE_FIELDS[name][1]
        ops = NUMERIC_OPS if kind in ("int", "decimal") else TEXT_OPS
        if op not in ops:
            raise ApplicationError(
                f"Condition {i + 1}: '{op}' does not apply to {name} ({', '.join(ops)}).",
                field="conditions",
            )
        if op == "between":
            if not isinstance(value, list | tuple) or len(value) != 2:
                raise ApplicationError(
                    f"Condition {i + 1}: between takes [low, high].", field="conditions"
                )
            low, high = (_number(v, kind, i) for v in value)
            if low > high:
                raise ApplicationError(f"Condition {i + 1}: low is above high.", field="conditions")
            value = [low, high]
        elif op == "in":
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            if not isinstance(value, list) or not value or len(value) > MAX_IN_VALUES:
                raise ApplicationError(
                    f"Condition {i + 1}: in takes a list of 1 to {MAX_IN_VALUES} values.",
                    field="conditions",
                )
            value = [str(v).strip() for v in value]
        elif kind in ("int", "decimal"):
            value = _number(value, kind, i)
        else:
            if not isinstance(value, str | int | float) or not str(value).strip():
                raise ApplicationError(f"Condition {i + 1}: give a value.", field="conditions")
            value = str(value).strip()
        if name == "industry":
            values = value if isinstance(value, list) else [value]
            bad = [v for v in values if v not in Industry.values]
            if bad:
                raise ApplicationError(
                    f"Condition {i + 1}: unknown industry {', '.join(bad)}.", field="conditions"
                )
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, list):
            value = [str(v) if isinstance(v, Decimal) else v for v in value]
        cleaned.append({"field": name, "op": op, "value": value})
    return cleaned


def rule_q(conditions: list[dict]) -> Q:
    """The ORM filter of already-cleaned conditions (AND of each)."""
    q = Q()
    for cond in conditions:
        name, op, value = cond["field"], cond["op"], cond["value"]
        kind = RULE_FIELDS[name][1]
        column = "owner_id" if name == "owner" else name
        if op == "in" and kind in ("text", "choice"):
            alternatives = Q()
            for v in value:
                alternatives |= Q(**{f"{column}__iexact": v})
            q &= alternatives
            continue
        lookup = (NUMERIC_OPS if kind in ("int", "decimal") else TEXT_OPS)[op]
        q &= Q(**{f"{column}__{lookup}": value})
    return q


def rule_describe(conditions: list[dict]) -> str:
    parts = []
    labels = dict(Industry.choices)  # a choice shows by its label, not its stored code
    for c in conditions:
        value = c["value"]
        if RULE_FIELDS[c["field"]][1] == "choice":
            value = (
                [labels.get(v, v) for v in value]
                if isinstance(value, list)
                else labels.get(value, value)
            )
        if c["op"] == "between":
            text = f"{RULE_FIELDS[c['field']][0]} between {value[0]} and {value[1]}"
        elif c["op"] == "in":
            text = f"{RULE_FIELDS[c['field']][0]} in ({', '.join(map(str, value))})"
        else:
            text = f"{RULE_FIELDS[c['field']][0]} {c['op']} {value}"
        parts.append(text)
    return " and ".join(parts)


def _check_role(user: User) -> None:
    if not may_manage_targeting_rules(user):
        raise ForbiddenError(
            "Only marketers and admins can manage targeting rules.", code="forbidden"
        )


def targeting_rule_preview(*, conditions) -> dict:
    """How many accounts match, and how many of them a save would newly target."""
    cleaned = rule_conditions_clean(conditions)
    matching = Account.objects.filter(rule_q(cleaned))
    return {
        "matching": matching.count(),
        "would_add": matching.filter(is_target=False, target_opt_out__isnull=True).count(),
        "description": rule_describe(cleaned),
    }


def _clean_name(name) -> str:
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name:
        raise ApplicationError("Give the rule a name.", field="name")
    return name[:200]


def _queue_run(rule_id: int | None) -> None:
    from accounts.tasks.targets import targeting_rules_run_task

    def kick() -> None:
        # A rule edit is rare and its run set-based: with the broker down, run it here
        # rather than leave targets stale until the six-hourly run.
        if not enqueue(targeting_rules_run_task, rule_id):
            targeting_rules_run(rule_id=rule_id)

    transaction.on_commit(kick)


def targeting_rule_create(
    *, user: User, name: str, conditions, is_active: bool = True
) -> TargetingRule:
    """Save a rule and queue a run over every account."""
    _check_role(user)
    with transaction.atomic():
        rule = TargetingRule.objects.create(
            name=_clean_name(name),
            conditions=rule_conditions_clean(conditions),
            is_active=bool(is_active),
            created_by=user,
        )
        if rule.is_active:
            _queue_run(rule.pk)
    return rule


def targeting_rule_update(
    *, user: User, rule: TargetingRule, name=None, conditions=None, is_active=None
) -> TargetingRule:
    """Change a rule; a run over every account reconciles what it targets."""
    _check_role(user)
    if name is not None:
        rule.name = _clean_name(name)
    if conditions is not None:
        rule.conditions = rule_conditions_clean(conditions)
    if is_active is not None:
        rule.is_active = bool(is_active)
    rule.updated_at = timezone.now()
    with transaction.atomic():
        rule.save()
        _queue_run(None)
    return rule


def targeting_rule_delete(*, user: User, rule: TargetingRule) -> None:
    """Delete a rule; targets only it added are released by the next run."""
    _check_role(user)
    with transaction.atomic():
        rule.delete()
        _queue_run(None)


def _active_rules(rule_id: int | None = None) -> list[TargetingRule]:
    rules = TargetingRule.objects.filter(is_active=True)
    if rule_id is not None:
        rules = rules.filter(pk=rule_id)
    return list(rules)


def _apply(rules: list[TargetingRule], scope: QuerySet, *, release: bool) -> int:
    """Mark matches in ``scope``; release rule-made targets in scope no rule matches."""
    any_rule = Q(pk__in=[])
    added = 0
    now = timezone.now()
    for rule in rules:
        q = rule_q(rule.conditions)
        any_rule |= q
        ids = list(
            scope.filter(q, is_target=False, target_opt_out__isnull=True).values_list(
                "pk", flat=True
            )
        )
        rule_added = 0
        for start in range(0, len(ids), APPLY_CHUNK):
            rule_added += accounts_mark_target(
                user=None,
                account_ids=ids[start : start + APPLY_CHUNK],
                source=Account.TargetSource.RULE,
            )
        TargetingRule.objects.filter(pk=rule.pk).update(last_run_at=now, last_run_added=rule_added)
        added += rule_added
    if release:
        stale = list(
            scope.filter(is_target=True, target_source=Account.TargetSource.RULE)
            .exclude(any_rule)
            .values_list("pk", flat=True)
        )
        for start in range(0, len(stale), APPLY_CHUNK):
            accounts_unmark_target(user=None, account_ids=stale[start : start + APPLY_CHUNK])
    return added


def targeting_rules_run(*, rule_id: int | None = None) -> int:
    """Apply one rule (or all) to every account; returns how many became targets."""
    rules = _active_rules(rule_id)
    if rule_id is not None and not rules:
        return 0
    # Releasing needs every rule's verdict, so it happens only on a full run.
    return _apply(rules, Account.objects.all(), release=rule_id is None)


def targeting_rules_apply(*, account_ids: Iterable[int]) -> int:
    """Apply every active rule to these (changed) accounts."""
    ids = sorted({int(pk) for pk in account_ids if pk})
    if not ids:
        return 0
    return _apply(_active_rules(), Account.objects.filter(pk__in=ids), release=True)


def targeting_rules_changes_listener(*, kind: str, account_ids: set, contact_ids: set) -> None:
    """changes_register listener: re-check rules on accounts whose properties changed."""
    if kind != "account" or not account_ids:
        return
    if not TargetingRule.objects.filter(is_active=True).exists():
        return
    from accounts.tasks.targets import targeting_rules_apply_accounts_task

    ids = sorted(account_ids)
    # With the broker down the few changed accounts are checked here: nothing else would
    # remember them until the six-hourly run.
    if settings.CELERY_TASK_ALWAYS_EAGER or not enqueue(targeting_rules_apply_accounts_task, ids):
        targeting_rules_apply(account_ids=ids)
