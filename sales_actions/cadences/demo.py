"""Demo cadences: each sales rep has a four-step outreach cadence with some of their
contacts enrolled, through the cadence services (so the adds are activities and the
worker runs the steps like any others)."""

from __future__ import annotations

from datetime import time

from accounts.models import Contact, User
from sales_actions.cadences import enrolment, services
from sales_actions.cadences.models import Cadence
from sales_actions.models import EmailTemplate

STEPS = [
    {"kind": "auto_email", "day_offset": 0, "template": "Intro to a new stakeholder"},
    {"kind": "call", "day_offset": 2, "title": ""},
    {"kind": "linkedin", "day_offset": 1, "title": ""},
    {"kind": "auto_email", "day_offset": 3, "template": "Meeting follow-up"},
]


def seed_cadences(*, rng, stdout=None, scale: int = 1) -> int:
    """One cadence per rep (idempotent: does nothing when cadences exist)."""
    if Cadence.objects.exists():
        return 0
    templates = dict(
        EmailTemplate.objects.filter(status=EmailTemplate.Status.APPROVED).values_list("name", "pk")
    )
    reps = list(User.objects.filter(role=User.Role.SALES_REP, is_active=True).order_by("pk"))
    enrolled = 0
    for rep in reps[:3]:
        cadence = services.cadence_create(
            user=rep,
            name=f"New target outreach — {rep.get_full_name() or rep.username}",
            description="Intro email, a call, a LinkedIn touch and a follow-up.",
            business_hours_start=time(9, 0),
            business_hours_end=time(17, 0),
        )
        for step in STEPS:
            template_id = templates.get(step.get("template", ""))
            if step["kind"] == "auto_email" and template_id is None:
                continue
            services.cadence_step_add(
                user=rep, cadence=cadence, kind=step["kind"], day_offset=step["day_offset"],
                template_id=template_id, title=step.get("title", ""),
            )  # fmt: skip
        people = list(
            Contact.objects.filter(owner=rep, allow_email=True)
            .exclude(email="")
            .order_by("pk")[:60]
        )
        chosen = rng.sample(people, min(len(people), max(4, min(12, scale // 20))))
        if chosen and cadence.steps.exists():
            plan = enrolment.enrolments_add(user=rep, cadence=cadence, contacts=chosen)
            enrolled += len(plan.enrol)
    if stdout is not None:
        stdout.write(f"Cadences: {min(len(reps), 3)} with {enrolled} people enrolled.\n")
    return enrolled
