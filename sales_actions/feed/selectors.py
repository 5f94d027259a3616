"""What a user's live feed holds and how each item reads.

The feed is personal: the hub events whose ``owner`` is the user (the owner of the person,
else of the account — ``accounts.services.hub_events`` decides it when the event is
written), for every role. Admins and marketers get their own feed too, not everybody's: a
feed of every event in the hub would be a firehose nobody acts on (the activity lists and
analytics are the place for "everything"). Machine events (``is_bot``) never appear.

Kinds shown: a sales email sent / opened / clicked / replied, a call logged, a cadence
step done or due, a form submitted, a buying group's engagement jumping, and a lead
becoming marketing-qualified (``lead.status_changed`` to ``mql``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Max, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.models import HubEvent
from sales_actions.feed.models import FeedCursor

K = HubEvent.Kind

FEED_KINDS = (
    K.SALES_EMAIL_SENT,
    K.SALES_EMAIL_OPENED,
    K.SALES_EMAIL_CLICKED,
    K.SALES_EMAIL_REPLIED,
    K.SALES_CALL_LOGGED,
    K.CADENCE_STEP_DONE,
    K.CADENCE_STEP_DUE,
    K.FORM_SUBMITTED,
    K.BUYING_GROUP_ENGAGEMENT_JUMPED,
)
MQL = "mql"
# The most a page or one API answer holds; the unread count stops counting here ("99+").
LIMIT_MAX = 200
LIMIT_DEFAULT = 50
UNREAD_CAP = 99

FEED_FILTER = Q(is_bot=False) & (
    Q(kind__in=FEED_KINDS) | Q(kind=K.LEAD_STATUS_CHANGED, payload__to=MQL)
)


def is_feed_event(event: HubEvent) -> bool:
    """The same rule as ``FEED_FILTER``, for events already in memory (the publisher)."""
    if event.is_bot or not event.owner_id:
        return False
    if event.kind in FEED_KINDS:
        return True
    return event.kind == K.LEAD_STATUS_CHANGED and (event.payload or {}).get("to") == MQL


def feed_events(*, user_id: int) -> QuerySet[HubEvent]:
    """The user's feed, every item (newest last by id)."""
    return HubEvent.objects.filter(FEED_FILTER, owner_id=user_id)


@dataclass
class FeedPage:
    items: list[dict]
    # The highest event id the client has now seen (its next ``since``).
    cursor: int
    has_more: bool


def feed_page(
    *, user_id: int, since: int | None = None, before: int | None = None, limit: int = 50
) -> FeedPage:
    """One answer of the feed, newest first.

    ``since``: the items after that event id, the oldest ``limit`` of them (``has_more``
    says whether the client should ask again from the new cursor); ``before``: the
    ``limit`` items before that id (older pages); neither: the latest ``limit``."""
    limit = max(1, min(limit, LIMIT_MAX))
    events = feed_events(user_id=user_id).select_related("contact", "account")
    if since is not None:
        rows = list(events.filter(id__gt=since).order_by("id")[: limit + 1])
        has_more = len(rows) > limit
        rows = rows[:limit]
        cursor = rows[-1].pk if rows else since
        rows.reverse()
    else:
        if before is not None:
            events = events.filter(id__lt=before)
        rows = list(events.order_by("-id")[: limit + 1])
        has_more = len(rows) > limit
        rows = rows[:limit]
        # An older page does not move the live cursor: the newest event does.
        if before is not None:
            cursor = feed_latest_id(user_id=user_id)
        else:
            cursor = rows[0].pk if rows else 0
    return FeedPage(items=feed_items(rows), cursor=cursor, has_more=has_more)


def feed_latest_id(*, user_id: int) -> int:
    return feed_events(user_id=user_id).aggregate(top=Max("id"))["top"] or 0


def feed_last_seen(*, user_id: int) -> int:
    return (
        FeedCursor.objects.filter(user_id=user_id).values_list("last_seen_id", flat=True).first()
        or 0
    )


def feed_unread_count(*, user_id: int) -> int:
    """Items above the user's read cursor, counted up to ``UNREAD_CAP + 1``."""
    # One query on every page (the navigation's bell): the cursor is a subquery.
    last_seen = Coalesce(
        Subquery(FeedCursor.objects.filter(user_id=user_id).values("last_seen_id")[:1]),
        Value(0),
    )
    return (
        feed_events(user_id=user_id).filter(id__gt=last_seen).values("id")[: UNREAD_CAP + 1].count()
    )


# --- How an item reads ----------------------------------------------------------------


def _url(name: str, *args, query: dict | None = None) -> str:
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return ""
    return f"{url}?{urlencode(query)}" if query else url


def _quoted(text: str) -> str:
    return "“" + (text or _("(no subject)")) + "”"


def _lookups(rows: list[HubEvent]) -> dict:
    """What the sentences need beyond the event: call outcomes, cadence names, groups."""
    from sales_actions.cadences.models import CadenceStep, Enrolment
    from sales_actions.calls.models import Call

    call_ids = {r.payload.get("call") for r in rows if r.kind == K.SALES_CALL_LOGGED}
    enrolment_ids = {
        r.payload.get("enrolment")
        for r in rows
        if r.kind in (K.CADENCE_STEP_DONE, K.CADENCE_STEP_DUE)
    }
    calls = {}
    if call_ids - {None}:
        for call in Call.objects.filter(pk__in=call_ids - {None}).select_related("outcome"):
            calls[call.pk] = call
    cadences = {}
    if enrolment_ids - {None}:
        cadences = dict(
            Enrolment.objects.filter(pk__in=enrolment_ids - {None}).values_list(
                "pk", "cadence__name"
            )
        )
    return {"calls": calls, "cadences": cadences, "step_kinds": dict(CadenceStep.Kind.choices)}


def _sentence(event: HubEvent, facts: dict) -> str:
    """What happened, without the person (shown beside it as a link)."""
    payload = event.payload or {}
    kind = event.kind
    if kind == K.SALES_EMAIL_SENT:
        return _("was sent %(subject)s") % {"subject": _quoted(payload.get("subject", ""))}
    if kind == K.SALES_EMAIL_OPENED:
        return _("opened %(subject)s") % {"subject": _quoted(payload.get("subject", ""))}
    if kind == K.SALES_EMAIL_CLICKED:
        return _("clicked a link in %(subject)s") % {"subject": _quoted(payload.get("subject", ""))}
    if kind == K.SALES_EMAIL_REPLIED:
        return _("replied to %(subject)s") % {"subject": _quoted(payload.get("subject", ""))}
    if kind == K.SALES_CALL_LOGGED:
        call = facts["calls"].get(payload.get("call"))
        if call is None:
            return _("call logged")
        result = call.outcome.name if call.outcome_id else call.get_status_display()
        return _("call: %(result)s") % {"result": result}
    if kind in (K.CADENCE_STEP_DONE, K.CADENCE_STEP_DUE):
        name = facts["cadences"].get(payload.get("enrolment")) or _("a cadence")
        step = facts["step_kinds"].get(payload.get("step_kind"), "")
        values = {"n": payload.get("position", "?"), "step": step, "cadence": _quoted(name)}
        if kind == K.CADENCE_STEP_DUE:
            return _("step %(n)s due (%(step)s) in %(cadence)s") % values
        return _("step %(n)s done (%(step)s) in %(cadence)s") % values
    if kind == K.FORM_SUBMITTED:
        form = payload.get("subject") or payload.get("form_name") or payload.get("url") or ""
        return _("submitted a form: %(form)s") % {"form": form} if form else _("submitted a form")
    if kind == K.BUYING_GROUP_ENGAGEMENT_JUMPED:
        before, after = payload.get("from"), payload.get("to")
        name = payload.get("name") or payload.get("group_name") or ""
        if before is not None and after is not None:
            return _("buying group %(name)s: engagement jumped from %(from)s to %(to)s") % {
                "name": _quoted(name) if name else "",
                "from": before,
                "to": after,
            }
        return _("buying group %(name)s: engagement jumped") % {
            "name": _quoted(name) if name else ""
        }
    if kind == K.LEAD_STATUS_CHANGED:
        return _("became a marketing-qualified lead")
    return str(event.get_kind_display())


def _record_url(event: HubEvent) -> str:
    if event.subject_type == "lead":
        return _url("accounts:lead_detail", event.subject_id)
    if event.subject_type == "buying_group":
        return _url("buying_groups:detail", event.subject_id)
    if event.contact_id:
        return _url("accounts:contact_detail", event.contact_id)
    if event.account_id:
        return _url("accounts:account_detail", event.account_id)
    return ""


def feed_item(event: HubEvent, facts: dict) -> dict:
    """One item as the API, the stream and the page's script read it (JSON-safe)."""
    contact = event.contact
    account = event.account
    person = None
    actions: dict[str, str] = {"open": _record_url(event)}
    if contact is not None:
        person = {
            "id": contact.pk,
            "name": contact.full_name or contact.email,
            "url": _url("accounts:contact_detail", contact.pk),
        }
        actions["email"] = _url("sales_actions:send_dialog", query={"contact": contact.pk})
        actions["cadence"] = _url("sales_actions:cadence_enrol", query={"contact": contact.pk})
        if contact.phone and any(ch.isdigit() for ch in contact.phone):
            digits = "".join(ch for ch in contact.phone if ch.isdigit())
            actions["tel"] = (
                "tel:" + ("+" if contact.phone.strip().startswith("+") else "") + digits
            )
            actions["call"] = _url(
                "sales_actions:call_log_dialog",
                query={"contact": contact.pk, "number": contact.phone},
            )
    return {
        "id": event.pk,
        "kind": event.kind,
        "kind_label": str(event.get_kind_display())
        if event.kind != K.LEAD_STATUS_CHANGED
        else _("Became MQL"),
        "text": _sentence(event, facts),
        "occurred_at": event.occurred_at.isoformat(),
        "person": person,
        "account": (
            {
                "id": account.pk,
                "name": account.name,
                "url": _url("accounts:account_detail", account.pk),
            }
            if account is not None
            else None
        ),
        "actions": {key: value for key, value in actions.items() if value},
    }


def feed_items(rows: list[HubEvent]) -> list[dict]:
    if not rows:
        return []
    facts = _lookups(rows)
    return [feed_item(row, facts) for row in rows]
