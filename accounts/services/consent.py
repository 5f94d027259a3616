"""Email consent: the one door through which a contact's ``allow_*`` fields change.

The contact form, the API, CSV import and the unsubscribe paths of sales emails (one
click, the page, the mailto address) all call ``contact_consent_update`` (or, for an
import, ``contacts_consent_update_bulk``); each change is a ``ConsentChange`` row with
who, when, the source and a reason.

Reversing a contact's own opt-out — turning a field back on whose last change came from
the contact (an unsubscribe link, page or email) — needs a stated reason and a user who
is not a sales rep; an import never does it (the contact page does, with a reason).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import is_sales_rep, may_write
from accounts.models import CONTACT_SOURCES, ConsentChange, Contact, User
from accounts.services.changes import changes_notify

CONSENT_FIELDS = ("allow_email", "allow_bulk_email", "allow_prefill", "follow_email")
REASON_MAX_LENGTH = ConsentChange._meta.get_field("reason").max_length
# The input that carries the reason, in the form and the API.
REASON_FIELD = "consent_reason"
Source = ConsentChange.Source


def _default_reason(source: str) -> str:
    """What a change says when nobody stated a reason: where it came from."""
    return {
        Source.ONE_CLICK: _("The contact used the one-click unsubscribe of an email."),
        Source.UNSUBSCRIBE_PAGE: _("The contact unsubscribed on the unsubscribe page."),
        Source.MAILTO: _("The contact sent an unsubscribe email."),
        Source.FORM: _("Changed on the contact form."),
        Source.API: _("Changed through the API."),
        Source.IMPORT: _("Set by a CSV import."),
    }.get(source, _("Changed by a user."))


def import_reversal_message() -> str:
    """The row error of an import row that would reverse a contact's own opt-out."""
    return _("contact opted out; change it on the contact page with a reason")


def consent_changes_check(*, changes: Mapping[str, object], source: str, reason: str) -> str:
    """The shape of a consent change: known fields, booleans, a known source; the reason."""
    for field, value in changes.items():
        if field not in CONSENT_FIELDS:
            raise ApplicationError(
                _("'%(field)s' is not a consent field.") % {"field": field}, field=field
            )
        if not isinstance(value, bool):
            raise ApplicationError(
                _("%(field)s must be true or false.") % {"field": field}, field=field
            )
    if source not in Source.values:
        raise ApplicationError(
            _("'%(source)s' is not a consent source.") % {"source": source}, field="source"
        )
    if not isinstance(reason, str):
        raise ApplicationError(_("The reason must be text."), field=REASON_FIELD)
    reason = reason.strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise ApplicationError(
            _("Keep the reason under %(max)s characters.") % {"max": REASON_MAX_LENGTH},
            field=REASON_FIELD,
        )
    return reason


def contact_opt_outs(*, contact_ids: Iterable[int], fields: Iterable[str] = CONSENT_FIELDS):
    """{(contact id, field): last change} where that last change was the contact's opt-out."""
    contact_ids = list(contact_ids)
    found: dict[tuple[int, str], ConsentChange] = {}
    if not contact_ids:
        return found
    seen: set[tuple[int, str]] = set()
    rows = (
        ConsentChange.objects.filter(contact_id__in=contact_ids, field__in=list(fields))
        .order_by("contact_id", "field", "-occurred_at", "-id")
        .only("id", "contact_id", "field", "new_value", "source", "occurred_at")
    )
    for row in rows:
        key = (row.contact_id, row.field)
        if key in seen:
            continue
        seen.add(key)
        if row.new_value is False and row.source in CONTACT_SOURCES:
            found[key] = row
    return found


def _reversal_check(
    *,
    user: User | None,
    source: str,
    reason: str,
    reversed_changes: list[ConsentChange],
    confirmed_by_contact: bool = False,
) -> None:
    """Turning a contact's own opt-out back on: a stated reason, never a rep, never an import.

    ``confirmed_by_contact``: the contact themselves asked for it and proved it is them (the
    signed confirmation link of a form's double opt-in, sent to their address).
    """
    if not reversed_changes:
        return
    if confirmed_by_contact and user is None and source != Source.IMPORT:
        return
    first = reversed_changes[0]
    if source == Source.IMPORT:
        raise ApplicationError(import_reversal_message(), field=first.field, code="opted_out")
    if source in CONTACT_SOURCES or user is None or is_sales_rep(user):
        raise ForbiddenError(
            _(
                "The contact opted out of %(field)s themselves; only a marketer or an admin "
                "can reverse it, with a reason."
            )
            % {"field": first.field},
            field=REASON_FIELD,
            code="forbidden",
        )
    if not reason:
        raise ApplicationError(
            _(
                "The contact opted out of %(field)s themselves (%(source)s, %(date)s): "
                "say why you turn it back on."
            )
            % {
                "field": first.field,
                "source": first.get_source_display(),
                "date": timezone.localtime(first.occurred_at).strftime("%Y-%m-%d"),
            },
            field=REASON_FIELD,
            code="reason_required",
        )


def contact_consent_update(
    *,
    contact: Contact,
    changes: Mapping[str, bool],
    source: str,
    user: User | None = None,
    reason: str = "",
    sales_email_id: int | None = None,
    confirmed_by_contact: bool = False,
) -> list[ConsentChange]:
    """Change consent fields of one contact at once; every change kept with who and why.

    ``user`` is None when the contact acted themselves (an unsubscribe, a hosted form).
    Fields that do not change write nothing. ``confirmed_by_contact`` (with no user): the
    contact proved it is them through a signed link, so their own opt-out may be reversed.
    """
    reason = consent_changes_check(changes=changes, source=source, reason=reason)
    if user is not None and not may_write(user, contact):
        raise ForbiddenError(
            _("Your role does not allow changing this contact's consent."), code="forbidden"
        )
    if not changes:
        return []
    now = timezone.now()
    with transaction.atomic():
        current = (
            Contact.objects.select_for_update()
            .filter(pk=contact.pk)
            .values(*CONSENT_FIELDS)
            .first()
        )
        if current is None:
            raise ApplicationError(_("The contact no longer exists."), field="contact")
        changed = {f: v for f, v in changes.items() if current[f] != v}
        if not changed:
            return []
        turned_on = [f for f, v in changed.items() if v]
        opt_outs = contact_opt_outs(contact_ids=[contact.pk], fields=turned_on)
        _reversal_check(
            user=user,
            source=source,
            reason=reason,
            reversed_changes=[
                opt_outs[(contact.pk, f)] for f in turned_on if (contact.pk, f) in opt_outs
            ],
            confirmed_by_contact=confirmed_by_contact,
        )
        Contact.objects.filter(pk=contact.pk).update(**changed, updated_at=now)
        rows = ConsentChange.objects.bulk_create(
            [
                ConsentChange(
                    contact=contact,
                    field=field,
                    old_value=current[field],
                    new_value=value,
                    source=source,
                    reason=reason or _default_reason(source),
                    sales_email_id=sales_email_id,
                    user=user,
                    occurred_at=now,
                )
                for field, value in changed.items()
            ]
        )
        for field, value in changed.items():
            setattr(contact, field, value)
        contact.updated_at = now
        changes_notify(kind="contact", contact_ids={contact.pk}, account_ids={contact.account_id})
    return rows


def contacts_consent_update_bulk(
    *,
    changes: Mapping[int, Mapping[str, bool]],
    source: str,
    user: User | None = None,
    reasons: Mapping[int, str] | None = None,
    reason: str = "",
) -> list[ConsentChange]:
    """Change consent fields of many contacts ({contact id: {field: value}}), a few queries.

    For imports: the caller checked the user's role (``may_import``) and reports rows that
    would reverse an opt-out (``contact_opt_outs``) before writing; this refuses them too.
    Runs inside the caller's transaction; the caller announces the changed contacts.
    """
    reasons = reasons or {}
    reason = consent_changes_check(changes={}, source=source, reason=reason)
    for values in changes.values():
        consent_changes_check(changes=values, source=source, reason="")
    if not changes:
        return []
    now = timezone.now()
    rows: list[ConsentChange] = []
    with transaction.atomic():
        current = {
            row["pk"]: row
            for row in Contact.objects.select_for_update()
            .filter(pk__in=list(changes))
            .values("pk", *CONSENT_FIELDS)
        }
        changed: dict[int, dict[str, bool]] = {}
        for contact_id, values in changes.items():
            before = current.get(contact_id)
            if before is None:
                continue
            diff = {f: v for f, v in values.items() if before[f] != v}
            if diff:
                changed[contact_id] = diff
        opt_outs = contact_opt_outs(contact_ids=list(changed))
        for contact_id, diff in changed.items():
            _reversal_check(
                user=user,
                source=source,
                reason=reasons.get(contact_id, reason),
                reversed_changes=[
                    opt_outs[(contact_id, f)]
                    for f, v in diff.items()
                    if v and (contact_id, f) in opt_outs
                ],
            )
        # One UPDATE per field and value, whatever the number of contacts.
        groups: dict[tuple[str, bool], list[int]] = {}
        for contact_id, diff in changed.items():
            for field, value in diff.items():
                groups.setdefault((field, value), []).append(contact_id)
        for (field, value), ids in groups.items():
            Contact.objects.filter(pk__in=ids).update(**{field: value}, updated_at=now)
        for contact_id, diff in changed.items():
            for field, value in diff.items():
                rows.append(
                    ConsentChange(
                        contact_id=contact_id,
                        field=field,
                        old_value=current[contact_id][field],
                        new_value=value,
                        source=source,
                        reason=(reasons.get(contact_id) or reason or _default_reason(source))[
                            :REASON_MAX_LENGTH
                        ],
                        user=user,
                        occurred_at=now,
                    )
                )
        ConsentChange.objects.bulk_create(rows, batch_size=1000)
    return rows
