"""Scoring pages: the model list, create/edit with rule rows, activate/deactivate,
"recompute now", and the score panel on the lead page."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from abm.exceptions import ApplicationError
from abm.permissions import may_manage_marketing
from accounts.models import Lead, ScoringModel
from accounts.scoring import selectors, services
from accounts.scoring.forms import RuleForm, RuleFormSet, ScoringModelForm

_RULE_FIELD = re.compile(r"^rules\[(\d+)\](?:\.(\w+))?$")


def _require_marketing(user) -> None:
    if not may_manage_marketing(user):
        raise PermissionDenied(_("Only marketers and admins can manage scoring models."))


@login_required
def model_list(request):
    _require_marketing(request.user)
    models = list(selectors.scoring_model_list())
    counts = selectors.scored_lead_counts()
    for model in models:
        row = counts.get(model.pk, {})
        model.scored_count = row.get("scored", 0)
        model.ready_count = row.get("ready", 0)
    return render(request, "accounts/scoring/model_list.html", {"models": models})


def _rules_payload(formset) -> tuple[list[dict], list[int]]:
    rules, rows = [], []
    for index, form in enumerate(formset.forms):
        payload = form.payload()
        if payload is not None:
            rules.append(payload)
            rows.append(index)
    return rules, rows


@login_required
def model_edit(request, pk: int | None = None):
    _require_marketing(request.user)
    model = get_object_or_404(ScoringModel, pk=pk) if pk else None
    if model:
        initial = {
            "name": model.name,
            "product": model.product_id,
            "threshold": model.threshold,
            "is_active": model.is_active,
            "description": model.description,
        }
        rules_initial = [RuleForm.initial_for(r) for r in model.rules.order_by("position", "id")]
    else:
        initial = {"threshold": 100}
        rules_initial = [
            {
                "kind": "activity",
                "points": 10,
                "activity_type": "email_clicked",
                "decay": "half_life",
                "decay_days": 30,
            },
            {
                "kind": "activity",
                "points": 30,
                "activity_type": "event_attended",
                "decay": "expire",
                "decay_days": 90,
            },
            {
                "kind": "activity",
                "points": 25,
                "activity_type": "web_visit",
                "url_contains": "/pricing",
                "max_points": 75,
                "decay": "half_life",
                "decay_days": 30,
            },
        ]
    form = ScoringModelForm(request.POST or None, initial=initial)
    formset = RuleFormSet(request.POST or None, initial=rules_initial, prefix="rules")
    status = 200
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            rules, rows = _rules_payload(formset)
            data = {**form.cleaned_data, "rules": rules}
            data["product"] = data["product"].pk if data.get("product") else None
            try:
                if model:
                    services.scoring_model_update(user=request.user, model=model, data=data)
                else:
                    model = services.scoring_model_create(user=request.user, data=data)
            except ApplicationError as exc:
                status = exc.status_code if exc.status_code != 409 else 400
                match = _RULE_FIELD.match(exc.field or "")
                if match:
                    row = formset.forms[rows[int(match.group(1))]]
                    name = match.group(2)
                    row.add_error(name if name in row.fields else None, exc.message)
                    form.add_error(
                        None,
                        _("Rule %(n)d: %(message)s")
                        % {"n": rows[int(match.group(1))] + 1, "message": exc.message},
                    )
                else:
                    form.add_application_error(exc)
            else:
                messages.success(
                    request, _("Scoring model “%(name)s” saved.") % {"name": model.name}
                )
                return redirect("scoring:list")
        else:
            status = 400
    return render(
        request,
        "accounts/scoring/model_form.html",
        {"model": model, "form": form, "formset": formset},
        status=status,
    )


@login_required
@require_POST
def model_activate(request, pk: int):
    model = get_object_or_404(ScoringModel, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.scoring_model_set_active(user=request.user, model=model, active=active)
    except ApplicationError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(exc.message) from None
        messages.error(request, exc.message)
    else:
        text = (
            _("“%(name)s” is active: scores are being computed.")
            if active
            else _("“%(name)s” is inactive: its leads are no longer scored by it.")
        )
        messages.success(request, text % {"name": model.name})
    return redirect("scoring:list")


@login_required
@require_POST
def model_delete(request, pk: int):
    model = get_object_or_404(ScoringModel, pk=pk)
    try:
        services.scoring_model_delete(user=request.user, model=model)
    except ApplicationError as exc:
        raise PermissionDenied(exc.message) from None
    messages.success(request, _("Deleted “%(name)s”.") % {"name": model.name})
    return redirect("scoring:list")


@login_required
@require_POST
def recompute(request):
    _require_marketing(request.user)
    pk = request.POST.get("model") or ""
    model = get_object_or_404(ScoringModel, pk=int(pk)) if pk.isdecimal() else None
    if services.scoring_recompute_now(user=request.user, model=model):
        messages.success(request, _("Every lead's score is being recomputed."))
    else:
        messages.warning(
            request,
            _("The task queue cannot be reached: the scheduled recompute will do it."),
        )
    return redirect("scoring:list")


@login_required
def lead_score_panel(request, pk: int):
    lead = get_object_or_404(Lead.objects.select_related("contact", "product"), pk=pk)
    explained = selectors.lead_score_explain(lead)
    return render(
        request,
        "accounts/scoring/_lead_score_panel.html",
        {"lead": lead, "explained": explained},
    )
