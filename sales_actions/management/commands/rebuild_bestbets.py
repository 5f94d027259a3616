"""``manage.py rebuild_bestbets``: recompute the whole best-bets ranking now (beat: hourly)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from sales_actions.bestbets.services import bestbets_rebuild


class Command(BaseCommand):
    help = "Recompute the best-bets ranking from the activities of the window."

    def handle(self, *args, **options):
        started = time.monotonic()
        report = bestbets_rebuild()
        self.stdout.write(
            f"Ranked {report.rows} of {report.contacts} active people in "
            f"{time.monotonic() - started:.1f}s; {report.removed} rows removed."
        )
