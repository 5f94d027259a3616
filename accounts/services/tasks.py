"""Writes of tasks: create one, complete one (a finished task on a contact is an activity)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import may_choose_owner, may_write
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
