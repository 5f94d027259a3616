"""CSV import of accounts and contacts: validate the whole file, then write it all or nothing.

A file is checked row by row first (every error is collected, with its row and
column); only a file without a single error is written, in one transaction, with
``bulk_create`` / ``bulk_update`` in batches. Row numbers count the header as
row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import may_import
from abm.tasks import enqueue
from accounts.domains import normalize_domain
from accounts.models import (
    Account,
    BuyingRole,
    Contact,
    ContactAccount,
    ImportJob,
    Industry,
    User,
    buying_roles_to_mask,
)
from accounts.services.changes import changes_notify

BATCH = 1000
MAX_REPORTED_ERRORS = 500

ACCOUNT_COLUMNS = [
    "name",
    "domain",
    "industry",
    "employee_count",
    "annual_revenue",
    "country",
    "owner",
    "fit_score",
    "is_target",
]
CONTACT_COLUMNS = [
    "first_name",
    "last_name",
    "email",
    "title",
    "department",
    "phone",
    "account_domain",
    "buying_roles",
    "allow_email",
    "allow_bulk_email",
    "legal_basis",
    "owner",
]
COLUMNS = {ImportJob.Kind.ACCOUNTS: ACCOUNT_COLUMNS, ImportJob.Kind.CONTACTS: CONTACT_COLUMNS}
REQUIRED = {ImportJob.Kind.ACCOUNTS: ["name"], ImportJob.Kind.CONTACTS: ["email"]}

# One example row per kind, for the downloadable templates.
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

TRUE_WORDS = {"true", "yes", "y", "1", "t", "x"}
FALSE_WORDS = {"false", "no", "n", "0", "f"}
MAX_LENGTHS = {
    "name": 255,
    "country": 80,
    "first_name": 100,
    "last_name": 100,
    "title": 200,
    "department": 100,
    "phone": 50,
}


class ImportRejected(ApplicationError):
    """The file broke at least one rule; ``errors`` lists every row, column and message."""

    def __init__(self, errors: list[dict], message: str | None = None):
        total = len(errors)
        shown = errors[:MAX_REPORTED_ERRORS]
        message = message or (
            f"The file was rejected with {total} error{'s' if total != 1 else ''}; "
            "nothing was imported."
        )
        super().__init__(
            message, code="import_rejected", extra={"errors": shown, "error_count": total}
        )
        self.errors = shown
        self.error_count = total


def _error(row: int | None, column: str, message: str) -> dict:
    return {"row": row, "column": column, "message": message}


@dataclass
class ParsedFile:
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    account_ids: set[int] = field(default_factory=set)
    contact_ids: set[int] = field(default_factory=set)


# --- Reading the file ---------------------------------------------------------------


def import_decode(raw: bytes) -> str:
    """Decode an upload as UTF-8 (a BOM is fine); any other encoding is a clear error."""
    if not raw or not raw.strip():
        raise ImportRejected([_error(None, "", "The file is empty.")], "The file is empty.")
    max_bytes = settings.CSV_IMPORT_MAX_BYTES
    if len(raw) > max_bytes:
        raise ImportRejected(
            [_error(None, "", f"The file is larger than {max_bytes // (1024 * 1024)} MB.")],
            "The file is too large.",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = (
            f"The file is not UTF-8: byte 0x{raw[exc.start]:02x} on line {line} cannot be read. "
            "Save it as “CSV UTF-8” and upload it again."
        )
        raise ImportRejected([_error(line, "", message)], message) from exc


def _header_key(value: str) -> str:
    return "_".join(value.strip().lower().replace("-", " ").split())


def _parse_header(kind: str, reader) -> list[str]:
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        raise ImportRejected([_error(None, "", "The file is empty.")], "The file is empty.")
    columns = [_header_key(cell) for cell in header]
    allowed = COLUMNS[kind]
    errors = []
    seen: set[str] = set()
    for index, column in enumerate(columns, start=1):
        if not column:
            errors.append(_error(1, f"#{index}", "This column has no name."))
        elif column not in allowed:
            name = header[index - 1].strip()
            errors.append(
                _error(
                    1,
                    name,
                    f"Unknown column “{name}”; {kind} files have: {', '.join(allowed)}.",
                )
            )
        elif column in seen:
            errors.append(_error(1, column, "This column appears twice."))
        seen.add(column)
    for column in REQUIRED[kind]:
        if column not in seen:
            errors.append(_error(1, column, f"The required column “{column}” is missing."))
    if errors:
        raise ImportRejected(errors, "The header row is wrong; nothing was imported.")
    return columns


def import_parse(*, kind: str, text: str) -> ParsedFile:
    """Split CSV text into normalized columns and non-blank rows; header problems raise."""
    if kind not in COLUMNS:
        raise ApplicationError("Choose what to import: accounts or contacts.", field="kind")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        columns = _parse_header(kind, reader)
        errors: list[dict] = []
        parsed = ParsedFile(columns=columns)
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
                errors.append(
                    _error(
                        number,
                        "",
                        f"This row has {len(cells)} cells but the header has {len(columns)}.",
                    )
                )
                continue
            cells = cells + [""] * (len(columns) - len(cells))
            parsed.rows.append((number, {col: cells[i].strip() for i, col in enumerate(columns)}))
    except csv.Error as exc:
        raise ImportRejected(
            [_error(reader.line_num or None, "", f"The file is not valid CSV: {exc}.")]
        ) from exc
    if errors:
        raise ImportRejected(errors)
    if not parsed.rows:
        raise ImportRejected(
            [_error(None, "", "The file has a header but no rows.")],
            "The file has a header but no rows.",
        )
    return parsed


# --- Cell parsers ---------------------------------------------------------------------


class CellError(Exception):
    pass


def _bool(value: str) -> bool | None:
    if not value:
        return None
    low = value.lower()
    if low in TRUE_WORDS:
        return True
    if low in FALSE_WORDS:
        return False
    raise CellError(f"“{value}” is not true or false.")


def _int(value: str, *, low: int = 0, high: int | None = None) -> int | None:
    if not value:
        return None
    cleaned = value.replace(",", "").replace("_", "").replace(" ", "")
    try:
        number = Decimal(cleaned)
    except InvalidOperation as exc:
        raise CellError(f"“{value}” is not a number.") from exc
    if not number.is_finite() or number != number.to_integral_value():
        raise CellError(f"“{value}” is not a whole number.")
    number = int(number)
    if number < low or (high is not None and number > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise CellError(f"{number} is out of range: it must be {bound}.")
    return number


def _decimal(value: str) -> Decimal | None:
    if not value:
        return None
    cleaned = value.replace(",", "").replace("_", "").replace(" ", "").lstrip("$€£")
    try:
        number = Decimal(cleaned)
    except InvalidOperation as exc:
        raise CellError(f"“{value}” is not a number.") from exc
    if not number.is_finite() or number < 0:
        raise CellError(f"“{value}” must be a positive number.")
    if number >= Decimal(10) ** 14:
        raise CellError(f"“{value}” is too large.")
    return number.quantize(Decimal("0.01"))


def _choice(value: str, choices) -> str | None:
    if not value:
        return None
    key = _header_key(value)
    for choice_value, label in choices:
        if key in (choice_value, _header_key(label)):
            return choice_value
    raise CellError(f"“{value}” is not one of: {', '.join(v for v, _ in choices)}.")


def _text(column: str, value: str) -> str:
    limit = MAX_LENGTHS.get(column)
    if limit and len(value) > limit:
        raise CellError(f"Longer than {limit} characters.")
    return value


def _users_by_key() -> dict[str, int]:
    users: dict[str, int] = {}
    for pk, username, email in User.objects.filter(is_active=True).values_list(
        "pk", "username", "email"
    ):
        users[username.lower()] = pk
        if email:
            users.setdefault(email.lower(), pk)
    return users


def _owner(value: str, users: dict[str, int]) -> int | None:
    if not value:
        return None
    pk = users.get(value.lower())
    if pk is None:
        raise CellError(f"No user has the username or email “{value}”.")
    return pk


def _batches(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


Progress = Callable[[int], None]


# --- Accounts ---------------------------------------------------------------------------


def _validate_accounts(parsed: ParsedFile, progress: Progress) -> tuple[list[dict], list[dict]]:
    users = _users_by_key()
    clean: list[dict] = []
    errors: list[dict] = []
    domain_rows: dict[str, int] = {}
    for done, (number, row) in enumerate(parsed.rows, start=1):
        values: dict = {"_row": number}
        for column in parsed.columns:
            raw = row[column]
            try:
                if column == "name":
                    if not raw:
                        raise CellError("An account needs a name.")
                    values["name"] = _text(column, raw)
                elif column == "domain":
                    try:
                        domain = normalize_domain(raw)
                    except ApplicationError as exc:
                        raise CellError(exc.message) from exc
                    if domain and domain in domain_rows:
                        raise CellError(
                            f"The domain {domain} is also on row {domain_rows[domain]}."
                        )
                    if domain:
                        domain_rows[domain] = number
                    values["domain"] = domain
                elif column == "industry":
                    values["industry"] = _choice(raw, Industry.choices)
                elif column == "employee_count":
                    values["employee_count"] = _int(raw, high=2_147_483_647)
                elif column == "annual_revenue":
                    values["annual_revenue"] = _decimal(raw)
                elif column == "country":
                    values["country"] = _text(column, raw) or None
                elif column == "owner":
                    values["owner_id"] = _owner(raw, users)
                elif column == "fit_score":
                    values["fit_score"] = _int(raw, high=100)
                elif column == "is_target":
                    values["is_target"] = _bool(raw)
            except CellError as exc:
                errors.append(_error(number, column, str(exc)))
        clean.append(values)
        if done % BATCH == 0:
            progress(done)
    progress(len(parsed.rows))
    return clean, errors


# CSV column -> model field that an update of an existing account rewrites.
ACCOUNT_UPDATABLE = {
    "name": "name",
    "domain": "domain",
    "industry": "industry",
    "employee_count": "employee_count",
    "annual_revenue": "annual_revenue",
    "country": "country",
    "owner": "owner",
    "fit_score": "fit_score",
}


def _write_accounts(parsed: ParsedFile, clean: list[dict]) -> ImportResult:
    result = ImportResult()
    now = timezone.now()
    update_fields = sorted(
        {ACCOUNT_UPDATABLE[c] for c in parsed.columns if c in ACCOUNT_UPDATABLE}
        | {"updated_at", "is_target", "target_since", "target_source"}
    )
    for batch in _batches(clean):
        domains = [v["domain"] for v in batch if v.get("domain")]
        existing = {a.domain: a for a in Account.objects.filter(domain__in=domains)}
        to_create: list[Account] = []
        to_update: list[Account] = []
        for values in batch:
            account = existing.get(values.get("domain")) if values.get("domain") else None
            is_new = account is None
            if is_new:
                account = Account(created_at=now)
            for name, value in values.items():
                if name.startswith("_") or name == "is_target":
                    continue
                if value is None:
                    continue  # a blank cell leaves an existing value alone
                setattr(account, name, value)
            if values.get("is_target") and not account.is_target:
                account.is_target = True
                account.target_since = now
                account.target_source = Account.TargetSource.IMPORT
            account.updated_at = now
            (to_create if is_new else to_update).append(account)
        if to_create:
            created = Account.objects.bulk_create(to_create, batch_size=BATCH)
            result.created += len(created)
            result.account_ids.update(a.pk for a in created)
        if to_update:
            Account.objects.bulk_update(to_update, update_fields, batch_size=BATCH)
            result.updated += len(to_update)
            result.account_ids.update(a.pk for a in to_update)
    return result


# --- Contacts --------------------------------------------------------------------------


def _validate_contacts(parsed: ParsedFile, progress: Progress) -> tuple[list[dict], list[dict]]:
    users = _users_by_key()
    clean: list[dict] = []
    errors: list[dict] = []
    email_rows: dict[str, int] = {}
    for batch in _batches(parsed.rows):
        # Resolve this batch's account domains in one query.
        wanted: set[str] = set()
        for _number, row in batch:
            try:
                domain = normalize_domain(row.get("account_domain", ""))
            except ApplicationError:
                continue
            if domain:
                wanted.add(domain)
        accounts = dict(Account.objects.filter(domain__in=wanted).values_list("domain", "pk"))
        for number, row in batch:
            values: dict = {"_row": number}
            for column in parsed.columns:
                raw = row[column]
                try:
                    if column == "email":
                        if not raw:
                            raise CellError("A contact needs an email address.")
                        email = raw.lower()
                        try:
                            validate_email(email)
                        except ValidationError as exc:
                            raise CellError(f"“{raw}” is not an email address.") from exc
                        if email in email_rows:
                            raise CellError(
                                f"The email {email} is also on row {email_rows[email]}."
                            )
                        email_rows[email] = number
                        values["email"] = email
                    elif column == "account_domain":
                        try:
                            domain = normalize_domain(raw)
                        except ApplicationError as exc:
                            raise CellError(exc.message) from exc
                        if domain and domain not in accounts:
                            raise CellError(f"No account has the domain {domain}.")
                        values["account_id"] = accounts[domain] if domain else None
                    elif column == "buying_roles":
                        if raw:
                            roles = [
                                _choice(part.strip(), BuyingRole.choices)
                                for part in raw.split(";")
                                if part.strip()
                            ]
                            values["buying_roles_mask"] = buying_roles_to_mask(roles)
                        else:
                            values["buying_roles_mask"] = None
                    elif column in ("allow_email", "allow_bulk_email"):
                        values[column] = _bool(raw)
                    elif column == "legal_basis":
                        values["legal_basis"] = _choice(raw, Contact.LegalBasis.choices)
                    elif column == "owner":
                        values["owner_id"] = _owner(raw, users)
                    else:
                        values[column] = _text(column, raw) or None
                except CellError as exc:
                    errors.append(_error(number, column, str(exc)))
            clean.append(values)
        progress(len(clean))
    return clean, errors


CONTACT_UPDATABLE = {
    "first_name": "first_name",
    "last_name": "last_name",
    "title": "title",
    "department": "department",
    "phone": "phone",
    "account_domain": "account",
    "buying_roles": "buying_roles_mask",
    "allow_email": "allow_email",
    "allow_bulk_email": "allow_bulk_email",
    "legal_basis": "legal_basis",
    "owner": "owner",
}


def _write_contacts(parsed: ParsedFile, clean: list[dict]) -> ImportResult:
    result = ImportResult()
    now = timezone.now()
    update_fields = sorted(
        {CONTACT_UPDATABLE[c] for c in parsed.columns if c in CONTACT_UPDATABLE} | {"updated_at"}
    )
    for batch in _batches(clean):
        emails = [v["email"] for v in batch]
        existing = {
            c.email_lower: c
            for c in Contact.objects.annotate(email_lower=Lower("email")).filter(
                email_lower__in=emails
            )
        }
        to_create: list[Contact] = []
        to_update: list[Contact] = []
        for values in batch:
            contact = existing.get(values["email"])
            is_new = contact is None
            if is_new:
                contact = Contact(created_at=now)
            else:
                result.account_ids.add(contact.account_id)
            for name, value in values.items():
                if name.startswith("_") or value is None:
                    continue  # a blank cell leaves an existing value alone
                setattr(contact, name, value)
            contact.updated_at = now
            (to_create if is_new else to_update).append(contact)
        if to_create:
            Contact.objects.bulk_create(to_create, batch_size=BATCH)
            result.created += len(to_create)
        if to_update:
            Contact.objects.bulk_update(to_update, update_fields, batch_size=BATCH)
            result.updated += len(to_update)
        touched = to_create + to_update
        result.contact_ids.update(c.pk for c in touched)
        linked = [c for c in touched if c.account_id]
        if linked:
            # The primary account moves: old links stay as plain associations.
            ContactAccount.objects.filter(
                contact_id__in=[c.pk for c in linked], is_primary=True
            ).update(is_primary=False)
            ContactAccount.objects.bulk_create(
                [
                    ContactAccount(contact_id=c.pk, account_id=c.account_id, is_primary=True)
                    for c in linked
                ],
                batch_size=BATCH,
                update_conflicts=True,
                unique_fields=["contact", "account"],
                update_fields=["is_primary"],
            )
            result.account_ids.update(c.account_id for c in linked)
    result.account_ids.discard(None)
    return result


# --- Running an import --------------------------------------------------------------


def import_check_role(user: User | None) -> None:
    """Marketers and admins import; sales reps cannot (``None`` is the operator's command)."""
    if user is None:
        return
    if not user.is_authenticated:
        raise ForbiddenError("Sign in to import.", code="forbidden")
    if not may_import(user):
        raise ForbiddenError(
            "Only marketers and admins can import accounts and contacts.", code="forbidden"
        )


def import_rows(*, kind: str, text: str, progress: Progress | None = None) -> ImportResult:
    """Validate the whole file, then write every row in one transaction; raises ImportRejected."""
    progress = progress or (lambda done: None)
    parsed = import_parse(kind=kind, text=text)
    if kind == ImportJob.Kind.ACCOUNTS:
        clean, errors = _validate_accounts(parsed, progress)
    else:
        clean, errors = _validate_contacts(parsed, progress)
    if errors:
        raise ImportRejected(errors)
    try:
        with transaction.atomic():
            if kind == ImportJob.Kind.ACCOUNTS:
                result = _write_accounts(parsed, clean)
                changes_notify(kind="account", account_ids=result.account_ids)
            else:
                result = _write_contacts(parsed, clean)
                changes_notify(
                    kind="contact",
                    account_ids=result.account_ids,
                    contact_ids=result.contact_ids,
                )
    except IntegrityError as exc:
        # Somebody wrote the same domain or email while the file was being checked.
        raise ImportRejected(
            [_error(None, "", f"A record changed while the file was imported: {exc}.")]
        ) from exc
    return result


def import_count_rows(text: str) -> int:
    """Data rows in the file (blank lines left out), for the progress bar."""
    try:
        rows = csv.reader(io.StringIO(text, newline=""))
        next(rows, None)
        return sum(1 for cells in rows if any(cell.strip() for cell in cells))
    except csv.Error:
        return 0


def import_start(
    *, user: User | None, kind: str, raw: bytes, filename: str = "", inline: bool = False
) -> ImportJob:
    """Create an import job: small files (or ``inline``) run now, larger ones in a worker.

    Raises ImportRejected for an unreadable file (encoding, empty, wrong header);
    row errors land on the returned job (status ``failed``, ``errors``).
    """
    import_check_role(user)
    if kind not in ImportJob.Kind.values:
        raise ApplicationError("Choose what to import: accounts or contacts.", field="kind")
    text = import_decode(raw)
    import_parse_header_only(kind=kind, text=text)
    total = import_count_rows(text)
    job = ImportJob.objects.create(
        kind=kind,
        filename=(filename or "")[:255],
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


def import_parse_header_only(*, kind: str, text: str) -> None:
    """Reject a file whose header is wrong before a job is created for it."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        _parse_header(kind, reader)
    except csv.Error as exc:
        raise ImportRejected([_error(1, "", f"The file is not valid CSV: {exc}.")]) from exc


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
        result = import_rows(kind=job.kind, text=job.content, progress=progress)
    except ImportRejected as exc:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            errors=exc.errors
            + (
                [_error(None, "", f"…and {exc.error_count - len(exc.errors)} more errors.")]
                if exc.error_count > len(exc.errors)
                else []
            ),
            finished_at=timezone.now(),
        )
        return
    except Exception as exc:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            errors=[
                _error(
                    None,
                    "",
                    f"The import stopped unexpectedly ({type(exc).__name__}); nothing was written.",
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
