"""Pages of the analytics: the list of saved analyses, one editor page per kind (settings,
picture, table view, drill-down), CSV export and static lists."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST
from rest_framework.exceptions import ValidationError

from abm.exceptions import ApplicationError
from abm.permissions import may_manage_marketing, may_write
from accounts.models import Account, Activity, Campaign, Industry, Lead, Opportunity, Team, User
from analytics import engine, selectors, services
from analytics.engine.labels import LIFECYCLE_LABELS
from analytics.engine.sql import ACTIVITY_KINDS
from analytics.exports import result_csv
from analytics.models import Container, SavedAnalysis
from analytics.strings import js_strings
from analytics.validation import settings_json, settings_validate

KINDS = SavedAnalysis.Kind

# The seed's example settings (Adobe CJA B2B "optimize account marketing").
DEFAULTS = {
    KINDS.JOURNEY: {
        "container": "account",
        "nodes": [
            {
                "id": "n1",
                "name": "Lead form: step 1",
                "parent": None,
                "condition": {"kind": "form_submitted", "contains": "Lead form: step 1"},
            },
            {
                "id": "n2",
                "name": "Opportunity created",
                "parent": "n1",
                "condition": {"kind": "opportunity_created"},
            },
            {
                "id": "n3",
                "name": "Closed-won",
                "parent": "n2",
                "condition": {"kind": "opportunity_stage", "stage": "closed_won"},
            },
        ],
        "key_moments": {"node": "n2", "days": 30, "dimension": "type"},
        "filters": {},
    },
    KINDS.COHORT: {
        "container": "opportunity",
        "inclusion": {"condition": {"kind": "opportunity_created"}, "operator": "gte", "value": 1},
        "return": {
            "condition": {"kind": "opportunity_stage", "stage": "closed_won"},
            "operator": "gte",
            "value": 1,
        },
        "granularity": "month",
        "periods": 6,
        "cumulative": False,
        "breakdown": "none",
        "filters": {},
    },
    KINDS.FLOW: {
        "container": "account",
        "dimension": "content_type",
        "anchor": {
            "direction": "end",
            "name": "MQL",
            "condition": {"kind": "lead_status", "status": "mql"},
        },
        "columns": 5,
        "top": 5,
        "filters": {},
    },
}
DEFAULT_NAMES = {
    KINDS.JOURNEY: _lazy("Lead form to closed-won"),
    KINDS.COHORT: _lazy("Monthly closed-won opportunity cohorts"),
    KINDS.FLOW: _lazy("Content before MQL"),
}
CONTENT_TYPES = [
    "webpage", "form", "marketing email", "sales email", "whitepaper", "case study", "ebook",
    "datasheet", "analyst report", "calculator", "event",
]  # fmt: skip


def _vocabulary() -> dict:
    """Choices the settings editor offers, cached briefly (campaigns, countries...)."""
    cached = cache.get("analytics:vocabulary")
    if cached is None:
        recent = Activity.objects.order_by("-id").values_list("content_type", flat=True)[:5000]
        content = sorted({c for c in recent if c} | set(CONTENT_TYPES))
        cached = {
            "campaigns": list(Campaign.objects.order_by("name").values_list("id", "name")[:500]),
            "countries": sorted(
                c
                for c in Account.objects.order_by().values_list("country", flat=True).distinct()
                if c
            )[:200],
            "owners": [
                [u.pk, u.display_name]
                for u in User.objects.filter(is_active=True).order_by("first_name", "username")[
                    :300
                ]
            ],
            "teams": list(Team.objects.order_by("name").values_list("id", "name")),
            "content_types": content,
        }
        cache.set("analytics:vocabulary", cached, 300)
    kinds = [[k, str(dict(Activity.Type.choices)[k])] for k in ACTIVITY_KINDS]
    lifecycle = [[k, _(v)] for k, v in LIFECYCLE_LABELS.items()]
    return {
        **cached,
        "kinds": lifecycle + kinds,
        "stages": [[k, str(v)] for k, v in Opportunity.Stage.choices],
        "statuses": [
            ["mql", _("MQL (marketing-qualified)")],
            ["sales_accepted", _("SQL (sales-accepted)")],
            ["converted", str(Lead.Status.CONVERTED.label)],
            ["disqualified", str(Lead.Status.DISQUALIFIED.label)],
            ["nurturing", str(Lead.Status.NURTURING.label)],
        ],
        "channels": [[k, str(v)] for k, v in Activity.Channel.choices],
        "industries": [[k, str(v)] for k, v in Industry.choices],
        "containers": [[k, str(v)] for k, v in Container.choices],
        "dimensions": [
            ["type", _("Activity type")],
            ["content_type", _("Content type")],
            ["campaign", _("Campaign")],
            ["channel", _("Channel")],
        ],
    }


def _editor(request, *, kind: str, analysis: SavedAnalysis | None):
    settings = analysis.settings if analysis else DEFAULTS[kind]
    return render(
        request,
        "analytics/editor.html",
        {
            "kind": kind,
            "kind_label": KINDS(kind).label,
            "analysis": analysis,
            "can_edit": analysis is None or may_write(request.user, analysis),
            "boot": {
                "kind": kind,
                "settings": settings,
                "analysis": analysis.pk if analysis else None,
                "name": analysis.name if analysis else str(DEFAULT_NAMES[kind]),
                "visibility": analysis.visibility if analysis else "private",
                "vocabulary": _vocabulary(),
                "t": js_strings(),
                "urls": {
                    "run": reverse(f"analytics-{kind}-run"),
                    "analyses": reverse("analytics-analysis-list"),
                    "drill": reverse("analytics:drill", args=[kind]),
                    "export": reverse("analytics:export", args=[kind]),
                    "accounts": "/api/v1/accounts/",
                    "groups": "/api/v1/buying-groups/",
                    "index": reverse("analytics:index"),
                },
            },
        },
    )


# Ready-made pages of the app (added by the insights part); shown when they exist.
INSIGHT_PAGES = [
    (
        "analytics:impact",
        _lazy("Marketing impact"),
        _lazy("Which campaigns, channels and content touched accounts before a win."),
    ),
    (
        "analytics:pipeline",
        _lazy("Pipeline progress"),
        _lazy("Opportunities by stage over time, stage-to-stage conversion."),
    ),
    ("analytics:health", _lazy("Account health"), _lazy("A 0–100 score per account, explained.")),
    (
        "analytics:upsell",
        _lazy("Upsell and cross-sell"),
        _lazy("Won accounts showing intent for products they have not bought."),
    ),
]


def _insight_links() -> list[dict]:
    links = []
    for name, label, hint in INSIGHT_PAGES:
        try:
            links.append({"url": reverse(name), "label": label, "hint": hint})
        except NoReverseMatch:
            continue
    return links


@login_required
def index(request):
    analyses = list(selectors.saved_analysis_list(user=request.user)[:200])
    for analysis in analyses:
        analysis.can_edit = may_write(request.user, analysis)
    return render(
        request,
        "analytics/index.html",
        {"analyses": analyses, "kinds": KINDS.choices, "insights": _insight_links()},
    )


@login_required
def analysis_new(request, kind: str):
    if kind not in KINDS.values:
        raise Http404
    return _editor(request, kind=kind, analysis=None)


def _visible(request, pk: int) -> SavedAnalysis:
    return get_object_or_404(selectors.saved_analysis_list(user=request.user), pk=pk)


@login_required
def analysis_detail(request, pk: int):
    analysis = _visible(request, pk)
    return _editor(request, kind=analysis.kind, analysis=analysis)


@login_required
@require_POST
def analysis_duplicate(request, pk: int):
    copy = services.saved_analysis_duplicate(user=request.user, analysis=_visible(request, pk))
    messages.success(request, _("Saved a private copy: %(name)s.") % {"name": copy.name})
    return redirect("analytics:detail", pk=copy.pk)


@login_required
def analysis_delete(request, pk: int):
    analysis = _visible(request, pk)
    if request.method == "POST":
        try:
            services.saved_analysis_delete(user=request.user, analysis=analysis)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("analytics:index")
        messages.success(request, _("Deleted “%(name)s”.") % {"name": analysis.name})
        return redirect("analytics:index")
    if not may_write(request.user, analysis):
        messages.error(request, _("Only its owner or an admin can delete this analysis."))
        return redirect("analytics:index")
    return render(request, "analytics/confirm_delete.html", {"analysis": analysis})


def _settings_from(request, kind: str) -> dict:
    raw = request.POST.get("settings") if request.method == "POST" else None
    raw = raw or request.GET.get("settings")
    if not raw and request.GET.get("analysis"):
        analysis = _visible(request, int(request.GET["analysis"]))
        return settings_validate(kind=kind, data=analysis.settings)
    try:
        data = json.loads(raw or "")
    except ValueError:
        raise ApplicationError(_("The settings are not valid JSON."), field="settings") from None
    return settings_validate(kind=kind, data=data)


def _errors_text(exc: ValidationError) -> str:
    return json.dumps(exc.detail, default=str)


@login_required
def export(request, kind: str):
    """CSV of the table the page shows, for the settings in ``?settings=`` (or a saved one)."""
    if kind not in KINDS.values:
        raise Http404
    try:
        settings = _settings_from(request, kind)
    except ApplicationError as exc:
        return HttpResponseBadRequest(exc.message)
    except ValidationError as exc:
        return HttpResponseBadRequest(_errors_text(exc), content_type="application/json")
    result = engine.run(kind=kind, settings=settings)
    response = HttpResponse(result_csv(kind=kind, data=result.data), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{kind}.csv"'
    return response


def _target_from(request) -> dict:
    try:
        target = json.loads(request.POST.get("target") or "{}")
    except ValueError:
        target = None
    if not isinstance(target, dict):
        raise ApplicationError(_("The target is not valid."), field="target")
    if target.get("period") is not None:
        try:
            target["period"] = int(target["period"])
        except (TypeError, ValueError):
            raise ApplicationError(_("The period is not a number."), field="target") from None
    return target


@login_required
@require_POST
def drill(request, kind: str):
    """The entities behind a node, cell or band (a dialog), with list / campaign actions."""
    if kind not in KINDS.values:
        raise Http404
    try:
        settings = _settings_from(request, kind)
        target = _target_from(request)
    except ApplicationError as exc:
        return HttpResponseBadRequest(exc.message)
    except ValidationError as exc:
        return HttpResponseBadRequest(_errors_text(exc), content_type="application/json")
    container = settings["container"]
    notice = ""
    action = request.POST.get("action")
    ids = engine.entities(kind=kind, settings=settings, target=target)
    if action == "save_list":
        try:
            entity_list = services.entity_list_create(
                user=request.user,
                name=request.POST.get("name", ""),
                container=container,
                ids=ids,
                analysis=SavedAnalysis.objects.filter(pk=request.POST.get("analysis") or 0).first(),
                description=request.POST.get("title", ""),
            )
            notice = _("Saved %(n)s as the list “%(name)s”.") % {
                "n": entity_list.size,
                "name": entity_list.name,
            }
        except ApplicationError as exc:
            notice = exc.message
    elif action == "activate":
        campaign = Campaign.objects.filter(pk=request.POST.get("campaign") or 0).first()
        try:
            if campaign is None:
                raise ApplicationError(_("Choose a campaign."), field="campaign")
            added = services.entities_add_to_campaign(
                user=request.user, container=container, ids=ids, campaign=campaign
            )
            notice = _("Added %(n)s people to %(campaign)s.") % {
                "n": added,
                "campaign": campaign.name,
            }
        except ApplicationError as exc:
            notice = exc.message
    return render(
        request,
        "analytics/_drill.html",
        {
            "kind": kind,
            "title": request.POST.get("title", ""),
            "count": len(ids),
            "rows": selectors.entity_rows(container=container, ids=ids),
            "container_label": Container(container).label,
            "settings_json": json.dumps(settings_json(settings)),
            "target_json": json.dumps(target),
            "analysis": request.POST.get("analysis", ""),
            "notice": notice,
            "campaigns": Campaign.objects.order_by("name")[:300],
            "may_activate": may_manage_marketing(request.user),
        },
    )


@login_required
def lists(request):
    return render(
        request,
        "analytics/lists.html",
        {"lists": selectors.entity_list_list(user=request.user)[:200]},
    )


@login_required
def list_detail(request, pk: int):
    entity_list = get_object_or_404(selectors.entity_list_list(user=request.user), pk=pk)
    ids = list(entity_list.items.order_by("entity_id").values_list("entity_id", flat=True)[:500])
    return render(
        request,
        "analytics/list_detail.html",
        {
            "entity_list": entity_list,
            "rows": selectors.entity_rows(container=entity_list.container, ids=ids, limit=500),
            "container_label": Container(entity_list.container).label,
        },
    )


@login_required
@require_POST
def list_delete(request, pk: int):
    entity_list = get_object_or_404(selectors.entity_list_list(user=request.user), pk=pk)
    try:
        services.entity_list_delete(user=request.user, entity_list=entity_list)
        messages.success(request, _("Deleted the list."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("analytics:lists")
