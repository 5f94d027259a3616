"""CSV exports of the insights: what each page shows, money one row per currency."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from django.utils.translation import gettext as _

from .impact import MODELS

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """Spreadsheet-safe: text that a spreadsheet would run as a formula is quoted."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


class _Writer:
    def __init__(self):
        self.buffer = io.StringIO()
        self.out = csv.writer(self.buffer)

    def row(self, values):
        self.out.writerow([_cell(v) for v in values])

    def response(self, filename: str) -> HttpResponse:
        response = HttpResponse(self.buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def _money(totals: list[dict], currency: str) -> str:
    for item in totals:
        if item["currency"] == currency:
            return f"{item['amount']:.2f}"
    return "0.00"


def impact_csv(result: dict) -> HttpResponse:
    w = _Writer()
    w.row(
        [
            _("Deals"),
            _("Dimension"),
            _("Value"),
            _("Currency"),
            _("Deals touched"),
            _("Touches"),
            _("Influenced"),
            _("First touch"),
            _("Last touch"),
            _("Linear"),
            _("W-shaped"),
        ]
    )
    kinds = {"pipeline": _("Created (pipeline)"), "won": _("Won (revenue)")}
    for kind, label in kinds.items():
        for row in result[kind]["rows"]:
            currencies = [m["currency"] for m in row["influenced"]]
            for currency in currencies:
                w.row(
                    [
                        label,
                        result["dimension"],
                        row["label"],
                        currency,
                        row["deals"],
                        row["touches"],
                        _money(row["influenced"], currency),
                        *[_money(row[m], currency) for m in MODELS],
                    ]
                )
    for group in result.get("buying_groups") or []:
        for row in group["rows"]:
            currencies = sorted({m["currency"] for model in MODELS for m in row[model]})
            for currency in currencies:
                w.row(
                    [
                        _("Buying group: %(name)s") % {"name": group["name"]},
                        result["dimension"],
                        row["label"],
                        currency,
                        row["deals"],
                        "",
                        "",
                        *[_money(row[m], currency) for m in MODELS],
                    ]
                )
    return w.response("marketing-impact.csv")


def pipeline_csv(result: dict) -> HttpResponse:
    w = _Writer()
    stages = [s["stage"] for s in result["stages"]]
    w.row([_("Period"), *[s["label"] for s in result["stages"]], _("Created"), _("Won"), _("Lost")])
    for period in result["over_time"]:
        w.row(
            [
                period["period"],
                *[period["open"][s] for s in stages],
                period["created"],
                period["won"],
                period["lost"],
            ]
        )
    w.row([])
    w.row([_("Stage"), _("Reached"), _("Went on to the next"), _("Conversion"), _("Lost here")])
    for row in result["conversion"]["stages"]:
        conversion = "" if row["conversion"] is None else f"{row['conversion'] * 100:.1f}%"
        w.row([row["label"], row["reached"], row["to_next"], conversion, row["lost_here"]])
    w.row([])
    w.row([_("Stage"), _("Stays ended"), _("Median days"), _("p90 days")])
    for row in result["days_in_stage"]:
        w.row([row["label"], row["stays"], row["median_days"], row["p90_days"]])
    return w.response("pipeline-progress.csv")


def health_csv(rows: list[dict]) -> HttpResponse:
    w = _Writer()
    keys = [
        "engagement_trend",
        "group_completeness",
        "group_engagement",
        "open_deals",
        "touch_recency",
        "engagement_recency",
    ]
    w.row(
        [
            _("Account id"),
            _("Account"),
            _("Health"),
            _("Previous"),
            *keys,
            _("Engagements 30 days"),
            _("Engagements 60 days before"),
            _("Buying groups"),
            _("Open deals"),
            _("Days since last touch"),
            _("Days since last engagement"),
            _("Computed at"),
        ]
    )
    for row in rows:
        inputs = row["inputs"]
        w.row(
            [
                row["account_id"],
                row["name"],
                row["score"],
                row["previous_score"],
                *[row["points"].get(k, "") for k in keys],
                inputs.get("engagements_30d", ""),
                inputs.get("engagements_prior_60d", ""),
                inputs.get("buying_groups", ""),
                inputs.get("open_deals", ""),
                inputs.get("days_since_touch", ""),
                inputs.get("days_since_engagement", ""),
                "" if row["pending"] else row["computed_at"].isoformat(),
            ]
        )
    return w.response("account-health.csv")


def upsell_csv(result: dict) -> HttpResponse:
    w = _Writer()
    w.row(
        [
            _("Account id"),
            _("Account"),
            _("Product"),
            _("Intent"),
            _("Points"),
            _("Contacts"),
            _("Last signal"),
            _("Won deals"),
            _("Won value"),
            _("Bought"),
            _("Signals"),
        ]
    )
    for row in result["rows"]:
        w.row(
            [
                row["account_id"],
                row["account__name"],
                row["product__name"],
                row["level"],
                row["points"],
                row["contacts"],
                row["last_signal_at"].isoformat() if row["last_signal_at"] else "",
                row["won_deals"],
                "; ".join(f"{m['currency']} {m['amount']:.2f}" for m in row["won_value"]),
                "; ".join(row["bought"]),
                row["explanation"],
            ]
        )
    return w.response("upsell-cross-sell.csv")
