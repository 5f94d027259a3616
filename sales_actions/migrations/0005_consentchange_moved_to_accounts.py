"""ConsentChange moves down into accounts (see accounts 0009): drop it from this app's state.

Before the move, the database loses the foreign key constraint from the change to the
sales email (a model in accounts cannot point up at sales_actions); the column and its
values stay and become ``accounts_consentchange.sales_email_id`` in accounts 0009.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sales_actions", "0004_task_moved_to_accounts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterField(
                    model_name="consentchange",
                    name="email",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        db_constraint=False,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="sales_actions.salesemail",
                    ),
                ),
                # Going back, the constraint returns: forget ids of emails deleted meanwhile.
                migrations.RunSQL(
                    migrations.RunSQL.noop,
                    reverse_sql=(
                        "UPDATE sales_actions_consentchange SET email_id = NULL"
                        " WHERE email_id IS NOT NULL"
                        " AND email_id NOT IN (SELECT id FROM sales_actions_salesemail)"
                    ),
                ),
            ],
            state_operations=[migrations.DeleteModel(name="ConsentChange")],
        ),
    ]
