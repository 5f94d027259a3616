"""Leave room on accounts_contact pages so score copies are HOT updates (PostgreSQL only).

``engagement_score`` / ``engagement_scored_at`` are rewritten for many contacts at once by
the buying-group full recompute. With full pages (fillfactor 100) every such UPDATE puts the
new row version on another page and inserts into all the contact indexes; with free room on
the page, and no indexed column changed, PostgreSQL writes a HOT update (no index writes).

50, not 70: the full recompute rewrites every row of a page in one statement, so the page
must hold a second version of each row. Measured at 1 M contacts, every score changed: the
copy took 7.9 s at fillfactor 50 (all updates HOT, table size unchanged afterwards) against
21 s at 70 (57 % HOT; the table grew from 204 to 434 MB, more than 50's 288 MB).

A fillfactor only applies to pages written from then on. A small table (under
``REWRITE_BELOW_ROWS``) is rewritten here at once; a big installation should run
``VACUUM FULL accounts_contact`` once in a maintenance window (it locks the table).
"""

from django.db import migrations

FILLFACTOR = 50
REWRITE_BELOW_ROWS = 100_000


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE accounts_contact SET (fillfactor = {FILLFACTOR})")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM accounts_contact LIMIT %s) t", [REWRITE_BELOW_ROWS]
        )
        rows = cursor.fetchone()[0]
    if rows < REWRITE_BELOW_ROWS:
        # VACUUM cannot run in a transaction: this migration is not atomic.
        schema_editor.execute("VACUUM FULL accounts_contact")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE accounts_contact RESET (fillfactor)")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0003_target_page_indexes"),
    ]

    operations = [
        migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=False),
    ]
