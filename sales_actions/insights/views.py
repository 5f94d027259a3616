"""The "Insights" panel of contact, account and opportunity pages (namespace ``insights``)."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sales_actions.insights import selectors
from sales_actions.insights.scope import insights_allowed, insights_scope, week_window


def grid_chart(grid: dict) -> str:
    """The heat map's data for static/js/insights_panel.js, as JSON for a data attribute."""
    return json.dumps(
        {
            "weeks": [date_format(monday, "M j") for monday in grid["weeks"]],
            "rows": [row["label"] for row in grid["rows"]],
            "counts": [row["counts"] for row in grid["rows"]],
            "max": grid["max"],
            "weekLabel": str(_("Week of")),
            "more": str(_("More")),
            "less": str(_("Less")),
        }
    )


@login_required
@require_GET
def record_panel(request, pk: int, record: str):
    scope = insights_scope(user=request.user, record=record, pk=pk, check=False)
    if not insights_allowed(user=request.user, scope=scope):
        return render(request, "sales_actions/insights/not_allowed.html", {"owner": scope.owner})
    window = week_window(user=request.user)
    data = selectors.insights(user=request.user, scope=scope, window=window)
    context = {
        **data,
        "scope": scope,
        "window": window,
        "chart": grid_chart(data["grid"]),
        "show_person": scope.record != "contact",
    }
    return render(request, "sales_actions/insights/panel.html", context)
