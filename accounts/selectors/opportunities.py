"""Reads of one opportunity's page and its API related lists: the deal, its contacts with
their roles, its activity timeline."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Activity, Opportunity, OpportunityContactRole

TIMELINE_SIZE = 50


def opportunity_detail(*, pk: int) -> Opportunity:
    """The deal with its account and owner (raises Opportunity.DoesNotExist)."""
    return Opportunity.objects.select_related("account", "owner").get(pk=pk)


def opportunity_contact_roles(*, opportunity: Opportunity) -> QuerySet[OpportunityContactRole]:
    """The deal's contacts with their roles, the primary contact first."""
    return (
        OpportunityContactRole.objects.filter(opportunity=opportunity)
        .select_related("contact")
        .order_by("-is_primary", "contact__last_name", "contact__first_name", "id")
    )


def opportunity_activities(*, opportunity: Opportunity) -> QuerySet[Activity]:
    """What happened on the deal: the activities of its contacts at its account, and the
    deal's own (created, won: they name it in their metadata), newest first."""
    contact_ids = OpportunityContactRole.objects.filter(opportunity=opportunity).values(
        "contact_id"
    )
    return (
        Activity.objects.filter(account_id=opportunity.account_id)
        .filter(Q(contact_id__in=contact_ids) | Q(metadata__opportunity=opportunity.pk))
        .select_related("contact", "user", "campaign")
        .order_by("-occurred_at", "-id")
    )
