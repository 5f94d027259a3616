"""Task moved from sales_actions down into accounts: an existing install keeps its rows.

The database goes back to the migrations just before the move (where Task is still
``sales_actions.Task`` in table ``sales_actions_task``), gets a task, a permission grant
and then migrates forward: the same row is read through ``accounts.Task`` from
``accounts_task``, and the content type (with the grant on it) kept its id.
Runs on SQLite and, with ``DATABASE_URL=postgres://…``, on PostgreSQL.
"""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import Task, User
from accounts.tests.factories import AccountFactory

BEFORE = [
    ("accounts", "0004_contact_fillfactor"),
    ("sales_actions", "0003_salesemail_activity_recorded"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def _tables() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


@pytest.mark.django_db(transaction=True)
def test_tasks_of_an_existing_install_survive_the_move():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = _migrate(BEFORE)
        assert "sales_actions_task" in _tables()
        assert "accounts_task" not in _tables()
        with pytest.raises(LookupError):
            old.get_model("accounts", "Task")

        user = old.get_model("accounts", "User").objects.create(username="rep", role="sales_rep")
        account = old.get_model("accounts", "Account").objects.create(name="Acme")
        old_task = old.get_model("sales_actions", "Task").objects.create(
            title="Call the CFO", type="call", account_id=account.pk, owner_id=user.pk
        )
        # What post_migrate had made for the old model: its content type and permissions.
        old_ct_model = old.get_model("contenttypes", "ContentType")
        old_ct, _ = old_ct_model.objects.get_or_create(app_label="sales_actions", model="task")
        old_perm_model = old.get_model("auth", "Permission")
        perm, _ = old_perm_model.objects.get_or_create(
            content_type=old_ct, codename="change_task", defaults={"name": "Can change task"}
        )
        user.user_permissions.add(perm)
    finally:
        _migrate(latest)

    assert "accounts_task" in _tables()
    assert "sales_actions_task" not in _tables()
    task = Task.objects.get(pk=old_task.pk)
    assert (task.title, task.type, task.account_id, task.owner_id) == (
        "Call the CFO",
        "call",
        account.pk,
        user.pk,
    )
    # New rows continue the same id sequence.
    assert Task.objects.create(title="Next", account_id=account.pk).pk > old_task.pk

    ContentType.objects.clear_cache()
    ct = ContentType.objects.get_for_model(Task)
    assert ct.pk == old_ct.pk
    assert not ContentType.objects.filter(app_label="sales_actions", model="task").exists()
    assert Permission.objects.get(pk=perm.pk).content_type_id == ct.pk
    assert User.objects.get(pk=user.pk).has_perm("accounts.change_task")

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "accounts_task")
    assert {"task_account_status_due", "task_owner_status_due"} <= set(constraints)


@pytest.mark.django_db
def test_task_admin_lists_tasks(admin_client):
    task = Task.objects.create(title="Send the deck", account=AccountFactory())
    response = admin_client.get("/admin/accounts/task/")
    assert response.status_code == 200
    assert "Send the deck" in response.text
    assert admin_client.get(f"/admin/accounts/task/{task.pk}/change/").status_code == 200
