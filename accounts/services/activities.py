"""The one way activities are written: every interaction goes through here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import may_delete_activities
from accounts.models import Activity, Campaign, Contact, User
from accounts.services.changes import changes_notify

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
    """One activity to record, already resolved to model instances or ids."""

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
) -> Activity:
    """Record one interaction with a contact; the account is taken from the contact."""
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
    )
    activity = _build(item, contact.account_id, timezone.now())
    with transaction.atomic():
        activity.save()
        changes_notify(kind="activity", contact_ids={contact.pk}, account_ids={contact.account_id})
    return activity


def activities_record_bulk(items: Sequence[ActivityInput]) -> list[Activity]:
    """Record up to 1,000 activities at once: all of them, or none.

    Raises ApplicationError with ``errors`` = [{"index": i, "field": f, "message": m}]
    listing every item that was rejected.
    """
    if len(items) > BULK_MAX:
        raise ApplicationError(
            f"At most {BULK_MAX} activities can be recorded in one call; got {len(items)}.",
            field="activities",
        )
    if not items:
        raise ApplicationError("No activities were given.", field="activities")
    contact_ids = {item.contact_id for item in items}
    accounts_by_contact = dict(
        Contact.objects.filter(pk__in=contact_ids).values_list("pk", "account_id")
    )
    campaign_ids = {item.campaign_id for item in items if item.campaign_id}
    known_campaigns = set(Campaign.objects.filter(pk__in=campaign_ids).values_list("pk", flat=True))
    user_ids = {item.user_id for item in items if item.user_id}
    known_users = set(User.objects.filter(pk__in=user_ids).values_list("pk", flat=True))

    now = timezone.now()
    built: list[Activity] = []
    errors: list[dict] = []
    for index, item in enumerate(items):
        if item.contact_id not in accounts_by_contact:
            errors.append(
                {
                    "index": index,
                    "field": "contact",
                    "message": f"Contact {item.contact_id} does not exist.",
                }
            )
            continue
        if item.campaign_id and item.campaign_id not in known_campaigns:
            errors.append(
                {
                    "index": index,
                    "field": "campaign",
                    "message": f"Campaign {item.campaign_id} does not exist.",
                }
            )
            continue
        if item.user_id and item.user_id not in known_users:
            errors.append(
                {"index": index, "field": "user", "message": f"User {item.user_id} does not exist."}
            )
            continue
        try:
            built.append(_build(item, accounts_by_contact[item.contact_id], now))
        except ApplicationError as exc:
            errors.append({"index": index, "field": exc.field, "message": exc.message})
    if errors:
        raise ApplicationError(
            f"{len(errors)} of {len(items)} activities were rejected; nothing was recorded.",
            field=None,
            code="bulk_rejected",
            extra={"errors": errors},
        )
    with transaction.atomic():
        created = Activity.objects.bulk_create(built, batch_size=500)
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
