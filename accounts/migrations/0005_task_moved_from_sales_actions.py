"""Task moves down from sales_actions into accounts, keeping every row.

No table is created or copied: the model state moves (sales_actions 0004 drops it from
its state after this one) and the existing table ``sales_actions_task`` is renamed to
``accounts_task``. The content type row is relabelled, so the permissions and admin
history attached to it stay with the model.

This migration depends on sales_actions 0003 only so that, on a new database, the table
exists before it is renamed; accounts code still imports nothing from sales_actions.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _relabel_content_type(apps, schema_editor, *, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    types = content_type.objects.using(db)
    # On a new database no row exists yet (post_migrate creates it afterwards); if the
    # target row already exists, leave both as they are rather than merge them.
    if types.filter(app_label=new, model="task").exists():
        return
    types.filter(app_label=old, model="task").update(app_label=new)


def content_type_forwards(apps, schema_editor):
    _relabel_content_type(apps, schema_editor, old="sales_actions", new="accounts")


def content_type_backwards(apps, schema_editor):
    _relabel_content_type(apps, schema_editor, old="accounts", new="sales_actions")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_contact_fillfactor"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sales_actions", "0003_salesemail_activity_recorded"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Task",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "type",
                            models.CharField(
                                choices=[
                                    ("email", "Email"),
                                    ("call", "Call"),
                                    ("linkedin", "LinkedIn / InMail"),
                                    ("custom", "Custom"),
                                ],
                                default="custom",
                                max_length=10,
                            ),
                        ),
                        ("title", models.CharField(max_length=255)),
                        ("description", models.TextField(blank=True)),
                        ("due_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "status",
                            models.CharField(
                                choices=[("open", "Open"), ("done", "Done")],
                                default="open",
                                max_length=5,
                            ),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("completed_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "account",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="tasks",
                                to="accounts.account",
                            ),
                        ),
                        (
                            "contact",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="tasks",
                                to="accounts.contact",
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "owner",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="tasks",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "sales_actions_task",
                        "ordering": ["status", "due_at", "id"],
                        "indexes": [
                            models.Index(
                                fields=["account", "status", "due_at"],
                                name="task_account_status_due",
                            ),
                            models.Index(
                                fields=["owner", "status", "due_at"], name="task_owner_status_due"
                            ),
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("contact__isnull", False),
                                    ("account__isnull", False),
                                    _connector="OR",
                                ),
                                name="task_has_contact_or_account",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        # sales_actions_task -> accounts_task (indexes, constraints and rows move with it).
        migrations.AlterModelTable(name="task", table=None),
        migrations.RunPython(content_type_forwards, content_type_backwards),
    ]
