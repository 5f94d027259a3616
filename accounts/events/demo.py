"""Demo step of events: a past summit, a past webinar and an upcoming event, with
registrations and check-ins made through the services (so their activities exist)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.events import services
from accounts.models import Activity, Campaign, Contact, EventRegistration, MarketingEvent, User

DEMO_EVENTS = [
    {"name": "ABM Summit Warsaw", "type": "in_person", "days": -40, "hours": 8,
     "venue": "Warsaw, Koneser Hall", "capacity": 60, "attend": 0.7,
     "questions": ["Dietary needs", "Which session interests you most?"]},
    {"name": "Buying groups in practice (webinar)", "type": "webinar", "days": -12,
     "hours": 1, "webinar_url": "https://webinar.example.com/buying-groups", "capacity": None,
     "attend": 0.45, "questions": ["Company size"]},
    {"name": "Customer day Bangkok", "type": "in_person", "days": 21, "hours": 6,
     "venue": "Bangkok, Siam Conference Centre", "capacity": 25, "attend": 0.0,
     "questions": ["Dietary needs"]},
]  # fmt: skip
ANSWERS = {
    "dietary_needs": ["None", "Vegetarian", "Vegan", "Gluten-free"],
    "which_session_interests_you_most": ["Intent data", "Buying groups", "Analytics"],
    "company_size": ["50–200", "200–1,000", "1,000+"],
}


def seed_demo(*, rng, stdout=None, scale: int = 200) -> None:
    user = User.objects.filter(role=User.Role.MARKETER).order_by("pk").first()
    user = user or User.objects.filter(is_superuser=True).order_by("pk").first()
    if user is None:
        return
    MarketingEvent.objects.all().delete()
    contacts = list(Contact.objects.exclude(account__isnull=True).order_by("pk")[:400])
    if not contacts:
        return
    campaign = Campaign.objects.filter(channel__in=["event", "webinar"]).order_by("pk").first()
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    people = max(10, min(45, scale // 4))
    for spec in DEMO_EVENTS:
        starts = now + dt.timedelta(days=spec["days"])
        event = services.event_create(
            user=user,
            data={
                "name": spec["name"],
                "type": spec["type"],
                "starts_at": starts,
                "ends_at": starts + dt.timedelta(hours=spec["hours"]),
                "venue": spec.get("venue", ""),
                "webinar_url": spec.get("webinar_url", ""),
                "capacity": spec["capacity"],
                "campaign": campaign.pk if campaign else None,
                "questions": spec["questions"],
            },
        )
        for contact in rng.sample(contacts, min(people, len(contacts))):
            answers = {
                q["key"]: rng.choice(ANSWERS[q["key"]])
                for q in event.questions
                if q["key"] in ANSWERS and rng.random() < 0.8
            }
            registration = services.registration_create(
                user=user, event=event, contact=contact, answers=answers
            )
            # People registered in the weeks before the event, not when the demo ran.
            registered_at = min(now, starts) - dt.timedelta(hours=rng.randint(24, 24 * 30))
            EventRegistration.objects.filter(pk=registration.pk).update(registered_at=registered_at)
            Activity.objects.filter(
                type=Activity.Type.EVENT_REGISTERED, metadata__registration=registration.pk
            ).update(occurred_at=registered_at)
            if registration.status == "registered" and rng.random() < spec["attend"]:
                services.registration_check_in(
                    user=user,
                    event=event,
                    contact=contact,
                    at=starts + dt.timedelta(minutes=rng.randint(0, 50)),
                )
    if stdout is not None:
        stdout.write(f"  events: {len(DEMO_EVENTS)} with registrations and check-ins\n")
