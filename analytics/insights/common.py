"""Settings shared by the insights: the period, the account segment, result caching."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError
from accounts.models import (
    Account,
    Activity,
    Industry,
    Opportunity,
    OpportunityStageChange,
    Team,
    User,
)

DEFAULT_DAYS = 180
MAX_DAYS = 3 * 366
CACHE_SECONDS = 300


@dataclass(frozen=True)
class InsightSettings:
    """What every insight is computed over: a period and a segment of accounts."""

    date_from: date
    date_to: date
    industry: str = ""
    country: str = ""
    target: str = ""  # "" any, "yes" targets only, "no" non-targets only
    owner: int | None = None
    team: int | None = None
    # Analysis-specific knobs; each analysis reads the ones it needs.
    granularity: str = "week"
    dimension: str = "campaign"
    model: str = "w_shaped"
    lookback_days: int = 90
    account: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.date_from, time.min))

    @property
    def end(self) -> datetime:
        """Exclusive: the first moment after the last day of the period."""
        return timezone.make_aware(datetime.combine(self.date_to + timedelta(days=1), time.min))

    def as_dict(self) -> dict:
        data = asdict(self)
        data["date_from"] = self.date_from.isoformat()
        data["date_to"] = self.date_to.isoformat()
        data.pop("extra")
        return data

    def with_(self, **changes) -> InsightSettings:
        return replace(self, **changes)


GRANULARITIES = ("week", "month")
TARGET_CHOICES = ("", "yes", "no")


def _int(params, name: str) -> int | None:
    raw = str(params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise ApplicationError(
            _("%(name)s must be a whole number.") % {"name": name}, field=name
        ) from exc


def _date(params, name: str, default: date) -> date:
    raw = str(params.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = parse_date(raw)
    except ValueError:
        value = None
    if value is None:
        raise ApplicationError(
            _("%(name)s must be a date (YYYY-MM-DD).") % {"name": name}, field=name
        )
    return value


def _choice(params, name: str, choices, default: str) -> str:
    value = str(params.get(name) or default).strip()
    if value not in choices:
        raise ApplicationError(
            _("%(name)s must be one of: %(choices)s.")
            % {"name": name, "choices": ", ".join(c or '""' for c in choices)},
            field=name,
        )
    return value


def settings_parse(params, *, today: date | None = None, **choices) -> InsightSettings:
    """Read the shared settings from a QueryDict (or a dict); bad values name their field.

    ``choices`` gives the allowed values of analysis-specific knobs, e.g.
    ``dimension=("campaign", "channel", "content")``.
    """
    today = today or timezone.localdate()
    date_to = _date(params, "date_to", today)
    date_from = _date(params, "date_from", date_to - timedelta(days=DEFAULT_DAYS - 1))
    if date_from > date_to:
        raise ApplicationError(_("date_from must not be after date_to."), field="date_from")
    if (date_to - date_from).days > MAX_DAYS:
        raise ApplicationError(
            _("The period can be at most %(days)s days.") % {"days": MAX_DAYS}, field="date_from"
        )
    industry = _choice(params, "industry", ("", *Industry.values), "")
    target = _choice(params, "target", TARGET_CHOICES, "")
    owner = _int(params, "owner")
    if owner is not None and not User.objects.filter(pk=owner).exists():
        raise ApplicationError(_("User %(id)s does not exist.") % {"id": owner}, field="owner")
    team = _int(params, "team")
    if team is not None and not Team.objects.filter(pk=team).exists():
        raise ApplicationError(_("Team %(id)s does not exist.") % {"id": team}, field="team")
    account = _int(params, "account")
    if account is not None and not Account.objects.filter(pk=account).exists():
        raise ApplicationError(
            _("Account %(id)s does not exist.") % {"id": account}, field="account"
        )
    lookback = _int(params, "lookback_days")
    if lookback is None:
        lookback = 90
    if not 1 <= lookback <= 730:
        raise ApplicationError(_("lookback_days must be between 1 and 730."), field="lookback_days")
    knobs = {}
    for name, allowed in choices.items():
        knobs[name] = _choice(params, name, allowed, allowed[0])
    return InsightSettings(
        date_from=date_from,
        date_to=date_to,
        industry=industry,
        country=str(params.get("country") or "").strip()[:80],
        target=target,
        owner=owner,
        team=team,
        account=account,
        lookback_days=lookback,
        **knobs,
    )


def account_q(s: InsightSettings, prefix: str = "") -> Q:
    """The segment as a condition on accounts (``prefix`` reaches them, e.g. "account__")."""
    q = Q()
    if s.industry:
        q &= Q(**{f"{prefix}industry": s.industry})
    if s.country:
        q &= Q(**{f"{prefix}country__iexact": s.country})
    if s.target == "yes":
        q &= Q(**{f"{prefix}is_target": True})
    elif s.target == "no":
        q &= Q(**{f"{prefix}is_target": False})
    if s.owner:
        q &= Q(**{f"{prefix}owner_id": s.owner})
    if s.team:
        q &= Q(**{f"{prefix}owner__team_id": s.team})
    return q


def has_segment(s: InsightSettings) -> bool:
    return bool(s.industry or s.country or s.target or s.owner or s.team)


def segment_sql(s: InsightSettings, alias: str = "a") -> tuple[str, list]:
    """The segment as SQL on an accounts table aliased ``alias`` (for raw set-based passes)."""
    parts, params = [], []
    if s.industry:
        parts.append(f"{alias}.industry = %s")
        params.append(s.industry)
    if s.country:
        parts.append(f"UPPER({alias}.country) = UPPER(%s)")
        params.append(s.country)
    if s.target == "yes":
        parts.append(f"{alias}.is_target = %s")
        params.append(True)
    elif s.target == "no":
        parts.append(f"{alias}.is_target = %s")
        params.append(False)
    if s.owner:
        parts.append(f"{alias}.owner_id = %s")
        params.append(s.owner)
    if s.team:
        parts.append(
            f"{alias}.owner_id IN (SELECT id FROM {User._meta.db_table} WHERE team_id = %s)"
        )
        params.append(s.team)
    return (" AND ".join(parts) or "1 = 1"), params


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- Results cached by settings + data version -------------------------------------------


def data_version() -> str:
    """Changes whenever activities, deals or their stages change (cheap indexed reads).

    The engine's version moves with every change the hub announces (account edits
    included); the newest ids catch rows written without an announcement (bulk loads).
    """
    from analytics.engine import data_version as engine_version

    latest = [
        engine_version(),
        Activity.objects.aggregate(v=Max("id"))["v"],
        OpportunityStageChange.objects.aggregate(v=Max("id"))["v"],
        Opportunity.objects.aggregate(v=Max("updated_at"))["v"],
    ]
    return "|".join(str(v) for v in latest)


def cached(kind: str, s: InsightSettings, compute, *, version: str | None = None):
    """``compute()`` once per settings and data version (CACHE_SECONDS at most)."""
    if getattr(django_settings, "ANALYTICS_INSIGHTS_CACHE", True) is False:
        return compute()
    version = version if version is not None else data_version()
    raw = json.dumps([kind, s.as_dict(), version], sort_keys=True, default=str)
    key = "insights:" + hashlib.sha1(raw.encode()).hexdigest()
    result = cache.get(key)
    if result is None:
        result = compute()
        cache.set(key, result, CACHE_SECONDS)
    return result


def money_by_currency(pairs) -> list[dict]:
    """[(currency, amount), …] → one total per currency, largest first (never summed across)."""
    totals: dict[str, float] = {}
    for currency, amount in pairs:
        totals[currency] = totals.get(currency, 0.0) + float(amount or 0)
    return [
        {"currency": c, "amount": round(v, 2)}
        for c, v in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
        if abs(v) >= 0.005
    ]
