"""The cadence worker: run each due step exactly once per person.

``cadences_tick`` (beat, every minute) ends enrolments whose person replied or whose email
bounced, wakes those whose task is done, and queues a few ``cadence_advance`` tasks.
Each of those claims a batch of due enrolments with ``SELECT … FOR UPDATE SKIP LOCKED``
and, in ONE transaction per batch, writes each step's ``StepRun`` (unique idempotency key
per enrolment and step), the outbox row or the task it produces, and the enrolment's
move to its next step. A worker killed mid-batch rolls the whole batch back (the rows stay
due and the next claim takes them); a task delivered twice finds them locked or no longer
due. Emails leave through the outbox after commit, which sends each row at most once.

Task steps: the next step waits until the task is done or its due date passes, whichever
comes first (the due date is the end of the business day the step ran on).
"""

from __future__ import annotations

import hashlib
import logging
import time as clock
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from abm.bulk import objects_insert
from abm.tasks import enqueue
from accounts.models import Contact, Task
from accounts.services.tasks import task_create
from sales_actions.cadences.enrolment import enrolments_end
from sales_actions.cadences.models import Cadence, CadenceStep, Enrolment, StepRun, run_key
from sales_actions.cadences.schedule import Rules, business_time, local, step_due_at
from sales_actions.cadences.services import _touch_schedule, cadence_rules
from sales_actions.models import EmailTemplate, SalesEmail, SendBatch, TrackedLink
from sales_actions.rendering import (
    context_for,
    html_to_text,
    links_find,
    render_html,
    render_subject,
)
from sales_actions.services.events import cadence_step_events
from sales_actions.services.sending import _enqueue as outbox_enqueue
from sales_actions.services.sending import _personal_body, consent_reason

log = logging.getLogger(__name__)
ES = Enrolment.Status
K = CadenceStep.Kind
RS = StepRun.Status
TASK_TYPES = {
    K.MANUAL_EMAIL: Task.Type.EMAIL,
    K.CALL: Task.Type.CALL,
    K.LINKEDIN: Task.Type.LINKEDIN,
    K.CUSTOM: Task.Type.CUSTOM,
}
TASK_TITLES = {
    K.MANUAL_EMAIL: "Email {name}",
    K.CALL: "Call {name}",
    K.LINKEDIN: "LinkedIn: {name}",
    K.CUSTOM: "Follow up with {name}",
}


def _due(now: datetime):
    return Enrolment.objects.filter(
        status=ES.ACTIVE, next_due_at__lte=now, cadence__status=Cadence.Status.ACTIVE
    )


# --- The tick ------------------------------------------------------------------------------


def _replied_or_bounced(enrolments) -> tuple[set[int], set[int]]:
    runs = StepRun.objects.filter(enrolment__in=enrolments)
    replied = set(
        runs.filter(
            enrolment__cadence__end_on_reply=True, sales_email__replied_at__isnull=False
        ).values_list("enrolment_id", flat=True)
    )
    bounced = set(
        runs.filter(sales_email__status=SalesEmail.Status.FAILED).values_list(
            "enrolment_id", flat=True
        )
    )
    return replied, bounced - replied


def cadences_tick(*, now: datetime | None = None) -> dict[str, int]:
    """Beat, every minute: end replied/bounced people, wake finished tasks, queue workers."""
    now = now or timezone.now()
    open_rows = Enrolment.objects.filter(status__in=Enrolment.OPEN_STATUSES)
    replied, bounced = _replied_or_bounced(open_rows.values("pk"))
    ended = enrolments_end(enrolment_ids=replied, status=ES.REPLIED, reason="replied")
    ended += enrolments_end(enrolment_ids=bounced, status=ES.BOUNCED, reason="email bounced")
    woken = tasks_done_wake(now=now)
    due = _due(now).count()
    batch = max(1, settings.CADENCE_ADVANCE_BATCH)
    workers = min(max(1, settings.CADENCE_ADVANCE_TASKS), -(-due // batch))
    from sales_actions.cadences.tasks import cadence_advance_task

    queued = sum(1 for _ in range(workers) if enqueue(cadence_advance_task))
    return {"ended": ended, "woken": woken, "due": due, "queued": queued}


def tasks_done_wake(*, now: datetime | None = None, limit: int = 5000) -> int:
    """A step's task is done before its due date: the next step counts from completion."""
    now = now or timezone.now()
    rows = list(
        Enrolment.objects.filter(status=ES.ACTIVE, waiting_task__status=Task.Status.DONE)
        .select_related("waiting_task", "step", "cadence__owner")
        .order_by("pk")[:limit]
    )
    for e in rows:
        done_at = e.waiting_task.completed_at or now
        if e.step is None:
            due = done_at
        else:
            due = step_due_at(
                previous=done_at, day_offset=e.step.day_offset, send_time=e.step.send_time,
                rules=cadence_rules(e.cadence),
            )  # fmt: skip
        if e.next_due_at is not None:
            due = min(due, e.next_due_at)
        Enrolment.objects.filter(pk=e.pk, waiting_task_id=e.waiting_task_id).update(
            waiting_task=None, next_due_at=due
        )
    return len(rows)


# --- Advancing ------------------------------------------------------------------------------


def cadence_advance(*, max_seconds: float = 240.0) -> int:
    """Advance due enrolments batch by batch until none is due (or time is up: then the
    rest is handed to a fresh task). Returns how many enrolments moved."""
    started = clock.monotonic()
    total = 0
    while True:
        moved = enrolments_advance_batch(now=timezone.now())
        total += moved
        if not moved:
            return total
        if clock.monotonic() - started > max_seconds:
            from sales_actions.cadences.tasks import cadence_advance_task

            enqueue(cadence_advance_task)
            return total


def _task_due(now: datetime, rules: Rules) -> datetime:
    """A step's task is due at the end of the business day it is given on."""
    start = business_time(now, rules)
    if rules.hours_end is None:
        return start + timedelta(days=1)
    return local(start.date(), rules.hours_end, rules.tz)


class _Batch:
    """What one batch writes, gathered first and written set-based."""

    def __init__(self, now: datetime):
        self.now = now
        self.runs: list[StepRun] = []
        self.emails: list[tuple[str, SalesEmail, list[str], CadenceStep]] = []
        self.batches: dict[int, SendBatch] = {}
        self.contacts: set[int] = set()

    def run(self, e: Enrolment, step: CadenceStep, status: str, reason: str = "", **links):
        self.runs.append(
            StepRun(
                idempotency_key=run_key(e.pk, step.pk), enrolment_id=e.pk, step_id=step.pk,
                position=step.position, kind=step.kind, status=status, reason=reason[:255],
                ran_at=self.now, **links,
            )
        )  # fmt: skip

    def send_batch(self, step: CadenceStep, sender) -> SendBatch:
        if step.pk not in self.batches:
            self.batches[step.pk] = SendBatch.objects.create(
                key=f"cadence-{step.pk}-{uuid.uuid4().hex}"[:80],
                template=step.template, sender=sender, created_at=self.now,
            )  # fmt: skip
        return self.batches[step.pk]


def _email(batch: _Batch, e: Enrolment, step: CadenceStep, contact: Contact, sender) -> str:
    """Queue the step's email in the outbox, or say why it is skipped."""
    template = step.template
    if template is None or template.status != EmailTemplate.Status.APPROVED:
        return "the template is no longer approved"
    if sender is None:
        return "the cadence has no owner to send from"
    reason = consent_reason(contact, template.kind)  # consent again, at send time
    if reason:
        return reason
    key = run_key(e.pk, step.pk)
    email_key = hashlib.sha256(key.encode()).hexdigest()[:40]
    values = context_for(contact=contact, account=contact.account, sender=sender)
    rendered = render_html(_personal_body(template, "", True), values)
    row = SalesEmail(
        idempotency_key=email_key,
        message_id=f"<{email_key}@{settings.SALES_EMAIL_MESSAGE_ID_DOMAIN}>",
        batch=batch.send_batch(step, sender),
        template=template, kind=template.kind, sender=sender, contact=contact,
        account_id=contact.account_id, to_email=contact.email,
        subject=render_subject(template.subject, values), body_html=rendered,
        body_text=html_to_text(rendered), track=contact.follow_email, queued_at=batch.now,
    )  # fmt: skip
    batch.emails.append((key, row, links_find(rendered) if contact.follow_email else [], step))
    return ""


def _next_step(steps: list[CadenceStep], step: CadenceStep) -> CadenceStep | None:
    later = [s for s in steps if (s.position, s.pk) > (step.position, step.pk)]
    return later[0] if later else None


def enrolments_advance_batch(*, now: datetime, size: int | None = None) -> int:
    """Claim up to ``size`` due enrolments and run their step, all in one transaction."""
    size = size or max(1, settings.CADENCE_ADVANCE_BATCH)
    with transaction.atomic():
        rows = list(
            _due(now)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("next_due_at", "pk")[:size]
        )
        if not rows:
            return 0
        batch = _Batch(now)
        _advance(batch, rows)
        email_ids = _write(batch, rows)
        transaction.on_commit(lambda: outbox_enqueue(email_ids))
        _touch_schedule(batch.contacts)
    return len(rows)


def _advance(batch: _Batch, rows: list[Enrolment]) -> None:
    now = batch.now
    cadences = {
        c.pk: c
        for c in Cadence.objects.select_related("owner").filter(pk__in={e.cadence_id for e in rows})
    }
    steps: dict[int, list[CadenceStep]] = {}
    for step in (
        CadenceStep.objects.select_related("template")
        .filter(cadence_id__in=cadences)
        .order_by("position", "pk")
    ):
        steps.setdefault(step.cadence_id, []).append(step)
    by_id = {s.pk: s for group in steps.values() for s in group}
    contacts = Contact.objects.select_related("account").in_bulk({e.contact_id for e in rows})
    replied, bounced = _replied_or_bounced([e.pk for e in rows])
    done = set(
        StepRun.objects.filter(
            idempotency_key__in=[run_key(e.pk, e.step_id) for e in rows if e.step_id]
        ).values_list("idempotency_key", flat=True)
    )
    rules = {pk: cadence_rules(c) for pk, c in cadences.items()}
    for e in rows:
        batch.contacts.add(e.contact_id)
        step = by_id.get(e.step_id)
        ended = (
            (ES.REPLIED, "replied") if e.pk in replied
            else (ES.BOUNCED, "email bounced") if e.pk in bounced
            else (ES.FINISHED, "") if step is None
            else None
        )  # fmt: skip
        if ended:
            e.status, e.end_reason = ended
            e.ended_at, e.next_due_at, e.step, e.waiting_task = now, None, None, None
            continue
        cadence = cadences[e.cadence_id]
        base, task = now, None
        if run_key(e.pk, step.pk) not in done:  # a backstop: the claim already guards it
            contact = contacts[e.contact_id]
            if step.kind == K.AUTO_EMAIL:
                reason = _email(batch, e, step, contact, cadence.owner)
                if reason:
                    batch.run(e, step, RS.SKIPPED, reason)
            elif cadence.owner is None:
                batch.run(e, step, RS.SKIPPED, "the cadence has no owner to give the task")
            else:
                name = contact.full_name or contact.email
                task = task_create(
                    user=cadence.owner, owner=cadence.owner, type=TASK_TYPES[step.kind],
                    title=step.title or TASK_TITLES[step.kind].format(name=name),
                    description=step.instructions, contact=contact,
                    due_at=_task_due(now, rules[cadence.pk]),
                )  # fmt: skip
                batch.run(e, step, RS.TASK_CREATED, task=task)
                base = task.due_at
        following = _next_step(steps.get(cadence.pk, []), step)
        e.last_step_at, e.waiting_task = now, task
        if following is not None:
            e.step = following
            e.next_due_at = step_due_at(
                previous=base, day_offset=following.day_offset,
                send_time=following.send_time, rules=rules[cadence.pk],
            )  # fmt: skip
        elif task is not None:  # the last step is a task: finish when it is done or due
            e.step, e.next_due_at = None, task.due_at
        else:
            e.status, e.ended_at, e.step, e.next_due_at = ES.FINISHED, now, None, None


def _write(batch: _Batch, rows: list[Enrolment]) -> list[int]:
    email_ids: list[int] = []
    if batch.emails:
        objects_insert([e[1] for e in batch.emails])
        ids = {row.idempotency_key: row.pk for _key, row, _urls, _step in batch.emails}
        links = []
        for key, row, urls, step in batch.emails:
            pk = ids[row.idempotency_key]
            email_ids.append(pk)
            links.extend(
                TrackedLink(email_id=pk, position=i, url=url[:2000]) for i, url in enumerate(urls)
            )
            batch.runs.append(
                StepRun(
                    idempotency_key=key, enrolment_id=int(key.split(":")[1]), step_id=step.pk,
                    position=step.position, kind=step.kind, status=RS.EMAIL_QUEUED,
                    sales_email_id=pk, ran_at=batch.now,
                )
            )  # fmt: skip
        objects_insert(links)
        for send_batch in batch.batches.values():
            send_batch.queued_count = sum(1 for e in batch.emails if e[1].batch is send_batch)
            send_batch.save(update_fields=["queued_count"])
    # The unique idempotency key refuses a second run of a step: the transaction (and with
    # it the outbox rows) rolls back rather than send twice.
    objects_insert(batch.runs)
    cadence_step_events(batch.runs, contact_by_enrolment={e.pk: e.contact_id for e in rows})
    _enrolments_save(rows)
    return email_ids


MOVE_FIELDS = ("status", "step", "next_due_at", "waiting_task", "last_step_at", "ended_at",
               "end_reason")  # fmt: skip


def _enrolments_save(rows: list[Enrolment]) -> None:
    """Write each row's move in one statement: ``UPDATE … FROM unnest(arrays)`` on
    PostgreSQL (Django's bulk_update builds a CASE per field and row: 4 s per 500 rows)."""
    if connection.vendor != "postgresql":
        Enrolment.objects.bulk_update(rows, list(MOVE_FIELDS), batch_size=500)
        return
    table = Enrolment._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {table} AS e SET status = v.status, step_id = v.step_id,
                next_due_at = v.next_due_at, waiting_task_id = v.waiting_task_id,
                last_step_at = v.last_step_at, ended_at = v.ended_at, end_reason = v.end_reason
            FROM unnest(%s::bigint[], %s::text[], %s::bigint[], %s::timestamptz[],
                        %s::bigint[], %s::timestamptz[], %s::timestamptz[], %s::text[])
                AS v(id, status, step_id, next_due_at, waiting_task_id, last_step_at,
                     ended_at, end_reason)
            WHERE e.id = v.id""",
            [
                [e.pk for e in rows],
                [e.status for e in rows],
                [e.step_id for e in rows],
                [e.next_due_at for e in rows],
                [e.waiting_task_id for e in rows],
                [e.last_step_at for e in rows],
                [e.ended_at for e in rows],
                [e.end_reason for e in rows],
            ],
        )
