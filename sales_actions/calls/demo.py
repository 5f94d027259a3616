"""Demo calls: a few weeks of logged calls by the sales reps with contacts of their
accounts, through the call service (so each has its ``call`` activity)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import Contact, User
from sales_actions.calls import services
from sales_actions.calls.models import Call, CallOutcome

NOTES = [
    "Walked through pricing; sending the ROI guide.",
    "Asked to call back after the budget meeting.",
    "Interested in the analytics add-on; demo next week.",
    "Reached the assistant; left my number.",
    "Not the right person: pointed me to the IT director.",
    "",
]


def seed_calls(*, rng, stdout=None, scale: int = 1) -> int:
    """Log up to ~60 calls (idempotent: does nothing when calls exist)."""
    if Call.objects.exists():
        return 0
    reps = list(User.objects.filter(role=User.Role.SALES_REP, is_active=True).order_by("pk"))
    outcomes = list(CallOutcome.objects.filter(is_active=True))
    contacts = list(
        Contact.objects.exclude(phone="").filter(account__isnull=False).order_by("pk")[:400]
    )
    if not reps or not contacts:
        return 0
    now = timezone.now()
    statuses = ["connected", "connected", "no_answer", "voicemail", "busy", "wrong_number"]
    count = 60
    for _ in range(count):
        status = rng.choice(statuses)
        connected = status == "connected"
        services.call_log(
            user=rng.choice(reps),
            contact=rng.choice(contacts),
            status=status,
            outcome=rng.choice(outcomes) if outcomes and connected else None,
            notes=rng.choice(NOTES) if connected else "",
            started_at=now - timedelta(minutes=rng.randint(30, 60 * 24 * 28)),
            duration_seconds=rng.randint(40, 1500) if connected else rng.randint(0, 40),
        )
    if stdout is not None:
        stdout.write(f"Calls: {count} logged calls.")
    return count
