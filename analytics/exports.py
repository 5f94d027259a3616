"""CSV of what each analysis page shows (its table view), one function per kind."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _


def _pct(value) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _journey(data: dict, out: csv.writer) -> None:
    names = {n["id"]: n["name"] for n in data["nodes"]}
    out.writerow(
        [
            _("Node"),
            _("Condition"),
            _("From"),
            _("Entities"),
            _("Conversion from previous"),
            _("Conversion from start"),
            _("Drop-off"),
            _("Median days"),
            _("p90 days"),
        ]
    )
    for n in data["nodes"]:
        out.writerow(
            [
                n["name"],
                n.get("condition_label", ""),
                names.get(n["parent"], ""),
                n["entities"],
                _pct(n["from_parent"]),
                _pct(n["from_start"]),
                "" if n["drop_off"] is None else n["drop_off"],
                "" if n["median_days"] is None else n["median_days"],
                "" if n["p90_days"] is None else n["p90_days"],
            ]
        )
    moments = data.get("key_moments")
    if moments:
        for side, title in (("before", _("Before")), ("after", _("After"))):
            out.writerow([])
            out.writerow(
                [
                    _("Key moments %(side)s %(node)s (%(days)s days)")
                    % {
                        "side": title,
                        "node": names.get(moments["node"], ""),
                        "days": moments["days"],
                    },
                    _("Entities"),
                    _("Share"),
                ]
            )
            for m in moments[side]:
                out.writerow([m.get("label", m["item"]), m["entities"], _pct(m["share"])])


def _cohort(data: dict, out: csv.writer) -> None:
    header = [_("Cohort"), _("Group"), _("Entities")]
    header += [_("Period %(n)s") % {"n": k} for k in range(data["periods"])]
    header += [_("Returned"), _("Median periods to return")]
    out.writerow(header)
    for row in data["rows"]:
        cells = ["" if c is None else f"{c['count']} ({_pct(c['share'])})" for c in row["cells"]]
        out.writerow(
            [
                row["cohort"],
                row.get("group_label") or "",
                row["size"],
                *cells,
                row["returned"],
                "" if row["median_periods"] is None else row["median_periods"],
            ]
        )


def _flow(data: dict, out: csv.writer) -> None:
    labels = {n["id"]: n.get("label", n["item"]) for n in data["nodes"]}
    out.writerow([_("Column"), _("Item"), _("Entities"), _("Share")])
    for n in data["nodes"]:
        out.writerow([n["column"] + 1, labels[n["id"]], n["entities"], _pct(n["share"])])
    out.writerow([])
    out.writerow([_("From column"), _("From"), _("To"), _("Entities"), _("Share")])
    for link in data["links"]:
        out.writerow(
            [
                int(link["source"].split("|")[0]) + 1,
                labels[link["source"]],
                labels[link["target"]],
                link["entities"],
                _pct(link["share"]),
            ]
        )


WRITERS = {"journey": _journey, "cohort": _cohort, "flow": _flow}


def result_csv(*, kind: str, data: dict) -> str:
    buffer = io.StringIO()
    WRITERS[kind](data, csv.writer(buffer))
    return buffer.getvalue()
