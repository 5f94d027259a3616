"""The column → parser table of each import kind, read from the model fields.

A ``Column`` names the CSV header, the model field it fills and the parser of its
cells. Lengths, choices, ranges, digits and whether a column is required come from
the field (``Model._meta.get_field``), so a model change reaches the import without
an edit here; only what a field cannot say (a user named by username, an account by
its domain, a value unique within the file) is given explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact, ImportJob
from accounts.services.imports.parsers import (
    CellContext,
    CellError,
    Parser,
    account_by_domain_parser,
    buying_roles_parser,
    domain_parser,
    email_parser,
    field_parser,
    unique_in_file,
    user_parser,
)


@dataclass(frozen=True)
class Column:
    name: str  # the CSV header (any case, "-" or spaces for "_")
    field: models.Field  # the model field it fills
    parse: Parser
    required: str | None = None  # message for a blank cell (lazy), when the field needs a value
    updates: bool = True  # an existing record's field is rewritten from this column

    @property
    def attname(self) -> str:
        """The attribute set on the model (``owner_id`` for the ``owner`` column)."""
        return self.field.attname

    def value(self, raw: str, context: CellContext) -> Any:
        if not raw and self.required:
            raise CellError(str(self.required))
        return self.parse(raw, context)


def column(
    model: type[models.Model],
    field_name: str,
    *,
    header: str | None = None,
    parser=None,
    required: str | None = None,
    unique: str | None = None,
    updates: bool = True,
    **options,
) -> Column:
    """A column for ``model.field_name``; its parser comes from the field unless given.

    ``required`` is the message for a blank cell; a field that must have a value (not
    ``blank`` and without a default) needs one. ``unique`` is the message for a value
    another row of the file already has (``%(value)s``, ``%(row)s``).
    """
    model_field = model._meta.get_field(field_name)
    parse = parser(model_field) if parser else field_parser(model_field, **options)
    if unique:
        parse = unique_in_file(parse, column=header or field_name, message=unique)
    if required is None and not model_field.blank and not model_field.has_default():
        raise ValueError(f"{model.__name__}.{field_name} needs a value: say what a blank means.")
    return Column(
        name=header or field_name,
        field=model_field,
        parse=parse,
        required=required,
        updates=updates,
    )


def _account_columns() -> list[Column]:
    return [
        column(Account, "name", required=_("An account needs a name.")),
        column(
            Account,
            "domain",
            parser=domain_parser,
            unique=_("The domain %(value)s is also on row %(row)s."),
        ),
        column(Account, "industry"),
        column(Account, "employee_count"),
        column(Account, "annual_revenue", minimum=Decimal(0)),
        column(Account, "country"),
        column(Account, "owner", parser=user_parser),
        column(Account, "fit_score"),
        # Marking a target also sets since/source (the service's rule), never unmarks.
        column(Account, "is_target", updates=False),
    ]


def _contact_columns() -> list[Column]:
    return [
        column(Contact, "first_name"),
        column(Contact, "last_name"),
        column(
            Contact,
            "email",
            parser=email_parser,
            required=_("A contact needs an email address."),
            unique=_("The email %(value)s is also on row %(row)s."),
            updates=False,  # the key rows are matched by
        ),
        column(Contact, "title"),
        column(Contact, "department"),
        column(Contact, "phone"),
        column(Contact, "account", header="account_domain", parser=account_by_domain_parser),
        column(Contact, "buying_roles_mask", header="buying_roles", parser=buying_roles_parser),
        column(Contact, "allow_email"),
        column(Contact, "allow_bulk_email"),
        column(Contact, "legal_basis"),
        column(Contact, "owner", parser=user_parser),
    ]


TABLES: dict[str, list[Column]] = {
    ImportJob.Kind.ACCOUNTS: _account_columns(),
    ImportJob.Kind.CONTACTS: _contact_columns(),
}
# Header names and required headers per kind, in template order (pages show them).
COLUMNS = {kind: [c.name for c in columns] for kind, columns in TABLES.items()}
REQUIRED = {kind: [c.name for c in columns if c.required] for kind, columns in TABLES.items()}
