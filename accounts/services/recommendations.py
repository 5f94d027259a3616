"""Recommended target accounts: explainable, dismissible suggestions.

Method (shown on the page in one line): score = fit score + 2 points per contact-initiated
engagement in the last 30 days (at most 40) + 15 when the account's industry is one where
we have won deals. The best non-targets are suggested with those reasons. A dismissed
account comes back only when its data change markedly: fit score moves by 10 or more,
engagement at least doubles (and rises by 5 or more), or its industry changes.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import may_write
from accounts.models import Account, Industry, Opportunity, RecommendationDismissal, User
from accounts.selectors.targets import engagement_by_account
from accounts.services.targets import accounts_mark_target

METHOD = (
    "Score = fit score + 2 per contact engagement in the last 30 days (max 40) "
    "+ 15 if its industry is one where we won deals."
)
ENGAGEMENT_POINTS = 2
ENGAGEMENT_CAP = 40
WON_INDUSTRY_POINTS = 15
CANDIDATES = 300
FIT_CHANGE = 10


def _markedly_changed(dismissal: RecommendationDismissal, *, fit, engagement, industry) -> bool:
    return (
        abs(fit - dismissal.fit_score) >= FIT_CHANGE
        or (
            engagement >= 2 * dismissal.engagement_30d
            and engagement - dismissal.engagement_30d >= 5
        )
        or industry != dismissal.industry
    )


def recommendations_list(*, limit: int = 20) -> list[dict]:
    """The best non-target accounts to target now, each with its score and reasons."""
    won_industries = set(
        Opportunity.objects.filter(stage=Opportunity.Stage.CLOSED_WON)
        .exclude(account__industry="")
        .values_list("account__industry", flat=True)
        .distinct()
    )
    engaged = {
        row["account_id"]: row["engagements"] for row in engagement_by_account(limit=CANDIDATES)
    }
    by_fit = list(
        Account.objects.filter(is_target=False, target_opt_out__isnull=True)
        .order_by("-fit_score", "id")
        .values_list("pk", flat=True)[:CANDIDATES]
    )
    ids = set(by_fit) | set(engaged)
    accounts = list(
        Account.objects.filter(pk__in=ids, is_target=False, target_opt_out__isnull=True).values(
            "id", "name", "domain", "industry", "fit_score", "owner_id", "owner__username"
        )
    )
    missing = [a["id"] for a in accounts if a["id"] not in engaged]
    if missing and len(engaged) >= CANDIDATES:
        # The engagement list was cut off: ask for the rest of these candidates' counts.
        for row in engagement_by_account(account_ids=missing):
            engaged[row["account_id"]] = row["engagements"]
    dismissals = {
        d.account_id: d for d in RecommendationDismissal.objects.filter(account_id__in=ids)
    }
    labels = dict(Industry.choices)
    results = []
    for a in accounts:
        engagement = engaged.get(a["id"], 0)
        dismissal = dismissals.get(a["id"])
        if dismissal and not _markedly_changed(
            dismissal, fit=a["fit_score"], engagement=engagement, industry=a["industry"]
        ):
            continue
        points = min(ENGAGEMENT_CAP, ENGAGEMENT_POINTS * engagement)
        won = a["industry"] in won_industries
        score = a["fit_score"] + points + (WON_INDUSTRY_POINTS if won else 0)
        reasons = [f"fit score {a['fit_score']}"]
        if engagement:
            reasons.append(f"{engagement} engagements in 30 days")
        if won:
            reasons.append(f"{labels.get(a['industry'], a['industry'])}, where we won deals")
        results.append({**a, "score": score, "engagement_30d": engagement, "reasons": reasons})
    results.sort(key=lambda r: (-r["score"], r["id"]))
    return results[:limit]


def _account(account_id) -> Account:
    try:
        return Account.objects.get(pk=int(account_id))
    except (TypeError, ValueError, Account.DoesNotExist) as exc:
        raise ApplicationError(f"{account_id} is not an account.", field="account") from exc


def recommendation_select(*, user: User, account_id) -> Account:
    """Make a recommended account a target (chosen by a person)."""
    account = _account(account_id)
    accounts_mark_target(user=user, account_ids=[account.pk])
    RecommendationDismissal.objects.filter(account=account).delete()
    account.refresh_from_db()
    return account


def recommendation_dismiss(*, user: User, account_id) -> RecommendationDismissal:
    """Hide a recommendation until the account's data change markedly."""
    account = _account(account_id)
    if not may_write(user, account):
        raise ForbiddenError("Your role cannot dismiss suggestions for this account.")
    rows = engagement_by_account(account_ids=[account.pk])
    engagement = rows[0]["engagements"] if rows else 0
    with transaction.atomic():
        dismissal, _ = RecommendationDismissal.objects.update_or_create(
            account=account,
            defaults={
                "dismissed_by": user,
                "dismissed_at": timezone.now(),
                "fit_score": account.fit_score,
                "engagement_30d": engagement,
                "industry": account.industry,
            },
        )
    return dismissal
