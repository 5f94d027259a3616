"""The outbox worker side: claim, send, settle — each recipient at most once.

A row moves queued → sending in its own committed UPDATE before the SMTP call,
and sending → sent after it. A worker that dies between the two leaves the row in
``sending``; nobody resends it blindly: after the lease it becomes ``unknown`` and
``sales_email_reconcile`` settles it (from the mail server's log, or by a person).
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import may_view_outbox
from accounts.models import Activity, User
from accounts.services import ActivityInput, activities_record_bulk
from accounts.services.activities import BULK_MAX
from sales_actions.messages import message_build
from sales_actions.models import BatchAttachment, SalesEmail
from sales_actions.services.events import sales_email_events

log = logging.getLogger(__name__)
St = SalesEmail.Status


class TransientSendError(Exception):
    """The mail server said "try later" (4xx) or could not be reached; nothing was sent."""

    def __init__(self, message: str, email_ids: list[int]):
        super().__init__(message)
        self.email_ids = email_ids


def _is_transient(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return False


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{addr}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
            for addr, (code, msg) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        msg = exc.smtp_error
        msg = msg.decode(errors="replace") if isinstance(msg, bytes) else str(msg)
        return f"{exc.smtp_code} {msg}"
    return f"{type(exc).__name__}: {exc}"[:1000]


def email_mark_sent(email: SalesEmail, *, at=None) -> bool:
    """sending/unknown → sent (its email_sent activity follows via sent_activities_record)."""
    at = at or timezone.now()
    updated = SalesEmail.objects.filter(pk=email.pk, status__in=[St.SENDING, St.UNKNOWN]).update(
        status=St.SENT, sent_at=at, error=""
    )
    return bool(updated)


def sent_activities_record(*, email_ids=None, older_than=None) -> int:
    """Write the email_sent activity of sent rows that lack it, once each, in bulk."""
    rows = SalesEmail.objects.filter(status=St.SENT, activity_recorded=False)
    if email_ids is not None:
        rows = rows.filter(pk__in=email_ids)
    if older_than is not None:
        rows = rows.filter(sent_at__lt=older_than)
    done = 0
    with transaction.atomic():
        locked = list(
            rows.select_for_update(skip_locked=True, of=("self",))
            .select_related("template")
            .order_by("pk")[:BULK_MAX]
        )
        if not locked:
            return 0
        activities_record_bulk(
            [
                ActivityInput(
                    contact_id=email.contact_id,
                    type=Activity.Type.EMAIL_SENT,
                    occurred_at=email.sent_at,
                    user_id=email.sender_id,
                    subject=email.subject,
                    metadata={
                        "sales_email": email.pk,
                        "template": email.template_id,
                        "template_name": email.template.name if email.template_id else "",
                        "sender": email.sender_id,
                        "message_id": email.message_id,
                        "kind": email.kind,
                    },
                )
                for email in locked
            ]
        )
        done = SalesEmail.objects.filter(pk__in=[e.pk for e in locked]).update(
            activity_recorded=True
        )
        sales_email_events(locked, event="sent")
    return done


def sales_emails_deliver(*, email_ids: list[int]) -> dict[str, int]:
    """Send the queued rows among ``email_ids`` over one connection.

    Rows not in ``queued`` are left alone, so a redelivered task never sends twice.
    Raises TransientSendError with the ids to retry when the server says "later".

    Rows are claimed (committed as "sending") a group at a time before any of them is
    handed to SMTP, and the accepted ones are marked sent a group at a time: two commits
    per group instead of two per email. A crash leaves at most one group "sending";
    the sweep makes those ``unknown`` and they are settled, never resent blindly.
    """
    counts = {"sent": 0, "failed": 0, "unknown": 0, "skipped": 0}
    pending = list(
        SalesEmail.objects.filter(pk__in=email_ids, status=St.QUEUED)
        .select_related("batch", "sender", "contact", "template")
        .order_by("pk")
    )
    counts["skipped"] = len(set(email_ids)) - len(pending)
    if not pending:
        return counts
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except (OSError, smtplib.SMTPException) as exc:
        raise TransientSendError(_describe(exc), [e.pk for e in pending]) from exc
    attachments: dict[int, list] = {}
    retry: list[int] = []
    sent: list[int] = []
    size = max(1, settings.SALES_EMAIL_CLAIM_GROUP)
    try:
        for start in range(0, len(pending), size):
            group = _claim_group(pending[start : start + size])
            counts["skipped"] += min(size, len(pending) - start) - len(group)
            accepted: list[int] = []
            stop = False
            for index, email in enumerate(group):
                if email.batch_id not in attachments:
                    attachments[email.batch_id] = list(
                        BatchAttachment.objects.filter(batch_id=email.batch_id).order_by("pk")
                    )
                message = message_build(
                    email, attachments=attachments[email.batch_id], connection=connection
                )
                try:
                    connection.send_messages([message])
                except Exception as exc:  # noqa: BLE001 - every failure is settled on the row
                    error = _describe(exc)
                    untried = [e.pk for e in group[index + 1 :]]
                    if _is_transient(exc):
                        _settle([email.pk, *untried], St.QUEUED, error)
                        retry.extend([email.pk, *untried])
                        stop = True
                    elif isinstance(
                        exc, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused
                    ):
                        # A definite 5xx: the server refused this message; it was not sent.
                        _settle([email.pk], St.FAILED, error)
                        counts["failed"] += 1
                        _reopen(connection)
                        continue
                    else:
                        # The connection broke mid-message: the server may or may not have it.
                        _settle([email.pk], St.UNKNOWN, error)
                        _settle(untried, St.QUEUED, "")
                        retry.extend(untried)
                        counts["unknown"] += 1
                        stop = True
                    break
                accepted.append(email.pk)
            if accepted:
                SalesEmail.objects.filter(pk__in=accepted, status=St.SENDING).update(
                    status=St.SENT, sent_at=timezone.now(), error=""
                )
                sent.extend(accepted)
                counts["sent"] += len(accepted)
            if stop:
                retry.extend(e.pk for e in pending[start + size :])
                break
    finally:
        try:
            connection.close()
        except Exception:  # noqa: BLE001
            log.warning("closing the mail connection failed", exc_info=True)
        if sent:
            sent_activities_record(email_ids=sent)
    if retry:
        raise TransientSendError("the mail server deferred; will retry", retry)
    return counts


def _claim_group(emails: list[SalesEmail]) -> list[SalesEmail]:
    """queued → sending for each row, in one commit; the rows another run did not take."""
    claimed = []
    now = timezone.now()
    with transaction.atomic():
        for email in emails:
            if SalesEmail.objects.filter(pk=email.pk, status=St.QUEUED).update(
                status=St.SENDING, sending_at=now, attempts=F("attempts") + 1
            ):
                claimed.append(email)
    return claimed


def _settle(ids: list[int], status: str, error: str) -> None:
    if ids:
        SalesEmail.objects.filter(pk__in=ids, status=St.SENDING).update(
            status=status, error=error[:1000]
        )


def _reopen(connection) -> None:
    with contextlib.suppress(Exception):
        connection.close()
    connection.open()


def sales_emails_fail(*, email_ids: list[int], error: str) -> int:
    """Give up on queued rows after the last retry."""
    return SalesEmail.objects.filter(pk__in=email_ids, status=St.QUEUED).update(
        status=St.FAILED, error=error[:1000]
    )


def sales_emails_sweep(*, now=None) -> dict[str, int]:
    """Periodic: stale ``sending`` rows become ``unknown``; forgotten ``queued`` rows are
    handed to workers again (a lost broker message never loses an outbox row)."""
    from sales_actions.services.sending import _enqueue

    now = now or timezone.now()
    lease = now - timedelta(seconds=settings.SALES_EMAIL_SENDING_LEASE_SECONDS)
    unknown = SalesEmail.objects.filter(status=St.SENDING, sending_at__lt=lease).update(
        status=St.UNKNOWN,
        error="The worker stopped while sending; check the mail server before resending.",
    )
    stale = now - timedelta(seconds=settings.SALES_EMAIL_REQUEUE_SECONDS)
    ids = []
    # While the broker still holds waiting tasks, old queued rows are just waiting their
    # turn; only an idle queue means their task message was lost.
    if _broker_backlog() == 0:
        ids = list(
            SalesEmail.objects.filter(status=St.QUEUED, queued_at__lt=stale)
            .order_by("pk")
            .values_list("pk", flat=True)[:50_000]
        )
    if ids:
        _enqueue(ids)
    # Rows a worker sent but died before writing their activity.
    recorded = sent_activities_record(older_than=now - timedelta(seconds=60))
    return {"unknown": unknown, "requeued": len(ids), "activities": recorded}


def _broker_backlog() -> int:
    """Tasks waiting in the default Celery queue (0 in eager mode or when unknown)."""
    from sales_actions.tasks import sales_emails_deliver_task

    app = sales_emails_deliver_task.app
    if app.conf.task_always_eager:
        return 0
    try:
        with app.connection_for_read() as conn:
            ok = conn.default_channel.queue_declare(queue=app.conf.task_default_queue, passive=True)
            return int(ok.message_count)
    except Exception:  # noqa: BLE001 - an unreachable broker must not stop the sweep
        log.warning("could not read the broker's queue length", exc_info=True)
        return 0


RECONCILE_OUTCOMES = ("sent", "resend", "failed")


def sales_email_reconcile(*, email: SalesEmail, outcome: str, user: User | None = None) -> str:
    """Settle an ``unknown`` row: it reached the server (sent), it did not (resend),
    or give up (failed). ``user`` None means the command line."""
    if user is not None and not may_view_outbox(user):
        raise ForbiddenError("Only admins settle the outbox.")
    if outcome not in RECONCILE_OUTCOMES:
        raise ApplicationError(f"'{outcome}' is not sent, resend or failed.", field="outcome")
    if email.status != St.UNKNOWN:
        raise ApplicationError(
            f"Only unknown rows are reconciled; this one is {email.status}.", field="status"
        )
    if outcome == "sent":
        email_mark_sent(email, at=email.sending_at)
        sent_activities_record(email_ids=[email.pk])
    elif outcome == "failed":
        SalesEmail.objects.filter(pk=email.pk, status=St.UNKNOWN).update(
            status=St.FAILED, error=(email.error + " Marked failed by reconcile.").strip()
        )
    else:
        from sales_actions.services.sending import _enqueue

        with transaction.atomic():
            updated = SalesEmail.objects.filter(pk=email.pk, status=St.UNKNOWN).update(
                status=St.QUEUED, queued_at=timezone.now()
            )
            if updated:
                transaction.on_commit(lambda: _enqueue([email.pk]))
    email.refresh_from_db()
    return email.status
