"""The best-bets formula: one pure function the worker, the tests and the help text share.

For one person, over their activities of the last ``window_days`` (bot events never count):

  engagement E = Σ weight(type) × 0.5^(age ÷ half_life)      over what *they* did
  moment     M = the strongest interesting moment of the last ``moment_days``:
                 points(pattern) × 0.5^(age ÷ moment_half_life)
  role       R = the highest points of their buying roles (Contact.buying_roles_mask)
  intent     I = open lead (MQL / sales-accepted) + open deal at their account
                 (AccountRollup) + their account is a target
  acted      f = ``acted_factor`` when one of us touched them (email, call, meeting …)
                 after their latest engagement or moment, else 1
  points     P = (E + M + R + I) × f
  score        = round(100 × (1 − e^(−P ÷ scale)))

Only people with some engagement or a moment get a row: a role or a target account alone
does not make somebody worth contacting *now*.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext_lazy as _

MOMENT_LABELS = {
    "replied": _("Replied to an email"),
    "pricing": _("Visited the pricing page"),
    "event": _("Attended an event"),
    "form": _("Submitted a form"),
}
INTENT_LABELS = {
    "open_lead": _("open lead"),
    "open_deal": _("open deal at the account"),
    "target_account": _("target account"),
}
OPEN_LEAD_STATUSES = ("mql", "sales_accepted")
CONTACT, USER = "contact", "user"


def config() -> dict:
    return settings.BEST_BETS


def moment_label(key: str) -> str:
    for pattern in config()["moments"]:
        if pattern["key"] == key and pattern.get("label"):
            return str(pattern["label"])
    return str(MOMENT_LABELS.get(key, key.replace("_", " ").capitalize()))


@dataclass(frozen=True)
class Act:
    """The part of an activity the formula reads."""

    type: str
    occurred_at: datetime
    initiated_by: str
    is_bot: bool = False
    url: str = ""
    subject: str = ""


@dataclass
class Bet:
    engagement: float = 0.0
    moment: float = 0.0
    role: float = 0.0
    intent: float = 0.0
    acted_factor: float = 1.0
    moment_key: str = ""
    moment_at: datetime | None = None
    last_engaged_at: datetime | None = None
    acted_at: datetime | None = None
    engaged_count: int = 0
    roles: list[str] = field(default_factory=list)
    intents: list[str] = field(default_factory=list)

    @property
    def points(self) -> float:
        return (self.engagement + self.moment + self.role + self.intent) * self.acted_factor

    @property
    def score(self) -> int:
        return score_from_points(self.points)

    @property
    def rank(self) -> int:
        return int(round(self.points * 100))

    def inputs(self) -> dict:
        return {
            "engagement": round(self.engagement, 2),
            "engaged_count": self.engaged_count,
            "moment": round(self.moment, 2),
            "role": round(self.role, 2),
            "roles": self.roles,
            "intent": round(self.intent, 2),
            "intents": self.intents,
            "acted_factor": self.acted_factor,
            "points": round(self.points, 2),
        }


def score_from_points(points: float) -> int:
    return int(math.floor(100 * (1 - math.exp(-max(points, 0.0) / config()["scale"])) + 0.5))


def _matches(pattern: dict, act: Act) -> bool:
    if act.type != pattern["type"]:
        return False
    words = pattern.get("contains") or []
    if not words:
        return True
    text = f"{act.url} {act.subject}".lower()
    return any(word.lower() in text for word in words)


def bet_compute(
    acts: list[Act],
    *,
    roles: list[str],
    open_lead: bool,
    open_deal: bool,
    target_account: bool,
    now: datetime,
) -> Bet | None:
    """The best bet of one person, or None when they did nothing worth a call lately."""
    cfg = config()
    bet = Bet()
    cutoff = now - timedelta(days=cfg["window_days"])
    moment_cutoff = now - timedelta(days=cfg["moment_days"])
    weights = cfg["engagement_weights"]
    for act in acts:
        if act.is_bot or not (cutoff <= act.occurred_at <= now):
            continue
        if act.initiated_by == USER:
            if bet.acted_at is None or act.occurred_at > bet.acted_at:
                bet.acted_at = act.occurred_at
            continue
        age = (now - act.occurred_at).total_seconds() / 86400
        weight = weights.get(act.type, 0)
        if weight:
            bet.engagement += weight * 0.5 ** (age / cfg["half_life_days"])
            bet.engaged_count += 1
            if bet.last_engaged_at is None or act.occurred_at > bet.last_engaged_at:
                bet.last_engaged_at = act.occurred_at
        if act.occurred_at < moment_cutoff:
            continue
        for pattern in cfg["moments"]:
            if _matches(pattern, act):
                value = pattern["points"] * 0.5 ** (age / cfg["moment_half_life_days"])
                if value > bet.moment:
                    bet.moment, bet.moment_key = value, pattern["key"]
                    bet.moment_at = act.occurred_at
                if bet.last_engaged_at is None or act.occurred_at > bet.last_engaged_at:
                    bet.last_engaged_at = act.occurred_at
                break
    if bet.engagement <= 0 and bet.moment <= 0:
        return None
    role_points = cfg["role_points"]
    ranked = sorted((r for r in roles if role_points.get(r)), key=lambda r: -role_points[r])
    bet.roles = ranked
    bet.role = float(role_points[ranked[0]]) if ranked else 0.0
    intent_points = cfg["intent_points"]
    for key, present in (
        ("open_lead", open_lead),
        ("open_deal", open_deal),
        ("target_account", target_account),
    ):
        if present and intent_points.get(key):
            bet.intents.append(key)
            bet.intent += float(intent_points[key])
    if bet.acted_at is not None and bet.acted_at >= bet.last_engaged_at:
        bet.acted_factor = float(cfg["acted_factor"])
    else:
        bet.acted_at = None  # a touch before their latest signal does not count as acting on it
    return bet


def formula_text() -> list[str]:
    """The formula with the configured numbers, one line each (the page's help popover)."""
    cfg = config()
    weights = ", ".join(
        f"{name.replace('_', ' ')} {w:g}"
        for name, w in sorted(cfg["engagement_weights"].items(), key=lambda kv: -kv[1])
    )
    moments = ", ".join(f"{moment_label(p['key'])} {p['points']:g}" for p in cfg["moments"])
    roles = ", ".join(
        f"{name.replace('_', ' ')} {p:g}" for name, p in cfg["role_points"].items() if p
    )
    intents = ", ".join(f"{INTENT_LABELS.get(k, k)} {p:g}" for k, p in cfg["intent_points"].items())
    return [
        str(
            _(
                "Engagement E: what the person did in the last %(days)s days (%(weights)s), "
                "halved every %(half)g days; bot events never count."
            )
        )
        % {"days": cfg["window_days"], "weights": weights, "half": cfg["half_life_days"]},
        str(
            _(
                "Moment M: the strongest of the last %(days)s days (%(moments)s), "
                "halved every %(half)g days."
            )
        )
        % {"days": cfg["moment_days"], "moments": moments, "half": cfg["moment_half_life_days"]},
        str(_("Role R: the highest of their buying roles (%(roles)s).")) % {"roles": roles},
        str(_("Intent I: %(intents)s (added up).")) % {"intents": intents},
        str(
            _(
                "Already acted on: × %(factor)g when one of us emailed, called or met them "
                "after their latest signal."
            )
        )
        % {"factor": cfg["acted_factor"]},
        str(_("Score = 100 × (1 − e^(−(E + M + R + I) × acted ÷ %(scale)g))."))
        % {"scale": cfg["scale"]},
    ]
