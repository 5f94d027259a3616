"""Demo data for sales emails: workspaces and approved templates (called by the seed command)."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from sales_actions.models import EmailTemplate, Workspace
from sales_actions.rendering import html_to_text, sanitize_html

WORKSPACES = [
    ("Global", "Templates every team may use."),
    ("North America", "Regional campaigns and follow-ups."),
    ("EMEA", "Regional campaigns and follow-ups (GDPR-aware wording)."),
]

TEMPLATES = [
    (
        "Global",
        "Meeting follow-up",
        EmailTemplate.Kind.SALES,
        'Great speaking with you, {{ contact.first_name|default:"there" }}',
        '<p>Hi {{ contact.first_name|default:"there" }},</p>'
        "<p>Thanks for your time today. As promised, here is the "
        '<a href="https://example.com/resources/roi-guide">ROI guide</a> we discussed for '
        '{{ account.name|default:"your team" }}.</p>'
        "<p>Would next Tuesday work for a short follow-up?</p><p>{{ sender.signature }}</p>",
    ),
    (
        "Global",
        "Intro to a new stakeholder",
        EmailTemplate.Kind.SALES,
        '{{ account.name|default:"Your team" }} and us',
        '<p>Hello {{ contact.first_name|default:"there" }},</p>'
        '<p>I work with your colleagues at {{ account.name|default:"your company" }} and '
        "thought you might want to see how teams like yours "
        '<a href="https://example.com/customers">use our platform</a>.</p>'
        "<p>Best,<br>{{ sender.name }}</p>",
    ),
    (
        "North America",
        "Webinar invitation",
        EmailTemplate.Kind.MARKETING,
        "Join our live webinar on pipeline analytics",
        '<p>Hi {{ contact.first_name|default:"there" }},</p>'
        "<p>Join us for a 30-minute session on account-based pipeline analytics.</p>"
        '<p><a href="https://example.com/webinars/pipeline">Save your seat</a></p>',
    ),
    (
        "EMEA",
        "Quarterly product update",
        EmailTemplate.Kind.MARKETING,
        "What's new this quarter",
        "<h2>Product update</h2><ul><li>Buying-group insights</li><li>Faster imports</li></ul>"
        '<p><a href="https://example.com/changelog">Read the full changelog</a></p>',
    ),
]


def seed_demo(*, rng, stdout=None, scale: int = 1) -> None:
    """Create the demo workspaces and approved templates (idempotent; ``rng`` unused here
    because the templates are fixed copy, ``scale`` does not change their number)."""
    approver = (
        User.objects.filter(role=User.Role.MARKETER).order_by("pk").first()
        or User.objects.filter(role=User.Role.ADMIN).order_by("pk").first()
    )
    now = timezone.now()
    created = 0
    with transaction.atomic():
        workspaces = {}
        for name, description in WORKSPACES:
            workspaces[name], _ = Workspace.objects.get_or_create(
                name=name, defaults={"description": description}
            )
        for workspace, name, kind, subject, body in TEMPLATES:
            if EmailTemplate.objects.filter(name=name).exists():
                continue
            clean = sanitize_html(body)
            EmailTemplate.objects.create(
                workspace=workspaces[workspace],
                name=name,
                kind=kind,
                subject=subject,
                body_html=clean,
                body_text=html_to_text(clean),
                status=EmailTemplate.Status.APPROVED,
                lineage=uuid.uuid4(),
                owner=approver,
                submitted_at=now,
                approved_by=approver,
                approved_at=now,
            )
            created += 1
    if stdout is not None:
        stdout.write(f"Sales emails: {len(WORKSPACES)} workspaces, {created} approved templates.")

    from sales_actions.cadences.demo import seed_cadences
    from sales_actions.calls.demo import seed_calls

    seed_calls(rng=rng, stdout=stdout, scale=scale)
    seed_cadences(rng=rng, stdout=stdout, scale=scale)
