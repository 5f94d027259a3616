"""Reads of the analytics app: which saved analyses and lists a user sees, entity rows."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.urls import reverse

from abm.permissions import is_admin
from accounts.models import Account, Contact, Opportunity
from analytics.models import EntityList, SavedAnalysis
from buying_groups.models import BuyingGroup

ENTITY_PREVIEW = 200


def saved_analysis_list(*, user) -> QuerySet[SavedAnalysis]:
    """Own analyses plus those the owner shared with the user's team; admins see all."""
    qs = SavedAnalysis.objects.select_related("owner", "owner__team")
    if is_admin(user):
        return qs
    shared = Q(visibility=SavedAnalysis.Visibility.TEAM, owner__team_id=user.team_id)
    if user.team_id is None:
        shared = Q(pk__in=[])
    return qs.filter(Q(owner=user) | shared)


def entity_list_list(*, user) -> QuerySet[EntityList]:
    qs = EntityList.objects.select_related("owner", "analysis")
    if is_admin(user):
        return qs
    return qs.filter(Q(owner=user) | Q(owner__team_id=user.team_id, owner__team__isnull=False))


def entity_rows(*, container: str, ids: list[int], limit: int = ENTITY_PREVIEW) -> list[dict]:
    """Name, a link to the record and a few facts, for the first ``limit`` entities."""
    ids = list(ids)[:limit]
    if container == "account":
        rows = Account.objects.filter(pk__in=ids).values("pk", "name", "industry", "country")
        return [
            {
                "id": r["pk"],
                "name": r["name"],
                "detail": r["country"],
                "url": reverse("accounts:account_detail", args=[r["pk"]]),
            }
            for r in rows.order_by("name", "pk")
        ]
    if container == "opportunity":
        rows = Opportunity.objects.filter(pk__in=ids).values("pk", "name", "stage", "account__name")
        return [
            {
                "id": r["pk"],
                "name": r["name"],
                "detail": f"{r['account__name']} · {r['stage']}",
                "url": reverse("accounts:opportunity_detail", args=[r["pk"]]),
            }
            for r in rows.order_by("name", "pk")
        ]
    if container == "buying_group":
        rows = BuyingGroup.objects.filter(pk__in=ids).values("pk", "name", "account__name")
        return [
            {
                "id": r["pk"],
                "name": r["name"],
                "detail": r["account__name"],
                "url": reverse("buying_groups:detail", args=[r["pk"]]),
            }
            for r in rows.order_by("name", "pk")
        ]
    rows = Contact.objects.filter(pk__in=ids).values(
        "pk", "first_name", "last_name", "email", "account__name"
    )
    return [
        {
            "id": r["pk"],
            "name": f"{r['first_name']} {r['last_name']}".strip() or r["email"],
            "detail": r["account__name"] or "",
            "url": reverse("accounts:contact_detail", args=[r["pk"]]),
        }
        for r in rows.order_by("last_name", "first_name", "pk")
    ]


def entity_contact_ids(*, container: str, ids: list[int]) -> list[int]:
    """The people behind entities: accounts' primary contacts, group members, deal roles."""
    from accounts.models import OpportunityContactRole
    from buying_groups.models import Member

    if container == "person":
        return sorted(set(Contact.objects.filter(pk__in=ids).values_list("pk", flat=True)))
    if container == "account":
        qs = Contact.objects.filter(account_id__in=ids).values_list("pk", flat=True)
    elif container == "buying_group":
        qs = Member.objects.filter(group_id__in=ids).values_list("contact_id", flat=True)
    else:
        qs = OpportunityContactRole.objects.filter(opportunity_id__in=ids).values_list(
            "contact_id", flat=True
        )
    return sorted(set(qs))
