"""Lead scoring reads: the model list, which model applies to a lead, and a score's
explanation (the rules and activities that gave its points) for the page and the API."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext as _

from accounts.models import Activity, Industry, Lead, LeadScore, ScoringModel, ScoringRule
from accounts.scoring.engine import rule_activities

REASONS = {
    "no_contact": "This lead has no contact, so it cannot be scored automatically: "
    "scores come from the primary contact's interactions.",
    "no_model": "No active scoring model applies to this lead (none for its product and "
    "none for all leads).",
    "pending": "The scorer has not reached this lead yet.",
}


def scoring_model_list():
    return (
        ScoringModel.objects.select_related("product", "created_by")
        .annotate(rule_count=Count("rules", distinct=True))
        .order_by("-is_active", "name", "id")
    )


def scoring_model_get(pk: int) -> ScoringModel:
    return (
        ScoringModel.objects.select_related("product")
        .prefetch_related(
            Prefetch("rules", queryset=ScoringRule.objects.select_related("campaign"))
        )
        .get(pk=pk)
    )


def scored_lead_counts() -> dict[int, dict]:
    """Per model: leads scored and leads at or above its threshold."""
    rows = LeadScore.objects.values("model_id").annotate(
        scored=Count("lead_id"), ready=Count("lead_id", filter=Q(above_threshold=True))
    )
    return {r["model_id"]: r for r in rows}


def model_for_lead(lead: Lead) -> ScoringModel | None:
    """The model that scores ``lead``: its product's active model, else the all-leads one."""
    active = ScoringModel.objects.filter(is_active=True)
    if lead.product_id:
        model = active.filter(product_id=lead.product_id).first()
        if model is not None:
            return model
    return active.filter(product__isnull=True).first()


def rule_label(rule: ScoringRule) -> str:
    """The rule for people: “+10 per Email clicked · campaign Spring · halves every 30 days”."""
    points = f"{rule.points:+d}"
    if rule.kind == ScoringRule.Kind.FIELD:
        if rule.field == ScoringRule.Field.ACCOUNT_SIZE:
            low = rule.min_value if rule.min_value is not None else 0
            high = rule.max_value if rule.max_value is not None else "∞"
            what = _("account has %(low)s–%(high)s employees") % {"low": low, "high": high}
        elif rule.field == ScoringRule.Field.ACCOUNT_INDUSTRY:
            labels = dict(Industry.choices)
            values = [v.strip() for v in rule.values.split(",") if v.strip()]
            names = ", ".join(str(labels.get(v, v)) for v in values)
            what = f"{ScoringRule.Field(rule.field).label}: {names}"
        else:
            what = f"{ScoringRule.Field(rule.field).label}: {rule.values}"
        return f"{points} · {what}"
    kind = Activity.Type(rule.activity_type).label if rule.activity_type else _("any interaction")
    if rule.count_mode == ScoringRule.CountMode.AT_LEAST:
        head = _("%(points)s once for at least %(n)d × %(kind)s") % {
            "points": points,
            "n": rule.min_count,
            "kind": kind,
        }
    else:
        head = _("%(points)s per %(kind)s") % {"points": points, "kind": kind}
    parts = [head]
    if rule.campaign_id:
        parts.append(_("campaign %(name)s") % {"name": rule.campaign.name})
    if rule.content_type:
        parts.append(_("content type %(v)s") % {"v": rule.content_type})
    if rule.subject_contains:
        parts.append(_("subject contains “%(v)s”") % {"v": rule.subject_contains})
    if rule.url_contains:
        parts.append(_("URL contains “%(v)s”") % {"v": rule.url_contains})
    if rule.window_days:
        parts.append(_("last %(n)d days") % {"n": rule.window_days})
    if rule.decay == ScoringRule.Decay.EXPIRE:
        parts.append(_("expires after %(n)d days") % {"n": rule.decay_days})
    elif rule.decay == ScoringRule.Decay.HALF_LIFE:
        parts.append(_("halves every %(n)d days") % {"n": rule.decay_days})
    if rule.max_points:
        parts.append(_("at most %(n)d points") % {"n": rule.max_points})
    return " · ".join(str(p) for p in parts)


def lead_score_explain(lead: Lead) -> dict:
    """Everything the page and the API show about a lead's score."""
    result: dict = {
        "lead": lead.pk,
        "score": lead.score,
        "scored": False,
        "reason": None,
        "reason_code": None,
        "model": None,
        "threshold": None,
        "sales_ready": False,
        "computed_at": None,
        "qualified_at": None,
        "items": [],
    }
    if not lead.can_be_scored:
        result.update(reason_code="no_contact", reason=_(REASONS["no_contact"]))
        return result
    stored = LeadScore.objects.select_related("model").filter(lead=lead).first()
    model = stored.model if stored and stored.model else model_for_lead(lead)
    if model is None:
        result.update(reason_code="no_model", reason=_(REASONS["no_model"]))
        return result
    result["model"] = {"id": model.pk, "name": model.name}
    result["threshold"] = model.threshold
    if stored is None:
        result.update(reason_code="pending", reason=_(REASONS["pending"]))
        return result
    result.update(
        scored=True,
        score=stored.score,
        sales_ready=stored.above_threshold,
        computed_at=stored.computed_at,
        qualified_at=stored.qualified_at,
    )
    items = sorted(stored.breakdown or [], key=lambda i: -abs(i.get("points") or 0))
    rules = {
        r.pk: r
        for r in ScoringRule.objects.select_related("campaign").filter(
            pk__in=[i.get("rule") for i in items]
        )
    }
    for item in items:
        rule = rules.get(item.get("rule"))
        activities = (
            rule_activities(rule, contact_id=lead.contact_id, at=stored.computed_at)
            if rule is not None and rule.kind == ScoringRule.Kind.ACTIVITY
            else []
        )
        result["items"].append(
            {
                "rule": item.get("rule"),
                "rule_label": rule_label(rule) if rule else _("A rule since removed"),
                "points": item.get("points"),
                "count": item.get("count") or 0,
                "activities": [
                    {
                        "id": a.pk,
                        "type": a.type,
                        "type_label": a.get_type_display(),
                        "subject": a.subject or a.url,
                        "occurred_at": a.occurred_at,
                    }
                    for a in activities
                ],
            }
        )
    return result
