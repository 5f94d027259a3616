"""Reads of the tasks page: scopes, tabs, counts and the task panels of record pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import may_see_all_tasks
from accounts.models import Contact, Opportunity, Task, User
from accounts.services.tasks import user_time_zone

TABS = {
    "today": _("Today"),
    "overdue": _("Overdue"),
    "upcoming": _("Upcoming"),
    "done": _("Done"),
}
SCOPES = {"mine": _("Mine"), "team": _("My team"), "all": _("Everybody")}


def task_scopes(*, user: User) -> dict[str, str]:
    """The scopes this user may choose: everybody has theirs and their team's."""
    scopes = {"mine": SCOPES["mine"]}
    if user.team_id:
        scopes["team"] = SCOPES["team"]
    if may_see_all_tasks(user):
        scopes["all"] = SCOPES["all"]
    return scopes


def task_scope_queryset(*, user: User, scope: str) -> QuerySet[Task]:
    """The tasks of one scope; a scope the role does not allow is refused."""
    if scope not in SCOPES:
        raise ApplicationError(_("Choose mine, team or all."), field="scope")
    if scope not in task_scopes(user=user):
        raise ForbiddenError(_("Your role cannot list these tasks."), code="forbidden")
    tasks = Task.objects.all()
    if scope == "mine":
        return tasks.filter(owner=user)
    if scope == "team":
        return tasks.filter(owner__team_id=user.team_id)
    return tasks


@dataclass(frozen=True)
class Day:
    """Today in the user's time zone, as the two instants that bound it."""

    start: datetime
    end: datetime
    now: datetime


def user_day(*, user: User, now: datetime | None = None) -> Day:
    now = now or timezone.now()
    tz = user_time_zone(user)
    today = now.astimezone(tz).date()
    start = datetime.combine(today, time.min, tzinfo=tz)
    return Day(start=start, end=start + timedelta(days=1), now=now)


def _tab_filters(day: Day) -> dict[str, Q]:
    open_ = Q(status=Task.Status.OPEN)
    return {
        # Due today (earlier today ones are marked overdue on the row as well).
        "today": open_ & Q(due_at__gte=day.start, due_at__lt=day.end),
        "overdue": open_ & Q(due_at__lt=day.now),
        "upcoming": open_ & (Q(due_at__gte=day.end) | Q(due_at__isnull=True)),
        "done": Q(status=Task.Status.DONE),
    }


def task_tab(queryset: QuerySet[Task], *, tab: str, day: Day) -> QuerySet[Task]:
    if tab not in TABS:
        raise ApplicationError(_("Choose today, overdue, upcoming or done."), field="tab")
    return queryset.filter(_tab_filters(day)[tab])


def task_tab_counts(queryset: QuerySet[Task], *, day: Day) -> dict[str, int]:
    """How many tasks each tab holds, in one query."""
    return queryset.aggregate(
        **{tab: Count("id", filter=q) for tab, q in _tab_filters(day).items()}
    )


def task_filter(
    queryset: QuerySet[Task],
    *,
    type: str = "",
    due: date | None = None,
    account_id: int | None = None,
    cadence_id: int | None = None,
    user: User | None = None,
) -> QuerySet[Task]:
    if type:
        if type not in Task.Type.values:
            raise ApplicationError(_("'%(value)s' is not a task type.") % {"value": type}, "type")
        queryset = queryset.filter(type=type)
    if due is not None:
        tz = user_time_zone(user) if user is not None else timezone.get_default_timezone()
        start = datetime.combine(due, time.min, tzinfo=tz)
        queryset = queryset.filter(due_at__gte=start, due_at__lt=start + timedelta(days=1))
    if account_id:
        queryset = queryset.filter(account_id=account_id)
    if cadence_id:
        queryset = queryset.filter(cadence_run__enrolment__cadence_id=cadence_id)
    return queryset


def task_ordering(tab: str) -> list:
    from abm.paging import Key

    if tab == "done":
        return [Key("completed_at", descending=True, nulls="last")]
    return [Key("due_at", nulls="last")]


# The cadence step that made a task (sales_actions.cadences: StepRun.task).
ROW_RELATED = ("owner", "contact", "account", "cadence_run__enrolment__cadence")


def tasks_overdue_count(*, user: User) -> int:
    """The navigation's badge: my open tasks past due."""
    return Task.objects.filter(
        owner=user, status=Task.Status.OPEN, due_at__lt=timezone.now()
    ).count()


def task_accounts(queryset: QuerySet[Task]) -> list[tuple[int, str]]:
    """The accounts of these tasks, for the filter (at most 200, by name)."""
    rows = (
        queryset.exclude(account__isnull=True)
        .values_list("account_id", "account__name")
        .distinct()
        .order_by("account__name")[:200]
    )
    return list(rows)


# --- The task panels of record pages ---------------------------------------------------


def record_tasks(
    *,
    contact: Contact | None = None,
    account_id: int | None = None,
    opportunity: Opportunity | None = None,
) -> list[Task]:
    """Open tasks first (by due time), then the ten latest done, of one record.

    An opportunity's tasks are its account's tasks on the deal's contacts or on nobody in
    particular (a task has no deal of its own).
    """
    tasks = Task.objects.select_related("owner", "contact", "cadence_run__enrolment__cadence")
    if contact is not None:
        tasks = tasks.filter(contact=contact)
    elif opportunity is not None:
        contact_ids = opportunity.contact_roles.values("contact_id")
        tasks = tasks.filter(account_id=opportunity.account_id).filter(
            Q(contact__isnull=True) | Q(contact_id__in=contact_ids)
        )
    else:
        tasks = tasks.filter(account_id=account_id)
    open_tasks = list(
        tasks.filter(status=Task.Status.OPEN).order_by(F("due_at").asc(nulls_last=True), "id")[:50]
    )
    done = list(
        tasks.filter(status=Task.Status.DONE).order_by(
            F("completed_at").desc(nulls_last=True), "-id"
        )[:10]
    )
    return open_tasks + done
