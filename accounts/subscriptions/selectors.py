"""Reads of subscription lists: the lists with their member counts, a contact's
memberships, the centre's public lists."""

from __future__ import annotations

from django.db.models import Count

from accounts.models import Contact, ErasureRecord, SubscriptionList, SubscriptionMembership


def subscription_lists():
    """Every list with ``member_count`` (lists are the marketing team's, everybody reads)."""
    return SubscriptionList.objects.annotate(member_count=Count("memberships")).order_by(
        "name", "id"
    )


def contact_memberships(contact: Contact):
    return (
        SubscriptionMembership.objects.filter(contact=contact)
        .select_related("subscription_list")
        .order_by("subscription_list__name", "id")
    )


def lists_to_add(contact: Contact):
    """The lists the contact is not on."""
    return SubscriptionList.objects.exclude(memberships__contact=contact).order_by("name", "id")


def centre_contact(contact_id: int) -> Contact | None:
    """The contact a centre link names, unless gone or erased."""
    if ErasureRecord.objects.filter(contact_id=contact_id).exists():
        return None
    return Contact.objects.filter(pk=contact_id).first()


def centre_lists(contact: Contact) -> list[SubscriptionList]:
    """The public lists, each with ``is_member`` for this contact."""
    member_of = set(
        SubscriptionMembership.objects.filter(contact=contact).values_list(
            "subscription_list_id", flat=True
        )
    )
    lists = list(SubscriptionList.objects.filter(is_public=True).order_by("name", "id"))
    for sl in lists:
        sl.is_member = sl.pk in member_of
    return lists
