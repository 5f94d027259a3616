"""Cell parsers of the CSV import, built from the model fields they fill.

``field_parser(field)`` reads what the field allows — its type, ``max_length``,
``choices``, ``max_digits``/``decimal_places``, the integer range of its column type,
its validators and the model's simple check constraints — so a limit lives once, on
the model. A parser takes the stripped cell text and the row's ``CellContext`` and
returns the value, ``None`` for a blank cell ("leave an existing value alone"), or
raises ``CellError`` with the message shown for that row and column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, validate_email
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError
from accounts.domains import normalize_domain
from accounts.models import BuyingRole, buying_roles_to_mask

TRUE_WORDS = {"true", "yes", "y", "1", "t", "x"}
FALSE_WORDS = {"false", "no", "n", "0", "f"}
CURRENCY_SIGNS = "$€£"


class CellError(Exception):
    """One cell is wrong; the message names the problem (the row and column are added)."""


@dataclass
class CellContext:
    """What parsers look up: users, the accounts of this batch, values already seen."""

    users: dict[str, int] = field(default_factory=dict)
    accounts_by_domain: dict[str, int] = field(default_factory=dict)
    seen: dict[str, dict[Any, int]] = field(default_factory=dict)
    row: int = 0


Parser = Callable[[str, CellContext], Any]


def header_key(value: str) -> str:
    """A header or choice as a key: lower case, words joined by "_" ("Budget holder")."""
    return "_".join(value.strip().lower().replace("-", " ").split())


# --- Parsers by field type ------------------------------------------------------------


def text_parser(model_field: models.Field) -> Parser:
    limit = getattr(model_field, "max_length", None)

    def parse(value: str, context: CellContext) -> str | None:
        if limit and len(value) > limit:
            raise CellError(_("Longer than %(limit)s characters.") % {"limit": limit})
        return value or None

    return parse


def bool_parser(model_field: models.Field | None = None) -> Parser:
    def parse(value: str, context: CellContext) -> bool | None:
        if not value:
            return None
        low = value.lower()
        if low in TRUE_WORDS:
            return True
        if low in FALSE_WORDS:
            return False
        raise CellError(_("“%(value)s” is not true or false.") % {"value": value})

    return parse


def choice_value(value: str, choices) -> str:
    """The stored value of a choice given by its value or its label, in any case."""
    key = header_key(value)
    for choice, label in choices:
        if key in (choice, header_key(str(label))):
            return choice
    raise CellError(
        _("“%(value)s” is not one of: %(choices)s.")
        % {"value": value, "choices": ", ".join(v for v, _label in choices)}
    )


def choice_parser(model_field: models.Field) -> Parser:
    choices = list(model_field.flatchoices)

    def parse(value: str, context: CellContext) -> str | None:
        return choice_value(value, choices) if value else None

    return parse


def _number(value: str, *, strip: str = "") -> Decimal:
    cleaned = value.replace(",", "").replace("_", "").replace(" ", "").lstrip(strip)
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:
        raise CellError(_("“%(value)s” is not a number.") % {"value": value}) from exc


def integer_bounds(model_field: models.Field) -> tuple[int | None, int | None]:
    """The values an integer field may hold: its column type's portable range, its
    validators, and the model's check constraints of the form ``field__lte=N``."""
    low, high = BaseDatabaseOperations.integer_field_ranges.get(
        model_field.get_internal_type(), (None, None)
    )
    limits: list[tuple[str, Any]] = []
    for validator in model_field._validators:
        if isinstance(validator, MinValueValidator):
            limits.append(("gte", validator.limit_value))
        elif isinstance(validator, MaxValueValidator):
            limits.append(("lte", validator.limit_value))
    for constraint in model_field.model._meta.constraints:
        condition = getattr(constraint, "condition", None)
        if isinstance(constraint, models.CheckConstraint) and condition.connector == "AND":
            for child in condition.children:
                if isinstance(child, tuple) and child[0].startswith(f"{model_field.name}__"):
                    limits.append((child[0].rsplit("__", 1)[1], child[1]))
    for lookup, limit in limits:
        if not isinstance(limit, int):
            continue
        if lookup in ("gte", "gt"):
            limit += lookup == "gt"
            low = limit if low is None else max(low, limit)
        elif lookup in ("lte", "lt"):
            limit -= lookup == "lt"
            high = limit if high is None else min(high, limit)
    return low, high


def integer_parser(model_field: models.Field) -> Parser:
    low, high = integer_bounds(model_field)

    def parse(value: str, context: CellContext) -> int | None:
        if not value:
            return None
        number = _number(value)
        if not number.is_finite() or number != number.to_integral_value():
            raise CellError(_("“%(value)s” is not a whole number.") % {"value": value})
        # Compared as a Decimal first: int("1e999999999") would build a billion-digit number.
        if (low is not None and number < low) or (high is not None and number > high):
            if high is None:
                bound = _("at least %(low)s") % {"low": low}
            elif low is None:
                bound = _("at most %(high)s") % {"high": high}
            else:
                bound = _("between %(low)s and %(high)s") % {"low": low, "high": high}
            raise CellError(
                _("%(value)s is out of range: it must be %(bound)s.")
                % {"value": value if number.adjusted() > 30 else int(number), "bound": bound}
            )
        return int(number)

    return parse


def decimal_parser(model_field: models.DecimalField, *, minimum: Decimal | None = None) -> Parser:
    """Amounts: currency signs and thousands separators are fine; the field's digits bound it."""
    places = model_field.decimal_places
    ceiling = Decimal(10) ** (model_field.max_digits - places)
    quantum = Decimal(1).scaleb(-places)

    def parse(value: str, context: CellContext) -> Decimal | None:
        if not value:
            return None
        number = _number(value, strip=CURRENCY_SIGNS)
        if not number.is_finite() or (minimum is not None and number < minimum):
            raise CellError(_("“%(value)s” must be a positive number.") % {"value": value})
        if number.copy_abs() >= ceiling:  # copy_abs: no context, no Overflow
            raise CellError(_("“%(value)s” is too large.") % {"value": value})
        return number.quantize(quantum)

    return parse


def field_parser(model_field: models.Field, **options) -> Parser:
    """The parser a model field calls for, from its type, choices and limits."""
    if model_field.choices:
        return choice_parser(model_field)
    if isinstance(model_field, models.BooleanField):
        return bool_parser(model_field)
    if isinstance(model_field, models.DecimalField):
        return decimal_parser(model_field, **options)
    if isinstance(model_field, models.IntegerField):
        return integer_parser(model_field)
    if isinstance(model_field, models.CharField | models.TextField):
        return text_parser(model_field)
    raise TypeError(f"No CSV parser for {model_field!r}; give the column its own.")


# --- Parsers that look things up ---------------------------------------------------------


def unique_in_file(parse: Parser, *, column: str, message: str) -> Parser:
    """Refuse a value another row of the same file already has (``message`` names it)."""

    def check(value: str, context: CellContext):
        parsed = parse(value, context)
        if parsed is None:
            return None
        seen = context.seen.setdefault(column, {})
        if parsed in seen:
            raise CellError(message % {"value": parsed, "row": seen[parsed]})
        seen[parsed] = context.row
        return parsed

    return check


def domain_parser(model_field: models.Field | None = None) -> Parser:
    def parse(value: str, context: CellContext) -> str | None:
        try:
            return normalize_domain(value) or None
        except ApplicationError as exc:
            raise CellError(exc.message) from exc

    return parse


def email_parser(model_field: models.Field) -> Parser:
    limit = model_field.max_length

    def parse(value: str, context: CellContext) -> str | None:
        if not value:
            return None
        email = value.lower()
        if limit and len(email) > limit:
            raise CellError(_("Longer than %(limit)s characters.") % {"limit": limit})
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CellError(_("“%(value)s” is not an email address.") % {"value": value}) from exc
        return email

    return parse


def account_by_domain_parser(model_field: models.Field | None = None) -> Parser:
    """An account named by its domain; the batch's accounts are looked up beforehand."""
    domain_of = domain_parser()

    def parse(value: str, context: CellContext) -> int | None:
        domain = domain_of(value, context)
        if domain is None:
            return None
        if domain not in context.accounts_by_domain:
            raise CellError(_("No account has the domain %(domain)s.") % {"domain": domain})
        return context.accounts_by_domain[domain]

    return parse


def user_parser(model_field: models.Field | None = None) -> Parser:
    """A user given by username or email, in any case."""

    def parse(value: str, context: CellContext) -> int | None:
        if not value:
            return None
        pk = context.users.get(value.lower())
        if pk is None:
            raise CellError(_("No user has the username or email “%(value)s”.") % {"value": value})
        return pk

    return parse


def buying_roles_parser(model_field: models.Field | None = None) -> Parser:
    """Roles separated by ";" (values or labels), stored as the contact's role mask."""
    choices = list(BuyingRole.choices)

    def parse(value: str, context: CellContext) -> int | None:
        if not value:
            return None
        roles = [choice_value(part.strip(), choices) for part in value.split(";") if part.strip()]
        return buying_roles_to_mask(roles)

    return parse
