"""Writes of subscription lists: the lists (marketers), memberships, the centre's actions.

Every membership change goes through ``accounts.services.consent`` (a ConsentChange with
who, when, source and reason); the centre's changes carry the source
``subscription_centre`` and count as the contact's own action (the link was sent to them).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import may_manage_subscription_lists
from accounts.models import (
    SUBSCRIPTION_FIELD,
    ConsentChange,
    Contact,
    SubscriptionList,
    SubscriptionMembership,
    User,
)
from accounts.services.changes import changes_notify
from accounts.services.consent import (
    consent_changes_check,
    contact_consent_update,
    contact_subscriptions_update,
)

Source = ConsentChange.Source
NAME_MAX = SubscriptionList._meta.get_field("name").max_length
DESCRIPTION_MAX = 2000


def _check_manage(user: User) -> None:
    if not may_manage_subscription_lists(user):
        raise ForbiddenError(
            _("Only marketers and admins can manage subscription lists."), code="forbidden"
        )


def _clean(*, name, description, is_public, exclude_pk=None) -> tuple[str, str, bool]:
    if not isinstance(name, str) or not name.strip():
        raise ApplicationError(_("Give the list a name."), field="name")
    name = name.strip()
    if len(name) > NAME_MAX:
        raise ApplicationError(
            _("Keep the name under %(max)s characters.") % {"max": NAME_MAX}, field="name"
        )
    if not isinstance(description, str):
        raise ApplicationError(_("The description must be text."), field="description")
    description = description.strip()
    if len(description) > DESCRIPTION_MAX:
        raise ApplicationError(
            _("Keep the description under %(max)s characters.") % {"max": DESCRIPTION_MAX},
            field="description",
        )
    if not isinstance(is_public, bool):
        raise ApplicationError(_("Public must be true or false."), field="is_public")
    taken = SubscriptionList.objects.filter(name__iexact=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ApplicationError(
            _("A list named “%(name)s” exists already.") % {"name": name},
            field="name",
            code="duplicate",
        )
    return name, description, is_public


def subscription_list_create(
    *, user: User, name: str, description: str = "", is_public: bool = True
) -> SubscriptionList:
    _check_manage(user)
    name, description, is_public = _clean(name=name, description=description, is_public=is_public)
    now = timezone.now()
    return SubscriptionList.objects.create(
        name=name,
        description=description,
        is_public=is_public,
        created_by=user,
        created_at=now,
        updated_at=now,
    )


def subscription_list_update(
    *, user: User, subscription_list: SubscriptionList, **values
) -> SubscriptionList:
    """Change name, description or public (the values given; the others are kept)."""
    _check_manage(user)
    name, description, is_public = _clean(
        name=values.get("name", subscription_list.name),
        description=values.get("description", subscription_list.description),
        is_public=values.get("is_public", subscription_list.is_public),
        exclude_pk=subscription_list.pk,
    )
    subscription_list.name = name
    subscription_list.description = description
    subscription_list.is_public = is_public
    subscription_list.updated_at = timezone.now()
    subscription_list.save(update_fields=["name", "description", "is_public", "updated_at"])
    return subscription_list


def subscription_list_delete(*, user: User, subscription_list: SubscriptionList) -> int:
    """Delete a list; each member's leaving is kept in their consent history. The number
    of members it had."""
    _check_manage(user)
    now = timezone.now()
    with transaction.atomic():
        members = list(
            SubscriptionMembership.objects.filter(subscription_list=subscription_list).values_list(
                "contact_id", "contact__account_id"
            )
        )
        ConsentChange.objects.bulk_create(
            [
                ConsentChange(
                    contact_id=contact_id,
                    field=SUBSCRIPTION_FIELD,
                    old_value=True,
                    new_value=False,
                    subscription_list=None,
                    list_name=subscription_list.name,
                    source=Source.USER,
                    reason=_("The list was deleted."),
                    user=user,
                    occurred_at=now,
                )
                for contact_id, _account in members
            ],
            batch_size=1000,
        )
        subscription_list.delete()
        if members:
            changes_notify(
                kind="contact",
                contact_ids={c for c, _a in members},
                account_ids={a for _c, a in members if a},
            )
    return len(members)


# --- memberships by users (the contact page, the API) ---------------------------------


def membership_set(
    *,
    user: User,
    contact: Contact,
    subscription_list: SubscriptionList,
    subscribed: bool,
    reason: str = "",
    source: str = Source.USER,
) -> list[ConsentChange]:
    """Add the contact to the list or take them off it, as a user (``may_write``)."""
    return contact_subscriptions_update(
        contact=contact,
        changes={subscription_list.pk: subscribed},
        source=source,
        user=user,
        reason=reason,
    )


# --- the subscription centre (the contact themselves) ---------------------------------


def centre_save(
    *,
    contact: Contact,
    list_ids: set[int],
    allow_tracking: bool | None = None,
    sales_email_id: int | None = None,
) -> list[ConsentChange]:
    """The contact's choice of public lists (exactly ``list_ids``) and, when given, whether
    their opens and clicks may be tracked."""
    public = set(SubscriptionList.objects.filter(is_public=True).values_list("pk", flat=True))
    unknown = set(list_ids) - public
    if unknown:
        raise ApplicationError(
            _("That list is not offered here."), field="subscription_list", code="not_found"
        )
    rows: list[ConsentChange] = []
    with transaction.atomic():
        rows += contact_subscriptions_update(
            contact=contact,
            changes={pk: pk in list_ids for pk in sorted(public)},
            source=Source.SUBSCRIPTION_CENTRE,
            sales_email_id=sales_email_id,
            confirmed_by_contact=True,
        )
        if allow_tracking is not None:
            rows += contact_consent_update(
                contact=contact,
                changes={"follow_email": allow_tracking},
                source=Source.SUBSCRIPTION_CENTRE,
                sales_email_id=sales_email_id,
                confirmed_by_contact=True,
            )
    return rows


def centre_unsubscribe_all(
    *, contact: Contact, sales_email_id: int | None = None, source: str = Source.SUBSCRIPTION_CENTRE
) -> list[ConsentChange]:
    """No more marketing email at all (lists are kept, and wait for a resubscribe)."""
    consent_changes_check(changes={}, source=source, reason="")
    return contact_consent_update(
        contact=contact,
        changes={"allow_bulk_email": False},
        source=source,
        sales_email_id=sales_email_id,
    )


def centre_resubscribe(*, contact: Contact, sales_email_id: int | None = None):
    """The contact turns marketing email back on themselves."""
    return contact_consent_update(
        contact=contact,
        changes={"allow_bulk_email": True},
        source=Source.SUBSCRIPTION_CENTRE,
        sales_email_id=sales_email_id,
        confirmed_by_contact=True,
    )


def centre_one_click(
    *, contact: Contact, sales_email_id: int | None, list_id: int | None
) -> list[ConsentChange]:
    """RFC 8058 one-click (List-Unsubscribe-Post): leave the list the email was sent to,
    or, for a send to no list (or a list gone since), all marketing email."""
    if list_id is not None and SubscriptionList.objects.filter(pk=list_id).exists():
        return contact_subscriptions_update(
            contact=contact,
            changes={list_id: False},
            source=Source.ONE_CLICK,
            sales_email_id=sales_email_id,
        )
    return centre_unsubscribe_all(
        contact=contact, sales_email_id=sales_email_id, source=Source.ONE_CLICK
    )
