"""Opportunity stage history, back-filled for the deals that existed before it.

What is known of an existing deal is its current stage, when it was created and, once
closed, when it closed. So each deal gets a creation row at ``created_at``: to its current
stage while open; to ``prospecting`` (the first stage) when it is closed and has a
``closed_at`` after its creation, followed by a row to the closed stage at ``closed_at``;
a closed deal without a usable ``closed_at`` gets one creation row straight to its stage.
Back-filled rows have no ``changed_by``.

Set-based: one INSERT … SELECT per range of opportunity ids, so a big installation
migrates in seconds (no model instances, no query per deal).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

CHUNK = 50_000
CLOSED = ("closed_won", "closed_lost")


def backfill(apps, schema_editor):
    opportunity = apps.get_model("accounts", "Opportunity")._meta.db_table
    change = apps.get_model("accounts", "OpportunityStageChange")._meta.db_table
    connection = schema_editor.connection
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM {qn(opportunity)}")
        low, high = cursor.fetchone()
        if low is None:
            return
        two_steps = (
            f"o.stage IN ('{CLOSED[0]}', '{CLOSED[1]}') "
            "AND o.closed_at IS NOT NULL AND o.closed_at > o.created_at"
        )
        columns = f"{qn(change)} (opportunity_id, from_stage, to_stage, changed_at, changed_by_id)"
        for start in range(low, high + 1, CHUNK):
            bounds = [start, start + CHUNK]
            # The creation of every deal.
            cursor.execute(
                f"INSERT INTO {columns} "
                f"SELECT o.id, '', CASE WHEN {two_steps} THEN 'prospecting' ELSE o.stage END, "
                f"o.created_at, NULL FROM {qn(opportunity)} o "
                "WHERE o.id >= %s AND o.id < %s",
                bounds,
            )
            # The close of closed deals, when it is known and came after the creation.
            cursor.execute(
                f"INSERT INTO {columns} "
                "SELECT o.id, 'prospecting', o.stage, o.closed_at, NULL "
                f"FROM {qn(opportunity)} o WHERE o.id >= %s AND o.id < %s AND {two_steps}",
                bounds,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_task_moved_from_sales_actions"),
    ]

    operations = [
        migrations.CreateModel(
            name="OpportunityStageChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "from_stage",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("prospecting", "Prospecting"),
                            ("qualification", "Qualification"),
                            ("proposal", "Proposal"),
                            ("negotiation", "Negotiation"),
                            ("closed_won", "Closed won"),
                            ("closed_lost", "Closed lost"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "to_stage",
                    models.CharField(
                        choices=[
                            ("prospecting", "Prospecting"),
                            ("qualification", "Qualification"),
                            ("proposal", "Proposal"),
                            ("negotiation", "Negotiation"),
                            ("closed_won", "Closed won"),
                            ("closed_lost", "Closed lost"),
                        ],
                        max_length=20,
                    ),
                ),
                ("changed_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "changed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "opportunity",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="stage_changes",
                        to="accounts.opportunity",
                    ),
                ),
            ],
            options={
                "ordering": ["opportunity", "changed_at", "id"],
                "indexes": [
                    models.Index(
                        fields=["opportunity", "changed_at", "id"], name="stage_change_opp_time"
                    ),
                    models.Index(
                        fields=["changed_at", "to_stage", "from_stage", "opportunity"],
                        name="stage_change_time",
                    ),
                ],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
