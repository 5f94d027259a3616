"""Who is in a cadence: enrol people (after showing who is skipped and why), remove, pause
and resume them, and end them (replied, bounced). Every add and remove is an activity."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError, ConflictError, ForbiddenError
from abm.permissions import may_enrol_in_cadence
from accounts.models import Activity, Contact, Lead, Opportunity, User
from accounts.services import ActivityInput, activities_record_bulk
from sales_actions.cadences.models import Cadence, Enrolment
from sales_actions.cadences.schedule import business_time, step_due_at
from sales_actions.cadences.services import _touch_schedule, cadence_rules
from sales_actions.services.events import cadence_membership_events

MAX_ENROL = 1000
ES = Enrolment.Status

REASON_ALREADY = "already"
REASON_NO_CONSENT = "no_consent"
REASON_NO_EMAIL = "no_email"


def skip_reason_label(code: str) -> str:
    return {
        REASON_ALREADY: _("already in this cadence"),
        REASON_NO_CONSENT: _("does not allow email"),
        REASON_NO_EMAIL: _("has no email address"),
    }.get(code, code)


# --- Who is in it ------------------------------------------------------------------------


@dataclass
class EnrolPlan:
    """Who would be enrolled and who is skipped, and why (the dialog shows it first)."""

    cadence: Cadence
    people: list[dict] = field(default_factory=list)

    @property
    def enrol(self) -> list[dict]:
        return [p for p in self.people if not p["reason"]]

    @property
    def skipped(self) -> list[dict]:
        return [p for p in self.people if p["reason"]]


def _ids(values, name: str) -> list[int]:
    try:
        ids = list(dict.fromkeys(int(v) for v in values))
    except (TypeError, ValueError) as exc:
        raise ApplicationError(
            _("%(name)s must be a list of ids.") % {"name": name}, field=name
        ) from exc
    if any(not 0 < pk < 2**63 for pk in ids):
        raise ApplicationError(_("%(name)s must be a list of ids.") % {"name": name}, field=name)
    return ids


def people_resolve(
    *, contact_ids=None, lead_ids=None, account_id=None, opportunity_id=None
) -> list[Contact]:
    """The people meant: selected contacts and/or leads' contacts, or all of an account's
    or an opportunity's contacts."""
    base = Contact.objects.select_related("account").order_by("pk")
    if account_id not in (None, ""):
        (pk,) = _ids([account_id], "account")
        return list(base.filter(account_links__account_id=pk).distinct())
    if opportunity_id not in (None, ""):
        (pk,) = _ids([opportunity_id], "opportunity")
        if not Opportunity.objects.filter(pk=pk).exists():
            raise ApplicationError(_("That opportunity does not exist."), field="opportunity")
        return list(base.filter(opportunity_roles__opportunity_id=pk).distinct())
    ids = _ids(contact_ids or [], "contacts")
    if lead_ids:
        leads = _ids(lead_ids, "leads")
        found = dict(Lead.objects.filter(pk__in=leads).values_list("pk", "contact_id"))
        missing = [pk for pk in leads if pk not in found]
        if missing:
            raise ApplicationError(
                _("Lead %(id)s does not exist.") % {"id": missing[0]}, field="leads"
            )
        ids = list(dict.fromkeys([*ids, *(c for c in found.values() if c)]))
    if len(ids) > MAX_ENROL:
        raise ApplicationError(
            _("At most %(max)s people per enrolment; got %(n)s.")
            % {"max": MAX_ENROL, "n": len(ids)},
            field="contacts",
            code="too_many",
        )
    contacts = {c.pk: c for c in base.filter(pk__in=ids)}
    missing = [pk for pk in ids if pk not in contacts]
    if missing:
        raise ApplicationError(
            _("Contact %(id)s does not exist.") % {"id": missing[0]}, field="contacts"
        )
    return [contacts[pk] for pk in ids]


def enrolment_plan(*, user: User, cadence: Cadence, contacts: list[Contact]) -> EnrolPlan:
    """Who of ``contacts`` would be enrolled, and who is skipped with the reason."""
    if not may_enrol_in_cadence(user, cadence):
        raise ForbiddenError(_("You cannot use this cadence."))
    if len(contacts) > MAX_ENROL:
        raise ApplicationError(
            _("At most %(max)s people per enrolment; got %(n)s.")
            % {"max": MAX_ENROL, "n": len(contacts)},
            field="contacts",
            code="too_many",
        )
    already = set(
        Enrolment.objects.filter(
            cadence=cadence, contact_id__in=[c.pk for c in contacts],
            status__in=Enrolment.OPEN_STATUSES,
        ).values_list("contact_id", flat=True)
    )  # fmt: skip
    plan = EnrolPlan(cadence=cadence)
    for contact in contacts:
        if contact.pk in already:
            reason = REASON_ALREADY
        elif not contact.email:
            reason = REASON_NO_EMAIL
        elif not contact.allow_email:
            reason = REASON_NO_CONSENT
        else:
            reason = ""
        plan.people.append(
            {
                "contact_id": contact.pk,
                "name": contact.full_name,
                "email": contact.email,
                "reason": reason,
                "reason_label": skip_reason_label(reason) if reason else "",
                "contact": contact,
            }
        )
    return plan


def enrolments_add(
    *, user: User, cadence: Cadence, contacts: list[Contact], strict: bool = False
) -> EnrolPlan:
    """Enrol every person the plan allows; the skipped are reported, not enrolled.

    With ``strict`` (the API's all-or-nothing), any skipped person refuses the whole call
    with per-item errors and nothing is written.
    """
    plan = enrolment_plan(user=user, cadence=cadence, contacts=contacts)
    if cadence.status != Cadence.Status.ACTIVE:
        raise ApplicationError(_("This cadence is paused: resume it first."), field="cadence")
    if strict and plan.skipped:
        raise ApplicationError(
            _("%(n)s of %(total)s people cannot be enrolled; nobody was.")
            % {"n": len(plan.skipped), "total": len(plan.people)},
            code="bulk_rejected",
            extra={
                "errors": [
                    {"index": i, "field": "contacts", "contact": p["contact_id"],
                     "message": str(p["reason_label"])}
                    for i, p in enumerate(plan.people) if p["reason"]
                ]
            },
        )  # fmt: skip
    first = cadence.steps.order_by("position", "id").first()
    if first is None:
        raise ApplicationError(_("Add a step to the cadence first."), field="steps")
    if not plan.enrol:
        return plan
    now = timezone.now()
    due = step_due_at(
        previous=now, day_offset=first.day_offset, send_time=first.send_time,
        rules=cadence_rules(cadence),
    )  # fmt: skip
    rows = [
        Enrolment(
            cadence=cadence, contact_id=p["contact_id"], status=ES.ACTIVE, step=first,
            next_due_at=due, enrolled_by=user, enrolled_at=now,
        )
        for p in plan.enrol
    ]  # fmt: skip
    try:
        with transaction.atomic():
            Enrolment.objects.bulk_create(rows, batch_size=500)
            _activities(user, cadence, [p["contact_id"] for p in plan.enrol], added=True)
            _touch_schedule(p["contact_id"] for p in plan.enrol)
    except IntegrityError as exc:
        raise ConflictError(
            _("Somebody enrolled some of these people meanwhile; try again."), field="contacts"
        ) from exc
    return plan


def _activities(user: User, cadence: Cadence, contact_ids: list[int], *, added: bool) -> None:
    kind = Activity.Type.CAMPAIGN_ADDED if added else Activity.Type.CAMPAIGN_REMOVED
    cadence_membership_events(cadence, contact_ids, added=added, user=user)
    for start in range(0, len(contact_ids), 1000):
        activities_record_bulk(
            [
                ActivityInput(
                    contact_id=pk, type=kind, user_id=user.pk if user else None,
                    subject=cadence.name[:255],
                    metadata={"cadence": cadence.pk, "cadence_name": cadence.name},
                )
                for pk in contact_ids[start : start + 1000]
            ]
        )  # fmt: skip


ACTIONS = ("remove", "pause", "resume")


def enrolments_change(
    *, user: User, cadence: Cadence, action: str, contact_ids, strict: bool = True
) -> int:
    """Remove, pause or resume these people in the cadence: all of them, or (strict)
    nothing with per-item errors. Returns how many changed."""
    if action not in ACTIONS:
        raise ApplicationError(_("Choose remove, pause or resume."), field="action")
    if not may_enrol_in_cadence(user, cadence):
        raise ForbiddenError(_("You cannot use this cadence."))
    ids = _ids(contact_ids or [], "contacts")
    if not ids:
        raise ApplicationError(_("Select at least one person."), field="contacts")
    if len(ids) > MAX_ENROL:
        raise ApplicationError(
            _("At most %(max)s people per call; got %(n)s.") % {"max": MAX_ENROL, "n": len(ids)},
            field="contacts",
            code="too_many",
        )
    now = timezone.now()
    with transaction.atomic():
        open_rows = {
            e.contact_id: e
            for e in Enrolment.objects.select_for_update().filter(
                cadence=cadence, contact_id__in=ids, status__in=Enrolment.OPEN_STATUSES
            )
        }
        errors = [
            {"index": i, "field": "contacts", "contact": pk,
             "message": _("Contact %(id)s is not in this cadence.") % {"id": pk}}
            for i, pk in enumerate(ids) if pk not in open_rows
        ]  # fmt: skip
        if errors and strict:
            raise ApplicationError(
                _("%(n)s of %(total)s people are not in this cadence; nothing changed.")
                % {"n": len(errors), "total": len(ids)},
                code="bulk_rejected",
                extra={"errors": errors},
            )
        rows = list(open_rows.values())
        changed = 0
        if action == "remove":
            changed = Enrolment.objects.filter(pk__in=[e.pk for e in rows]).update(
                status=ES.REMOVED, ended_at=now, next_due_at=None,
                end_reason=f"removed by {user.username}"[:255],
            )  # fmt: skip
            _activities(user, cadence, [e.contact_id for e in rows], added=False)
        elif action == "pause":
            changed = Enrolment.objects.filter(
                pk__in=[e.pk for e in rows], status=ES.ACTIVE
            ).update(status=ES.PAUSED, paused_at=now)
        else:
            rules = cadence_rules(cadence)
            earliest = business_time(now, rules)
            for e in rows:
                if e.status != ES.PAUSED:
                    continue
                e.status, e.paused_at = ES.ACTIVE, None
                if e.next_due_at is not None and e.next_due_at < earliest:
                    e.next_due_at = earliest  # a step missed while paused runs on resuming
                e.save(update_fields=["status", "paused_at", "next_due_at"])
                changed += 1
        _touch_schedule(e.contact_id for e in rows)
    return changed


def enrolment_change(*, user: User, enrolment: Enrolment, action: str) -> int:
    """One person's remove / pause / resume (the cadence page's row actions)."""
    return enrolments_change(
        user=user, cadence=enrolment.cadence, action=action, contact_ids=[enrolment.contact_id]
    )


def enrolments_end(*, enrolment_ids, status: str, reason: str) -> int:
    """End open enrolments as ``replied`` / ``bounced`` / ``finished`` (the worker's side)."""
    ids = list(enrolment_ids)
    if not ids:
        return 0
    with transaction.atomic():
        contact_ids = list(
            Enrolment.objects.filter(pk__in=ids, status__in=Enrolment.OPEN_STATUSES).values_list(
                "contact_id", flat=True
            )
        )
        done = Enrolment.objects.filter(pk__in=ids, status__in=Enrolment.OPEN_STATUSES).update(
            status=status, ended_at=timezone.now(), next_due_at=None, end_reason=reason[:255]
        )
        _touch_schedule(contact_ids)
    return done


def enrolments_end_on_reply(*, sales_email_id: int) -> int:
    """A person replied to a cadence email: their enrolment ends when the cadence says so."""
    ids = list(
        Enrolment.objects.filter(
            runs__sales_email_id=sales_email_id,
            cadence__end_on_reply=True,
            status__in=Enrolment.OPEN_STATUSES,
        ).values_list("pk", flat=True)
    )
    return enrolments_end(enrolment_ids=ids, status=ES.REPLIED, reason="replied")
