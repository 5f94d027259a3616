"""Demo step of hosted forms: two forms and a few submissions sent through the service."""

from __future__ import annotations

from accounts.models import Campaign, Contact, Product, User, WebForm
from accounts.webforms import services

DEMO_FORMS = [
    {
        "name": "Request a demo",
        "intro": "Tell us a little about you and we will show you the product on your data.",
        "fields": [
            {"key": "email", "label": "", "required": True},
            {"key": "first_name", "label": "", "required": True},
            {"key": "last_name", "label": "", "required": True},
            {"key": "company", "label": "", "required": True},
            {"key": "title", "label": "", "required": False},
            {"key": "phone", "label": "", "required": False},
            {"key": "product", "label": "Which product?", "required": False},
            {"key": "message", "label": "Anything we should know?", "required": False},
            {"key": "allow_bulk_email", "label": "", "required": False},
            {"key": "allow_prefill", "label": "", "required": False},
        ],
        "thank_you_message": "Thank you! Someone from our team will contact you within a day.",
        "lead_topic": "Demo request",
        "double_opt_in": False,
    },
    {
        "name": "Newsletter sign-up",
        "intro": "One email a month: product news and customer stories.",
        "fields": [
            {"key": "email", "label": "", "required": True},
            {"key": "first_name", "label": "", "required": False},
            {"key": "allow_bulk_email", "label": "Yes, send me the newsletter.", "required": True},
        ],
        "thank_you_message": "Almost done: check your inbox and confirm your subscription.",
        "lead_topic": "Newsletter",
        "double_opt_in": True,
    },
]


def seed_demo(*, rng, stdout=None, scale: int = 200) -> None:
    owner = (
        User.objects.filter(role="marketer", is_active=True).order_by("id").first()
        or User.objects.filter(role="admin", is_active=True).order_by("id").first()
    )
    if owner is None or WebForm.objects.exists():
        return
    campaign = Campaign.objects.order_by("id").first()
    made = []
    for spec in DEMO_FORMS:
        made.append(services.webform_create(user=owner, data={**spec, "campaign": campaign}))
    demo, newsletter = made
    products = list(Product.objects.order_by("id")[:3])
    contacts = list(Contact.objects.select_related("account").order_by("id")[: max(3, scale // 20)])
    sent = 0
    for contact in rng.sample(contacts, min(len(contacts), 6)):
        values = {
            "email": contact.email,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "company": contact.account.name if contact.account else "",
            "title": contact.title,
            "product": rng.choice(products) if products else None,
            "message": "",
            "allow_bulk_email": rng.random() < 0.6,
            "allow_prefill": rng.random() < 0.5,
        }
        services.webform_submit(webform=demo, values=values, ip="192.0.2.10")
        sent += 1
    for n in range(2):
        services.webform_submit(
            webform=newsletter,
            values={
                "email": f"reader{n + 1}@example.org",
                "first_name": "",
                "allow_bulk_email": True,
            },
            ip="192.0.2.20",
        )
        sent += 1
    if stdout:
        stdout.write(f"hosted forms: {len(made)} forms, {sent} submissions")
