"""``manage.py rebuild_rollups``: recompute every account rollup from scratch."""

import time

from django.core.management.base import BaseCommand

from accounts.services.rollups import REBUILD_CHUNK, rollups_rebuild


class Command(BaseCommand):
    help = (
        "Recompute every per-account rollup set-based (chunked by account id) and report "
        "each row that differed from what the workers had stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=REBUILD_CHUNK)
        parser.add_argument(
            "--max-report", type=int, default=50, help="Rows of differences to print at most."
        )
        parser.add_argument(
            "--fail-on-drift",
            action="store_true",
            help="Exit with status 1 when any row differed (for CI and monitoring).",
        )

    def handle(self, *args, chunk_size, max_report, fail_on_drift, **options):
        started = time.monotonic()
        report = rollups_rebuild(chunk_size=max(1, chunk_size))
        elapsed = time.monotonic() - started
        for account_id, diff in report.differences[:max_report]:
            parts = ", ".join(f"{name}: {old!r} -> {new!r}" for name, (old, new) in diff.items())
            self.stdout.write(f"account {account_id}: {parts}")
        if len(report.differences) > max_report:
            self.stdout.write(f"... and {len(report.differences) - max_report} more")
        self.stdout.write(
            f"Rebuilt {report.accounts} rollups in {elapsed:.1f}s: {report.created} created, "
            f"{report.changed} differed, {report.removed} removed (orphans)."
        )
        if fail_on_drift and report.drifted:
            raise SystemExit(1)
