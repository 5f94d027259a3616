"""Sending a sales email: recipients, consent, personalization and the outbox rows."""

from __future__ import annotations

import hashlib
import html
import mimetypes
import uuid
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from abm.exceptions import ApplicationError, ConflictError, ForbiddenError
from abm.tasks import enqueue
from accounts.models import (
    Account,
    Contact,
    Opportunity,
    SubscriptionList,
    SubscriptionMembership,
    User,
)
from sales_actions.models import (
    BatchAttachment,
    EmailTemplate,
    SalesEmail,
    SendBatch,
    TrackedLink,
)
from sales_actions.rendering import (
    context_for,
    html_to_text,
    links_find,
    render_html,
    render_subject,
    tokens_find,
)
from sales_actions.selectors import workspace_allowed

MAX_SELECTED = 50
MAX_COPIES = 10
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ALLOWED_ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".ics": "text/calendar",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

REASON_NO_EMAIL = "does not allow email"
REASON_NO_BULK = "does not allow marketing (bulk) email"
REASON_NO_ADDRESS = "has no email address"
REASON_MINOR = "is a minor without recorded guardian consent"
REASON_NOT_ON_LIST = "is not on the subscription list"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str = ""


@dataclass
class SendResult:
    """Per-recipient outcome: ``queued`` (with the outbox row) or ``skipped`` with a reason."""

    template: EmailTemplate
    recipients: list[dict] = field(default_factory=list)
    batch: SendBatch | None = None

    @property
    def queued(self) -> list[dict]:
        return [r for r in self.recipients if r["status"] == "queued"]

    @property
    def skipped(self) -> list[dict]:
        return [r for r in self.recipients if r["status"] == "skipped"]


def consent_reason(contact: Contact, kind: str) -> str | None:
    """Why ``contact`` must not get an email of this kind, or None when it may be sent."""
    if not contact.email:
        return REASON_NO_ADDRESS
    if not contact.allow_email:
        return REASON_NO_EMAIL
    if kind == EmailTemplate.Kind.MARKETING and not contact.allow_bulk_email:
        return REASON_NO_BULK
    if (
        kind == EmailTemplate.Kind.MARKETING
        and contact.is_minor
        and not (contact.guardian_id and contact.guardian_consent)
    ):
        return REASON_MINOR
    return None


def subscription_list_resolve(value, template: EmailTemplate) -> SubscriptionList | None:
    """The list a marketing send targets (only its members receive it), or None."""
    if value in (None, ""):
        return None
    found = (
        SubscriptionList.objects.filter(pk=int(value)).first() if str(value).isdecimal() else None
    )
    if found is None:
        raise ApplicationError("That subscription list does not exist.", field="subscription_list")
    if template.kind != EmailTemplate.Kind.MARKETING:
        raise ApplicationError(
            "Only a marketing email can be sent to a subscription list.",
            field="subscription_list",
        )
    return found


def _addresses(values, name: str) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [v for v in values.replace(";", ",").split(",")]
    cleaned = []
    for value in values:
        value = (value or "").strip()
        if not value:
            continue
        try:
            validate_email(value)
        except ValidationError as exc:
            raise ApplicationError(f"“{value}” is not a valid email address.", field=name) from exc
        if value.lower() not in (c.lower() for c in cleaned):
            cleaned.append(value)
    if len(cleaned) > MAX_COPIES:
        raise ApplicationError(f"At most {MAX_COPIES} addresses in {name}.", field=name)
    return cleaned


def attachments_validate(attachments) -> list[Attachment]:
    """Type allow-list and a 10 MB total; the content type follows the file name."""
    checked, total = [], 0
    for item in attachments or ():
        name = PurePath(item.filename or "").name.strip()
        suffix = PurePath(name).suffix.lower()
        if not name or suffix not in ALLOWED_ATTACHMENT_TYPES:
            allowed = ", ".join(sorted(ALLOWED_ATTACHMENT_TYPES))
            raise ApplicationError(
                f"“{name or '(no name)'}” is not an allowed attachment type ({allowed}).",
                field="attachments",
            )
        total += len(item.content)
        if total > MAX_ATTACHMENT_BYTES:
            raise ApplicationError(
                "Attachments may total at most 10 MB.", field="attachments", code="too_large"
            )
        content_type = ALLOWED_ATTACHMENT_TYPES[suffix] or mimetypes.guess_type(name)[0]
        checked.append(
            Attachment(filename=name[:200], content=item.content, content_type=content_type)
        )
    return checked


def recipients_resolve(
    *, contact_ids=None, account_id=None, opportunity_id=None
) -> tuple[list[Contact], Account | None]:
    """The contacts addressed: up to 50 selected, or all of an account or opportunity."""
    given = [contact_ids is not None, account_id is not None, opportunity_id is not None]
    if sum(given) != 1:
        raise ApplicationError(
            "Give exactly one of contact_ids, account or opportunity.", field="contact_ids"
        )
    base = Contact.objects.select_related("account")
    if contact_ids is not None:
        try:
            ids = list(dict.fromkeys(int(i) for i in contact_ids))
        except (TypeError, ValueError) as exc:
            raise ApplicationError(
                "contact_ids must be a list of ids.", field="contact_ids"
            ) from exc
        if not ids:
            raise ApplicationError("Select at least one contact.", field="contact_ids")
        if len(ids) > MAX_SELECTED:
            raise ApplicationError(
                f"At most {MAX_SELECTED} selected contacts per send; got {len(ids)}. "
                "Send to all contacts of an account or opportunity instead.",
                field="contact_ids",
                code="too_many",
            )
        contacts = {c.pk: c for c in base.filter(pk__in=ids)}
        missing = [i for i in ids if i not in contacts]
        if missing:
            raise ApplicationError(
                f"Contact {missing[0]} does not exist.", field="contact_ids", code="not_found"
            )
        return [contacts[i] for i in ids], None
    if account_id is not None:
        account = Account.objects.filter(pk=account_id).first()
        if account is None:
            raise ApplicationError("That account does not exist.", field="account")
        contacts = base.filter(account_links__account=account).distinct().order_by("pk")
        return list(contacts), account
    opportunity = Opportunity.objects.select_related("account").filter(pk=opportunity_id).first()
    if opportunity is None:
        raise ApplicationError("That opportunity does not exist.", field="opportunity")
    contacts = base.filter(opportunity_roles__opportunity=opportunity).distinct().order_by("pk")
    return list(contacts), opportunity.account


def template_sendable(*, user: User, template_id) -> EmailTemplate:
    template = (
        EmailTemplate.objects.select_related("workspace").filter(pk=template_id).first()
        if str(template_id).isdecimal()
        else None
    )
    if template is None:
        raise ApplicationError("That template does not exist.", field="template")
    if template.status != EmailTemplate.Status.APPROVED:
        raise ApplicationError(
            "Only approved templates can be sent.", field="template", code="not_approved"
        )
    if not workspace_allowed(user=user, workspace=template.workspace):
        raise ForbiddenError("You cannot use templates of this workspace.", field="template")
    return template


def _personal_body(template: EmailTemplate, note: str, signature: bool) -> str:
    body = template.body_html
    if note.strip():
        paragraphs = "".join(
            f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in note.strip().split("\n\n")
        )
        body = paragraphs + body
    uses_signature = any(t.name == "sender.signature" for t in tokens_find(template.body_html))
    if signature and not uses_signature:
        body += "<p>{{ sender.signature }}</p>"
    return body


def _email_key(batch_key: str, contact_id: int) -> str:
    return hashlib.sha256(f"{batch_key}:{contact_id}".encode()).hexdigest()[:40]


def _existing_result(batch: SendBatch, user: User) -> SendResult:
    if batch.sender_id != user.pk:
        raise ConflictError(
            "This idempotency key was used by someone else.", field="idempotency_key"
        )
    result = SendResult(template=batch.template, batch=batch)
    rows = batch.emails.select_related("contact").order_by("pk")
    for row in rows:
        result.recipients.append(
            {
                "contact_id": row.contact_id,
                "name": row.contact.full_name,
                "email": row.to_email,
                "status": "queued",
                "reason": "",
                "sales_email_id": row.pk,
            }
        )
    result.recipients.extend(batch.skipped)
    return result


def sales_email_send(
    *,
    user: User,
    template_id,
    contact_ids=None,
    account_id=None,
    opportunity_id=None,
    cc=None,
    bcc=None,
    attachments=(),
    personal_note: str = "",
    include_signature: bool = True,
    idempotency_key: str | None = None,
    dry_run: bool = False,
    subscription_list_id=None,
) -> SendResult:
    """Queue an approved template to each consenting recipient (one outbox row each).

    A marketing send may target a subscription list (``subscription_list_id``): alone, it
    goes to the list's members; with contacts, an account or an opportunity, only those of
    them on the list receive it (the others are skipped, saying so). With ``dry_run``
    nothing is written: the result is what the dialog shows before sending. A repeated
    ``idempotency_key`` returns the first result instead of resending.
    """
    if not user or not user.is_authenticated:
        raise ForbiddenError("Sign in to send email.")
    if idempotency_key is not None:
        idempotency_key = str(idempotency_key).strip()
        if not idempotency_key or len(idempotency_key) > 80:
            raise ApplicationError(
                "The idempotency key must be 1–80 characters.", field="idempotency_key"
            )
        existing = SendBatch.objects.filter(key=idempotency_key).first()
        if existing is not None and not dry_run:
            return _existing_result(existing, user)
    template = template_sendable(user=user, template_id=template_id)
    target_list = subscription_list_resolve(subscription_list_id, template)
    members: set[int] = set()
    if target_list is not None:
        members = set(
            SubscriptionMembership.objects.filter(subscription_list=target_list).values_list(
                "contact_id", flat=True
            )
        )
    if (
        target_list is not None
        and contact_ids is None
        and account_id is None
        and (opportunity_id is None)
    ):
        contacts = list(
            Contact.objects.select_related("account").filter(pk__in=members).order_by("pk")
        )
        account = None
    else:
        contacts, account = recipients_resolve(
            contact_ids=contact_ids, account_id=account_id, opportunity_id=opportunity_id
        )
    cc = _addresses(cc, "cc")
    bcc = _addresses(bcc, "bcc")
    files = attachments_validate(attachments)
    personal_note = (personal_note or "")[:5000]

    result = SendResult(template=template)
    sendable = []
    for contact in contacts:
        reason = consent_reason(contact, template.kind)
        if not reason and target_list is not None and contact.pk not in members:
            reason = REASON_NOT_ON_LIST
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
            sendable.append((contact, entry))
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

    body = _personal_body(template, personal_note, include_signature)
    key = idempotency_key or uuid.uuid4().hex
    domain = settings.SALES_EMAIL_MESSAGE_ID_DOMAIN
    now = timezone.now()
    rows, links_by_key = [], {}
    for contact, _entry in sendable:
        values = context_for(contact=contact, account=contact.account, sender=user)
        rendered = render_html(body, values)
        email_key = _email_key(key, contact.pk)
        rows.append(
            SalesEmail(
                idempotency_key=email_key,
                message_id=f"<{email_key}@{domain}>",
                template=template,
                kind=template.kind,
                sender=user,
                contact=contact,
                account_id=account.pk if account else contact.account_id,
                to_email=contact.email,
                subject=render_subject(template.subject, values),
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
            template=template,
            user=user,
            cc=cc,
            bcc=bcc,
            personal_note=personal_note,
            rows=rows,
            result=result,
            now=now,
        )
        if not created:  # a concurrent request with the same key won the race
            return _existing_result(batch, user)
        if target_list is not None:
            batch.subscription_list = target_list
            batch.save(update_fields=["subscription_list"])
        BatchAttachment.objects.bulk_create(
            [
                BatchAttachment(
                    batch=batch,
                    filename=f.filename,
                    content_type=f.content_type,
                    size=len(f.content),
                    content=f.content,
                )
                for f in files
            ]
        )
        ids = batch_rows_store(batch=batch, rows=rows, links_by_key=links_by_key)
    return batch_result_finish(result=result, batch=batch, rows=rows, ids=ids)


def batch_get_or_create(
    *, key, template, user, cc, bcc, personal_note, rows: list, result, now
) -> tuple:
    """The send batch of this idempotency key: (batch, created). A repeated request finds
    the batch the first one made."""
    return SendBatch.objects.get_or_create(
        key=key,
        defaults={
            "template": template,
            "sender": user,
            "cc": cc,
            "bcc": bcc,
            "personal_note": personal_note,
            "queued_count": len(rows),
            "skipped": result.skipped,
            "created_at": now,
        },
    )


def batch_rows_store(*, batch, rows: list, links_by_key: dict) -> dict[str, int]:
    """Store a new batch's outbox rows and tracked links (inside the caller's transaction)
    and hand them to workers after commit; the rows' ids by idempotency key."""
    for row in rows:
        row.batch = batch
    SalesEmail.objects.bulk_create(rows, batch_size=500)
    ids = dict(SalesEmail.objects.filter(batch=batch).values_list("idempotency_key", "pk"))
    TrackedLink.objects.bulk_create(
        [
            TrackedLink(email_id=ids[k], position=position, url=url[:2000])
            for k, urls in links_by_key.items()
            for position, url in enumerate(urls)
        ],
        batch_size=1000,
    )
    email_ids = [ids[row.idempotency_key] for row in rows]
    transaction.on_commit(lambda: _enqueue(email_ids))
    return ids


def batch_result_finish(*, result, batch, rows: list, ids: dict[str, int]):
    """Name each queued recipient's sales email in the result of a send."""
    by_contact = {row.contact_id: ids[row.idempotency_key] for row in rows}
    for entry in result.queued:
        entry["sales_email_id"] = by_contact[entry["contact_id"]]
    result.batch = batch
    return result


def _enqueue(email_ids: list[int]) -> None:
    """Hand committed ``queued`` rows to workers, best-effort: with the broker down the
    rows stay queued and the sweep hands them out again once it is back."""
    from sales_actions.tasks import sales_emails_deliver_task

    size = settings.SALES_EMAIL_CHUNK_SIZE
    for start in range(0, len(email_ids), size):
        if not enqueue(sales_emails_deliver_task, email_ids[start : start + size]):
            return
