"""Covering indexes on the activity stream for the analytics' set-based passes.

They live with analytics (the reader that needs them) rather than on the Activity
model: PostgreSQL gets INCLUDE columns so the passes are index-only scans, SQLite a
plain (type, time) index. Dropping them changes speed, never results.
"""

from django.db import migrations

POSTGRES = [
    # event conditions: one activity type over a time range
    "CREATE INDEX IF NOT EXISTS analytics_activity_type_time ON accounts_activity "
    "(type, occurred_at) INCLUDE (account_id, contact_id, campaign_id, channel, content_type, "
    "is_bot, subject)",
    # lead status changes by the status they moved to; metadata is included because
    # PostgreSQL answers from an expression index alone only when the column is in it
    "CREATE INDEX IF NOT EXISTS analytics_activity_lead_status ON accounts_activity "
    "((metadata ->> 'to'), occurred_at) INCLUDE (account_id, contact_id, is_bot, metadata) "
    "WHERE type = 'lead_status_changed'",
    # one account's path in time order, ties by id (flow, key moments, first campaign)
    "CREATE INDEX IF NOT EXISTS analytics_activity_account_path ON accounts_activity "
    "(account_id, occurred_at, id) INCLUDE (type, content_type, channel, campaign_id, is_bot)",
]
SQLITE = [
    "CREATE INDEX IF NOT EXISTS analytics_activity_type_time ON accounts_activity "
    "(type, occurred_at)",
]
NAMES = [
    "analytics_activity_type_time",
    "analytics_activity_lead_status",
    "analytics_activity_account_path",
]


def create(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for statement in statements:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    for name in NAMES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_saved_analyses_and_lists"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
