"""Writes of the CRM core records. Pages, the API and imports all call these."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import may_choose_owner, may_create, may_write
from accounts.domains import normalize_domain
from accounts.models import (
    Account,
    Activity,
    BuyingRole,
    Campaign,
    ConsentChange,
    Contact,
    ContactAccount,
    Lead,
    Note,
    Opportunity,
    OpportunityContactRole,
    OpportunityStageChange,
    Product,
    User,
    buying_roles_to_mask,
)
from accounts.services.activities import activity_record
from accounts.services.changes import changes_notify
from accounts.services.consent import CONSENT_FIELDS, contact_consent_update
from accounts.services.consent import REASON_FIELD as CONSENT_REASON_FIELD

ACCOUNT_FIELDS = {
    "name",
    "domain",
    "industry",
    "employee_count",
    "annual_revenue",
    "country",
    "owner",
    "parent",
    "fit_score",
}
CONTACT_FIELDS = {
    "account",
    "first_name",
    "last_name",
    "title",
    "department",
    "email",
    "phone",
    "owner",
    "source_campaign",
    "legal_basis",
    "consent_level",
    "is_minor",
    "guardian",
}
LEAD_FIELDS = {
    "topic",
    "product",
    "contact",
    "account",
    "status",
    "score",
    "owner",
    "source_campaign",
}
OPPORTUNITY_FIELDS = {"account", "name", "amount", "currency", "stage", "close_date", "owner"}
CAMPAIGN_FIELDS = {"name", "channel", "start_date", "end_date", "owner"}
PRODUCT_FIELDS = {"name", "keywords", "description"}


def _check_create(user: User, model) -> None:
    if not may_create(user, model):
        raise ForbiddenError(
            f"Your role cannot create {model._meta.verbose_name_plural}.", code="forbidden"
        )


def _check_write(user: User, obj) -> None:
    if not may_write(user, obj):
        raise ForbiddenError(
            f"Your role cannot change this {obj._meta.verbose_name}: you do not own it.",
            code="forbidden",
        )


def _resolve_owner(user: User, data: dict, *, current_owner_id=None) -> None:
    """Sales reps own what they create and cannot hand records to somebody else."""
    if may_choose_owner(user):
        return
    if "owner" not in data:
        if current_owner_id is None:
            data["owner"] = user
        return
    owner = data["owner"]
    if owner is None or owner.pk != user.pk:
        raise ForbiddenError("A sales rep can only own records themselves.", code="forbidden")


def _assign(instance, data: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ApplicationError(f"Unknown field: {sorted(unknown)[0]}.", field=sorted(unknown)[0])
    for field, value in data.items():
        setattr(instance, field, value)


def _validation_error(exc: ValidationError) -> ApplicationError:
    """A model's field validation as the one error type services raise."""
    if hasattr(exc, "error_dict"):
        fields = {
            field: [str(m) for m in messages]
            for field, messages in exc.message_dict.items()
            if field != NON_FIELD_ERRORS
        }
        if fields:
            field, messages = next(iter(fields.items()))
            return ApplicationError(messages[0], field=field, extra=fields)
    return ApplicationError(" ".join(str(m) for m in exc.messages))


# Constraints whose name does not say which input is at fault.
CONSTRAINT_FIELDS = {
    "contact_email_ci_unique": "email",
    "contact_guardian_only_for_minor": "guardian",
}


def _integrity_error(instance, exc: IntegrityError) -> ApplicationError:
    """A unique or check constraint lost to a concurrent write, named by its field.

    The database's own text (table, constraint and key values) never reaches the user.
    """
    text = str(exc)
    meta = instance._meta
    for name, field in CONSTRAINT_FIELDS.items():
        if name in text:
            return _rule_error(instance, field)
    for field in meta.concrete_fields:
        if not field.unique or field.primary_key:
            continue
        column = field.column
        markers = (f"{meta.db_table}.{column}", f"({column})", f"{meta.db_table}_{column}_")
        if any(marker in text for marker in markers):
            return _rule_error(instance, field.name)
    return ApplicationError(
        _("This %(model)s conflicts with an existing one; reload and try again.")
        % {"model": meta.verbose_name},
        code="conflict",
    )


def _save(instance, *, exclude_clean=()) -> None:
    """Check the fields' shape, then save; a constraint lost to a race is a 400 too.

    Business rules (uniqueness, guardians, parents) are checked by each service before
    this, with their one wording; the database constraints back them up.
    """
    try:
        instance.full_clean(
            exclude=list(exclude_clean), validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        raise _validation_error(exc) from exc
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise _integrity_error(instance, exc) from exc


# --- Rules: each written once, with one wording -----------------------------------


def _domain_taken(domain: str, *, exclude_pk: int | None) -> bool:
    return Account.objects.filter(domain=domain).exclude(pk=exclude_pk).exists()


def _email_taken(email: str, *, exclude_pk: int | None) -> bool:
    return Contact.objects.filter(email__iexact=email).exclude(pk=exclude_pk).exists()


def _rule_error(instance, field: str) -> ApplicationError:
    """The one message of the rule on ``field`` of ``instance`` (uniqueness, guardian)."""
    if isinstance(instance, Account) and field == "domain":
        return ApplicationError(
            _("An account with the domain %(domain)s already exists.")
            % {"domain": instance.domain},
            field="domain",
            code="unique",
        )
    if isinstance(instance, Contact) and field == "email":
        return ApplicationError(
            _("Another contact already has this email."), field="email", code="unique"
        )
    if isinstance(instance, Contact) and field == "guardian":
        return ApplicationError(_("Only a minor has a parent or guardian."), field="guardian")
    label = instance._meta.get_field(field).verbose_name
    return ApplicationError(
        _("A %(model)s with this %(field)s already exists.")
        % {"model": instance._meta.verbose_name, "field": label},
        field=field,
        code="unique",
    )


def account_rules_check(*, account: Account) -> None:
    """The rules an account must keep: a name, its own domain, not its own parent."""
    if not (account.name or "").strip():
        raise ApplicationError(_("An account needs a name."), field="name")
    if account.pk is not None and account.parent_id == account.pk:
        raise ApplicationError(_("An account cannot be its own parent."), field="parent")
    if account.domain and _domain_taken(account.domain, exclude_pk=account.pk):
        raise _rule_error(account, "domain")


def contact_rules_check(*, contact: Contact) -> None:
    """The rules a contact must keep: a unique email; a guardian only for a minor, not oneself."""
    if contact.email and _email_taken(contact.email, exclude_pk=contact.pk):
        raise _rule_error(contact, "email")
    if contact.guardian_id is not None:
        if contact.pk is not None and contact.guardian_id == contact.pk:
            raise ApplicationError(_("A contact cannot be their own guardian."), field="guardian")
        if not contact.is_minor:
            raise _rule_error(contact, "guardian")


def lead_rules_check(*, lead: Lead) -> None:
    """The rule a lead must keep: it belongs to a contact, an account, or both."""
    if lead.contact_id is None and lead.account_id is None:
        raise ApplicationError(_("A lead needs a contact or an account."), field="contact")


# --- Accounts ---------------------------------------------------------------------


def _clean_account_data(data: dict) -> dict:
    data = dict(data)
    if "domain" in data:
        data["domain"] = normalize_domain(data["domain"])
    if "name" in data and data["name"] is not None:
        data["name"] = data["name"].strip()
    return data


def account_create(*, user: User, data: dict) -> Account:
    """Create an account (company); sales reps become its owner."""
    _check_create(user, Account)
    data = _clean_account_data(data)
    _resolve_owner(user, data)
    account = Account()
    _assign(account, data, ACCOUNT_FIELDS)
    account_rules_check(account=account)
    _save(account)
    changes_notify(kind="account", account_ids={account.pk})
    return account


def account_update(*, user: User, account: Account, data: dict) -> Account:
    """Change an account's fields."""
    _check_write(user, account)
    data = _clean_account_data(data)
    _resolve_owner(user, data, current_owner_id=account.owner_id)
    _assign(account, data, ACCOUNT_FIELDS)
    account_rules_check(account=account)
    account.updated_at = timezone.now()
    _save(account)
    changes_notify(kind="account", account_ids={account.pk})
    return account


def account_delete(*, user: User, account: Account) -> None:
    """Delete an account with its deals and leads; its contacts stay, unlinked."""
    _check_write(user, account)
    account.delete()


# --- Contacts ---------------------------------------------------------------------


def _clean_contact_data(data: dict) -> tuple[dict, list[Account] | None, list[str] | None]:
    data = dict(data)
    extra_accounts = data.pop("accounts", None)
    roles = data.pop("buying_roles", None)
    if roles is not None:
        bad = [r for r in roles if r not in BuyingRole.values]
        if bad:
            raise ApplicationError(
                f"'{bad[0]}' is not a buying role; choose from {', '.join(BuyingRole.values)}.",
                field="buying_roles",
            )
    if "email" in data and data["email"] is not None:
        data["email"] = data["email"].strip().lower()
    return data, extra_accounts, roles


def _sync_account_links(contact: Contact, extra_accounts: list[Account] | None) -> set[int]:
    """Keep ContactAccount equal to primary + extra accounts; return every account id touched."""
    before = set(
        ContactAccount.objects.filter(contact=contact).values_list("account_id", flat=True)
    )
    wanted = set(before)
    if extra_accounts is not None:
        wanted = {a.pk for a in extra_accounts}
    if contact.account_id:
        wanted.add(contact.account_id)
    ContactAccount.objects.filter(contact=contact).exclude(account_id__in=wanted).delete()
    ContactAccount.objects.bulk_create(
        [ContactAccount(contact=contact, account_id=pk) for pk in wanted - before],
        ignore_conflicts=True,
    )
    ContactAccount.objects.filter(contact=contact).update(is_primary=False)
    if contact.account_id:
        ContactAccount.objects.filter(contact=contact, account_id=contact.account_id).update(
            is_primary=True
        )
    return before | wanted


def _split_consent(data: dict) -> tuple[dict, dict[str, bool], str]:
    """The consent fields and their reason leave ``data``: the consent service writes them."""
    consent = {f: data.pop(f) for f in CONSENT_FIELDS if f in data}
    reason = data.pop(CONSENT_REASON_FIELD, "") or ""
    return data, consent, reason


def contact_create(
    *, user: User, data: dict, consent_source: str = ConsentChange.Source.USER
) -> Contact:
    """Create a contact, link it to its primary and other accounts.

    Consent fields other than their defaults are set through the consent service (a
    ``ConsentChange`` each, ``consent_source`` saying whether a page or the API asked).
    """
    _check_create(user, Contact)
    data, extra_accounts, roles = _clean_contact_data(data)
    data, consent, reason = _split_consent(data)
    _resolve_owner(user, data)
    contact = Contact()
    _assign(contact, data, CONTACT_FIELDS)
    contact.buying_roles_mask = buying_roles_to_mask(roles)
    contact_rules_check(contact=contact)
    with transaction.atomic():
        _save(contact)
        touched = _sync_account_links(contact, extra_accounts)
        contact_consent_update(
            contact=contact, changes=consent, source=consent_source, user=user, reason=reason
        )
    changes_notify(kind="contact", account_ids=touched, contact_ids={contact.pk})
    return contact


def contact_update(
    *,
    user: User,
    contact: Contact,
    data: dict,
    consent_source: str = ConsentChange.Source.USER,
) -> Contact:
    """Change a contact's fields, roles, consent and account associations.

    Consent changes go through the consent service: reversing the contact's own opt-out
    needs ``consent_reason`` in ``data`` and is refused for a sales rep (nothing is saved).
    """
    _check_write(user, contact)
    data, extra_accounts, roles = _clean_contact_data(data)
    data, consent, reason = _split_consent(data)
    _resolve_owner(user, data, current_owner_id=contact.owner_id)
    old_account_id = contact.account_id
    _assign(contact, data, CONTACT_FIELDS)
    if roles is not None:
        contact.buying_roles_mask = buying_roles_to_mask(roles)
    contact_rules_check(contact=contact)
    contact.updated_at = timezone.now()
    with transaction.atomic():
        _save(contact)
        touched = _sync_account_links(contact, extra_accounts)
        contact_consent_update(
            contact=contact, changes=consent, source=consent_source, user=user, reason=reason
        )
    changes_notify(kind="contact", account_ids=touched | {old_account_id}, contact_ids={contact.pk})
    return contact


def contact_delete(*, user: User, contact: Contact) -> None:
    _check_write(user, contact)
    account_ids = set(
        ContactAccount.objects.filter(contact=contact).values_list("account_id", flat=True)
    )
    with transaction.atomic():
        contact.delete()
        changes_notify(kind="contact", account_ids=account_ids)


# --- Leads ------------------------------------------------------------------------


def lead_create(*, user: User, data: dict) -> Lead:
    """Create a lead for a contact and/or an account."""
    _check_create(user, Lead)
    data = dict(data)
    _resolve_owner(user, data)
    lead = Lead()
    _assign(lead, data, LEAD_FIELDS)
    lead_rules_check(lead=lead)
    if lead.contact_id and lead.account_id is None:
        lead.account_id = lead.contact.account_id
    _save(lead)
    changes_notify(kind="lead", account_ids={lead.account_id}, contact_ids={lead.contact_id})
    return lead


def lead_update(*, user: User, lead: Lead, data: dict) -> Lead:
    """Change a lead; a status change is kept as an activity on its contact."""
    _check_write(user, lead)
    data = dict(data)
    _resolve_owner(user, data, current_owner_id=lead.owner_id)
    old_status = lead.status
    _assign(lead, data, LEAD_FIELDS)
    lead_rules_check(lead=lead)
    lead.updated_at = timezone.now()
    with transaction.atomic():
        _save(lead)
        if lead.status != old_status and lead.contact_id:
            activity_record(
                contact=lead.contact,
                type=Activity.Type.LEAD_STATUS_CHANGED,
                user=user,
                subject=f"Lead status: {old_status} → {lead.status}",
                metadata={"lead": lead.pk, "from": old_status, "to": lead.status},
            )
    changes_notify(kind="lead", account_ids={lead.account_id}, contact_ids={lead.contact_id})
    return lead


def lead_delete(*, user: User, lead: Lead) -> None:
    _check_write(user, lead)
    lead.delete()


# --- Opportunities ----------------------------------------------------------------


def _primary_contact(opportunity: Opportunity) -> Contact | None:
    role = (
        OpportunityContactRole.objects.filter(opportunity=opportunity)
        .select_related("contact")
        .order_by("-is_primary", "id")
        .first()
    )
    return role.contact if role else None


def _sync_contact_roles(opportunity: Opportunity, contact_roles: list[dict] | None) -> None:
    if contact_roles is None:
        return
    contact_ids = [item["contact"].pk for item in contact_roles]
    if len(contact_ids) != len(set(contact_ids)):
        raise ApplicationError(_("A contact can appear only once."), field="contact_roles")
    if sum(1 for item in contact_roles if item.get("is_primary")) > 1:
        raise ApplicationError(_("Only one contact can be primary."), field="contact_roles")
    for item in contact_roles:
        contact = item["contact"]
        if not ContactAccount.objects.filter(contact=contact, account=opportunity.account).exists():
            raise ApplicationError(
                f"Contact {contact.pk} is not associated with the opportunity's account.",
                field="contact_roles",
            )
    OpportunityContactRole.objects.filter(opportunity=opportunity).delete()
    OpportunityContactRole.objects.bulk_create(
        [
            OpportunityContactRole(
                opportunity=opportunity,
                contact=item["contact"],
                role=item.get("role") or "",
                is_primary=bool(item.get("is_primary")),
            )
            for item in contact_roles
        ]
    )


def opportunity_create(*, user: User, data: dict) -> Opportunity:
    """Create a deal on an account; its primary contact gets an 'opportunity created' activity."""
    _check_create(user, Opportunity)
    data = dict(data)
    contact_roles = data.pop("contact_roles", None)
    _resolve_owner(user, data)
    opportunity = Opportunity()
    _assign(opportunity, data, OPPORTUNITY_FIELDS)
    if opportunity.stage in Opportunity.CLOSED_STAGES:
        opportunity.closed_at = timezone.now()
    with transaction.atomic():
        _save(opportunity)
        # The stage history starts with the creation (analytics read it, never the deal).
        OpportunityStageChange.objects.create(
            opportunity=opportunity,
            to_stage=opportunity.stage,
            changed_at=opportunity.created_at,
            changed_by=user,
        )
        _sync_contact_roles(opportunity, contact_roles)
        contact = _primary_contact(opportunity)
        if contact:
            activity_record(
                contact=contact,
                type=Activity.Type.OPPORTUNITY_CREATED,
                user=user,
                subject=opportunity.name,
                metadata={"opportunity": opportunity.pk},
            )
        changes_notify(kind="opportunity", account_ids={opportunity.account_id})
    return opportunity


def opportunity_update(*, user: User, opportunity: Opportunity, data: dict) -> Opportunity:
    """Change a deal; closing it stamps closed_at, winning it is an activity."""
    _check_write(user, opportunity)
    data = dict(data)
    contact_roles = data.pop("contact_roles", None)
    _resolve_owner(user, data, current_owner_id=opportunity.owner_id)
    old_stage, old_account_id = opportunity.stage, opportunity.account_id
    _assign(opportunity, data, OPPORTUNITY_FIELDS)
    if opportunity.stage != old_stage:
        is_closed = opportunity.stage in Opportunity.CLOSED_STAGES
        opportunity.closed_at = timezone.now() if is_closed else None
    opportunity.updated_at = timezone.now()
    with transaction.atomic():
        _save(opportunity)
        if opportunity.stage != old_stage:
            OpportunityStageChange.objects.create(
                opportunity=opportunity,
                from_stage=old_stage,
                to_stage=opportunity.stage,
                changed_at=opportunity.closed_at or opportunity.updated_at,
                changed_by=user,
            )
        _sync_contact_roles(opportunity, contact_roles)
        if opportunity.stage == Opportunity.Stage.CLOSED_WON and old_stage != opportunity.stage:
            contact = _primary_contact(opportunity)
            if contact:
                activity_record(
                    contact=contact,
                    type=Activity.Type.OPPORTUNITY_WON,
                    user=user,
                    subject=opportunity.name,
                    metadata={"opportunity": opportunity.pk, "amount": str(opportunity.amount)},
                )
        changes_notify(kind="opportunity", account_ids={opportunity.account_id, old_account_id})
    return opportunity


def opportunity_delete(*, user: User, opportunity: Opportunity) -> None:
    _check_write(user, opportunity)
    account_id = opportunity.account_id
    with transaction.atomic():
        opportunity.delete()
        changes_notify(kind="opportunity", account_ids={account_id})


# --- Campaigns, products, notes ---------------------------------------------------


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
