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
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account, Activity, Campaign, Opportunity

from .common import (
    InsightSettings,
    cached,
    has_segment,
    is_postgres,
    money_by_currency,
    segment_sql,
)

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


def _touch_ctes(*, opp_where: str, kind: str) -> str:
    """The CTEs up to ``t``: one row per touch of each chosen deal with its four shares.

    ``opp_where`` selects the deals (aliases ``o`` deal, ``a`` account); its parameters
    come first, then the look-back days, is_bot, the touch types and the form type.
    """
    opp_t = Opportunity._meta.db_table
    act_t = Activity._meta.db_table
    acc_t = Account._meta.db_table
    cam_t = Campaign._meta.db_table
    t_end = "o.created_at" if kind == "pipeline" else "o.closed_at"
    if is_postgres():
        since = "opp.t_created - %s * interval '1 day'"
    else:
        since = "datetime(opp.t_created, '-' || %s || ' days')"
    touch_types = ", ".join(["%s"] * len(TOUCH_TYPES))
    return f"""
    WITH opp AS (
        SELECT o.id, o.account_id, o.amount, o.currency, o.created_at AS t_created,
               {t_end} AS t_end
        FROM {opp_t} o JOIN {acc_t} a ON a.id = o.account_id
        WHERE {opp_where}
    ),
    touch AS (
        SELECT opp.id AS opp_id, opp.account_id, opp.amount, opp.currency, opp.t_created,
               opp.t_end, act.occurred_at, act.type, act.campaign_id,
               cam.channel AS campaign_channel, act.content_type,
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
                + CASE WHEN rn = opp_rn THEN 1 ELSE 0 END) AS hits
        FROM keyed
    ),
    t AS (
        SELECT counted.*,
               CASE WHEN rn = 1 THEN 1.0 ELSE 0.0 END AS s_first,
               CASE WHEN rn = n THEN 1.0 ELSE 0.0 END AS s_last,
               1.0 / n AS s_linear,
               CASE WHEN hits > 0 THEN 0.3 * hits
                    WHEN n > k THEN 0.1 / (n - k) ELSE 0 END
               / CASE WHEN n = k THEN 0.9 ELSE 1.0 END AS s_w
        FROM counted
    )
    """


def _touch_params(lookback_days: int) -> list:
    return [lookback_days, False, *TOUCH_TYPES, T.FORM_SUBMITTED]


def _chosen(s: InsightSettings, kind: str) -> tuple[str, list]:
    where, seg_params = segment_sql(s, "a")
    if kind == "pipeline":
        return f"o.created_at >= %s AND o.created_at < %s AND {where}", [
            s.start,
            s.end,
            *seg_params,
        ]
    return f"o.stage = %s AND o.closed_at >= %s AND o.closed_at < %s AND {where}", [
        "closed_won",
        s.start,
        s.end,
        *seg_params,
    ]


_PER_VALUE = """
    SELECT value, currency, COUNT(*) AS deals, SUM(touches) AS touches,
           SUM(amount) AS influenced, SUM(amount * f) AS first_touch,
           SUM(amount * l) AS last_touch, SUM(amount * li) AS linear, SUM(amount * w) AS w_shaped
    FROM per
    GROUP BY value, currency
"""


def impact_rows(s: InsightSettings, *, kind: str, dimension: str) -> list[dict]:
    """Credited and influenced amounts per dimension value and currency, one SQL pass.

    With the default look-back the shares come from the worker-kept OpportunityCredit
    table (a deal's touches before it was created do not change); otherwise live.
    """
    if s.lookback_days == CREDIT_LOOKBACK_DAYS and credits_ready():
        return _rows_from_credits(s, kind=kind, dimension=dimension)
    chosen, chosen_params = _chosen(s, kind)
    dim = {"campaign": "campaign_id", "channel": "campaign_channel", "content": "content_type"}
    column = dim[dimension]
    sql = (
        _touch_ctes(opp_where=chosen, kind=kind)
        + f""",
    per AS (
        SELECT opp_id, MIN(amount) AS amount, MIN(currency) AS currency, {column} AS value,
               COUNT(*) AS touches, SUM(s_first) AS f, SUM(s_last) AS l,
               SUM(s_linear) AS li, SUM(s_w) AS w
        FROM t GROUP BY opp_id, {column}
    )"""
        + _PER_VALUE
    )
    return _fetch(sql, [*chosen_params, *_touch_params(s.lookback_days)])


def _fetch(sql: str, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _rows_from_credits(s: InsightSettings, *, kind: str, dimension: str) -> list[dict]:
    from analytics.insights.models import OpportunityCredit

    where, seg_params = segment_sql(s, "a")
    join = f"JOIN {Account._meta.db_table} a ON a.id = c.account_id" if has_segment(s) else ""
    sql = f"""
    SELECT c.value, c.currency, COUNT(*) AS deals, SUM(c.touches) AS touches,
           SUM(c.amount) AS influenced, SUM(c.amount * c.first_touch) AS first_touch,
           SUM(c.amount * c.last_touch) AS last_touch, SUM(c.amount * c.linear) AS linear,
           SUM(c.amount * c.w_shaped) AS w_shaped
    FROM {OpportunityCredit._meta.db_table} c {join}
    WHERE c.kind = %s AND c.dimension = %s AND c.at >= %s AND c.at < %s AND {where}
    GROUP BY c.value, c.currency
    """
    rows = _fetch(sql, [kind, dimension, s.start, s.end, *seg_params])
    if dimension == "campaign":
        for row in rows:
            row["value"] = int(row["value"])
    return rows


# --- The worker-kept shares per deal ---------------------------------------------------------

CREDIT_LOOKBACK_DAYS = 90
CREDIT_CHUNK = 5000
CREDIT_COLUMNS = (
    ("campaign", "campaign_id"),
    ("channel", "campaign_channel"),
    ("content", "content_type"),
)


def credits_ready() -> bool:
    from analytics.insights.models import OpportunityCredit

    return OpportunityCredit.objects.exists()


def credits_refresh(*, opportunity_ids=None, chunk: int = CREDIT_CHUNK) -> int:
    """Recompute OpportunityCredit for these deals (all when None), chunked by id range."""
    from django.db import transaction

    from analytics.insights.models import OpportunityCredit

    credit_t = OpportunityCredit._meta.db_table
    if opportunity_ids is None:
        bounds = Opportunity.objects.aggregate(lo=Min("id"), hi=Max("id"))
        if bounds["lo"] is None:
            OpportunityCredit.objects.all().delete()
            return 0
        ranges = [
            ("o.id >= %s AND o.id < %s", [lo, lo + chunk])
            for lo in range(bounds["lo"], bounds["hi"] + 1, chunk)
        ]
    else:
        ids = sorted({int(pk) for pk in opportunity_ids})
        ranges = [
            (f"o.id IN ({', '.join(['%s'] * len(part))})", part)
            for part in (ids[i : i + 1000] for i in range(0, len(ids), 1000))
        ]
    written = 0
    now = timezone.now()
    for where, params in ranges:
        with transaction.atomic(), connection.cursor() as cursor:
            scope = where.replace("o.id", "opportunity_id")
            cursor.execute(f"DELETE FROM {credit_t} WHERE {scope}", params)
            for kind in KINDS:
                kind_where = (
                    where
                    if kind == "pipeline"
                    else (f"{where} AND o.stage = 'closed_won' AND o.closed_at IS NOT NULL")
                )
                at = "t_created" if kind == "pipeline" else "t_end"
                per_dimension = " UNION ALL ".join(
                    f"""SELECT opp_id, %s, '{name}', CAST({column} AS TEXT), COUNT(*),
                               SUM(s_first), SUM(s_last), SUM(s_linear), SUM(s_w), %s,
                               MIN(account_id), MIN({at}), MIN(amount), MIN(currency)
                        FROM t GROUP BY opp_id, {column}"""
                    for name, column in CREDIT_COLUMNS
                )
                cursor.execute(
                    f"INSERT INTO {credit_t} (opportunity_id, kind, dimension, value, touches, "
                    "first_touch, last_touch, linear, w_shaped, computed_at, account_id, at, "
                    "amount, currency) "
                    + _touch_ctes(opp_where=kind_where, kind=kind)
                    + per_dimension,
                    [
                        *params,
                        *_touch_params(CREDIT_LOOKBACK_DAYS),
                        *[kind, now] * len(CREDIT_COLUMNS),
                    ],
                )
                written += max(cursor.rowcount, 0)
    return written


def credits_changes_listener(*, kind: str, account_ids: set, contact_ids: set) -> None:
    """A deal created, changed or won: recompute its shares (touches are read then)."""
    if kind != "opportunity" or not account_ids:
        return
    ids = list(Opportunity.objects.filter(account_id__in=account_ids).values_list("id", flat=True))
    if ids:
        credits_refresh(opportunity_ids=ids)


def _totals(s: InsightSettings, kind: str) -> dict:
    """Deals in the period (touched or not), one total per currency."""
    chosen, params = _chosen(s, kind)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT o.currency, COUNT(*), SUM(o.amount) FROM {Opportunity._meta.db_table} o "
            f"JOIN {Account._meta.db_table} a ON a.id = o.account_id "
            f"WHERE {chosen} GROUP BY o.currency",
            params,
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
