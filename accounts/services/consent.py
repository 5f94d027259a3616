"""Consent: the one door through which a contact's ``allow_*`` fields, legal basis and
consent level change.

The contact form, the API, CSV import and the unsubscribe paths of sales emails (one
click, the page, the mailto address) all call ``contact_consent_update`` (or, for an
import, ``contacts_consent_update_bulk``); each change is a ``ConsentChange`` row with
who, when, the source and a reason. The legal basis and the consent level are fields
with choices: their changes keep the values as text (``old_text``/``new_text``); the
reversal rule below is about opt-outs, so it applies to the yes/no fields only.

Reversing a contact's own opt-out — turning a field back on whose last change came from
the contact (an unsubscribe link, page or email) — needs a stated reason and a user who
is not a sales rep; an import never does it (the contact page does, with a reason).

Subscription-list memberships go through the same door
(``contact_subscriptions_update``): each join or leave is a ConsentChange of field
``subscription`` naming the list, under the same reversal rule (the subscription centre
is reached by a signed link sent to the contact, so it counts as the contact's own
action). A minor's marketing email needs ``guardian_consent``, which can be recorded only
for a minor with a guardian.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import is_sales_rep, may_write
from accounts.models import (
    CONSENT_CHOICE_FIELDS,
    CONTACT_SOURCES,
    SUBSCRIPTION_FIELD,
    ConsentChange,
    Contact,
    SubscriptionList,
    SubscriptionMembership,
    User,
)
from accounts.services.changes import changes_notify

CONSENT_FIELDS = (
    "allow_email",
    "allow_bulk_email",
    "allow_prefill",
    "follow_email",
    "guardian_consent",
)
# Everything the door writes: the yes/no fields and the two with choices.
CONSENT_WRITABLE_FIELDS = CONSENT_FIELDS + tuple(CONSENT_CHOICE_FIELDS)
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
        Source.SUBSCRIPTION_CENTRE: _("The contact changed it in the subscription centre."),
        Source.ERASURE: _("The person was erased (GDPR)."),
    }.get(source, _("Changed by a user."))


def import_reversal_message() -> str:
    """The row error of an import row that would reverse a contact's own opt-out."""
    return _("contact opted out; change it on the contact page with a reason")


def consent_changes_check(*, changes: Mapping[str, object], source: str, reason: str) -> str:
    """The shape of a consent change: known fields, booleans or known choices, a known
    source; the reason."""
    for field, value in changes.items():
        if field not in CONSENT_WRITABLE_FIELDS:
            raise ApplicationError(
                _("'%(field)s' is not a consent field.") % {"field": field}, field=field
            )
        if field in CONSENT_CHOICE_FIELDS:
            if not isinstance(value, str) or value not in CONSENT_CHOICE_FIELDS[field]:
                raise ApplicationError(
                    _("'%(value)s' is not a choice of %(field)s: choose from %(choices)s.")
                    % {
                        "value": value,
                        "field": field,
                        "choices": ", ".join(CONSENT_CHOICE_FIELDS[field]),
                    },
                    field=field,
                )
        elif not isinstance(value, bool):
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


def _change_row(*, contact_id: int, field: str, old, new, **kwargs) -> ConsentChange:
    """The history row of one field's change: yes/no values or the choices as text."""
    if field in CONSENT_CHOICE_FIELDS:
        return ConsentChange(
            contact_id=contact_id, field=field, old_text=old, new_text=new, **kwargs
        )
    return ConsentChange(contact_id=contact_id, field=field, old_value=old, new_value=new, **kwargs)


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
    changes: Mapping[str, bool | str],
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
            .values(*CONSENT_WRITABLE_FIELDS, "is_minor", "guardian_id")
            .first()
        )
        if current is None:
            raise ApplicationError(_("The contact no longer exists."), field="contact")
        changed = {f: v for f, v in changes.items() if current[f] != v}
        if not changed:
            return []
        if changed.get("guardian_consent"):
            guardian_consent_check(is_minor=current["is_minor"], guardian_id=current["guardian_id"])
        turned_on = [f for f, v in changed.items() if v is True]
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
                _change_row(
                    contact_id=contact.pk,
                    field=field,
                    old=current[field],
                    new=value,
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


def guardian_consent_check(*, is_minor: bool, guardian_id: int | None) -> None:
    """Guardian consent is recorded only for a minor whose guardian is recorded."""
    if not is_minor or guardian_id is None:
        raise ApplicationError(
            _("Record the contact as a minor with a guardian before their guardian's consent."),
            field="guardian_consent",
        )


def contacts_consent_update_bulk(
    *,
    changes: Mapping[int, Mapping[str, bool | str]],
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
            .values("pk", "is_minor", "guardian_id", *CONSENT_WRITABLE_FIELDS)
        }
        changed: dict[int, dict[str, bool | str]] = {}
        for contact_id, values in changes.items():
            before = current.get(contact_id)
            if before is None:
                continue
            diff = {f: v for f, v in values.items() if before[f] != v}
            if diff.get("guardian_consent"):
                guardian_consent_check(
                    is_minor=before["is_minor"], guardian_id=before["guardian_id"]
                )
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
                    if v is True and (contact_id, f) in opt_outs
                ],
            )
        # One UPDATE per field and value, whatever the number of contacts.
        groups: dict[tuple[str, bool | str], list[int]] = {}
        for contact_id, diff in changed.items():
            for field, value in diff.items():
                groups.setdefault((field, value), []).append(contact_id)
        for (field, value), ids in groups.items():
            Contact.objects.filter(pk__in=ids).update(**{field: value}, updated_at=now)
        for contact_id, diff in changed.items():
            for field, value in diff.items():
                rows.append(
                    _change_row(
                        contact_id=contact_id,
                        field=field,
                        old=current[contact_id][field],
                        new=value,
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


# --- subscription lists ---------------------------------------------------------------


def subscription_opt_outs(*, contact_id: int, list_ids: Iterable[int]):
    """{list id: last change} where the contact's last change for the list was leaving it
    themselves (the centre, an unsubscribe link)."""
    list_ids = list(list_ids)
    found: dict[int, ConsentChange] = {}
    if not list_ids:
        return found
    seen: set[int] = set()
    rows = (
        ConsentChange.objects.filter(
            contact_id=contact_id, field=SUBSCRIPTION_FIELD, subscription_list_id__in=list_ids
        )
        .order_by("subscription_list_id", "-occurred_at", "-id")
        .only("id", "field", "new_value", "source", "occurred_at", "subscription_list_id")
    )
    for row in rows:
        if row.subscription_list_id in seen:
            continue
        seen.add(row.subscription_list_id)
        if row.new_value is False and row.source in CONTACT_SOURCES:
            found[row.subscription_list_id] = row
    return found


def contact_subscriptions_update(
    *,
    contact: Contact,
    changes: Mapping[int, bool],
    source: str,
    user: User | None = None,
    reason: str = "",
    sales_email_id: int | None = None,
    confirmed_by_contact: bool = False,
) -> list[ConsentChange]:
    """Join (True) or leave (False) subscription lists ({list id: joined}); every change a
    ConsentChange of field ``subscription``.

    The contact themselves (no ``user``: the subscription centre, one-click) may leave
    any list but join only public ones. Rejoining a list the contact left themselves
    follows the reversal rule of every consent field: their own action
    (``confirmed_by_contact``, the centre) or a stated reason from a user who is not a
    sales rep.
    """
    reason = consent_changes_check(changes={}, source=source, reason=reason)
    for list_id, value in changes.items():
        if not isinstance(list_id, int) or isinstance(list_id, bool):
            raise ApplicationError(_("Name a list by its id."), field="subscription_list")
        if not isinstance(value, bool):
            raise ApplicationError(
                _("A subscription must be true or false."), field="subscription_list"
            )
    if user is not None and not may_write(user, contact):
        raise ForbiddenError(
            _("Your role does not allow changing this contact's consent."), code="forbidden"
        )
    if not changes:
        return []
    lists = {sl.pk: sl for sl in SubscriptionList.objects.filter(pk__in=list(changes))}
    missing = [pk for pk in changes if pk not in lists]
    if missing:
        raise ApplicationError(
            _("Subscription list %(id)s does not exist.") % {"id": missing[0]},
            field="subscription_list",
            code="not_found",
        )
    if user is None and any(v and not lists[pk].is_public for pk, v in changes.items()):
        raise ApplicationError(
            _("Only public lists can be joined in the subscription centre."),
            field="subscription_list",
        )
    now = timezone.now()
    with transaction.atomic():
        if not Contact.objects.select_for_update().filter(pk=contact.pk).exists():
            raise ApplicationError(_("The contact no longer exists."), field="contact")
        member_of = set(
            SubscriptionMembership.objects.filter(
                contact_id=contact.pk, subscription_list_id__in=list(changes)
            ).values_list("subscription_list_id", flat=True)
        )
        changed = {pk: v for pk, v in changes.items() if (pk in member_of) != v}
        if not changed:
            return []
        joined = [pk for pk, v in changed.items() if v]
        opt_outs = subscription_opt_outs(contact_id=contact.pk, list_ids=joined)
        _reversal_check(
            user=user,
            source=source,
            reason=reason,
            reversed_changes=[opt_outs[pk] for pk in joined if pk in opt_outs],
            confirmed_by_contact=confirmed_by_contact,
        )
        SubscriptionMembership.objects.bulk_create(
            [
                SubscriptionMembership(
                    subscription_list_id=pk, contact_id=contact.pk, created_at=now
                )
                for pk in joined
            ],
            ignore_conflicts=True,
        )
        left = [pk for pk, v in changed.items() if not v]
        if left:
            SubscriptionMembership.objects.filter(
                contact_id=contact.pk, subscription_list_id__in=left
            ).delete()
        rows = ConsentChange.objects.bulk_create(
            [
                ConsentChange(
                    contact=contact,
                    field=SUBSCRIPTION_FIELD,
                    old_value=not value,
                    new_value=value,
                    subscription_list_id=pk,
                    list_name=lists[pk].name,
                    source=source,
                    reason=reason or _default_reason(source),
                    sales_email_id=sales_email_id,
                    user=user,
                    occurred_at=now,
                )
                for pk, value in sorted(changed.items())
            ]
        )
        changes_notify(kind="contact", contact_ids={contact.pk}, account_ids={contact.account_id})
    return rows
