"""Reads of cadences: what a user may see, people in a cadence, per-step figures, panels."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Min, Q, QuerySet

from abm.permissions import may_see_all_cadences
from accounts.models import ContactAccount, Task, User
from sales_actions.cadences.models import Cadence, CadenceStep, Enrolment, StepRun

ES = Enrolment.Status
SCOPES = ("mine", "team", "all")


def cadence_list(*, user: User, scope: str = "mine") -> QuerySet[Cadence]:
    """Cadences the user may see: their own, their team's shared ones, or (when permitted)
    every cadence; with people counts."""
    qs = Cadence.objects.select_related("owner").annotate(
        steps_count=Count("steps", distinct=True),
        active_count=Count("enrolments", filter=Q(enrolments__status=ES.ACTIVE), distinct=True),
    )
    visible = Q(owner=user)
    if user.team_id:
        visible |= Q(visibility=Cadence.Visibility.TEAM, owner__team_id=user.team_id)
    if scope == "all" and may_see_all_cadences(user):
        return qs.order_by("name", "pk")
    if scope == "team":
        if not user.team_id:
            return qs.none()
        return qs.filter(visibility=Cadence.Visibility.TEAM, owner__team_id=user.team_id).order_by(
            "name", "pk"
        )
    if scope == "usable":
        return (qs if may_see_all_cadences(user) else qs.filter(visible)).order_by("name", "pk")
    return qs.filter(owner=user).order_by("name", "pk")


def cadence_visible(*, user: User) -> QuerySet[Cadence]:
    """Every cadence this user may open (for lookups by id)."""
    if may_see_all_cadences(user):
        return Cadence.objects.select_related("owner")
    visible = Q(owner=user)
    if user.team_id:
        visible |= Q(visibility=Cadence.Visibility.TEAM, owner__team_id=user.team_id)
    return Cadence.objects.select_related("owner").filter(visible)


def cadence_steps(*, cadence: Cadence) -> list[CadenceStep]:
    return list(cadence.steps.select_related("template").order_by("position", "pk"))


def enrolment_list(*, cadence: Cadence, status: str | None = None) -> QuerySet[Enrolment]:
    qs = cadence.enrolments.select_related("contact", "contact__account", "step")
    if status:
        qs = qs.filter(status=status)
    return qs


def cadence_step_figures(*, cadence: Cadence) -> dict[int, dict[str, int]]:
    """Per step: emails sent, opened, clicked, replied (people only, bots left out) and
    tasks created / done, and steps skipped. One grouped query."""
    rows = (
        StepRun.objects.filter(step__cadence=cadence)
        .values("step_id")
        .annotate(
            runs=Count("pk"),
            sent=Count("pk", filter=Q(sales_email__status="sent")),
            opened=Count("pk", filter=Q(sales_email__opened_at__isnull=False)),
            clicked=Count("pk", filter=Q(sales_email__clicked_at__isnull=False)),
            replied=Count("pk", filter=Q(sales_email__replied_at__isnull=False)),
            tasks=Count("pk", filter=Q(task__isnull=False)),
            tasks_done=Count("pk", filter=Q(task__status=Task.Status.DONE)),
            skipped=Count("pk", filter=Q(status=StepRun.Status.SKIPPED)),
        )
        .order_by()
    )
    return {row.pop("step_id"): row for row in rows}


def cadence_status_counts(*, cadence: Cadence) -> dict[str, int]:
    counts = dict(cadence.enrolments.values_list("status").annotate(n=Count("pk")).order_by())
    return {status: counts.get(status, 0) for status in ES.values}


def record_enrolments(*, user: User, contact_ids=None, account_id=None) -> QuerySet[Enrolment]:
    """Open enrolments of these people (or an account's people) in cadences the user may see,
    with the next step: the "Cadences" panel of contact, account and opportunity pages."""
    qs = Enrolment.objects.filter(
        status__in=Enrolment.OPEN_STATUSES, cadence__in=cadence_visible(user=user)
    )
    if account_id is not None:
        qs = qs.filter(contact__account_links__account_id=account_id)
    else:
        qs = qs.filter(contact_id__in=list(contact_ids or []))
    return (
        qs.select_related("cadence", "contact", "step", "step__template")
        .distinct()
        .order_by("next_due_at", "pk")
    )


def next_cadence_emails(*, account_ids, now: datetime) -> dict[int, datetime]:
    """The "next scheduled" rollup source: each account's earliest upcoming cadence email
    (an active person at an automatic-email step of an active cadence)."""
    rows = (
        ContactAccount.objects.filter(
            account_id__in=list(account_ids),
            contact__cadence_enrolments__status=ES.ACTIVE,
            contact__cadence_enrolments__cadence__status=Cadence.Status.ACTIVE,
            contact__cadence_enrolments__step__kind=CadenceStep.Kind.AUTO_EMAIL,
            contact__cadence_enrolments__next_due_at__gte=now,
        )
        .values("account_id")
        .annotate(at=Min("contact__cadence_enrolments__next_due_at"))
        .order_by()
    )
    return {row["account_id"]: row["at"] for row in rows}
