"""Task now lives in accounts (see accounts 0005): drop it from this app's state only.

The table itself was renamed to ``accounts_task`` by accounts 0005 and keeps its rows.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_task_moved_from_sales_actions"),
        ("sales_actions", "0003_salesemail_activity_recorded"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Task")],
            database_operations=[],
        ),
    ]
