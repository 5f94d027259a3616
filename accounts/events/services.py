"""Events: create them, register people, cancel, check in, import a list.

Every registration and check-in writes an activity (``event_registered`` /
``event_attended``) through the activity service, with the event's campaign, so the
event counts in scores, analytics, the live feed and webhooks like any interaction.

Rules chosen where the seed is silent:
- capacity counts ``registered`` people; once it is full new registrations are
  ``waitlisted``; a cancellation of a registered person promotes the longest-waiting
  person on the waitlist (their ``event_registered`` activity is written then);
- a check-in of someone not registered (a walk-in) registers them (source ``check_in``)
  whatever the capacity — they are in the room; a waitlisted or cancelled person who
  checks in becomes registered; a second check-in changes nothing;
- the event row is locked while its registrations change, so two requests never both
  take the last seat.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError, ConflictError, ForbiddenError
from abm.permissions import may_manage_events, may_register_for_event
from accounts.models import (
    Account,
    Activity,
    Campaign,
    Contact,
    EventRegistration,
    MarketingEvent,
    User,
)
from accounts.services.activities import activity_record
from accounts.services.imports import ImportRejected, import_decode, import_parse
from accounts.services.imports.parsers import header_key
from accounts.services.imports.reading import error as row_error
from accounts.services.records.contacts import contact_create

R = EventRegistration.Status
MAX_QUESTIONS = 20
MAX_ANSWER_LENGTH = 1000
MAX_IMPORT_ROWS = 5000
IMPORT_COLUMNS = ["email", "first_name", "last_name", "company", "status", "checked_in_at"]
IMPORT_STATUSES = {"registered", "attended"}
QUESTION_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
EVENT_FIELDS = (
    "name",
    "type",
    "starts_at",
    "ends_at",
    "venue",
    "webinar_url",
    "campaign",
    "capacity",
    "description",
    "questions",
)


# --- Events ---------------------------------------------------------------------------


def _check_manage(user: User | None) -> None:
    if user is not None and not may_manage_events(user):
        raise ForbiddenError(_("Only marketers and admins can manage events."))


def _key_of(label: str) -> str:
    """A question's key from its label: "Which session?" → "which_session"."""
    key = re.sub(r"[^a-z0-9]+", "_", header_key(label)).strip("_")[:40].rstrip("_")
    return key if key[:1].isalpha() else f"q_{key}"[:40]


def questions_clean(raw) -> list[dict]:
    """Registration questions as [{"key", "label"}]: from that list, or from plain labels."""
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        raw = [line for line in raw.splitlines() if line.strip()]
    if not isinstance(raw, list):
        raise ApplicationError(_("Questions must be a list."), field="questions")
    if len(raw) > MAX_QUESTIONS:
        raise ApplicationError(
            _("At most %(max)s questions.") % {"max": MAX_QUESTIONS}, field="questions"
        )
    cleaned, seen = [], set()
    for item in raw:
        if isinstance(item, str):
            item = {"label": item}
        if not isinstance(item, dict) or not isinstance(item.get("label"), str):
            raise ApplicationError(_("Each question needs a label (text)."), field="questions")
        label = " ".join(item["label"].split())[:200]
        key = item.get("key") or _key_of(label)
        if not isinstance(key, str) or not QUESTION_KEY.match(key) or not label:
            raise ApplicationError(
                _("“%(label)s” needs a key of lower-case letters, digits and _.")
                % {"label": label or key},
                field="questions",
            )
        if key in seen or key in IMPORT_COLUMNS:
            raise ApplicationError(
                _("Two questions (or a question and a list column) share the key “%(key)s”.")
                % {"key": key},
                field="questions",
            )
        seen.add(key)
        cleaned.append({"key": key, "label": label})
    return cleaned


def _event_check(event: MarketingEvent) -> None:
    if not (event.name or "").strip():
        raise ApplicationError(_("Give the event a name."), field="name")
    if event.type not in MarketingEvent.Type.values:
        raise ApplicationError(_("Choose in person or webinar."), field="type")
    if event.starts_at is None:
        raise ApplicationError(_("When does the event start?"), field="starts_at")
    if event.ends_at is None:
        raise ApplicationError(_("When does the event end?"), field="ends_at")
    if event.ends_at < event.starts_at:
        raise ApplicationError(_("The event cannot end before it starts."), field="ends_at")
    if event.capacity is not None and event.capacity < 1:
        raise ApplicationError(_("Capacity is at least 1 (or empty: no limit)."), field="capacity")
    if event.webinar_url:
        try:
            URLValidator(schemes=["http", "https"])(event.webinar_url)
        except ValidationError:
            raise ApplicationError(_("Enter a web address."), field="webinar_url") from None


def _assign(event: MarketingEvent, data: dict) -> None:
    for name in EVENT_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "questions":
            value = questions_clean(value)
        elif name == "campaign" and value is not None and not isinstance(value, Campaign):
            value = Campaign.objects.filter(pk=value).first()
            if value is None:
                raise ApplicationError(_("That campaign does not exist."), field="campaign")
        elif name in ("venue", "webinar_url", "description", "name") and value is None:
            value = ""
        setattr(event, name, value)


def event_create(*, user: User, data: dict) -> MarketingEvent:
    _check_manage(user)
    event = MarketingEvent(created_by=user)
    _assign(event, data)
    _event_check(event)
    event.save()
    return event


def event_update(*, user: User, event: MarketingEvent, data: dict) -> MarketingEvent:
    _check_manage(user)
    _assign(event, data)
    _event_check(event)
    event.updated_at = timezone.now()
    with transaction.atomic():
        if event.capacity is not None:
            taken = event.registrations.filter(status=R.REGISTERED).count()
            if taken > event.capacity:
                raise ApplicationError(
                    _("%(n)s people are registered already; capacity cannot be lower.")
                    % {"n": taken},
                    field="capacity",
                )
        event.save()
        # A larger capacity (or none) frees seats for the waitlist. Answers to a question
        # removed later stay on the registrations they were given in.
        _promote(event)
    return event


def event_delete(*, user: User, event: MarketingEvent) -> None:
    """Delete an event and its registrations; the activities they wrote stay (history)."""
    _check_manage(user)
    event.delete()


# --- Registrations --------------------------------------------------------------------


def answers_clean(event: MarketingEvent, answers) -> dict:
    """Answers to the event's questions, by key; unknown keys and long answers refused."""
    if answers in (None, ""):
        return {}
    if not isinstance(answers, dict):
        raise ApplicationError(
            _("Answers must be an object of question → answer."), field="answers"
        )
    keys = {q["key"] for q in event.questions}
    cleaned = {}
    for key, value in answers.items():
        if key not in keys:
            raise ApplicationError(
                _("“%(key)s” is not a question of this event.") % {"key": key}, field="answers"
            )
        if value is None:
            continue
        if not isinstance(value, str | int | float | bool):
            raise ApplicationError(_("Each answer is text."), field="answers")
        text = str(value).strip()
        if len(text) > MAX_ANSWER_LENGTH:
            raise ApplicationError(
                _("An answer is at most %(max)s characters.") % {"max": MAX_ANSWER_LENGTH},
                field="answers",
            )
        if text:
            cleaned[key] = text
    return cleaned


def _lock(event: MarketingEvent) -> MarketingEvent:
    return MarketingEvent.objects.select_for_update().get(pk=event.pk)


def _has_seat(event: MarketingEvent) -> bool:
    if event.capacity is None:
        return True
    return event.registrations.filter(status=R.REGISTERED).count() < event.capacity


def _activity(
    kind: str, registration: EventRegistration, event: MarketingEvent, *, user, at=None
) -> None:
    activity_record(
        contact=registration.contact,
        type=kind,
        occurred_at=at,
        initiated_by=Activity.InitiatedBy.CONTACT,
        user=user,
        channel=Activity.Channel.EVENT,
        campaign=event.campaign,
        content_type=event.type,
        subject=event.name[:255],
        metadata={
            "event": event.pk,
            "event_name": event.name,
            "registration": registration.pk,
            "source": registration.source,
        },
    )


def _register(
    event: MarketingEvent,
    contact: Contact,
    *,
    user: User | None,
    answers: dict,
    source: str,
    walk_in: bool = False,
) -> EventRegistration:
    """Register (or re-register) ``contact`` on the locked ``event``."""
    registration = (
        EventRegistration.objects.select_for_update().filter(event=event, contact=contact).first()
    )
    if registration is not None and registration.status != R.CANCELLED and not walk_in:
        raise ConflictError(
            _("%(name)s is already %(status)s for this event.")
            % {
                "name": contact.full_name or contact.email,
                "status": registration.get_status_display().lower(),
            },
            field="contact",
        )
    status = R.REGISTERED if walk_in or _has_seat(event) else R.WAITLISTED
    if registration is None:
        registration = EventRegistration(event=event, contact=contact)
    previous = registration.status if registration.pk else None
    registration.status = status
    registration.answers = {**(registration.answers or {}), **answers}
    registration.source = source
    registration.registered_by = user
    if previous in (None, R.CANCELLED):
        registration.registered_at = timezone.now()
    registration.cancelled_at = None
    registration.contact = contact
    registration.save()
    if status == R.REGISTERED and previous != R.REGISTERED:
        _activity(Activity.Type.EVENT_REGISTERED, registration, event, user=user)
    return registration


def registration_create(
    *,
    user: User,
    event: MarketingEvent,
    contact: Contact,
    answers=None,
    source: str = EventRegistration.Source.PAGE,
) -> EventRegistration:
    """Register a person: ``registered`` while there are seats, else ``waitlisted``."""
    if not may_register_for_event(user, contact):
        raise ForbiddenError(_("You cannot register this person."))
    answers = answers_clean(event, answers)
    with transaction.atomic():
        return _register(_lock(event), contact, user=user, answers=answers, source=source)


def _promote(event: MarketingEvent) -> list[EventRegistration]:
    """Give free seats to the waitlist, longest waiting first."""
    promoted = []
    waiting = (
        EventRegistration.objects.select_for_update()
        .select_related("contact")
        .filter(event=event, status=R.WAITLISTED)
        .order_by("registered_at", "pk")
    )
    for registration in waiting:
        if not _has_seat(event):
            break
        registration.status = R.REGISTERED
        registration.save(update_fields=["status"])
        _activity(Activity.Type.EVENT_REGISTERED, registration, event, user=None)
        promoted.append(registration)
    return promoted


def registration_cancel(*, user: User, registration: EventRegistration) -> list[EventRegistration]:
    """Cancel; returns who moved up from the waitlist into the freed seat."""
    if not may_register_for_event(user, registration.contact):
        raise ForbiddenError(_("You cannot change this person's registration."))
    with transaction.atomic():
        event = _lock(registration.event)
        registration = EventRegistration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == R.CANCELLED:
            raise ApplicationError(_("This registration is already cancelled."), field="status")
        if registration.checked_in_at is not None:
            raise ApplicationError(
                _("This person already checked in; the registration cannot be cancelled."),
                field="status",
            )
        registration.status = R.CANCELLED
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["status", "cancelled_at"])
        return _promote(event)


def registration_check_in(
    *,
    user: User | None,
    event: MarketingEvent,
    contact: Contact,
    at: datetime | None = None,
    source: str = EventRegistration.Source.CHECK_IN,
) -> tuple[EventRegistration, bool]:
    """Check a person in (a walk-in is registered first); (registration, checked in now)."""
    if user is not None and not may_register_for_event(user, contact):
        raise ForbiddenError(_("You cannot check this person in."))
    at = at or timezone.now()
    with transaction.atomic():
        event = _lock(event)
        registration = (
            EventRegistration.objects.select_for_update()
            .filter(event=event, contact=contact)
            .first()
        )
        if registration is not None and registration.checked_in_at is not None:
            return registration, False
        if registration is None or registration.status != R.REGISTERED:
            registration = _register(
                event, contact, user=user, answers={}, source=source, walk_in=True
            )
        registration.checked_in_at = at
        registration.save(update_fields=["checked_in_at"])
        _activity(Activity.Type.EVENT_ATTENDED, registration, event, user=user, at=at)
    return registration, True


# --- Import ---------------------------------------------------------------------------


def _parse_when(value: str, event: MarketingEvent) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            raise ValueError
        parsed = datetime.combine(day, event.starts_at.astimezone().timetz())
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed


def _rows_check(event: MarketingEvent, rows) -> tuple[list[dict], list[dict]]:
    """Each row as values, and every problem as (row, column, message)."""
    errors, values, seen = [], [], {}
    questions = {q["key"] for q in event.questions}
    for number, row in rows:
        email = row.get("email", "").strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            errors.append(row_error(number, "email", _("Enter a valid email address.")))
            continue
        if email in seen:
            errors.append(
                row_error(
                    number,
                    "email",
                    _("This email is also on row %(row)s.") % {"row": seen[email]},
                )
            )
            continue
        seen[email] = number
        status = (row.get("status") or "registered").strip().lower()
        if status not in IMPORT_STATUSES:
            errors.append(row_error(number, "status", _("Use registered or attended.")))
            continue
        try:
            when = _parse_when(row.get("checked_in_at", ""), event)
        except ValueError:
            errors.append(
                row_error(number, "checked_in_at", _("Use a date (2026-05-14) or date and time."))
            )
            continue
        if when is not None and status != "attended":
            status = "attended"  # a check-in time means they came
        answers = {k: v for k, v in row.items() if k in questions and v}
        if any(len(v) > MAX_ANSWER_LENGTH for v in answers.values()):
            errors.append(
                row_error(
                    number,
                    "",
                    _("An answer is at most %(max)s characters.") % {"max": MAX_ANSWER_LENGTH},
                )
            )
            continue
        names = {
            "first_name": row.get("first_name", "")[:100],
            "last_name": row.get("last_name", "")[:100],
        }
        values.append(
            {
                "row": number,
                "email": email,
                "names": names,
                "company": row.get("company", "").strip()[:255],
                "attended": status == "attended",
                "when": when,
                "answers": answers,
            }
        )
    return errors, values


def registrations_import(*, user: User, event: MarketingEvent, raw: bytes) -> dict:
    """Import a registration or attendee list: every row, or nothing with a row report.

    Unknown emails become contacts (owned by the importer), linked to the account whose
    name is the row's ``company`` (exactly, ignoring case) when there is one.
    """
    _check_manage(user)
    text = import_decode(raw)
    parsed = import_parse(
        kind="event_registrations",
        text=text,
        allowed=IMPORT_COLUMNS + [q["key"] for q in event.questions],
        required=["email"],
    )
    if len(parsed.rows) > MAX_IMPORT_ROWS:
        raise ImportRejected(
            [
                row_error(
                    None,
                    "",
                    _("At most %(max)s rows per file; split it.") % {"max": MAX_IMPORT_ROWS},
                )
            ]
        )
    errors, values = _rows_check(event, parsed.rows)
    if errors:
        raise ImportRejected(errors)
    result = {"rows": len(values), "contacts_created": 0, "registered": 0, "waitlisted": 0,
              "attended": 0, "unchanged": 0}  # fmt: skip
    try:
        with transaction.atomic():
            event = _lock(event)
            contacts = {
                c.email.lower(): c
                for c in Contact.objects.filter(email__in=[v["email"] for v in values])
            }
            companies = {
                name.lower(): pk
                for pk, name in Account.objects.annotate(lower_name=Lower("name"))
                .filter(lower_name__in={v["company"].lower() for v in values if v["company"]})
                .order_by("pk")
                .values_list("pk", "name")
            }
            for value in values:
                contact = contacts.get(value["email"])
                if contact is None:
                    data = {"email": value["email"], **value["names"]}
                    account_id = companies.get(value["company"].lower())
                    if account_id:
                        data["account"] = Account.objects.get(pk=account_id)
                    contact = contact_create(user=user, data=data)
                    contacts[value["email"]] = contact
                    result["contacts_created"] += 1
                existing = EventRegistration.objects.filter(event=event, contact=contact).first()
                if value["attended"]:
                    _registration, now_in = registration_check_in(
                        user=user,
                        event=event,
                        contact=contact,
                        at=value["when"] or event.starts_at,
                        source=EventRegistration.Source.IMPORT,
                    )
                    result["attended" if now_in else "unchanged"] += 1
                elif existing is not None and existing.status != R.CANCELLED:
                    result["unchanged"] += 1
                else:
                    registration = _register(
                        event,
                        contact,
                        user=user,
                        answers=value["answers"],
                        source=EventRegistration.Source.IMPORT,
                    )
                    result[registration.status] += 1
                if value["answers"] and value["attended"]:
                    EventRegistration.objects.filter(event=event, contact=contact).update(
                        answers={**(existing.answers if existing else {}), **value["answers"]}
                    )
    except ApplicationError as exc:
        if isinstance(exc, ImportRejected):
            raise
        raise ImportRejected([row_error(value["row"], exc.field or "", exc.message)]) from exc
    return result
