"""``manage.py backfill_cadence_activities``: the cadence history the people filters read.

Every enrolment made through the cadence services records a ``campaign_added`` activity
(and a removal a ``campaign_removed``) naming the cadence in its metadata. Enrolments that
arrived another way (a restore, a data load) have none; this writes the missing ones at the
enrolment's own times, so "added to / removed from a cadence in the last N days" counts them.
Idempotent: an enrolment with such an activity (its person, cadence and time) is skipped.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db.models import BigIntegerField, Exists, OuterRef
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from accounts.models import Activity
from accounts.services import ActivityInput, activities_record_bulk
from sales_actions.models import Enrolment

BATCH = 1000
SLACK = timedelta(minutes=5)


def _missing(kind: str, when: str):
    have = Activity.objects.annotate(
        _cadence=Cast(KeyTextTransform("cadence", "metadata"), BigIntegerField())
    ).filter(
        contact_id=OuterRef("contact_id"),
        type=kind,
        _cadence=OuterRef("cadence_id"),
        # The services record it in the enrolment's transaction: within moments of it (a
        # person may be enrolled in the same cadence again later, each time its own row).
        occurred_at__gte=OuterRef(when) - SLACK,
        occurred_at__lte=OuterRef(when) + SLACK,
    )
    return Enrolment.objects.filter(**{f"{when}__isnull": False}).exclude(Exists(have))


class Command(BaseCommand):
    help = "Record the campaign_added/removed activities missing for cadence enrolments."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count them.")

    def handle(self, *args, dry_run=False, **options):
        plans = [
            (Activity.Type.CAMPAIGN_ADDED, _missing(Activity.Type.CAMPAIGN_ADDED, "enrolled_at")),
            (
                Activity.Type.CAMPAIGN_REMOVED,
                _missing(Activity.Type.CAMPAIGN_REMOVED, "ended_at").filter(
                    status=Enrolment.Status.REMOVED
                ),
            ),
        ]
        for kind, rows in plans:
            rows = rows.select_related("cadence").order_by("pk")
            total = 0
            while True:
                batch = list(rows[:BATCH]) if not dry_run else []
                if dry_run:
                    total = rows.count()
                    break
                if not batch:
                    break
                activities_record_bulk(
                    [
                        ActivityInput(
                            contact_id=e.contact_id,
                            type=kind,
                            occurred_at=e.enrolled_at
                            if kind == Activity.Type.CAMPAIGN_ADDED
                            else e.ended_at,
                            user_id=e.enrolled_by_id,
                            subject=e.cadence.name[:255],
                            metadata={"cadence": e.cadence_id, "cadence_name": e.cadence.name},
                        )
                        for e in batch
                    ]
                )
                total += len(batch)
            verb = "would record" if dry_run else "recorded"
            self.stdout.write(f"{kind}: {verb} {total}")
