"""The webhooks step of ``seed_demo``: one subscription to look at, switched off (the demo
must not POST its events anywhere)."""

from __future__ import annotations

from accounts.models import HubEvent, User, WebhookSubscription
from accounts.webhooks.signing import secret_generate


def seed_demo(*, rng, stdout=None, scale: int = 0) -> None:
    owner = User.objects.filter(role="admin").order_by("id").first()
    if owner is None or WebhookSubscription.objects.exists():
        return
    WebhookSubscription.objects.create(
        url="https://hooks.example.com/abm-demo",
        description="CRM sync (demo, switched off)",
        event_types=[
            HubEvent.Kind.LEAD_STATUS_CHANGED,
            HubEvent.Kind.SALES_EMAIL_REPLIED,
            HubEvent.Kind.TARGET_ADDED,
            HubEvent.Kind.TARGET_REMOVED,
        ],
        owner=owner,
        is_active=False,
        secret=secret_generate(),
    )
    if stdout is not None:
        stdout.write("webhooks: 1 demo subscription (switched off)\n")
