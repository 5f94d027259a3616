"""The one way activities are written: every interaction goes through here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import may_create, may_delete_activities, may_record_activity_as_others
from accounts.models import Activity, Campaign, Contact, HubEvent, User
from accounts.services.changes import changes_notify
from accounts.services.hub_events import HubEventInput, hub_events_emit_bulk

T = Activity.Type

# Who usually starts each kind of interaction: ours are touches, theirs engagements.
DEFAULT_INITIATOR: dict[str, str] = {
    T.EMAIL_SENT: "user",
    T.EMAIL_OPENED: "contact",
    T.EMAIL_CLICKED: "contact",
    T.EMAIL_REPLIED: "contact",
    T.WEB_VISIT: "contact",
    T.FORM_SUBMITTED: "contact",
    T.DOCUMENT_VIEWED: "contact",
    T.MEETING: "user",
    T.CALL: "user",
    T.NOTE: "user",
    T.TASK: "user",
    T.EVENT_REGISTERED: "contact",
    T.EVENT_ATTENDED: "contact",
    T.CAMPAIGN_ADDED: "user",
    T.CAMPAIGN_REMOVED: "user",
    T.LEAD_STATUS_CHANGED: "user",
    T.OPPORTUNITY_CREATED: "user",
    T.OPPORTUNITY_WON: "user",
}

DEFAULT_CHANNEL: dict[str, str] = {
    T.EMAIL_SENT: "email",
    T.EMAIL_OPENED: "email",
    T.EMAIL_CLICKED: "email",
    T.EMAIL_REPLIED: "email",
    T.WEB_VISIT: "web",
    T.FORM_SUBMITTED: "web",
    T.DOCUMENT_VIEWED: "web",
    T.MEETING: "meeting",
    T.CALL: "phone",
    T.NOTE: "crm",
    T.TASK: "crm",
    T.EVENT_REGISTERED: "event",
    T.EVENT_ATTENDED: "event",
    T.CAMPAIGN_ADDED: "crm",
    T.CAMPAIGN_REMOVED: "crm",
    T.LEAD_STATUS_CHANGED: "crm",
    T.OPPORTUNITY_CREATED: "crm",
    T.OPPORTUNITY_WON: "crm",
}

# 1:1 touches that count as "last touch"; contact-initiated kinds that count as
# "last engagement" (HubSpot's definitions).
TOUCH_TYPES = (T.EMAIL_SENT, T.CALL, T.MEETING)
ENGAGEMENT_TYPES = (T.FORM_SUBMITTED, T.DOCUMENT_VIEWED, T.WEB_VISIT)

BULK_MAX = 1000


@dataclass(frozen=True)
class ActivityInput:
    """One activity to record, already resolved to model instances or ids.

    ``user_given=False`` means the caller did not name a user: a touch (user-initiated
    type) recorded on somebody's behalf is then theirs.
    """

    contact_id: int
    type: str
    occurred_at: datetime | None = None
    initiated_by: str | None = None
    user_id: int | None = None
    channel: str | None = None
    campaign_id: int | None = None
    content_type: str = ""
    subject: str = ""
    url: str = ""
    is_bot: bool = False
    metadata: dict | None = None
    user_given: bool = True


@dataclass(frozen=True)
class ActivityItemRejected:
    """A bulk item whose shape was already refused by the caller (API): (field, message)s."""

    errors: tuple[tuple[str | None, str], ...]


def metadata_max_bytes() -> int:
    return getattr(settings, "ACTIVITY_METADATA_MAX_BYTES", 16 * 1024)


def _check_metadata(metadata) -> None:
    if metadata is None:
        return
    if not isinstance(metadata, dict):
        raise ApplicationError(_("metadata must be a JSON object."), field="metadata")
    size = len(json.dumps(metadata, separators=(",", ":"), ensure_ascii=False).encode())
    if size > metadata_max_bytes():
        raise ApplicationError(
            _("metadata is at most %(max)s bytes as JSON; this one is %(size)s.")
            % {"max": metadata_max_bytes(), "size": size},
            field="metadata",
            code="too_large",
        )


def _check_requester(requester: User, user_id: int | None) -> None:
    """Who may name whom: an activity's user is the requester unless an admin records it."""
    if (
        user_id is not None
        and user_id != requester.pk
        and not may_record_activity_as_others(requester)
    ):
        raise ApplicationError(
            _("You can record activities only as yourself; only admins can name another user."),
            field="user",
            code="forbidden_user",
        )


def _for_requester(item: ActivityInput, requester: User | None) -> ActivityInput:
    """Apply the requester's rules to one item: default user, self only unless admin."""
    if requester is None:
        return item
    if not item.user_given:
        initiated_by = item.initiated_by or DEFAULT_INITIATOR.get(item.type)
        if initiated_by == Activity.InitiatedBy.USER:
            item = ActivityInput(**{**item.__dict__, "user_id": requester.pk})
    _check_requester(requester, item.user_id)
    return item


def _check_can_record(requester: User | None) -> None:
    if requester is not None and not may_create(requester, Activity):
        raise ForbiddenError(_("Your role cannot record activities."), code="forbidden")


def _build(item: ActivityInput, account_id: int | None, now: datetime) -> Activity:
    if item.type not in T.values:
        raise ApplicationError(f"'{item.type}' is not an activity type.", field="type")
    initiated_by = item.initiated_by or DEFAULT_INITIATOR[item.type]
    if initiated_by not in Activity.InitiatedBy.values:
        raise ApplicationError("initiated_by must be 'user' or 'contact'.", field="initiated_by")
    channel = item.channel or DEFAULT_CHANNEL[item.type]
    if channel not in Activity.Channel.values:
        raise ApplicationError(f"'{channel}' is not a channel.", field="channel")
    occurred_at = item.occurred_at or now
    if isinstance(occurred_at, str):
        parsed = parse_datetime(occurred_at)
        if parsed is None:
            raise ApplicationError("occurred_at is not an ISO 8601 date-time.", field="occurred_at")
        occurred_at = parsed
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at, timezone.get_default_timezone())
    _check_metadata(item.metadata)
    return Activity(
        contact_id=item.contact_id,
        account_id=account_id,
        type=item.type,
        occurred_at=occurred_at,
        initiated_by=initiated_by,
        user_id=item.user_id if initiated_by == "user" or item.user_id else None,
        channel=channel,
        campaign_id=item.campaign_id,
        content_type=item.content_type or "",
        subject=(item.subject or "")[:255],
        url=item.url or "",
        is_bot=item.is_bot,
        metadata=item.metadata or {},
        created_at=now,
    )


def activity_hub_events(
    activities: Sequence[Activity], *, owner_id: int | None = None
) -> list[HubEventInput]:
    """The hub events of newly recorded activities: ``activity.recorded`` for each, and
    ``form.submitted`` for a form submission (the live feed and webhooks read them)."""
    events = []
    for activity in activities:
        payload = {
            "activity": activity.pk,
            "type": activity.type,
            "initiated_by": activity.initiated_by,
            "channel": activity.channel,
            "campaign": activity.campaign_id,
            "user": activity.user_id,
            "content_type": activity.content_type,
            "subject": activity.subject,
            "url": activity.url,
            "metadata": activity.metadata or {},
        }
        kinds = [HubEvent.Kind.ACTIVITY_RECORDED]
        if activity.type == T.FORM_SUBMITTED:
            kinds.append(HubEvent.Kind.FORM_SUBMITTED)
        events.extend(
            HubEventInput(
                kind=kind,
                subject_type="contact",
                subject_id=activity.contact_id,
                contact_id=activity.contact_id,
                account_id=activity.account_id,
                owner_id=owner_id,
                actor_id=activity.user_id if activity.initiated_by == "user" else None,
                payload=payload,
                occurred_at=activity.occurred_at,
                is_bot=activity.is_bot,
            )
            for kind in kinds
        )
    return events


def activity_record(
    *,
    contact: Contact,
    type: str,
    occurred_at: datetime | None = None,
    initiated_by: str | None = None,
    user: User | None = None,
    channel: str | None = None,
    campaign: Campaign | None = None,
    content_type: str = "",
    subject: str = "",
    url: str = "",
    is_bot: bool = False,
    metadata: dict | None = None,
    requester: User | None = None,
    user_given: bool = True,
) -> Activity:
    """Record one interaction with a contact; the account is taken from the contact.

    ``requester`` is who asks (the API's caller): they must be allowed to record, may
    name only themselves as ``user`` unless admin, and own touches that name nobody.
    """
    _check_can_record(requester)
    item = ActivityInput(
        contact_id=contact.pk,
        type=type,
        occurred_at=occurred_at,
        initiated_by=initiated_by,
        user_id=user.pk if user else None,
        channel=channel,
        campaign_id=campaign.pk if campaign else None,
        content_type=content_type,
        subject=subject,
        url=url,
        is_bot=is_bot,
        metadata=metadata,
        user_given=user_given,
    )
    item = _for_requester(item, requester)
    activity = _build(item, contact.account_id, timezone.now())
    with transaction.atomic():
        activity.save()
        hub_events_emit_bulk(activity_hub_events([activity], owner_id=contact.owner_id))
        changes_notify(kind="activity", contact_ids={contact.pk}, account_ids={contact.account_id})
    return activity


def activities_bulk_precheck(*, requester: User | None, count: int) -> None:
    """May the requester record, and is the count 1 to BULK_MAX (before any item is read)?"""
    _check_can_record(requester)
    if count > BULK_MAX:
        raise ApplicationError(
            _("At most %(max)s activities can be recorded in one call; got %(count)s.")
            % {"max": BULK_MAX, "count": count},
            field="activities",
            code="too_many",
        )
    if not count:
        raise ApplicationError(_("No activities were given."), field="activities")


def _unknown_reference(
    item: ActivityInput, *, contacts, campaigns, users
) -> tuple[str, str] | None:
    """The first id of ``item`` naming no known row, as (field, message); None if all do.
    The contact is always checked, the optional campaign and user only when given."""
    for field, value, known, message in (
        ("contact", item.contact_id, contacts, _("Contact %(id)s does not exist.")),
        ("campaign", item.campaign_id, campaigns, _("Campaign %(id)s does not exist.")),
        ("user", item.user_id, users, _("User %(id)s does not exist.")),
    ):
        if (value or field == "contact") and value not in known:
            return field, message % {"id": value}
    return None


def activities_record_bulk(
    items: Sequence[ActivityInput | ActivityItemRejected], *, requester: User | None = None
) -> list[Activity]:
    """Record up to 1,000 activities at once: all of them, or none.

    Items the caller already refused (``ActivityItemRejected``) are reported with the
    rest. Raises ApplicationError with ``errors`` = [{"index", "field", "message"}]
    listing every rejected item; nothing is written then.
    """
    activities_bulk_precheck(requester=requester, count=len(items))
    errors: list[dict] = []
    accepted: list[tuple[int, ActivityInput]] = []
    for index, item in enumerate(items):
        if isinstance(item, ActivityItemRejected):
            errors.extend(
                {"index": index, "field": field, "message": message}
                for field, message in item.errors
            )
            continue
        try:
            accepted.append((index, _for_requester(item, requester)))
        except ApplicationError as exc:
            errors.append({"index": index, "field": exc.field, "message": exc.message})

    contact_ids = {item.contact_id for _, item in accepted}
    accounts_by_contact = dict(
        Contact.objects.filter(pk__in=contact_ids).values_list("pk", "account_id")
    )
    campaign_ids = {item.campaign_id for _, item in accepted if item.campaign_id}
    known_campaigns = set(Campaign.objects.filter(pk__in=campaign_ids).values_list("pk", flat=True))
    user_ids = {item.user_id for _, item in accepted if item.user_id}
    known_users = set(User.objects.filter(pk__in=user_ids).values_list("pk", flat=True))

    now = timezone.now()
    built: list[Activity] = []
    for index, item in accepted:
        unknown = _unknown_reference(
            item, contacts=accounts_by_contact, campaigns=known_campaigns, users=known_users
        )
        if unknown:
            errors.append({"index": index, "field": unknown[0], "message": unknown[1]})
            continue
        try:
            built.append(_build(item, accounts_by_contact[item.contact_id], now))
        except ApplicationError as exc:
            errors.append({"index": index, "field": exc.field, "message": exc.message})
    if errors:
        errors.sort(key=lambda e: e["index"])
        rejected = len({e["index"] for e in errors})
        raise ApplicationError(
            _("%(rejected)s of %(count)s activities were rejected; nothing was recorded.")
            % {"rejected": rejected, "count": len(items)},
            field=None,
            code="bulk_rejected",
            extra={"errors": errors},
        )
    with transaction.atomic():
        created = Activity.objects.bulk_create(built, batch_size=500)
        hub_events_emit_bulk(activity_hub_events(created))
        changes_notify(
            kind="activity",
            contact_ids={a.contact_id for a in built},
            account_ids={a.account_id for a in built},
        )
    return created


def activity_delete(*, user: User, activity: Activity) -> None:
    """Delete an activity; only admins may, since the stream is otherwise append-only."""
    if not may_delete_activities(user):
        raise ForbiddenError("Only admins can delete activities.", code="forbidden")
    contact_id, account_id = activity.contact_id, activity.account_id
    with transaction.atomic():
        activity.delete()
        changes_notify(kind="activity", contact_ids={contact_id}, account_ids={account_id})
