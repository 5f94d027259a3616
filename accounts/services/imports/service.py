"""CSV import of accounts and contacts: check the whole file, then write it all or nothing.

A file is checked row by row first (every error is collected, with its row and
column); only a file without a single error is written, in one transaction. Small
files run inside the request, larger ones as a job a worker runs.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import may_import
from abm.tasks import enqueue
from accounts.domains import normalize_domain
from accounts.models import Account, Contact, ImportJob, User
from accounts.services.changes import changes_notify
from accounts.services.consent import CONSENT_FIELDS, contact_opt_outs, import_reversal_message
from accounts.services.imports.columns import COLUMNS, TABLES
from accounts.services.imports.parsers import CellContext, CellError
from accounts.services.imports.reading import (
    CONTROL_CHARACTERS,
    ImportRejected,
    ParsedFile,
    error,
    import_control_characters_check,
    import_count_rows,
    import_decode,
    import_parse,
    import_parse_header_only,
    import_size_check,
)
from accounts.services.imports.writing import (
    BATCH,
    ImportResult,
    accounts_write,
    batches,
    contacts_write,
)

Progress = Callable[[int], None]

# One example row per kind, for the downloadable templates (in COLUMNS order).
TEMPLATE_ROWS = {
    ImportJob.Kind.ACCOUNTS: [
        "Acme Corporation",
        "acme.com",
        "software",
        "1200",
        "250000000",
        "United States",
        "marketer",
        "82",
        "true",
    ],
    ImportJob.Kind.CONTACTS: [
        "Jane",
        "Doe",
        "jane.doe@acme.com",
        "VP of Marketing",
        "Marketing",
        "+1 555 0100",
        "acme.com",
        "decision_maker;budget_holder",
        "true",
        "false",
        "consent",
        "marketer",
    ],
}


# --- Checking rows -----------------------------------------------------------------------


def _users_by_key() -> dict[str, int]:
    users: dict[str, int] = {}
    for pk, username, email in User.objects.filter(is_active=True).values_list(
        "pk", "username", "email"
    ):
        users[username.lower()] = pk
        if email:
            users.setdefault(email.lower(), pk)
    return users


def _accounts_of_batch(batch, context: CellContext) -> None:
    """The accounts a batch of contact rows names, in one query."""
    wanted: set[str] = set()
    for _number, row in batch:
        try:
            domain = normalize_domain(row.get("account_domain", ""))
        except ApplicationError:
            continue  # the column parser reports it
        if domain:
            wanted.add(domain)
    context.accounts_by_domain = dict(
        Account.objects.filter(domain__in=wanted).values_list("domain", "pk")
    )


# Work a kind does before checking each batch of rows (lookups shared by the batch).
BATCH_PREPARE = {ImportJob.Kind.CONTACTS: _accounts_of_batch}


def _contacts_consent_check(values: list[dict], errors: list[dict]) -> None:
    """A row may not turn back on email a contact turned off themselves (two queries a batch).

    That takes a stated reason on the contact page; here it is a row error.
    """
    wanted = [v for v in values if any(v.get(f) is True for f in CONSENT_FIELDS)]
    if not wanted:
        return
    contacts = {
        row["email_lower"]: row
        for row in Contact.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=[v["email"] for v in wanted if v.get("email")])
        .values("pk", "email_lower", *CONSENT_FIELDS)
    }
    if not contacts:
        return
    opt_outs = contact_opt_outs(contact_ids=[row["pk"] for row in contacts.values()])
    for v in wanted:
        current = contacts.get(v.get("email") or "")
        if current is None:
            continue
        for field in CONSENT_FIELDS:
            if v.get(field) is True and not current[field] and (current["pk"], field) in opt_outs:
                errors.append(error(v["_row"], field, import_reversal_message()))


# Checks a kind makes on each batch of clean values, against what is stored.
BATCH_CHECK = {ImportJob.Kind.CONTACTS: _contacts_consent_check}


def rows_validate(
    kind: str, parsed: ParsedFile, progress: Progress
) -> tuple[list[dict], list[dict]]:
    """Every row through the column table: the clean values, and every error found."""
    by_name = {column.name: column for column in TABLES[kind]}
    columns = [by_name[name] for name in parsed.columns]
    context = CellContext(users=_users_by_key())
    prepare = BATCH_PREPARE.get(kind)
    check = BATCH_CHECK.get(kind)
    clean: list[dict] = []
    errors: list[dict] = []
    for batch in batches(parsed.rows, BATCH):
        if prepare:
            prepare(batch, context)
        start = len(clean)
        for number, row in batch:
            context.row = number
            values: dict = {"_row": number}
            for column in columns:
                try:
                    values[column.attname] = column.value(row[column.name], context)
                except CellError as exc:
                    errors.append(error(number, column.name, str(exc)))
            clean.append(values)
        if check:
            check(clean[start:], errors)
        progress(len(clean))
    errors.sort(key=lambda e: e["row"] or 0)  # stable: columns stay in order within a row
    return clean, errors


# --- Running an import --------------------------------------------------------------


def import_check_role(user: User | None) -> None:
    """Marketers and admins import; sales reps cannot (``None`` is the operator's command)."""
    if user is None:
        return
    if not user.is_authenticated:
        raise ForbiddenError(_("Sign in to import."), code="forbidden")
    if not may_import(user):
        raise ForbiddenError(
            _("Only marketers and admins can import accounts and contacts."), code="forbidden"
        )


def import_rows(
    *,
    kind: str,
    text: str,
    progress: Progress | None = None,
    user: User | None = None,
    reason: str = "",
) -> ImportResult:
    """Validate the whole file, then write every row in one transaction; raises ImportRejected.

    ``user`` (who started the import) and ``reason`` go into the consent history.
    """
    progress = progress or (lambda done: None)
    parsed = import_parse(kind=kind, text=text)
    clean, errors = rows_validate(kind, parsed, progress)
    if errors:
        raise ImportRejected(errors)
    try:
        with transaction.atomic():
            if kind == ImportJob.Kind.CONTACTS:
                result = contacts_write(parsed, clean, user=user, reason=reason)
            else:
                result = accounts_write(parsed, clean)
            if kind == ImportJob.Kind.ACCOUNTS:
                changes_notify(kind="account", account_ids=result.account_ids)
            else:
                changes_notify(
                    kind="contact",
                    account_ids=result.account_ids,
                    contact_ids=result.contact_ids,
                )
    except IntegrityError as exc:
        # Somebody wrote the same domain or email while the file was being checked.
        raise ImportRejected(
            [error(None, "", _("A record changed while the file was imported: %s.") % exc)]
        ) from exc
    except ApplicationError as exc:
        # A contact opted out while the file was being checked (the consent service refuses).
        raise ImportRejected([error(None, exc.field or "", exc.message)]) from exc
    return result


def import_upload_read(upload) -> bytes:
    """The bytes of an uploaded file, refused by its size before it is read into memory."""
    import_size_check(upload.size)
    return upload.read()


def import_start(
    *, user: User | None, kind: str, raw: bytes, filename: str = "", inline: bool = False
) -> ImportJob:
    """Create an import job: small files (or ``inline``) run now, larger ones in a worker.

    Raises ImportRejected for an unreadable file (size, encoding, control characters,
    empty, wrong header); row errors land on the returned job (status ``failed``).
    """
    import_check_role(user)
    if kind not in ImportJob.Kind.values:
        raise ApplicationError(_("Choose what to import: accounts or contacts."), field="kind")
    text = import_decode(raw)
    import_parse_header_only(kind=kind, text=text)
    # Before the job stores the text: the database refuses a NUL in it.
    import_control_characters_check(text)
    total = import_count_rows(text)
    job = ImportJob.objects.create(
        kind=kind,
        filename=CONTROL_CHARACTERS.sub("", filename or "")[:255],
        content=text,
        total_rows=total,
        created_by=user,
    )
    if inline or total <= settings.CSV_IMPORT_INLINE_MAX_ROWS:
        import_job_run(job_id=job.pk)
        job.refresh_from_db()
    else:
        from accounts.tasks.imports import import_job_process

        transaction.on_commit(lambda: enqueue(import_job_process, job.pk))
    return job


def import_job_run(*, job_id: int) -> None:
    """Run a pending import job once (a second delivery finds it running or done and returns)."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING, started_at=now
    ) or ImportJob.objects.filter(
        pk=job_id, status=ImportJob.Status.RUNNING, started_at__lt=stale
    ).update(started_at=now)
    if not claimed:
        return
    job = ImportJob.objects.get(pk=job_id)

    def progress(done: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=min(done, job.total_rows))

    try:
        result = import_rows(
            kind=job.kind,
            text=job.content,
            progress=progress,
            user=job.created_by,
            reason=_("CSV import %(file)s (job %(job)s)")
            % {"file": job.filename or "", "job": job.pk},
        )
    except ImportRejected as exc:
        more = exc.error_count - len(exc.errors)
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            errors=exc.errors
            + ([error(None, "", _("…and %s more errors.") % more)] if more > 0 else []),
            finished_at=timezone.now(),
        )
        return
    except Exception as exc:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            errors=[
                error(
                    None,
                    "",
                    _("The import stopped unexpectedly (%s); nothing was written.")
                    % type(exc).__name__,
                )
            ],
            finished_at=timezone.now(),
        )
        raise
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.SUCCEEDED,
        processed_rows=job.total_rows,
        created_count=result.created,
        updated_count=result.updated,
        errors=[],
        finished_at=timezone.now(),
    )


def import_template_csv(kind: str) -> str:
    """A header and one example row for the kind, to download from the import page."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS[kind])
    writer.writerow(TEMPLATE_ROWS[kind])
    return out.getvalue()
