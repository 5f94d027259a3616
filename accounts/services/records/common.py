"""What every record write shares: writable fields, role checks, the owner, and saving
with errors that name the field."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import may_choose_owner, may_create, may_write
from accounts.models import User
from accounts.services.records.rules import _rule_error

ACCOUNT_FIELDS = {
    "name",
    "domain",
    "industry",
    "employee_count",
    "annual_revenue",
    "country",
    "owner",
    "parent",
    "fit_score",
    "relationship_type",
}
CONTACT_FIELDS = {
    "account",
    "first_name",
    "last_name",
    "title",
    "department",
    "email",
    "phone",
    "owner",
    "source_campaign",
    "is_minor",
    "guardian",
    "relationship_type",
}
LEAD_FIELDS = {
    "topic",
    "product",
    "contact",
    "account",
    "status",
    "score",
    "owner",
    "source_campaign",
}
OPPORTUNITY_FIELDS = {"account", "name", "amount", "currency", "stage", "close_date", "owner"}
CAMPAIGN_FIELDS = {"name", "channel", "start_date", "end_date", "owner"}
PRODUCT_FIELDS = {"name", "keywords", "description"}


def _check_create(user: User, model) -> None:
    if not may_create(user, model):
        raise ForbiddenError(
            f"Your role cannot create {model._meta.verbose_name_plural}.", code="forbidden"
        )


def _check_write(user: User, obj) -> None:
    if not may_write(user, obj):
        raise ForbiddenError(
            f"Your role cannot change this {obj._meta.verbose_name}: you do not own it.",
            code="forbidden",
        )


def _resolve_owner(user: User, data: dict, *, current_owner_id=None) -> None:
    """Sales reps own what they create and cannot hand records to somebody else."""
    if may_choose_owner(user):
        return
    if "owner" not in data:
        if current_owner_id is None:
            data["owner"] = user
        return
    owner = data["owner"]
    if owner is None or owner.pk != user.pk:
        raise ForbiddenError("A sales rep can only own records themselves.", code="forbidden")


def _assign(instance, data: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ApplicationError(f"Unknown field: {sorted(unknown)[0]}.", field=sorted(unknown)[0])
    for field, value in data.items():
        setattr(instance, field, value)


def _validation_error(exc: ValidationError) -> ApplicationError:
    """A model's field validation as the one error type services raise."""
    if hasattr(exc, "error_dict"):
        fields = {
            field: [str(m) for m in messages]
            for field, messages in exc.message_dict.items()
            if field != NON_FIELD_ERRORS
        }
        if fields:
            field, messages = next(iter(fields.items()))
            return ApplicationError(messages[0], field=field, extra=fields)
    return ApplicationError(" ".join(str(m) for m in exc.messages))


# Constraints whose name does not say which input is at fault.
CONSTRAINT_FIELDS = {
    "contact_email_ci_unique": "email",
    "contact_guardian_only_for_minor": "guardian",
}


def _integrity_error(instance, exc: IntegrityError) -> ApplicationError:
    """A unique or check constraint lost to a concurrent write, named by its field.

    The database's own text (table, constraint and key values) never reaches the user.
    """
    text = str(exc)
    meta = instance._meta
    for name, field in CONSTRAINT_FIELDS.items():
        if name in text:
            return _rule_error(instance, field)
    for field in meta.concrete_fields:
        if not field.unique or field.primary_key:
            continue
        column = field.column
        markers = (f"{meta.db_table}.{column}", f"({column})", f"{meta.db_table}_{column}_")
        if any(marker in text for marker in markers):
            return _rule_error(instance, field.name)
    return ApplicationError(
        _("This %(model)s conflicts with an existing one; reload and try again.")
        % {"model": meta.verbose_name},
        code="conflict",
    )


def _save(instance, *, exclude_clean=()) -> None:
    """Check the fields' shape, then save; a constraint lost to a race is a 400 too.

    Business rules (uniqueness, guardians, parents) are checked by each service before
    this, with their one wording; the database constraints back them up.
    """
    try:
        instance.full_clean(
            exclude=list(exclude_clean), validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        raise _validation_error(exc) from exc
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise _integrity_error(instance, exc) from exc
