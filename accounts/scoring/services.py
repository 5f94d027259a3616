"""Lead scoring writes: scoring models and their rules, the incremental path (dirty marks,
debounced flush), the full recompute, and qualification (crossing the threshold once).

Qualification rule: a lead becomes marketing-qualified when a computation finds its score
at or above its model's threshold while the previous computation had it below (or it had
none), and only while the lead is *new* or *nurturing*. A lead already MQL, sales
accepted, converted or disqualified is never moved by the scorer; a lead returned to
nurturing that is still above the threshold is qualified again only after its score fell
below the threshold and crossed it again. The owner gets a task and the hub event
``lead.status_changed`` (payload ``to: "mql"``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import may_manage_marketing
from abm.tasks import enqueue
from accounts.models import (
    Activity,
    Campaign,
    Industry,
    Lead,
    LeadScore,
    LeadScoreDirty,
    Product,
    ScoringModel,
    ScoringRule,
    Task,
    User,
)
from accounts.scoring.engine import QUALIFIABLE_STATUSES, lead_scores_compute
from accounts.services.changes import changes_notify

log = logging.getLogger(__name__)

FLUSH_KEY = "accounts:lead-scores-flush-scheduled"
RECOMPUTE_KEY = "accounts:lead-scores-recompute-scheduled"
ID_BATCH = 500
MAX_RULES = 50
MAX_DAYS = 3650


def debounce_seconds() -> float:
    return float(getattr(settings, "LEAD_SCORE_DEBOUNCE_SECONDS", 0.3))


# --- Scoring models -----------------------------------------------------------------------


def _check(user: User) -> None:
    if not may_manage_marketing(user):
        raise ForbiddenError(
            _("Only marketers and admins can manage scoring models."), code="forbidden"
        )


def _int(value, *, field: str, low: int, high: int, required: bool = True):
    if value in (None, ""):
        if required:
            raise ApplicationError(_("This field is required."), field=field)
        return None
    if isinstance(value, bool):
        raise ApplicationError(_("Enter a whole number."), field=field)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ApplicationError(_("Enter a whole number."), field=field) from None
    if str(number) != str(value).strip() and not isinstance(value, int):
        raise ApplicationError(_("Enter a whole number."), field=field)
    if not low <= number <= high:
        raise ApplicationError(
            _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high},
            field=field,
        )
    return number


def _text(value, *, field: str, max_length: int) -> str:
    value = "" if value is None else value
    if not isinstance(value, str):
        raise ApplicationError(_("Enter text."), field=field)
    value = value.strip()
    if len(value) > max_length:
        raise ApplicationError(_("At most %(n)d characters.") % {"n": max_length}, field=field)
    return value


def _choice(value, choices, *, field: str, default: str | None = None) -> str:
    if value in (None, "") and default is not None:
        return default
    if value not in choices.values:
        raise ApplicationError(
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": value, "choices": ", ".join(choices.values)},
            field=field,
        )
    return value


def _industry_values(values: list[str], *, field: str) -> list[str]:
    by_label = {str(label).lower(): value for value, label in Industry.choices}
    out = []
    for item in values:
        key = item.lower()
        if key in Industry.values:
            out.append(key)
        elif key in by_label:
            out.append(by_label[key])
        else:
            raise ApplicationError(
                _("“%(value)s” is not an industry; use: %(choices)s.")
                % {"value": item, "choices": ", ".join(Industry.values)},
                field=field,
            )
    return out


def rule_clean(data: dict, *, index: int) -> dict:
    """One rule's data checked and normalized; errors name ``rules[index].field``."""
    if not isinstance(data, dict):
        raise ApplicationError(_("Each rule is an object."), field=f"rules[{index}]")

    def f(name: str) -> str:
        return f"rules[{index}].{name}"

    kind = _choice(data.get("kind"), ScoringRule.Kind, field=f("kind"), default="activity")
    points = _int(data.get("points"), field=f("points"), low=-1000, high=1000)
    if points == 0:
        raise ApplicationError(_("A rule gives points: not 0."), field=f("points"))
    rule = {
        "kind": kind,
        "points": points,
        "activity_type": "",
        "campaign": None,
        "content_type": "",
        "subject_contains": "",
        "url_contains": "",
        "count_mode": ScoringRule.CountMode.EACH,
        "min_count": 1,
        "window_days": None,
        "max_points": None,
        "decay": ScoringRule.Decay.NONE,
        "decay_days": None,
        "field": "",
        "values": "",
        "min_value": None,
        "max_value": None,
    }
    if kind == ScoringRule.Kind.ACTIVITY:
        activity_type = data.get("activity_type") or ""
        if activity_type and activity_type not in Activity.Type.values:
            raise ApplicationError(
                _("“%(value)s” is not an activity type.") % {"value": activity_type},
                field=f("activity_type"),
            )
        campaign = data.get("campaign")
        if isinstance(campaign, Campaign):
            campaign_obj = campaign
        elif campaign in (None, ""):
            campaign_obj = None
        else:
            pk = _int(campaign, field=f("campaign"), low=1, high=2**62)
            campaign_obj = Campaign.objects.filter(pk=pk).first()
            if campaign_obj is None:
                raise ApplicationError(_("No such campaign."), field=f("campaign"))
        decay = _choice(data.get("decay"), ScoringRule.Decay, field=f("decay"), default="none")
        decay_days = _int(
            data.get("decay_days"),
            field=f("decay_days"),
            low=1,
            high=MAX_DAYS,
            required=decay != ScoringRule.Decay.NONE,
        )
        rule.update(
            activity_type=activity_type,
            campaign=campaign_obj,
            content_type=_text(data.get("content_type"), field=f("content_type"), max_length=60),
            subject_contains=_text(
                data.get("subject_contains"), field=f("subject_contains"), max_length=200
            ),
            url_contains=_text(data.get("url_contains"), field=f("url_contains"), max_length=200),
            count_mode=_choice(
                data.get("count_mode"), ScoringRule.CountMode, field=f("count_mode"), default="each"
            ),
            min_count=_int(
                data.get("min_count"), field=f("min_count"), low=1, high=100000, required=False
            )
            or 1,
            window_days=_int(
                data.get("window_days"),
                field=f("window_days"),
                low=1,
                high=MAX_DAYS,
                required=False,
            ),
            max_points=_int(
                data.get("max_points"), field=f("max_points"), low=1, high=100000, required=False
            ),
            decay=decay,
            decay_days=decay_days if decay != ScoringRule.Decay.NONE else None,
        )
    else:
        field = _choice(data.get("field"), ScoringRule.Field, field=f("field"))
        rule["field"] = field
        if field == ScoringRule.Field.ACCOUNT_SIZE:
            low = _int(
                data.get("min_value"), field=f("min_value"), low=0, high=10**9, required=False
            )
            high = _int(
                data.get("max_value"), field=f("max_value"), low=0, high=10**9, required=False
            )
            if low is None and high is None:
                raise ApplicationError(
                    _("Give a minimum or a maximum number of employees."), field=f("min_value")
                )
            if low is not None and high is not None and low > high:
                raise ApplicationError(_("The minimum is above the maximum."), field=f("max_value"))
            rule.update(min_value=low, max_value=high)
        else:
            raw = _text(data.get("values"), field=f("values"), max_length=2000)
            values = [v.strip() for v in raw.split(",") if v.strip()]
            if not values:
                raise ApplicationError(
                    _("List at least one value, separated by commas."), field=f("values")
                )
            if field == ScoringRule.Field.ACCOUNT_INDUSTRY:
                values = _industry_values(values, field=f("values"))
            rule["values"] = ", ".join(values)
    return rule


def model_clean(data: dict, *, partial_model: ScoringModel | None = None) -> dict:
    """The model's own fields and its rules, checked (rules only when given)."""
    clean: dict = {}
    if partial_model is None or "name" in data:
        name = _text(data.get("name"), field="name", max_length=200)
        if not name:
            raise ApplicationError(_("This field is required."), field="name")
        clean["name"] = name
    if partial_model is None or "description" in data:
        clean["description"] = _text(data.get("description"), field="description", max_length=5000)
    if partial_model is None or "threshold" in data:
        clean["threshold"] = _int(data.get("threshold"), field="threshold", low=1, high=100000)
    if partial_model is None or "product" in data:
        product = data.get("product")
        if isinstance(product, Product) or product is None or product == "":
            clean["product"] = product or None
        else:
            pk = _int(product, field="product", low=1, high=2**62)
            clean["product"] = Product.objects.filter(pk=pk).first()
            if clean["product"] is None:
                raise ApplicationError(_("No such product."), field="product")
    if partial_model is None or "is_active" in data:
        active = data.get("is_active", False)
        if not isinstance(active, bool):
            raise ApplicationError(_("Must be true or false."), field="is_active")
        clean["is_active"] = active
    if "rules" in data:
        rules = data["rules"]
        if not isinstance(rules, list):
            raise ApplicationError(_("A list of rules."), field="rules")
        if len(rules) > MAX_RULES:
            raise ApplicationError(_("At most %(n)d rules.") % {"n": MAX_RULES}, field="rules")
        clean["rules"] = [rule_clean(item, index=i) for i, item in enumerate(rules)]
    return clean


def _check_single_active(model: ScoringModel) -> None:
    if not model.is_active:
        return
    others = ScoringModel.objects.filter(is_active=True, product=model.product).exclude(pk=model.pk)
    other = others.first()
    if other is not None:
        scope = model.product.name if model.product else _("all leads")
        raise ApplicationError(
            _("“%(other)s” is already the active model for %(scope)s; deactivate it first.")
            % {"other": other.name, "scope": scope},
            field="is_active",
            code="conflict",
            status_code=409,
        )


def _save(model: ScoringModel, rules: list[dict] | None) -> ScoringModel:
    _check_single_active(model)
    try:
        with transaction.atomic():
            model.save()
            if rules is not None:
                model.rules.all().delete()
                ScoringRule.objects.bulk_create(
                    [ScoringRule(model=model, position=i, **rule) for i, rule in enumerate(rules)]
                )
    except IntegrityError:
        # Two activations at once: the partial unique index let one in.
        raise ApplicationError(
            _("Another model became active for the same leads; reload and try again."),
            field="is_active",
            code="conflict",
            status_code=409,
        ) from None
    transaction.on_commit(lead_scores_recompute_soon)
    return model


def scoring_model_create(*, user: User, data: dict) -> ScoringModel:
    _check(user)
    clean = model_clean(data)
    rules = clean.pop("rules", [])
    model = ScoringModel(created_by=user, **clean)
    return _save(model, rules)


def scoring_model_update(*, user: User, model: ScoringModel, data: dict) -> ScoringModel:
    _check(user)
    clean = model_clean(data, partial_model=model)
    rules = clean.pop("rules", None)
    for key, value in clean.items():
        setattr(model, key, value)
    model.updated_at = timezone.now()
    return _save(model, rules)


def scoring_model_set_active(*, user: User, model: ScoringModel, active: bool) -> ScoringModel:
    return scoring_model_update(user=user, model=model, data={"is_active": bool(active)})


def scoring_model_delete(*, user: User, model: ScoringModel) -> None:
    _check(user)
    model.delete()
    transaction.on_commit(lead_scores_recompute_soon)


def scoring_recompute_now(*, user: User, model: ScoringModel | None = None) -> bool:
    """ "Recompute now": queue the full recompute; True when it was queued (or ran)."""
    _check(user)
    if model is not None:
        ScoringModel.objects.filter(pk=model.pk).update(recomputed_at=timezone.now())
    from accounts.scoring.tasks import lead_scores_recompute_all_task

    return enqueue(lead_scores_recompute_all_task)


def lead_scores_recompute_soon() -> None:
    """After a model or rule change: one full recompute shortly (debounced)."""
    from accounts.scoring.tasks import lead_scores_recompute_all_task

    if cache.add(RECOMPUTE_KEY, 1, timeout=5) and not enqueue(
        lead_scores_recompute_all_task, countdown=1
    ):
        cache.delete(RECOMPUTE_KEY)


# --- Incremental path -----------------------------------------------------------------------


def lead_scores_mark_dirty(lead_ids: Iterable[int]) -> int:
    """Queue leads for the debounced flush; the mark is a row, so nothing is lost."""
    rows = [LeadScoreDirty(lead_id=int(pk)) for pk in {pk for pk in lead_ids if pk}]
    if not rows:
        return 0
    LeadScoreDirty.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    lead_scores_schedule_flush()
    return len(rows)


def lead_scores_schedule_flush() -> None:
    from accounts.scoring.tasks import lead_scores_flush_task

    # The flush deletes the key before it reads the queue: a mark after that read queues
    # the next flush. A broker that is down only delays the flush to beat's catch-up.
    if cache.add(FLUSH_KEY, 1, timeout=10) and not enqueue(
        lead_scores_flush_task, countdown=debounce_seconds()
    ):
        cache.delete(FLUSH_KEY)


def lead_scores_flush(*, limit: int = 2000, now: datetime | None = None) -> dict:
    """Recompute the leads marked dirty; qualify those that crossed; re-queue if more wait."""
    cache.delete(FLUSH_KEY)
    with transaction.atomic():
        rows = list(
            LeadScoreDirty.objects.select_for_update(skip_locked=True)
            .order_by("id")
            .values_list("id", "lead_id")[:limit]
        )
        if not rows:
            return {"leads": 0}
        LeadScoreDirty.objects.filter(id__in=[r[0] for r in rows]).delete()
        lead_ids = sorted({r[1] for r in rows})
        result = {"leads": len(lead_ids), "crossed": 0}
        for start in range(0, len(lead_ids), ID_BATCH):
            part = lead_scores_compute(lead_ids=lead_ids[start : start + ID_BATCH], now=now)
            result["crossed"] += part["crossed"]
    if result["crossed"]:
        result["qualified"] = lead_scores_qualify(lead_ids=lead_ids)
    if len(rows) == limit:
        lead_scores_schedule_flush()
    return result


def lead_scores_recompute_all(*, now: datetime | None = None) -> dict:
    """Every lead at once (set-based); the crossings are qualified by their own task."""
    with transaction.atomic():
        result = lead_scores_compute(now=now)
    if result["crossed"]:
        from accounts.scoring.tasks import lead_scores_qualify_task

        transaction.on_commit(lambda: enqueue(lead_scores_qualify_task))
    return result


def lead_scores_changes_listener(*, kind: str, account_ids: set[int], contact_ids: set[int]):
    """After-commit listener: mark the leads whose score the change may move."""
    if not ScoringModel.objects.filter(is_active=True).exists():
        return
    lead_ids: set[int] = set()
    contacts = sorted(contact_ids)
    accounts = sorted(account_ids)
    if kind in ("activity", "contact", "lead"):
        for start in range(0, len(contacts), ID_BATCH):
            lead_ids.update(
                Lead.objects.filter(contact_id__in=contacts[start : start + ID_BATCH]).values_list(
                    "id", flat=True
                )
            )
    if kind == "lead":
        # A lead that lost its contact loses its score (marked through its account).
        for start in range(0, len(accounts), ID_BATCH):
            lead_ids.update(
                LeadScore.objects.filter(
                    lead__account_id__in=accounts[start : start + ID_BATCH],
                    lead__contact__isnull=True,
                ).values_list("lead_id", flat=True)
            )
    if kind == "account":
        for start in range(0, len(accounts), ID_BATCH):
            lead_ids.update(
                Lead.objects.filter(
                    contact__account_id__in=accounts[start : start + ID_BATCH]
                ).values_list("id", flat=True)
            )
    lead_scores_mark_dirty(lead_ids)


# --- Qualification ----------------------------------------------------------------------------


def _status_change_to_mql(lead: Lead, reason: str) -> None:
    """Through the one door for a lead's status (history, the ``lead_status_changed``
    activity, the ``lead.status_changed`` hub event), as the system (source: scoring)."""
    from accounts.lifecycle.services import lead_status_change

    lead_status_change(lead, Lead.Status.MQL, user=None, reason=reason, source="scoring")


def _owner_task(lead: Lead, score: LeadScore, now: datetime) -> Task | None:
    owner_id = lead.owner_id or (lead.contact.owner_id if lead.contact_id else None)
    if owner_id is None and lead.account_id:
        owner_id = lead.account.owner_id
    if owner_id is None:
        return None
    name = lead.topic or (lead.product.name if lead.product_id else "") or str(lead.contact)
    task = Task.objects.create(
        type=Task.Type.CUSTOM,
        title=(_("Follow up marketing-qualified lead: %(name)s") % {"name": name})[:255],
        description=_(
            "Score %(score)d reached the sales-ready threshold %(threshold)d of “%(model)s”."
        )
        % {
            "score": score.score,
            "threshold": score.model.threshold if score.model else 0,
            "model": score.model.name if score.model else "",
        },
        due_at=now + timedelta(days=1),
        owner_id=owner_id,
        contact_id=lead.contact_id,
        account_id=lead.account_id or (lead.contact.account_id if lead.contact_id else None),
    )
    changes_notify(kind="task", account_ids={task.account_id}, contact_ids={task.contact_id})
    return task


def lead_scores_qualify(*, lead_ids: Iterable[int] | None = None, limit: int = 500) -> int:
    """Make the flagged leads marketing-qualified (each in its own transaction); returns
    how many moved. A flag on a lead that moved on meanwhile is just cleared."""
    pending = LeadScore.objects.filter(mql_pending=True)
    if lead_ids is not None:
        pending = pending.filter(lead_id__in=list(lead_ids))
    ids = list(pending.order_by("lead_id").values_list("lead_id", flat=True)[:limit])
    moved = 0
    for lead_id in ids:
        with transaction.atomic():
            score = (
                LeadScore.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("model")
                .filter(lead_id=lead_id, mql_pending=True)
                .first()
            )
            if score is None:
                continue
            lead = (
                Lead.objects.select_for_update(of=("self",))
                .select_related("contact", "account", "product")
                .get(pk=lead_id)
            )
            now = timezone.now()
            if lead.status in QUALIFIABLE_STATUSES and score.above_threshold:
                reason = _(
                    "Score %(score)d reached the threshold %(threshold)d of “%(model)s”."
                ) % {
                    "score": score.score,
                    "threshold": score.model.threshold if score.model else 0,
                    "model": score.model.name if score.model else "",
                }
                _status_change_to_mql(lead, reason)
                _owner_task(lead, score, now)
                score.qualified_at = now
                moved += 1
            score.mql_pending = False
            score.save(update_fields=["mql_pending", "qualified_at"])
    if len(ids) == limit:
        from accounts.scoring.tasks import lead_scores_qualify_task

        transaction.on_commit(lambda: enqueue(lead_scores_qualify_task))
    return moved
