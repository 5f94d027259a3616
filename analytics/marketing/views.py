"""The "Marketing insights" panel of contact, account and lead pages (namespace
``marketing_insights``)."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from analytics.marketing.selectors import marketing_insights
from sales_actions.insights.scope import insights_allowed, insights_scope, week_window


def _charts(data: dict) -> None:
    """Each KPI's sparkline and the score line as JSON for static/js/insights_panel.js."""
    weeks = [date_format(monday, "M j") for monday in data["weeks"]]
    for kpi in data["kpis"]:
        kpi["chart"] = json.dumps(
            {"weeks": weeks, "values": kpi["weekly"], "weekLabel": _("Week of")}
        )
    score = data["score"]
    if score["kind"] == "history":
        pairs = list(zip(score["days"], score["values"], strict=True))
        score["points"] = pairs[::7] + ([pairs[-1]] if (len(pairs) - 1) % 7 else [])
        score["chart"] = json.dumps(
            {
                "days": [date_format(day, "M j") for day in score["days"]],
                "values": score["values"],
                "name": _("Score"),
            }
        )


@login_required
@require_GET
def record_panel(request, pk: int, record: str):
    scope = insights_scope(user=request.user, record=record, pk=pk, check=False)
    if not insights_allowed(user=request.user, scope=scope):
        return render(request, "sales_actions/insights/not_allowed.html", {"owner": scope.owner})
    window = week_window(user=request.user)
    data = marketing_insights(scope=scope, window=window, today=timezone.now().date())
    _charts(data)
    context = {**data, "scope": scope, "window": window}
    return render(request, "analytics/marketing/panel.html", context)
