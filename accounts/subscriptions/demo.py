"""Demo subscription lists: two public lists and an internal one, with members who joined
through the subscription centre or were added by a marketer, and a few who left — all
through the consent service, so every contact's history reads as it would in real use."""

from __future__ import annotations

from accounts.models import ConsentChange, Contact, SubscriptionList, User
from accounts.services.consent import contact_subscriptions_update

DEMO_LISTS = [
    ("Monthly newsletter", "Product news and customer stories, once a month.", True),
    ("Event invitations", "Webinars, round tables and meet-ups near you.", True),
    ("Key-account nurture", "Hand-picked content for the key accounts' buyers.", False),
]


def seed_demo(*, rng, stdout=None, scale: int = 200) -> None:
    user = User.objects.filter(role=User.Role.MARKETER).order_by("pk").first()
    user = user or User.objects.filter(is_superuser=True).order_by("pk").first()
    if user is None:
        return
    SubscriptionList.objects.all().delete()
    lists = [
        SubscriptionList.objects.create(
            name=name, description=description, is_public=public, created_by=user
        )
        for name, description, public in DEMO_LISTS
    ]
    contacts = list(
        Contact.objects.filter(allow_email=True, allow_bulk_email=True, is_minor=False)
        .exclude(account__isnull=True)
        .order_by("pk")[: max(30, min(240, scale * 2))]
    )
    joined = 0
    for contact in contacts:
        wanted = {sl.pk: True for sl in lists if rng.random() < (0.5 if sl.is_public else 0.15)}
        if not wanted:
            continue
        public = {pk for pk in wanted if pk != lists[2].pk}
        if public and rng.random() < 0.6:  # they chose it themselves in the centre
            contact_subscriptions_update(
                contact=contact,
                changes={pk: True for pk in public},
                source=ConsentChange.Source.SUBSCRIPTION_CENTRE,
                confirmed_by_contact=True,
            )
            wanted = {pk: v for pk, v in wanted.items() if pk not in public}
        if wanted:
            contact_subscriptions_update(
                contact=contact,
                changes=wanted,
                source=ConsentChange.Source.USER,
                user=user,
                reason="Asked for it at a trade fair.",
            )
        joined += 1
        if public and rng.random() < 0.08:  # and a few left a list again
            contact_subscriptions_update(
                contact=contact,
                changes={min(public): False},
                source=ConsentChange.Source.SUBSCRIPTION_CENTRE,
            )
    if stdout is not None:
        stdout.write(f"  subscription lists: {len(lists)} lists, {joined} contacts on them")
