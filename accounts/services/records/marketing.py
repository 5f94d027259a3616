"""Campaigns, products and notes."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError
from accounts.models import (
    Account,
    Activity,
    Campaign,
    Contact,
    Note,
    Product,
    User,
)
from accounts.services.activities import activity_record
from accounts.services.records.common import (
    CAMPAIGN_FIELDS,
    PRODUCT_FIELDS,
    _assign,
    _check_create,
    _check_write,
    _save,
)


def _check_campaign_dates(campaign: Campaign) -> None:
    if campaign.start_date and campaign.end_date and campaign.end_date < campaign.start_date:
        raise ApplicationError(_("A campaign cannot end before it starts."), field="end_date")


def campaign_create(*, user: User, data: dict) -> Campaign:
    """Create a marketing campaign."""
    _check_create(user, Campaign)
    campaign = Campaign(owner=user)
    _assign(campaign, data, CAMPAIGN_FIELDS)
    _check_campaign_dates(campaign)
    _save(campaign)
    return campaign


def campaign_update(*, user: User, campaign: Campaign, data: dict) -> Campaign:
    """Change a campaign's name, channel, dates or owner."""
    _check_write(user, campaign)
    _assign(campaign, data, CAMPAIGN_FIELDS)
    _check_campaign_dates(campaign)
    _save(campaign)
    return campaign


def _clean_keywords(data: dict) -> dict:
    data = dict(data)
    if "keywords" in data:
        keywords = data["keywords"] or []
        if isinstance(keywords, str):
            keywords = keywords.split(",")
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            raise ApplicationError("keywords must be a list of words.", field="keywords")
        data["keywords"] = sorted({k.strip().lower() for k in keywords if k.strip()})
    return data


def product_create(*, user: User, data: dict) -> Product:
    _check_create(user, Product)
    product = Product()
    _assign(product, _clean_keywords(data), PRODUCT_FIELDS)
    _save(product)
    return product


def product_update(*, user: User, product: Product, data: dict) -> Product:
    _check_write(user, product)
    _assign(product, _clean_keywords(data), PRODUCT_FIELDS)
    _save(product)
    return product


def note_create(
    *, user: User, body: str, account: Account | None = None, contact: Contact | None = None
) -> Note:
    """Write a note on an account or contact; on a contact it is also an activity."""
    body = (body or "").strip()
    if not body:
        raise ApplicationError(_("A note needs some text."), field="body")
    if account is None and contact is None:
        raise ApplicationError(_("A note belongs to an account or a contact."), field="account")
    if account is None and contact is not None:
        account = contact.account
    with transaction.atomic():
        note = Note.objects.create(account=account, contact=contact, author=user, body=body)
        if contact is not None:
            activity_record(
                contact=contact,
                type=Activity.Type.NOTE,
                user=user,
                subject=body[:120],
                metadata={"note": note.pk},
            )
    return note
