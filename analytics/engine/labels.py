"""Readable names for what the engine returns as raw values (types, campaigns, segments)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import Activity, Campaign, Industry, Lead, Opportunity

LIFECYCLE_LABELS = {
    "opportunity_created": "Opportunity created",
    "opportunity_stage": "Opportunity stage →",
    "lead_status": "Lead →",
    "target_marked": "Marked as target",
}


def kind_label(kind: str) -> str:
    if kind in LIFECYCLE_LABELS:
        return _(LIFECYCLE_LABELS[kind])
    return str(dict(Activity.Type.choices).get(kind, kind))


def condition_label(condition: dict) -> str:
    """e.g. "Form submitted · subject contains 'Lead form: step 1'", "Lead → MQL"."""
    kind = condition["kind"]
    text = kind_label(kind)
    if kind == "opportunity_stage":
        text = f"{text} {dict(Opportunity.Stage.choices).get(condition['stage'], '')}"
    elif kind == "lead_status":
        status = condition["status"]
        short = {"mql": "MQL", "sales_accepted": "SQL"}.get(status)
        text = f"{text} {short or dict(Lead.Status.choices).get(status, status)}"
    parts = [text]
    if condition.get("campaign"):
        name = Campaign.objects.filter(pk=condition["campaign"]).values_list("name", flat=True)
        parts.append(_("campaign %(name)s") % {"name": name.first() or condition["campaign"]})
    if condition.get("channel"):
        parts.append(str(dict(Activity.Channel.choices).get(condition["channel"], "")))
    if condition.get("content_type"):
        parts.append(condition["content_type"])
    if condition.get("contains"):
        parts.append(_("subject contains “%(text)s”") % {"text": condition["contains"]})
    if condition.get("url_contains"):
        parts.append(_("URL contains “%(text)s”") % {"text": condition["url_contains"]})
    return " · ".join(parts)


def item_labels(dimension: str, items) -> dict:
    """Labels for path-dimension values (activity types, campaigns, channels...)."""
    from analytics.engine.flow import ANCHOR, OTHER

    labels: dict = {OTHER: _("Other"), None: _("(none)")}
    if dimension == "type":
        labels.update({k: str(v) for k, v in Activity.Type.choices})
    elif dimension == "channel":
        labels.update({k: str(v) for k, v in Activity.Channel.choices})
    elif dimension == "campaign":
        ids = [i for i in items if isinstance(i, int)]
        labels.update(dict(Campaign.objects.filter(pk__in=ids).values_list("pk", "name")))
    labels.pop(ANCHOR, None)
    return labels


def label_result(kind: str, data: dict, settings: dict) -> dict:
    if kind == "flow":
        from analytics.engine.flow import ANCHOR, label_items

        anchor = settings["anchor"]
        labels = item_labels(settings["dimension"], {n["item"] for n in data["nodes"]})
        labels[ANCHOR] = anchor.get("name") or condition_label(anchor["condition"])
        return label_items(data, labels)
    if kind == "cohort":
        breakdown = settings.get("breakdown") or "none"
        labels: dict = {
            "": _("(none)"),
            "yes": _("Target"),
            "no": _("Not a target"),
            "__other__": _("Other"),
        }
        if breakdown == "industry":
            labels.update({k: str(v) for k, v in Industry.choices})
        elif breakdown == "campaign_source":
            ids = [int(r["group"]) for r in data["rows"] if (r["group"] or "").isdecimal()]
            labels.update(
                {
                    str(pk): name
                    for pk, name in Campaign.objects.filter(pk__in=ids).values_list("pk", "name")
                }
            )
        for row in data["rows"]:
            if row["group"] is not None:
                row["group_label"] = labels.get(row["group"], row["group"])
        return data
    if kind == "journey":
        conditions = {n["id"]: n["condition"] for n in settings["nodes"]}
        for node in data["nodes"]:
            node["condition_label"] = condition_label(conditions[node["id"]])
        moments = data.get("key_moments")
        if moments:
            dim = settings["key_moments"].get("dimension", "type")
            labels = item_labels(
                dim, {m["item"] for side in ("before", "after") for m in moments[side]}
            )
            for side in ("before", "after"):
                for m in moments[side]:
                    m["label"] = labels.get(m["item"], str(m["item"]))
        for event in data.get("timeline", []):
            event["type_label"] = str(dict(Activity.Type.choices).get(event["type"], ""))
        filters = settings.get("filters") or {}
        if "timeline" in data:
            from analytics.selectors import entity_rows

            if filters.get("buying_group"):
                rows = entity_rows(container="buying_group", ids=[filters["buying_group"]])
            else:
                rows = entity_rows(container="account", ids=[filters["account"]])
            data["entity"] = rows[0] if rows else None
        return data
    return data
