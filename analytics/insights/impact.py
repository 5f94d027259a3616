"""Marketing impact: which campaigns, channels and content touched an account before its
deals were created and won, and how much pipeline and revenue each is credited with.

Definitions (shown on the page as well):

- A **touch** is a response of any contact of the deal's account to a campaign — an email
  opened, clicked or answered, a visit, a form, a document, an event registration or
  attendance that belongs to the campaign (not a bot) — in the ``lookback_days`` (default
  90) before the deal was created. Sends and list memberships are not responses. For
  **won revenue** the touches run on until the deal was won.
- **Pipeline** is the deals *created* in the period; **won revenue** the deals *won*
  (closed-won) in the period. Amounts are never added across currencies: every figure is
  one total per currency.
- **Influenced**: the full amount of every deal that the campaign (channel, content)
  touched at least once. A deal touched by three campaigns counts for each of them.
- **First touch**: all credit to the earliest touch. **Last touch**: all to the latest.
  **Linear**: equal shares to every touch.
- **W-shaped**: 30 % each to three key moments — the first touch, the lead touch (the
  first form submitted; without one, the middle touch) and the opportunity touch (the
  last touch before the deal was created) — and the remaining 10 % split evenly over the
  other touches. A touch that is two key moments gets both shares; when every touch is a
  key moment the shares are scaled up to 100 %.

The set-based pass (``impact_rows``) is one SQL statement with window functions, the
same on PostgreSQL and SQLite; ``touch_credits`` is the same rule in Python, used for one
account's buying groups (small) and by the tests as the reference.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext as _

from accounts.models import Account, Activity, Campaign, Opportunity

from .common import InsightSettings, cached, is_postgres, money_by_currency, segment_sql

T = Activity.Type
DIMENSIONS = ("campaign", "channel", "content")
MODELS = ("first_touch", "last_touch", "linear", "w_shaped")
KINDS = ("pipeline", "won")
# What a contact does in response to a campaign (sends, list memberships, sales
# activities and lead or deal bookkeeping are not responses).
TOUCH_TYPES = (
    T.EMAIL_OPENED,
    T.EMAIL_CLICKED,
    T.EMAIL_REPLIED,
    T.WEB_VISIT,
    T.FORM_SUBMITTED,
    T.DOCUMENT_VIEWED,
    T.EVENT_REGISTERED,
    T.EVENT_ATTENDED,
)
NO_CONTENT = "(none)"


# --- The rule, in Python -----------------------------------------------------------------


@dataclass(frozen=True)
class Touch:
    occurred_at: object
    activity_id: int
    type: str
    campaign_id: int | None
    channel: str
    content_type: str


def touch_credits(touches: list[Touch], *, created_at) -> list[dict[str, float]]:
    """Each touch's share of the deal under the four models (touches oldest first)."""
    n = len(touches)
    if not n:
        return []
    before = [i for i, t in enumerate(touches) if t.occurred_at <= created_at]
    opp = (before[-1] if before else n - 1) + 1  # 1-based rank of the opportunity touch
    forms = [i + 1 for i, t in enumerate(touches) if t.type == T.FORM_SUBMITTED and i + 1 <= opp]
    lead = forms[0] if forms else (opp + 1) // 2
    keys = {1, lead, opp}
    result = []
    for rank in range(1, n + 1):
        hits = (rank == 1) + (rank == lead) + (rank == opp)
        w = 0.3 * hits
        if not hits and n > len(keys):
            w = 0.1 / (n - len(keys))
        if n == len(keys):
            w /= 0.9
        result.append(
            {
                "first_touch": 1.0 if rank == 1 else 0.0,
                "last_touch": 1.0 if rank == n else 0.0,
                "linear": 1.0 / n,
                "w_shaped": w,
            }
        )
    return result


# --- The set-based pass --------------------------------------------------------------------


def _dimension_sql(dimension: str) -> str:
    if dimension == "campaign":
        return "t.campaign_id"
    if dimension == "channel":
        return "t.campaign_channel"
    return "t.content_type"


def impact_rows(s: InsightSettings, *, kind: str, dimension: str) -> list[dict]:
    """Credited and influenced amounts per dimension value and currency, one SQL pass."""
    where, seg_params = segment_sql(s, "a")
    opp_t = Opportunity._meta.db_table
    act_t = Activity._meta.db_table
    acc_t = Account._meta.db_table
    cam_t = Campaign._meta.db_table
    if kind == "pipeline":
        chosen = "o.created_at >= %s AND o.created_at < %s"
        t_end = "o.created_at"
    else:
        chosen = "o.stage = %s AND o.closed_at >= %s AND o.closed_at < %s"
        t_end = "o.closed_at"
    chosen_params = [s.start, s.end] if kind == "pipeline" else ["closed_won", s.start, s.end]
    if is_postgres():
        since = "opp.t_created - %s * interval '1 day'"
    else:
        since = "datetime(opp.t_created, '-' || %s || ' days')"
    touch_types = ", ".join(["%s"] * len(TOUCH_TYPES))
    dim = _dimension_sql(dimension)
    sql = f"""
    WITH opp AS (
        SELECT o.id, o.account_id, o.amount, o.currency, o.created_at AS t_created,
               {t_end} AS t_end
        FROM {opp_t} o JOIN {acc_t} a ON a.id = o.account_id
        WHERE {chosen} AND {where}
    ),
    touch AS (
        SELECT opp.id AS opp_id, opp.amount, opp.currency, opp.t_created,
               act.occurred_at, act.type, act.campaign_id, cam.channel AS campaign_channel,
               act.content_type,
               ROW_NUMBER() OVER (PARTITION BY opp.id ORDER BY act.occurred_at, act.id) AS rn,
               COUNT(*) OVER (PARTITION BY opp.id) AS n
        FROM opp
        JOIN {act_t} act ON act.account_id = opp.account_id
        JOIN {cam_t} cam ON cam.id = act.campaign_id
        WHERE act.occurred_at >= {since} AND act.occurred_at <= opp.t_end
          AND act.is_bot = %s AND act.type IN ({touch_types})
    ),
    opp_key AS (
        SELECT touch.*,
               COALESCE(MAX(CASE WHEN occurred_at <= t_created THEN rn END)
                        OVER (PARTITION BY opp_id), n) AS opp_rn
        FROM touch
    ),
    lead_key AS (
        SELECT opp_key.*,
               MIN(CASE WHEN type = %s AND rn <= opp_rn THEN rn END)
                   OVER (PARTITION BY opp_id) AS form_rn
        FROM opp_key
    ),
    keyed AS (
        SELECT lead_key.*, COALESCE(form_rn, (opp_rn + 1) / 2) AS lead_rn
        FROM lead_key
    ),
    counted AS (
        SELECT keyed.*,
               1 + CASE WHEN lead_rn <> 1 THEN 1 ELSE 0 END
                 + CASE WHEN opp_rn <> 1 AND opp_rn <> lead_rn THEN 1 ELSE 0 END AS k,
               (CASE WHEN rn = 1 THEN 1 ELSE 0 END + CASE WHEN rn = lead_rn THEN 1 ELSE 0 END
                + CASE WHEN rn = opp_rn THEN 1 ELSE 0 END) AS hits,
               ROW_NUMBER() OVER (PARTITION BY opp_id, {dim.replace("t.", "")}
                                  ORDER BY rn) AS nth_in_value
        FROM keyed
    ),
    t AS (
        SELECT counted.*,
               CASE WHEN hits > 0 THEN 0.3 * hits
                    WHEN n > k THEN 0.1 / (n - k) ELSE 0 END
               / CASE WHEN n = k THEN 0.9 ELSE 1.0 END AS w
        FROM counted
    )
    SELECT {dim} AS value, t.currency,
           COUNT(DISTINCT t.opp_id) AS deals,
           COUNT(*) AS touches,
           SUM(CASE WHEN t.nth_in_value = 1 THEN t.amount ELSE 0 END) AS influenced,
           SUM(CASE WHEN t.rn = 1 THEN t.amount ELSE 0 END) AS first_touch,
           SUM(CASE WHEN t.rn = t.n THEN t.amount ELSE 0 END) AS last_touch,
           SUM(t.amount * 1.0 / t.n) AS linear,
           SUM(t.amount * t.w) AS w_shaped
    FROM t
    GROUP BY {dim}, t.currency
    """
    params = [
        *chosen_params,
        *seg_params,
        s.lookback_days,
        False,
        *TOUCH_TYPES,
        T.FORM_SUBMITTED,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _totals(s: InsightSettings, kind: str) -> dict:
    """Deals in the period (touched or not), one total per currency."""
    where, seg_params = segment_sql(s, "a")
    if kind == "pipeline":
        chosen, params = "o.created_at >= %s AND o.created_at < %s", [s.start, s.end]
    else:
        chosen = "o.stage = %s AND o.closed_at >= %s AND o.closed_at < %s"
        params = ["closed_won", s.start, s.end]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT o.currency, COUNT(*), SUM(o.amount) FROM {Opportunity._meta.db_table} o "
            f"JOIN {Account._meta.db_table} a ON a.id = o.account_id "
            f"WHERE {chosen} AND {where} GROUP BY o.currency",
            [*params, *seg_params],
        )
        rows = cursor.fetchall()
    return {
        "deals": sum(n for _, n, _ in rows),
        "amount": money_by_currency((c, v) for c, _, v in rows),
    }


def _labels(dimension: str, values) -> dict:
    if dimension == "campaign":
        ids = [v for v in values if v is not None]
        return dict(Campaign.objects.filter(pk__in=ids).values_list("pk", "name"))
    if dimension == "channel":
        return {k: str(v) for k, v in Campaign.Channel.choices}
    return {}


def _shape(rows: list[dict], dimension: str) -> list[dict]:
    """Rows per dimension value, each money figure a list of per-currency totals."""
    by_value: dict = defaultdict(list)
    for row in rows:
        by_value[row["value"]].append(row)
    labels = _labels(dimension, by_value)
    result = []
    for value, group in by_value.items():
        label = labels.get(value, value) if dimension != "content" else (value or NO_CONTENT)
        item = {
            "value": value if value != "" else NO_CONTENT,
            "label": str(label) if label not in (None, "") else NO_CONTENT,
            "deals": sum(r["deals"] for r in group),
            "touches": sum(r["touches"] for r in group),
        }
        for measure in ("influenced", *MODELS):
            item[measure] = money_by_currency((r["currency"], r[measure]) for r in group)
        result.append(item)
    result.sort(key=lambda r: (-_main_amount(r["w_shaped"]), r["label"]))
    return result


def _main_amount(totals: list[dict]) -> float:
    return totals[0]["amount"] if totals else 0.0


def impact_run(s: InsightSettings, *, use_cache: bool = True) -> dict:
    """Marketing impact for the settings' period, segment and dimension."""

    def compute() -> dict:
        result = {
            "settings": s.as_dict(),
            "dimension": s.dimension,
            "models": list(MODELS),
            "definitions": definitions(),
        }
        for kind in KINDS:
            result[kind] = {
                "totals": _totals(s, kind),
                "rows": _shape(impact_rows(s, kind=kind, dimension=s.dimension), s.dimension),
            }
        if s.account:
            result["buying_groups"] = buying_group_impact(s)
        return result

    return cached("impact", s, compute) if use_cache else compute()


# --- One account: the same within its buying groups --------------------------------------


def _dimension_value(touch: Touch, dimension: str):
    if dimension == "campaign":
        return touch.campaign_id
    if dimension == "channel":
        return touch.channel
    return touch.content_type or NO_CONTENT


def buying_group_impact(s: InsightSettings) -> list[dict]:
    """For one account: per buying group, the credit of its members' touches.

    The touches of each group are its members' only, so a campaign that reached the
    economic buyers and one that reached only end users show apart.
    """
    from datetime import timedelta

    from buying_groups.models import BuyingGroup, Member

    deals = list(
        Opportunity.objects.filter(account_id=s.account)
        .filter(created_at__lt=s.end)
        .exclude(stage=Opportunity.Stage.CLOSED_LOST)
        .values("id", "name", "amount", "currency", "created_at", "closed_at", "stage")
    )
    groups = list(
        BuyingGroup.objects.filter(account_id=s.account)
        .select_related("role_template", "solution_interest")
        .order_by("name")
    )
    members: dict[int, set[int]] = defaultdict(set)
    for group_id, contact_id in Member.objects.filter(group__in=groups).values_list(
        "group_id", "contact_id"
    ):
        members[group_id].add(contact_id)
    all_contacts = set().union(*members.values()) if members else set()
    earliest = min((d["created_at"] for d in deals), default=None)
    activities = []
    if earliest and all_contacts:
        activities = list(
            Activity.objects.filter(
                contact_id__in=all_contacts,
                campaign__isnull=False,
                is_bot=False,
                occurred_at__gte=earliest - timedelta(days=s.lookback_days),
                type__in=TOUCH_TYPES,
            )
            .order_by("occurred_at", "id")
            .values_list(
                "contact_id",
                "occurred_at",
                "id",
                "type",
                "campaign_id",
                "campaign__channel",
                "content_type",
            )[:20000]
        )
    labels = _labels(s.dimension, {a[4] for a in activities})
    result = []
    for group in groups:
        credit: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(float)))
        touched_deals: dict = defaultdict(set)
        for deal in deals:
            end = deal["closed_at"] if deal["stage"] == "closed_won" else deal["created_at"]
            since = deal["created_at"] - timedelta(days=s.lookback_days)
            touches = [
                Touch(a[1], a[2], a[3], a[4], a[5] or "", a[6])
                for a in activities
                if a[0] in members[group.pk] and since <= a[1] <= end
            ]
            for touch, shares in zip(
                touches, touch_credits(touches, created_at=deal["created_at"]), strict=True
            ):
                value = _dimension_value(touch, s.dimension)
                touched_deals[value].add(deal["id"])
                for model, share in shares.items():
                    credit[value][deal["currency"]][model] += float(deal["amount"]) * share
        rows = []
        for value, per_currency in credit.items():
            label = labels.get(value, value) if s.dimension != "content" else value
            rows.append(
                {
                    "value": value,
                    "label": str(label),
                    "deals": len(touched_deals[value]),
                    **{
                        model: money_by_currency(
                            (cur, amounts[model]) for cur, amounts in per_currency.items()
                        )
                        for model in MODELS
                    },
                }
            )
        rows.sort(key=lambda r: (-_main_amount(r["w_shaped"]), r["label"]))
        result.append(
            {
                "id": group.pk,
                "name": group.name,
                "template": group.role_template.name,
                "product": group.solution_interest.name,
                "members": len(members[group.pk]),
                "rows": rows,
            }
        )
    return result


def definitions() -> dict:
    return {
        "touch": _(
            "A touch is a response of any contact of the deal's account to a campaign (an "
            "email opened, clicked or answered, a visit, a form, a document, an event) in the "
            "look-back window before the deal was created (for won revenue: until it was "
            "won). Sends, list memberships and bots are left out."
        ),
        "influenced": _(
            "Influenced: the full amount of every deal the campaign, channel or content "
            "touched at least once (a deal counts once for each that touched it)."
        ),
        "first_touch": _("First touch: all credit to the earliest touch."),
        "last_touch": _("Last touch: all credit to the latest touch."),
        "linear": _("Linear: equal credit to every touch."),
        "w_shaped": _(
            "W-shaped: 30% each to the first touch, the lead touch (the first form "
            "submitted, or else the middle touch) and the opportunity touch (the last "
            "before the deal was created); the other 10% split over the remaining touches."
        ),
        "currency": _(
            "Amounts in different currencies are never added together: each figure is one "
            "total per currency."
        ),
    }
