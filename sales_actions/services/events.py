"""What sales actions announce on the hub event stream (``accounts.HubEvent``).

Each function is called inside the transaction that made the fact true, so the event
exists exactly when the fact does; the live feed and webhooks read the stream.
"""

from __future__ import annotations

from collections.abc import Iterable

from accounts.models import HubEvent
from accounts.services.hub_events import HubEventInput, hub_events_emit_bulk

K = HubEvent.Kind

# A sales email's tracked events, by its EmailEvent / activity type.
SALES_EMAIL_KINDS = {
    "sent": K.SALES_EMAIL_SENT,
    "open": K.SALES_EMAIL_OPENED,
    "click": K.SALES_EMAIL_CLICKED,
    "reply": K.SALES_EMAIL_REPLIED,
}


def sales_email_events(emails: Iterable, *, event: str, is_bot: bool = False, **facts) -> None:
    """``sales_email.sent|opened|clicked|replied`` for each email (marketing-kind emails
    are not sales events and are left out)."""
    kind = SALES_EMAIL_KINDS[event]
    hub_events_emit_bulk(
        HubEventInput(
            kind=kind,
            subject_type="contact",
            subject_id=email.contact_id,
            contact_id=email.contact_id,
            account_id=email.account_id,
            actor_id=email.sender_id if event == "sent" else None,
            is_bot=is_bot,
            payload={
                "sales_email": email.pk,
                "subject": email.subject,
                "template": email.template_id,
                "sender": email.sender_id,
                **facts,
            },
        )
        for email in emails
        if email.kind == "sales"
    )


def call_logged_event(call, *, activity_id: int | None = None) -> None:
    """``sales_call.logged`` for a call a rep logged with a person."""
    hub_events_emit_bulk(
        [
            HubEventInput(
                kind=K.SALES_CALL_LOGGED,
                subject_type="contact",
                subject_id=call.contact_id,
                contact_id=call.contact_id,
                account_id=getattr(call, "account_id", None),
                actor_id=call.user_id,
                payload={
                    "call": call.pk,
                    "activity": activity_id,
                    "outcome": str(getattr(call, "outcome_id", "") or ""),
                    "direction": getattr(call, "direction", ""),
                },
            )
        ]
    )


def cadence_membership_events(
    cadence, contact_ids: Iterable[int], *, added: bool, user=None, reason: str = ""
) -> None:
    """``cadence.added`` / ``cadence.removed`` for each person."""
    hub_events_emit_bulk(
        HubEventInput(
            kind=K.CADENCE_ADDED if added else K.CADENCE_REMOVED,
            subject_type="contact",
            subject_id=pk,
            contact_id=pk,
            actor_id=user.pk if user else None,
            payload={"cadence": cadence.pk, "cadence_name": cadence.name, "reason": reason},
        )
        for pk in contact_ids
    )


def cadence_step_events(runs: Iterable, *, contact_by_enrolment: dict[int, int]) -> None:
    """``cadence.step_done`` for each step that ran (an email queued), ``cadence.step_due``
    for a manual step whose task the rep now has to do."""
    events = []
    for run in runs:
        if run.status not in ("email_queued", "task_created"):
            continue
        contact_id = contact_by_enrolment.get(run.enrolment_id)
        if contact_id is None:
            continue
        events.append(
            HubEventInput(
                kind=K.CADENCE_STEP_DUE if run.status == "task_created" else K.CADENCE_STEP_DONE,
                subject_type="contact",
                subject_id=contact_id,
                contact_id=contact_id,
                occurred_at=run.ran_at,
                payload={
                    "enrolment": run.enrolment_id,
                    "step": run.step_id,
                    "position": run.position,
                    "step_kind": run.kind,
                    "task": run.task_id,
                    "sales_email": run.sales_email_id,
                },
            )
        )
    hub_events_emit_bulk(events)
