"""ConsentChange moves down from sales_actions into accounts, keeping every row.

No table is created or copied: the model state moves (sales_actions 0005 dropped it
from its state and the foreign key constraint to the sales email from the database),
the table ``sales_actions_consentchange`` is renamed to ``accounts_consentchange`` and
its column ``email_id`` to ``sales_email_id`` (a plain id now, same values). New: the
``reason`` of each change, the form and import sources, and an index for the last
change of a field. The content type row is relabelled, as for Task in 0005.

This migration depends on sales_actions 0005 so that the constraint is gone before the
table is renamed; accounts code still imports nothing from sales_actions.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

SOURCES = [
    ("one_click", "One-click unsubscribe (List-Unsubscribe-Post)"),
    ("unsubscribe_page", "Unsubscribe page"),
    ("mailto", "Unsubscribe email"),
    ("user", "Changed by a user"),
    ("form", "Contact form"),
    ("api", "API"),
    ("import", "CSV import"),
]


def _relabel_content_type(apps, schema_editor, *, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    types = content_type.objects.using(schema_editor.connection.alias)
    if types.filter(app_label=new, model="consentchange").exists():
        return
    types.filter(app_label=old, model="consentchange").update(app_label=new)


def content_type_forwards(apps, schema_editor):
    _relabel_content_type(apps, schema_editor, old="sales_actions", new="accounts")


def content_type_backwards(apps, schema_editor):
    _relabel_content_type(apps, schema_editor, old="accounts", new="sales_actions")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_idempotency_keys"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sales_actions", "0005_consentchange_moved_to_accounts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ConsentChange",
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
                        ("field", models.CharField(max_length=30)),
                        ("old_value", models.BooleanField()),
                        ("new_value", models.BooleanField()),
                        (
                            "source",
                            models.CharField(choices=SOURCES[:4] + SOURCES[5:6], max_length=20),
                        ),
                        ("occurred_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "contact",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="consent_changes",
                                to="accounts.contact",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        # The former foreign key's column and index, as a plain id.
                        (
                            "sales_email_id",
                            models.BigIntegerField(
                                blank=True, null=True, db_index=True, db_column="email_id"
                            ),
                        ),
                    ],
                    options={
                        "db_table": "sales_actions_consentchange",
                        "ordering": ["-occurred_at", "-id"],
                    },
                ),
            ],
            database_operations=[],
        ),
        # sales_actions_consentchange -> accounts_consentchange (rows and indexes move with it).
        migrations.AlterModelTable(name="consentchange", table=None),
        # email_id -> sales_email_id, values kept.
        migrations.AlterField(
            model_name="consentchange",
            name="sales_email_id",
            field=models.PositiveBigIntegerField(
                blank=True,
                db_index=True,
                help_text="The sales email whose unsubscribe link or address the contact used.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="consentchange",
            name="reason",
            field=models.CharField(blank=True, default="", max_length=500),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="consentchange",
            name="source",
            field=models.CharField(choices=SOURCES, max_length=20),
        ),
        migrations.AddIndex(
            model_name="consentchange",
            index=models.Index(
                fields=["contact", "field", "-occurred_at"], name="consentchange_contact_field"
            ),
        ),
        migrations.RunPython(content_type_forwards, content_type_backwards),
    ]
