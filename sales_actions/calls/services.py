"""Every write of the call log: logging a call, placing one through the dialer, the
provider's status callbacks, voicemail drops, and the outcome list.

Each call becomes one ``call`` activity ("received sales call") through
``accounts.services.activities``: written when the call has a final status (at once for a
call the rep logs, at the provider's final callback for a dialled one) and never twice —
the call row keeps the activity's id, set under a row lock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import (
    may_create,
    may_manage_call_outcomes,
    may_record_activity_as_others,
    may_write,
)
from accounts.models import Activity, Contact, Opportunity, Task, User
from accounts.services.activities import activity_record
from sales_actions.calls.models import Call, CallOutcome
from sales_actions.dialer import CallUpdate, PlacedCall, dialer_get
from sales_actions.services.events import call_logged_event

MAX_DURATION_SECONDS = 24 * 3600
# A call logged "in the future" is a typo; a few minutes cover clocks that disagree.
FUTURE_SLACK = timedelta(minutes=5)
_UNSET = object()


# --- Checks -----------------------------------------------------------------------------


def _check_caller(*, user: User, caller: User | None) -> User:
    if caller is None or caller.pk == user.pk:
        return user
    if not may_record_activity_as_others(user):
        raise ForbiddenError(
            _("You can log calls only as yourself; only admins can name another caller."),
            field="user",
            code="forbidden_user",
        )
    return caller


def _check_outcome(outcome: CallOutcome | None, *, previous: CallOutcome | None = None) -> None:
    if outcome is not None and not outcome.is_active and outcome != previous:
        raise ApplicationError(
            _("The outcome “%(name)s” is retired; pick another.") % {"name": outcome.name},
            field="outcome",
        )


def _check_duration(seconds: int | None) -> None:
    if seconds is not None and not 0 <= seconds <= MAX_DURATION_SECONDS:
        raise ApplicationError(
            _("The duration is 0 to %(max)s seconds.") % {"max": MAX_DURATION_SECONDS},
            field="duration_seconds",
        )


def _check_started_at(started_at: datetime | None) -> datetime:
    if started_at is None:
        return timezone.now()
    if timezone.is_naive(started_at):
        started_at = timezone.make_aware(started_at, timezone.get_current_timezone())
    if started_at > timezone.now() + FUTURE_SLACK:
        raise ApplicationError(_("A call cannot start in the future."), field="started_at")
    return started_at


def _check_number(number: str, contact: Contact) -> str:
    number = (number or "").strip() or (contact.phone or "").strip()
    if not number:
        raise ApplicationError(
            _("Give the number dialled: this contact has no phone number."), field="number"
        )
    if not any(ch.isdigit() for ch in number):
        raise ApplicationError(_("A phone number needs digits."), field="number")
    return number[:50]


def _check_task(task: Task | None, contact: Contact) -> None:
    if task is not None and task.contact_id not in (None, contact.pk):
        raise ApplicationError(_("The task is for another contact."), field="task")


# --- The activity, once -------------------------------------------------------------------


def _activity_subject(call: Call) -> str:
    label = call.get_status_display()
    if call.outcome_id:
        label = f"{label} — {call.outcome.name}"
    return _("Sales call: %(what)s") % {"what": label}


def call_activity_ensure(*, call: Call) -> Call:
    """Write the call's ``call`` activity if it has a final status and none yet (idempotent)."""
    if not call.is_final or call.activity_id:
        return call
    with transaction.atomic():
        locked = (
            Call.objects.select_for_update(of=("self",))
            .select_related("contact", "outcome")
            .get(pk=call.pk)
        )
        if locked.activity_id or not locked.is_final:
            call.activity_id = locked.activity_id
            return call
        inbound = locked.direction == Call.Direction.INBOUND
        activity = activity_record(
            contact=locked.contact,
            type=Activity.Type.CALL,
            occurred_at=locked.started_at,
            initiated_by=(Activity.InitiatedBy.CONTACT if inbound else Activity.InitiatedBy.USER),
            user=locked.user,
            subject=_activity_subject(locked),
            metadata={
                "call": locked.pk,
                "direction": locked.direction,
                "status": locked.status,
                "outcome": locked.outcome.name if locked.outcome_id else "",
                "duration_seconds": locked.duration_seconds,
                "provider": locked.provider,
            },
        )
        Call.objects.filter(pk=locked.pk).update(activity_id=activity.pk)
        call_logged_event(locked, activity_id=activity.pk)
    call.activity_id = activity.pk
    return call


# --- Logging and editing ----------------------------------------------------------------


def call_log(
    *,
    user: User,
    contact: Contact,
    status: str,
    number: str = "",
    direction: str = Call.Direction.OUTBOUND,
    outcome: CallOutcome | None = None,
    notes: str = "",
    started_at: datetime | None = None,
    duration_seconds: int | None = None,
    recording_url: str = "",
    caller: User | None = None,
    opportunity: Opportunity | None = None,
    task: Task | None = None,
) -> Call:
    """Log a call the rep made (or took) on their own phone; writes its ``call`` activity."""
    if not may_create(user, Call):
        raise ForbiddenError(_("Your role cannot log calls."), code="forbidden")
    caller = _check_caller(user=user, caller=caller)
    if status not in Call.LOGGED_STATUSES:
        raise ApplicationError(
            _("Choose how the call went: connected, no answer, busy, voicemail or wrong number."),
            field="status",
        )
    if direction not in Call.Direction.values:
        raise ApplicationError(_("The direction is outbound or inbound."), field="direction")
    _check_outcome(outcome)
    _check_duration(duration_seconds)
    _check_task(task, contact)
    now = timezone.now()
    call = Call(
        user=caller,
        contact=contact,
        account_id=contact.account_id,
        opportunity=opportunity,
        task=task,
        number=_check_number(number, contact),
        direction=direction,
        status=status,
        outcome=outcome,
        notes=notes or "",
        started_at=_check_started_at(started_at),
        duration_seconds=duration_seconds,
        recording_url=recording_url or "",
        provider="manual",
        created_at=now,
        updated_at=now,
    )
    with transaction.atomic():
        call.save()
        call_activity_ensure(call=call)
    return call


def call_update(
    *,
    user: User,
    call: Call,
    notes=_UNSET,
    outcome=_UNSET,
    status=_UNSET,
    duration_seconds=_UNSET,
) -> Call:
    """Change a call's notes and outcome (and, for a logged call, its status and duration)."""
    if not may_write(user, call):
        raise ForbiddenError(_("Only the caller or an admin can change this call."))
    fields = []
    if notes is not _UNSET:
        call.notes = notes or ""
        fields.append("notes")
    if outcome is not _UNSET:
        previous = CallOutcome.objects.filter(pk=call.outcome_id).first()
        _check_outcome(outcome, previous=previous)
        call.outcome = outcome
        fields.append("outcome")
    logged = call.provider == "manual"
    if status is not _UNSET and status != call.status:
        if not logged:
            raise ApplicationError(
                _("The dialer reports this call's status; it cannot be changed by hand."),
                field="status",
            )
        if status not in Call.LOGGED_STATUSES:
            raise ApplicationError(
                _("Choose connected, no answer, busy, voicemail or wrong number."), field="status"
            )
        call.status = status
        fields.append("status")
    if duration_seconds is not _UNSET and duration_seconds != call.duration_seconds:
        if not logged:
            raise ApplicationError(
                _("The dialer reports this call's duration."), field="duration_seconds"
            )
        _check_duration(duration_seconds)
        call.duration_seconds = duration_seconds
        fields.append("duration_seconds")
    if fields:
        call.updated_at = timezone.now()
        call.save(update_fields=[*fields, "updated_at"])
    return call


# --- The dialer ---------------------------------------------------------------------------


def call_place(
    *,
    user: User,
    contact: Contact,
    number: str = "",
    from_number: str = "",
    opportunity: Opportunity | None = None,
    task: Task | None = None,
) -> tuple[Call | None, PlacedCall]:
    """Start a call through the configured dialer.

    The built-in dialer answers the ``tel:`` URI to open and creates no row (the rep logs
    the call afterwards); a backend's call is stored at once as "dialling" and completed by
    its status callbacks, which find it by the ``call`` id in their URL or the provider id.
    """
    if not may_create(user, Call):
        raise ForbiddenError(_("Your role cannot make calls."), code="forbidden")
    to_number = _check_number(number, contact)
    _check_task(task, contact)
    dialer = dialer_get()
    if not dialer.reports_status:
        return None, dialer.place_call(from_number=from_number, to_number=to_number)
    now = timezone.now()
    call = Call.objects.create(
        user=user,
        contact=contact,
        account_id=contact.account_id,
        opportunity=opportunity,
        task=task,
        number=to_number,
        status=Call.Status.DIALLING,
        provider=dialer.name,
        started_at=now,
        created_at=now,
        updated_at=now,
    )
    try:
        placed = dialer.place_call(
            from_number=from_number, to_number=to_number, call_ref=str(call.pk)
        )
    except ApplicationError:  # a DialerError, or a dialer that is not configured
        call.delete()  # nothing was dialled: no call to keep
        raise
    Call.objects.filter(pk=call.pk).update(
        provider_call_id=placed.provider_call_id,
        caller_number=placed.caller_number,
        status=placed.status or Call.Status.DIALLING,
    )
    call.refresh_from_db()
    return call, placed


def call_status_apply(*, provider: str, update: CallUpdate, call_pk: int | None = None) -> Call:
    """Apply a provider's status callback (delivered any number of times, in any order)."""
    with transaction.atomic():
        call = (
            Call.objects.select_for_update()
            .filter(provider=provider, provider_call_id=update.provider_call_id)
            .first()
        )
        if call is None and call_pk is not None:
            call = (
                Call.objects.select_for_update()
                .filter(
                    pk=call_pk,
                    provider=provider,
                    provider_call_id__in=("", update.provider_call_id),
                )
                .first()
            )
        if call is None:
            raise ApplicationError(
                _("No call has this provider id."),
                field="CallSid",
                code="not_found",
                status_code=404,
            )
        fields = {"updated_at"}
        if not call.provider_call_id:
            call.provider_call_id = update.provider_call_id
            fields.add("provider_call_id")
        status = update.status
        if status == Call.Status.CONNECTED and call.voicemail_dropped_at:
            status = Call.Status.VOICEMAIL
        # A final status is never taken back by a late "ringing".
        if (
            status
            and status != call.status
            and not (call.is_final and status == Call.Status.DIALLING)
        ):
            call.status = status
            fields.add("status")
        if update.duration_seconds is not None and update.duration_seconds <= MAX_DURATION_SECONDS:
            call.duration_seconds = update.duration_seconds
            fields.add("duration_seconds")
        if update.recording_url:
            call.recording_url = update.recording_url[:1000]
            fields.add("recording_url")
        call.updated_at = timezone.now()
        try:
            call.save(update_fields=sorted(fields))
        except IntegrityError as exc:
            raise ApplicationError(
                _("Another call has this provider id."),
                field="CallSid",
                code="conflict",
                status_code=409,
            ) from exc
        call_activity_ensure(call=call)
    return call


def call_voicemail_drop(*, user: User, call: Call, message_key: str) -> Call:
    """Play a pre-recorded message into the callee's voicemail and hang up."""
    if not may_write(user, call):
        raise ForbiddenError(_("Only the caller or an admin can drop a voicemail on this call."))
    if call.is_final:
        raise ApplicationError(_("The call has ended."), field="call", code="call_ended")
    dialer = dialer_get()
    message = next((m for m in dialer.voicemail_messages() if m.key == str(message_key)), None)
    if message is None:
        raise ApplicationError(_("There is no such voicemail message."), field="message")
    dialer.voicemail_drop(call=call, message=message)
    call.voicemail_dropped_at = timezone.now()
    call.updated_at = call.voicemail_dropped_at
    call.save(update_fields=["voicemail_dropped_at", "updated_at"])
    return call


# --- The outcome list ----------------------------------------------------------------------


def _check_outcome_admin(user: User) -> None:
    if not may_manage_call_outcomes(user):
        raise ForbiddenError(_("Only admins can change the call outcomes."))


def _check_outcome_name(name: str, *, outcome: CallOutcome | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("The outcome needs a name."), field="name")
    clash = CallOutcome.objects.filter(name__iexact=name)
    if outcome is not None:
        clash = clash.exclude(pk=outcome.pk)
    if clash.exists():
        raise ApplicationError(
            _("An outcome named “%(name)s” exists.") % {"name": name}, field="name", code="unique"
        )
    return name[:80]


def call_outcome_create(
    *, user: User, name: str, description: str = "", position: int = 0, is_active: bool = True
) -> CallOutcome:
    """Add an outcome to the list (admins)."""
    _check_outcome_admin(user)
    return CallOutcome.objects.create(
        name=_check_outcome_name(name),
        description=description or "",
        position=position or 0,
        is_active=is_active,
    )


def call_outcome_update(*, user: User, outcome: CallOutcome, **data) -> CallOutcome:
    """Rename, reorder, describe, retire or offer again an outcome (admins)."""
    _check_outcome_admin(user)
    if "name" in data:
        outcome.name = _check_outcome_name(data["name"], outcome=outcome)
    for key in ("description", "position", "is_active"):
        if key in data:
            setattr(outcome, key, data[key] if data[key] is not None else "")
    outcome.save()
    return outcome


def call_outcome_delete(*, user: User, outcome: CallOutcome) -> None:
    """Delete an unused outcome (admins); one that calls used is retired instead."""
    _check_outcome_admin(user)
    if outcome.calls.exists():
        raise ApplicationError(
            _("Calls use this outcome: retire it (untick “offered”) instead of deleting it."),
            field="outcome",
            code="in_use",
            status_code=409,
        )
    outcome.delete()
