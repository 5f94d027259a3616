"""The CRM records: accounts, contacts (and their buying roles), leads, opportunities
and notes."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .marketing import Campaign, Industry, Product
from .users import User


class RelationshipType(models.TextChoices):
    """What a contact or an account is to us (Dynamics' relationship type)."""

    CUSTOMER = "customer", _("Customer")
    PROSPECT = "prospect", _("Prospect")
    PARTNER = "partner", _("Partner")
    SUPPLIER = "supplier", _("Supplier")
    VENDOR = "vendor", _("Vendor")
    SPEAKER = "speaker", _("Speaker")
    SPONSOR = "sponsor", _("Sponsor")


class Account(models.Model):
    class TargetSource(models.TextChoices):
        MANUAL = "manual", "Selected by a person"
        RULE = "rule", "Targeting rule"
        IMPORT = "import", "CSV import"

    name = models.CharField(max_length=255)
    # Normalized by accounts.domains.normalize_domain; NULL when unknown so that
    # uniqueness applies only to accounts that have one.
    domain = models.CharField(max_length=255, null=True, blank=True, unique=True)
    industry = models.CharField(max_length=40, choices=Industry.choices, blank=True)
    employee_count = models.PositiveIntegerField(null=True, blank=True)
    annual_revenue = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    country = models.CharField(max_length=80, blank=True)
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    fit_score = models.PositiveSmallIntegerField(default=0)
    is_target = models.BooleanField(default=False)
    target_since = models.DateTimeField(null=True, blank=True)
    target_source = models.CharField(max_length=10, choices=TargetSource.choices, blank=True)
    relationship_type = models.CharField(
        _("relationship type"), max_length=12, choices=RelationshipType.choices, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["is_target", "name"], name="account_target_name"),
            models.Index(Lower("name"), name="account_lower_name"),
            models.Index(fields=["owner", "name"], name="account_owner_name"),
            models.Index(fields=["industry"], name="account_industry"),
            models.Index(fields=["relationship_type"], name="account_relationship"),
            # Keyset orderings of the accounts list and API (the id breaks ties).
            models.Index(fields=["name", "id"], name="account_name_id"),
            models.Index(fields=["fit_score", "id"], name="account_fit_id"),
            models.Index(fields=["created_at", "id"], name="account_created_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fit_score__lte=100), name="account_fit_score_0_100"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def team_id(self):
        return self.owner.team_id if self.owner_id else None


class BuyingRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", "Decision maker"
    CHAMPION = "champion", "Champion"
    INFLUENCER = "influencer", "Influencer"
    BUDGET_HOLDER = "budget_holder", "Budget holder"
    END_USER = "end_user", "End user"
    BLOCKER = "blocker", "Blocker"
    OTHER = "other", "Other"


# A contact's buying roles are a set (HubSpot's multi-select property). They are
# stored as a bit mask so "has a decision maker" is an indexed integer test on
# both PostgreSQL and SQLite.
BUYING_ROLE_BITS: dict[str, int] = {role.value: 1 << i for i, role in enumerate(BuyingRole)}


def buying_roles_to_mask(roles) -> int:
    mask = 0
    for role in roles or ():
        mask |= BUYING_ROLE_BITS[role]
    return mask


def buying_roles_from_mask(mask: int) -> list[str]:
    return [role for role, bit in BUYING_ROLE_BITS.items() if mask & bit]


class Contact(models.Model):
    class LegalBasis(models.TextChoices):
        NONE = "none", _("None recorded")
        CONSENT = "consent", _("Consent")
        LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest")
        CONTRACT = "contract", _("Contract")

    class ConsentLevel(models.TextChoices):
        # Dynamics 365's data-protection consent levels, lowest to highest.
        NONE = "none", _("None")
        TRANSACTIONAL = "transactional", _("Transactional")
        SUBSCRIPTIONS = "subscriptions", _("Subscriptions")
        MARKETING = "marketing", _("Marketing")
        PROFILING = "profiling", _("Profiling")
        TRACKING = "tracking", _("Tracking")

    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="primary_contacts"
    )
    accounts = models.ManyToManyField(
        Account, through="ContactAccount", related_name="contacts", blank=True
    )
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=200, blank=True)
    department = models.CharField(max_length=100, blank=True)
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=50, blank=True)
    buying_roles_mask = models.PositiveSmallIntegerField(default=0)
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    source_campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="sourced_contacts"
    )
    engagement_score = models.PositiveSmallIntegerField(default=0)
    engagement_scored_at = models.DateTimeField(null=True, blank=True)
    # Consent and preferences (Dynamics 365 Customer Insights).
    allow_email = models.BooleanField(default=True)
    allow_bulk_email = models.BooleanField(default=True)
    allow_prefill = models.BooleanField(default=True)
    follow_email = models.BooleanField(default=True, help_text="Track opens and clicks.")
    legal_basis = models.CharField(
        max_length=24, choices=LegalBasis.choices, default=LegalBasis.NONE
    )
    consent_level = models.CharField(
        max_length=16, choices=ConsentLevel.choices, default=ConsentLevel.NONE
    )
    relationship_type = models.CharField(
        _("relationship type"), max_length=12, choices=RelationshipType.choices, blank=True
    )
    is_minor = models.BooleanField(default=False)
    guardian = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="wards"
    )
    # A minor gets marketing email only with this recorded (accounts.services.consent).
    guardian_consent = models.BooleanField(
        default=False, help_text="The guardian consented to marketing email for this minor."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="contact_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(is_minor=True) | models.Q(guardian__isnull=True),
                name="contact_guardian_only_for_minor",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "buying_roles_mask"], name="contact_account_roles"),
            models.Index(fields=["last_name", "first_name"], name="contact_name"),
            models.Index(fields=["owner"], name="contact_owner"),
            models.Index(fields=["relationship_type"], name="contact_relationship"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def buying_roles(self) -> list[str]:
        return buying_roles_from_mask(self.buying_roles_mask)

    def get_buying_roles_display(self) -> list[str]:
        labels = dict(BuyingRole.choices)
        return [labels[r] for r in self.buying_roles]


class ContactAccount(models.Model):
    """Every account a contact is associated with, the primary one included."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="account_links")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contact_links")
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "account"], name="contact_account_unique"),
        ]
        indexes = [models.Index(fields=["account", "contact"], name="contactaccount_account")]


class Lead(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        NURTURING = "nurturing", "Nurturing"
        MQL = "mql", "Marketing-qualified"
        SALES_ACCEPTED = "sales_accepted", "Sales-accepted"
        CONVERTED = "converted", "Converted"
        DISQUALIFIED = "disqualified", "Disqualified"

    topic = models.CharField(max_length=255, blank=True, help_text="What the interest is about.")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="leads"
    )
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="leads"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    score = models.IntegerField(default=0)
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    source_campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="sourced_leads"
    )
    # The deal this lead was converted into (accounts.lifecycle.services.lead_convert).
    opportunity = models.OneToOneField(
        "Opportunity", null=True, blank=True, on_delete=models.SET_NULL, related_name="lead"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contact__isnull=False) | models.Q(account__isnull=False),
                name="lead_has_contact_or_account",
            )
        ]
        indexes = [
            models.Index(fields=["status", "-score"], name="lead_status_score"),
            models.Index(fields=["created_at", "id"], name="lead_created_id"),
        ]

    def __str__(self) -> str:
        parent = self.contact or self.account
        return f"{self.topic or (self.product and self.product.name) or 'Lead'} — {parent}"

    @property
    def can_be_scored(self) -> bool:
        return self.contact_id is not None


class Opportunity(models.Model):
    class Stage(models.TextChoices):
        PROSPECTING = "prospecting", "Prospecting"
        QUALIFICATION = "qualification", "Qualification"
        PROPOSAL = "proposal", "Proposal"
        NEGOTIATION = "negotiation", "Negotiation"
        CLOSED_WON = "closed_won", "Closed won"
        CLOSED_LOST = "closed_lost", "Closed lost"

    CLOSED_STAGES = (Stage.CLOSED_WON, Stage.CLOSED_LOST)

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="opportunities")
    name = models.CharField(max_length=255)
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="USD")
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.PROSPECTING)
    close_date = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities"
    )
    contacts = models.ManyToManyField(
        Contact, through="OpportunityContactRole", related_name="opportunities", blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "opportunities"
        indexes = [
            models.Index(fields=["account", "stage"], name="opportunity_account_stage"),
            models.Index(fields=["created_at", "id"], name="opportunity_created_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="opportunity_amount_positive"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.stage not in self.CLOSED_STAGES


class OpportunityContactRole(models.Model):
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="contact_roles"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="opportunity_roles")
    role = models.CharField(max_length=20, choices=BuyingRole.choices, blank=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "contact"], name="opportunity_contact_unique"
            ),
        ]


class OpportunityStageChange(models.Model):
    """One move of a deal through the pipeline: the stage history analytics read.

    Written by the opportunity services on create (``from_stage`` blank) and on every
    stage change; back-filled by migration for deals that existed before it.
    """

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(max_length=20, choices=Opportunity.Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Opportunity.Stage.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["opportunity", "changed_at", "id"]
        indexes = [
            # One deal's path in order (the history list, LEAD() over a deal's changes).
            models.Index(fields=["opportunity", "changed_at", "id"], name="stage_change_opp_time"),
            # Time-range scans of the pipeline analyses, covering what they group by.
            models.Index(
                fields=["changed_at", "to_stage", "from_stage", "opportunity"],
                name="stage_change_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_stage or '∅'} → {self.to_stage}"


class Note(models.Model):
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="notes")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contact__isnull=False) | models.Q(account__isnull=False),
                name="note_has_contact_or_account",
            )
        ]

    def __str__(self) -> str:
        return self.body[:60]
