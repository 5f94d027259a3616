"""A personalized sales email: subject and text written by the rep, no template.

It goes through the same outbox as a template send (one ``SalesEmail`` row per recipient,
``template`` empty, kind always ``sales``), so it is delivered exactly once, tracked (open
pixel, click links) and logged as an ``email_sent`` activity like any other. A setting
(``SALES_EMAIL_ALLOW_PERSONAL``) switches it off; marketing email is never written by hand.
"""

from __future__ import annotations

import html
import re
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from abm.exceptions import ApplicationError, ForbiddenError
from accounts.models import User
from sales_actions.models import EmailTemplate, SalesEmail, SendBatch
from sales_actions.rendering import (
    TokenError,
    context_for,
    html_to_text,
    links_find,
    render_html,
    render_subject,
    tokens_find,
)
from sales_actions.services.sending import (
    SendResult,
    _addresses,
    _email_key,
    _existing_result,
    batch_get_or_create,
    batch_result_finish,
    batch_rows_store,
    consent_reason,
    recipients_resolve,
)

MAX_SUBJECT = 255
MAX_BODY = 20_000
_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


def personal_email_allowed() -> bool:
    return bool(getattr(settings, "SALES_EMAIL_ALLOW_PERSONAL", True))


def personal_body_html(text: str) -> str:
    """The rep's text as HTML: escaped, paragraphs and line breaks kept, web addresses as
    links (so clicks are tracked like a template's)."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        escaped = html.escape(block)
        linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        paragraphs.append("<p>" + linked.replace("\n", "<br>") + "</p>")
    return "".join(paragraphs)


def _check_tokens(value: str, field: str) -> None:
    try:
        tokens_find(value)
    except TokenError as exc:
        raise ApplicationError(str(exc), field=field) from exc


def sales_email_send_personal(
    *,
    user: User,
    subject: str,
    body: str,
    contact_ids=None,
    account_id=None,
    opportunity_id=None,
    cc=None,
    bcc=None,
    include_signature: bool = True,
    idempotency_key: str | None = None,
    dry_run: bool = False,
) -> SendResult:
    """Queue the rep's own email to each recipient who allows sales email."""
    if not user or not user.is_authenticated:
        raise ForbiddenError("Sign in to send email.")
    if not personal_email_allowed():
        raise ForbiddenError("Personal emails are switched off here: send an approved template.")
    subject = (subject or "").strip()
    body = (body or "").strip()
    if not subject:
        raise ApplicationError("Write a subject.", field="subject")
    if len(subject) > MAX_SUBJECT:
        raise ApplicationError(f"At most {MAX_SUBJECT} characters.", field="subject")
    if not body:
        raise ApplicationError("Write the email.", field="body")
    if len(body) > MAX_BODY:
        raise ApplicationError(f"At most {MAX_BODY} characters.", field="body")
    _check_tokens(subject, "subject")
    _check_tokens(body, "body")
    if idempotency_key is not None:
        idempotency_key = str(idempotency_key).strip()
        if not idempotency_key or len(idempotency_key) > 80:
            raise ApplicationError(
                "The idempotency key must be 1–80 characters.", field="idempotency_key"
            )
        existing = SendBatch.objects.filter(key=idempotency_key).first()
        if existing is not None and not dry_run:
            return _existing_result(existing, user)
    contacts, account = recipients_resolve(
        contact_ids=contact_ids, account_id=account_id, opportunity_id=opportunity_id
    )
    cc = _addresses(cc, "cc")
    bcc = _addresses(bcc, "bcc")
    kind = EmailTemplate.Kind.SALES
    result = SendResult(template=None)
    sendable = []
    for contact in contacts:
        reason = consent_reason(contact, kind)
        entry = {
            "contact_id": contact.pk,
            "name": contact.full_name,
            "email": contact.email,
            "status": "skipped" if reason else "queued",
            "reason": reason or "",
            "sales_email_id": None,
        }
        result.recipients.append(entry)
        if not reason:
            sendable.append(contact)
    if dry_run:
        return result
    if not sendable:
        raise ApplicationError(
            "No recipient can receive this email: "
            + "; ".join(f"{r['email']} {r['reason']}" for r in result.skipped[:5]),
            field="contact_ids",
            code="all_skipped",
            extra={"recipients": result.recipients},
        )
    body_html = personal_body_html(body)
    if include_signature:
        body_html += "<p>{{ sender.signature }}</p>"
    key = idempotency_key or uuid.uuid4().hex
    domain = settings.SALES_EMAIL_MESSAGE_ID_DOMAIN
    now = timezone.now()
    rows, links_by_key = [], {}
    for contact in sendable:
        values = context_for(contact=contact, account=contact.account, sender=user)
        rendered = render_html(body_html, values)
        email_key = _email_key(key, contact.pk)
        rows.append(
            SalesEmail(
                idempotency_key=email_key,
                message_id=f"<{email_key}@{domain}>",
                template=None,
                kind=kind,
                sender=user,
                contact=contact,
                account_id=account.pk if account else contact.account_id,
                to_email=contact.email,
                subject=render_subject(subject, values)[:MAX_SUBJECT],
                body_html=rendered,
                body_text=html_to_text(rendered),
                track=contact.follow_email,
                queued_at=now,
            )
        )
        links_by_key[email_key] = links_find(rendered) if contact.follow_email else []
    with transaction.atomic():
        batch, created = batch_get_or_create(
            key=key,
            template=None,
            user=user,
            cc=cc,
            bcc=bcc,
            personal_note="",
            rows=rows,
            result=result,
            now=now,
        )
        if not created:
            return _existing_result(batch, user)
        ids = batch_rows_store(batch=batch, rows=rows, links_by_key=links_by_key)
    return batch_result_finish(result=result, batch=batch, rows=rows, ids=ids)
