"""Reads of best bets: scopes, the ranked rows and each row's one-line reason."""

from __future__ import annotations

from datetime import datetime

from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from abm.exceptions import ApplicationError, ForbiddenError
from abm.paging import Key
from abm.permissions import may_see_all_best_bets
from accounts.models import BuyingRole, User
from sales_actions.bestbets import scoring
from sales_actions.bestbets.models import BestBet

SCOPES = {
    "mine": gettext_lazy("My people"),
    "team": gettext_lazy("My team's"),
    "all": gettext_lazy("Everybody's"),
}
# The paging core ends every ordering on ``id``: here it is the contact (the primary key).
ORDERING = (Key("rank", descending=True), Key("id", descending=True))
ROW_RELATED = ("contact", "account", "owner")


def bestbet_scopes(*, user: User) -> dict[str, str]:
    """The scopes this user may choose: theirs, their team's, and (marketing) everybody's."""
    scopes = {"mine": SCOPES["mine"]}
    if user.team_id:
        scopes["team"] = SCOPES["team"]
    if may_see_all_best_bets(user):
        scopes["all"] = SCOPES["all"]
    return scopes


def bestbet_default_scope(*, user: User) -> str:
    return "all" if may_see_all_best_bets(user) else "mine"


def bestbet_list(*, user: User, scope: str) -> QuerySet[BestBet]:
    """The ranked rows of one scope; a scope the role does not allow is refused."""
    if scope not in SCOPES:
        raise ApplicationError(_("Choose mine, team or all."), field="scope")
    if scope not in bestbet_scopes(user=user):
        raise ForbiddenError(_("Your role cannot list these people."), code="forbidden")
    rows = BestBet.objects.annotate(id=F("contact_id"))
    if scope == "mine":
        return rows.filter(owner=user)
    if scope == "team":
        # The team's members as a list: each one's rows come from the (owner, rank) index
        # instead of a join over the whole ranking.
        members = list(User.objects.filter(team_id=user.team_id).values_list("pk", flat=True))
        return rows.filter(owner_id__in=members)
    return rows


def _ago(when: datetime, now: datetime) -> str:
    if now - when < timezone.timedelta(minutes=1):
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(when, now, depth=1)}


def bestbet_reason(bet: BestBet, *, now: datetime | None = None) -> str:
    """Why this person is here, in one line (the strongest reasons first)."""
    now = now or timezone.now()
    inputs = bet.inputs or {}
    parts = []
    if bet.moment_key and bet.moment_at:
        parts.append(f"{scoring.moment_label(bet.moment_key)} {_ago(bet.moment_at, now)}")
    count = inputs.get("engaged_count") or 0
    if count:
        parts.append(
            ngettext(
                "%(count)d engagement in %(days)d days",
                "%(count)d engagements in %(days)d days",
                count,
            )
            % {"count": count, "days": scoring.config()["window_days"]}
        )
    roles = dict(BuyingRole.choices)
    if inputs.get("roles"):
        parts.append(str(roles.get(inputs["roles"][0], inputs["roles"][0])))
    for key in inputs.get("intents") or []:
        parts.append(str(scoring.INTENT_LABELS.get(key, key)).capitalize())
    if bet.acted_at:
        parts.append(_("already contacted %(ago)s") % {"ago": _ago(bet.acted_at, now)})
    return " · ".join(parts)


def bestbet_components(bet: BestBet) -> str:
    """The formula's inputs for this row (the hover text)."""
    return _(
        "Engagement %(e).1f + moment %(m).1f + role %(r).1f + intent %(i).1f "
        "= %(sum).1f × acted %(f)g = %(p).1f points → score %(s)d"
    ) % {
        "e": bet.engagement,
        "m": bet.moment,
        "r": bet.role,
        "i": bet.intent,
        "sum": bet.engagement + bet.moment + bet.role + bet.intent,
        "f": bet.acted_factor,
        "p": bet.rank / 100,
        "s": bet.score,
    }
