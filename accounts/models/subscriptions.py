"""Subscription lists: named lists of contacts who want a kind of marketing email.

A public list is offered in the subscription centre (the contact subscribes or leaves it
themselves); an internal one only users manage. A membership row exists while the
contact is on the list; every join and leave is a ``ConsentChange`` (field
``subscription``) written by ``accounts.services.consent``, so the history says who,
when, where from and why, and a contact's own unsubscribe cannot be undone by a rep.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .records import Contact


class SubscriptionList(models.Model):
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    is_public = models.BooleanField(
        _("public"),
        default=True,
        help_text=_("Public lists are offered in the subscription centre; internal ones are not."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="subscriptionlist_name_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class SubscriptionMembership(models.Model):
    """A contact on a list (present while subscribed; the history is in ConsentChange)."""

    subscription_list = models.ForeignKey(
        SubscriptionList, on_delete=models.CASCADE, related_name="memberships"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="subscription_memberships"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["subscription_list__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription_list", "contact"], name="subscriptionmembership_unique"
            ),
        ]
        indexes = [models.Index(fields=["contact"], name="subscriptionmember_contact")]

    def __str__(self) -> str:
        return f"{self.contact_id} on {self.subscription_list_id}"
