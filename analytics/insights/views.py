"""Pages of the insights: marketing impact, pipeline progress, account health, upsell.

Each page reads its settings from the query string (the same names as the API), shows a
picture drawn from a JSON block by static/js/insights.js (no inline script), a text
alternative and a table view, and links its CSV export (the same URL + ``.csv``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError
from abm.pages import url_with_query
from accounts.models import Account, Industry, Product, Team, User

from . import exports
from .common import InsightSettings, settings_parse
from .health import HEALTH_ORDERS, HEALTH_PAGE, account_health, health_overview
from .impact import DIMENSIONS, MODELS, impact_run
from .pipeline import pipeline_run
from .upsell import LEVELS, upsell_run

PIPELINE_CHOICES = {"granularity": ("month", "week")}
# The picture shows W-shaped credit unless another model is chosen.
IMPACT_CHOICES = {
    "dimension": DIMENSIONS,
    "model": ("w_shaped", "first_touch", "last_touch", "linear"),
}


def _parse(request, **choices) -> tuple[InsightSettings, ApplicationError | None]:
    """The settings from the query string; on bad input the defaults and the error."""
    try:
        return settings_parse(request.GET, **choices), None
    except ApplicationError as exc:
        return settings_parse({}, **choices), exc


def _bad_request(error: ApplicationError) -> HttpResponse:
    field = f"{error.field}: " if error.field else ""
    return HttpResponse(field + error.message, status=400, content_type="text/plain; charset=utf-8")


def _segment_choices() -> dict:
    return {
        "industries": Industry.choices,
        "owners": list(
            User.objects.filter(is_active=True)
            .order_by("first_name", "last_name", "username")
            .values("id", "username", "first_name", "last_name")[:300]
        ),
        "teams": list(Team.objects.order_by("name").values("id", "name")),
    }


def _render(request, template: str, context: dict, error: ApplicationError | None):
    context.update(_segment_choices())
    context["error"] = error
    context["query"] = request.GET.urlencode()
    return render(request, template, context, status=400 if error else 200)


@login_required
def impact_page(request):
    s, error = _parse(request, **IMPACT_CHOICES)
    result = impact_run(s)
    account = Account.objects.filter(pk=s.account).only("id", "name").first() if s.account else None
    chart = {
        "kind": "impact",
        "model": s.model,
        "models": {m: _model_label(m) for m in MODELS},
        "pipeline": result["pipeline"]["rows"][:15],
        "won": result["won"]["rows"][:15],
        "labels": {"pipeline": _("Pipeline created"), "won": _("Revenue won")},
    }
    return _render(
        request,
        "analytics/insights/impact.html",
        {
            "s": s,
            "result": result,
            "chart": chart,
            "account": account,
            "models": [(m, _model_label(m)) for m in MODELS],
            "model_label": _model_label(s.model),
            "dimension_label": {
                "campaign": _("Campaigns"),
                "channel": _("Channels"),
                "content": _("Content types"),
            }[s.dimension],
            "dimensions": [
                ("campaign", _("Campaign")),
                ("channel", _("Channel")),
                ("content", _("Content type")),
            ],
        },
        error,
    )


def _chart_words() -> dict:
    """The words the pictures print (static/js/insights.js), translated here."""
    return {
        "won": _("Won"),
        "lost": _("Lost"),
        "open": _("Open deals"),
        "closed": _("Closed"),
        "days": _("Days"),
        "median": _("Median"),
        "p90": _("90th percentile"),
        "accounts": _("Accounts"),
        "max": _("Maximum"),
        "points": _("Points"),
    }


def _model_label(model: str) -> str:
    return {
        "first_touch": _("First touch"),
        "last_touch": _("Last touch"),
        "linear": _("Linear"),
        "w_shaped": _("W-shaped"),
    }[model]


@login_required
def impact_csv(request):
    s, error = _parse(request, **IMPACT_CHOICES)
    if error:
        return _bad_request(error)
    return exports.impact_csv(impact_run(s))


@login_required
def pipeline_page(request):
    s, error = _parse(request, **PIPELINE_CHOICES)
    result = pipeline_run(s)
    return _render(
        request,
        "analytics/insights/pipeline.html",
        {"s": s, "result": result, "chart": {"kind": "pipeline", **result, "t": _chart_words()}},
        error,
    )


@login_required
def pipeline_csv(request):
    s, error = _parse(request, **PIPELINE_CHOICES)
    if error:
        return _bad_request(error)
    return exports.pipeline_csv(pipeline_run(s))


def _health_order(request) -> str:
    order = request.GET.get("order") or "score"
    if order not in HEALTH_ORDERS:
        raise ApplicationError(
            _("order must be one of: %(choices)s.") % {"choices": ", ".join(HEALTH_ORDERS)},
            field="order",
        )
    return order


def _offset(request) -> int:
    raw = (request.GET.get("offset") or "0").strip()
    if not raw.isdecimal():
        raise ApplicationError(_("offset must be a whole number."), field="offset")
    return int(raw)


@login_required
def health_page(request):
    s, error = _parse(request)
    try:
        order, offset = _health_order(request), _offset(request)
    except ApplicationError as exc:
        order, offset, error = "score", 0, exc
    overview = health_overview(s, order=order, offset=offset)
    has_next = offset + HEALTH_PAGE < overview["accounts"]
    pager = {
        "from": offset + 1 if overview["rows"] else 0,
        "to": offset + len(overview["rows"]),
        "previous": url_with_query(request, offset=max(0, offset - HEALTH_PAGE) or None)
        if offset
        else None,
        "next": url_with_query(request, offset=offset + HEALTH_PAGE) if has_next else None,
    }
    return _render(
        request,
        "analytics/insights/health.html",
        {
            "s": s,
            "overview": overview,
            "pager": pager,
            "chart": {"kind": "health", **overview, "t": _chart_words()},
        },
        error,
    )


@login_required
def health_csv(request):
    s, error = _parse(request)
    if error:
        return _bad_request(error)
    try:
        order = _health_order(request)
    except ApplicationError as exc:
        return _bad_request(exc)
    overview = health_overview(s, order=order, limit=5000)
    return exports.health_csv(overview["rows"])


@login_required
def health_account_page(request, account_id: int):
    account = get_object_or_404(Account.objects.only("id", "name"), pk=account_id)
    health = account_health(account_id=account.pk)
    if health is None:
        raise Http404(_("This account has no health score yet."))
    return render(
        request,
        "analytics/insights/health_account.html",
        {
            "account": account,
            "health": health,
            "chart": {"kind": "health_account", **health, "t": _chart_words()},
        },
    )


def _upsell_params(request) -> tuple[str, int | None, int]:
    level = request.GET.get("min_level") or "low"
    if level not in LEVELS:
        raise ApplicationError(
            _("min_level must be one of: %(choices)s.") % {"choices": ", ".join(LEVELS)},
            field="min_level",
        )
    raw = (request.GET.get("product") or "").strip()
    product = None
    if raw:
        if not raw.isdecimal() or not Product.objects.filter(pk=int(raw)).exists():
            raise ApplicationError(_("product must be a product id."), field="product")
        product = int(raw)
    raw_limit = (request.GET.get("limit") or "100").strip()
    if not raw_limit.isdecimal() or not 1 <= int(raw_limit) <= 500:
        raise ApplicationError(_("limit must be between 1 and 500."), field="limit")
    return level, product, int(raw_limit)


@login_required
def upsell_page(request):
    s, error = _parse(request)
    try:
        level, product, limit = _upsell_params(request)
    except ApplicationError as exc:
        (level, product, limit), error = ("low", None, 100), exc
    result = upsell_run(s, min_level=level, product=product, limit=limit)
    return _render(
        request,
        "analytics/insights/upsell.html",
        {
            "s": s,
            "result": result,
            "levels": LEVELS,
            "products": list(Product.objects.order_by("name").values("id", "name")[:500]),
            "chart": {"kind": "upsell", "products": result["products"], "t": _chart_words()},
        },
        error,
    )


@login_required
def upsell_csv(request):
    s, error = _parse(request)
    if error:
        return _bad_request(error)
    try:
        level, product, _limit = _upsell_params(request)
    except ApplicationError as exc:
        return _bad_request(exc)
    return exports.upsell_csv(upsell_run(s, min_level=level, product=product, limit=500))
