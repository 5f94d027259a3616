"""Reading an import file: bytes → text → header → rows, with the file-level errors.

Everything here is about the file's shape (size, encoding, CSV syntax, header,
control characters); what a cell means is the column table's job. Row numbers count
the header as row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from abm.exceptions import ApplicationError
from accounts.services.imports.columns import COLUMNS, REQUIRED
from accounts.services.imports.parsers import header_key

MAX_REPORTED_ERRORS = 500
# C0 controls other than tab, newline and carriage return, and DEL: the database refuses
# NUL, and none of them belongs in a name, an email or a domain.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ImportRejected(ApplicationError):
    """The file broke at least one rule; ``errors`` lists every row, column and message."""

    def __init__(self, errors: list[dict], message: str | None = None):
        total = len(errors)
        shown = errors[:MAX_REPORTED_ERRORS]
        message = message or ngettext(
            "The file was rejected with %(count)s error; nothing was imported.",
            "The file was rejected with %(count)s errors; nothing was imported.",
            total,
        ) % {"count": total}
        super().__init__(
            message, code="import_rejected", extra={"errors": shown, "error_count": total}
        )
        self.errors = shown
        self.error_count = total


def error(row: int | None, column: str, message: str) -> dict:
    return {"row": row, "column": column, "message": message}


@dataclass
class ParsedFile:
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def _size(size: int) -> str:
    return filesizeformat(size).replace("\xa0", " ")


def import_size_check(size: int) -> None:
    """Refuse a file over ``CSV_IMPORT_MAX_BYTES`` before it is read (413, field ``file``)."""
    limit = settings.CSV_IMPORT_MAX_BYTES
    if size > limit:
        raise ApplicationError(
            _("The file is larger than %(limit)s; split it into smaller files.")
            % {"limit": _size(limit)},
            code="file_too_large",
            field="file",
            status_code=413,
        )


def import_decode(raw: bytes) -> str:
    """Decode an upload as UTF-8 (a BOM is fine); any other encoding is a clear error."""
    if not raw or not raw.strip():
        raise ImportRejected([error(None, "", _("The file is empty."))], _("The file is empty."))
    limit = settings.CSV_IMPORT_MAX_BYTES
    if len(raw) > limit:
        message = _("The file is larger than %(limit)s.") % {"limit": _size(limit)}
        raise ImportRejected([error(None, "", message)], _("The file is too large."))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = _(
            "The file is not UTF-8: byte 0x%(byte)02x on line %(line)s cannot be read. "
            "Save it as “CSV UTF-8” and upload it again."
        ) % {"byte": raw[exc.start], "line": line}
        raise ImportRejected([error(line, "", message)], message) from exc


def _reader(text: str):
    return csv.reader(io.StringIO(text, newline=""))


def import_control_characters_check(text: str) -> None:
    """Reject a file with a NUL or another control character, naming each row and column."""
    if not CONTROL_CHARACTERS.search(text):
        return
    errors = []
    reader = _reader(text)
    header: list[str] = []
    try:
        for number, cells in enumerate(reader, start=1):
            if number == 1:
                header = [header_key(cell) for cell in cells]
            for index, cell in enumerate(cells):
                found = CONTROL_CHARACTERS.search(cell)
                if found:
                    name = header[index] if index < len(header) and number > 1 else f"#{index + 1}"
                    errors.append(
                        error(
                            number,
                            name,
                            _("This cell contains the control character U+%(code)04X.")
                            % {"code": ord(found.group())},
                        )
                    )
    except csv.Error as exc:
        errors.append(error(reader.line_num or None, "", _("The file is not valid CSV: %s.") % exc))
    raise ImportRejected(errors)


def _parse_header(
    kind: str, reader, allowed: list[str] | None = None, required: list[str] | None = None
) -> list[str]:
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        raise ImportRejected([error(None, "", _("The file is empty."))], _("The file is empty."))
    columns = [header_key(cell) for cell in header]
    allowed = COLUMNS[kind] if allowed is None else allowed
    required = REQUIRED[kind] if required is None else required
    errors = []
    seen: set[str] = set()
    for index, column in enumerate(columns, start=1):
        if not column:
            errors.append(error(1, f"#{index}", _("This column has no name.")))
        elif column not in allowed:
            name = header[index - 1].strip()
            errors.append(
                error(
                    1,
                    name,
                    _("Unknown column “%(name)s”; %(kind)s files have: %(columns)s.")
                    % {"name": name, "kind": kind, "columns": ", ".join(allowed)},
                )
            )
        elif column in seen:
            errors.append(error(1, column, _("This column appears twice.")))
        seen.add(column)
    for column in required:
        if column not in seen:
            errors.append(
                error(1, column, _("The required column “%(name)s” is missing.") % {"name": column})
            )
    if errors:
        raise ImportRejected(errors, _("The header row is wrong; nothing was imported."))
    return columns


def import_parse_header_only(*, kind: str, text: str) -> None:
    """Reject a file whose header is wrong before a job is created for it."""
    reader = _reader(text)
    try:
        _parse_header(kind, reader)
    except csv.Error as exc:
        raise ImportRejected([error(1, "", _("The file is not valid CSV: %s.") % exc)]) from exc


def import_parse(
    *,
    kind: str,
    text: str,
    allowed: list[str] | None = None,
    required: list[str] | None = None,
) -> ParsedFile:
    """Split CSV text into normalized columns and non-blank rows; header problems raise.

    ``allowed`` / ``required`` name the columns of a file that is not one of the
    record imports (an event's registration list, whose questions are columns too)."""
    if allowed is None and kind not in COLUMNS:
        raise ApplicationError(_("Choose what to import: accounts or contacts."), field="kind")
    import_control_characters_check(text)
    reader = _reader(text)
    try:
        columns = _parse_header(kind, reader, allowed, required)
        errors: list[dict] = []
        parsed = ParsedFile(columns=columns)
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
                errors.append(
                    error(
                        number,
                        "",
                        _("This row has %(cells)s cells but the header has %(columns)s.")
                        % {"cells": len(cells), "columns": len(columns)},
                    )
                )
                continue
            cells = cells + [""] * (len(columns) - len(cells))
            parsed.rows.append((number, {col: cells[i].strip() for i, col in enumerate(columns)}))
    except csv.Error as exc:
        raise ImportRejected(
            [error(reader.line_num or None, "", _("The file is not valid CSV: %s.") % exc)]
        ) from exc
    if errors:
        raise ImportRejected(errors)
    if not parsed.rows:
        message = _("The file has a header but no rows.")
        raise ImportRejected([error(None, "", message)], message)
    return parsed


def import_count_rows(text: str) -> int:
    """Data rows in the file (blank lines left out), for the progress bar."""
    try:
        rows = _reader(text)
        next(rows, None)
        return sum(1 for cells in rows if any(cell.strip() for cell in cells))
    except csv.Error:
        return 0
