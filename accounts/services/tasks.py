"""Writes of tasks: create, complete (a finished task on a contact is an activity), reopen,
snooze and reassign."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.utils import timezone

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import may_choose_owner, may_reassign_task, may_write
from accounts.models import Account, Activity, Contact, Task, User
from accounts.services.activities import activity_record
from accounts.services.changes import changes_notify


def task_create(
    *,
    user: User,
    title: str,
    type: str = Task.Type.CUSTOM,
    due_at: datetime | None = None,
    description: str = "",
    owner: User | None = None,
    contact: Contact | None = None,
    account: Account | None = None,
) -> Task:
    """Create a task for a contact and/or an account, owned by ``owner`` or the creator."""
    title = (title or "").strip()
    if not title:
        raise ApplicationError("A task needs a title.", field="title")
    if type not in Task.Type.values:
        raise ApplicationError(f"'{type}' is not a task type.", field="type")
    if contact is None and account is None:
        raise ApplicationError("A task belongs to a contact or an account.", field="account")
    if owner is None:
        owner = user
    if owner.pk != user.pk and not may_choose_owner(user):
        raise ForbiddenError("A sales rep can only create tasks for themselves.", code="forbidden")
    if account is None:
        account = contact.account
    with transaction.atomic():
        task = Task.objects.create(
            title=title[:255],
            type=type,
            due_at=due_at,
            description=description,
            owner=owner,
            contact=contact,
            account=account,
            created_by=user,
        )
        changes_notify(kind="task", account_ids={task.account_id}, contact_ids={task.contact_id})
    return task


def task_complete(*, user: User, task: Task) -> Task:
    """Mark a task done; on a contact, the finished task becomes an activity."""
    if not may_write(user, task):
        raise ForbiddenError("Only the task's owner can complete it.", code="forbidden")
    if task.status == Task.Status.DONE:
        return task
    with transaction.atomic():
        task.status = Task.Status.DONE
        task.completed_at = timezone.now()
        task.save(update_fields=["status", "completed_at"])
        if task.contact_id:
            activity_record(
                contact=task.contact,
                type=Activity.Type.TASK,
                user=user,
                subject=task.title,
                metadata={"task": task.pk, "task_type": task.type},
            )
        changes_notify(kind="task", account_ids={task.account_id}, contact_ids={task.contact_id})
    return task


def task_reopen(*, user: User, task: Task) -> Task:
    """Open a done task again (its completion activity stays: the stream is append-only)."""
    if not may_write(user, task):
        raise ForbiddenError("Only the task's owner can reopen it.", code="forbidden")
    if task.status == Task.Status.OPEN:
        return task
    with transaction.atomic():
        task.status = Task.Status.OPEN
        task.completed_at = None
        task.save(update_fields=["status", "completed_at"])
        changes_notify(kind="task", account_ids={task.account_id}, contact_ids={task.contact_id})
    return task


SNOOZE_CHOICES = ("1d", "3d", "next_week")
SNOOZE_MORNING = time(9, 0)


def task_snooze_until(*, choice: str, now: datetime, tz: tzinfo) -> datetime:
    """When a snooze ends: ``1d`` / ``3d`` from now, ``next_week`` is the coming Monday
    at 09:00 in the user's time zone (a week on when today is Monday)."""
    if choice == "1d":
        return now + timedelta(days=1)
    if choice == "3d":
        return now + timedelta(days=3)
    if choice == "next_week":
        today = now.astimezone(tz).date()
        monday = today + timedelta(days=7 - today.weekday())
        return datetime.combine(monday, SNOOZE_MORNING, tzinfo=tz)
    raise ApplicationError(
        f"'{choice}' is not a snooze: 1d, 3d, next_week or a date.", field="until"
    )


def user_time_zone(user: User) -> tzinfo:
    """The user's own time zone, or the hub's when theirs is unknown."""
    try:
        return ZoneInfo(user.time_zone or "")
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()


def task_snooze(
    *, user: User, task: Task, until: datetime | date | str, now: datetime | None = None
) -> Task:
    """Push an open task's due time to ``until``: a datetime, a date (09:00 that day in the
    user's time zone) or one of ``SNOOZE_CHOICES``; it must lie in the future."""
    if not may_write(user, task):
        raise ForbiddenError("Only the task's owner can snooze it.", code="forbidden")
    if task.status != Task.Status.OPEN:
        raise ApplicationError("Only an open task can be snoozed.", field="until")
    now = now or timezone.now()
    tz = user_time_zone(user)
    if isinstance(until, str):
        until = task_snooze_until(choice=until, now=now, tz=tz)
    elif not isinstance(until, datetime):
        until = datetime.combine(until, SNOOZE_MORNING, tzinfo=tz)
    elif timezone.is_naive(until):
        until = until.replace(tzinfo=tz)
    if until <= now:
        raise ApplicationError("Snooze until a time in the future.", field="until")
    with transaction.atomic():
        task.due_at = until
        task.save(update_fields=["due_at"])
        changes_notify(kind="task", account_ids={task.account_id}, contact_ids={task.contact_id})
    return task


def task_reassign(*, user: User, task: Task, owner: User) -> Task:
    """Give a task to another user: its owner or an admin may, and only roles that may
    choose owners give tasks to somebody else (a sales rep keeps their own)."""
    if not may_reassign_task(user, task, owner):
        raise ForbiddenError("Your role cannot give this task to somebody else.", code="forbidden")
    if not owner.is_active:
        raise ApplicationError("That user is not active.", field="owner")
    if task.owner_id == owner.pk:
        return task
    with transaction.atomic():
        task.owner = owner
        task.save(update_fields=["owner"])
        changes_notify(kind="task", account_ids={task.account_id}, contact_ids={task.contact_id})
    return task
