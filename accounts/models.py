"""The CRM core: users and teams, accounts, contacts, leads, opportunities, campaigns,
products, notes and the one activity stream everything else reads."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MARKETER = "marketer", "Marketer"
        SALES_REP = "sales_rep", "Sales rep"

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.SALES_REP)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    signature = models.TextField(blank=True, help_text="Appended to sales emails.")

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_admin_role(self) -> bool:
        return self.role == self.Role.ADMIN or self.is_superuser

    @property
    def is_marketer(self) -> bool:
        return self.role == self.Role.MARKETER

    @property
    def is_sales_rep(self) -> bool:
        return self.role == self.Role.SALES_REP


class Industry(models.TextChoices):
    SOFTWARE = "software", "Software"
    FINANCIAL_SERVICES = "financial_services", "Financial services"
    HEALTHCARE = "healthcare", "Healthcare"
    MANUFACTURING = "manufacturing", "Manufacturing"
    RETAIL = "retail", "Retail"
    EDUCATION = "education", "Education"
    TELECOMMUNICATIONS = "telecommunications", "Telecommunications"
    ENERGY = "energy", "Energy"
    LOGISTICS = "logistics", "Logistics"
    MEDIA = "media", "Media"
    PROFESSIONAL_SERVICES = "professional_services", "Professional services"
    GOVERNMENT = "government", "Government"
    OTHER = "other", "Other"


class Campaign(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        WEB = "web", "Web"
        EVENT = "event", "Event"
        WEBINAR = "webinar", "Webinar"
        SOCIAL = "social", "Social"
        PAID = "paid", "Paid media"
        CONTENT = "content", "Content syndication"
        DIRECT_MAIL = "direct_mail", "Direct mail"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.EMAIL)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="campaign_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A product or solution: what leads, buying groups and intent signals are about."""

    name = models.CharField(max_length=200, unique=True)
    keywords = models.JSONField(
        default=list, blank=True, help_text="Words that signal interest in it."
    )
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


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
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["is_target", "name"], name="account_target_name"),
            models.Index(Lower("name"), name="account_lower_name"),
            models.Index(fields=["owner", "name"], name="account_owner_name"),
            models.Index(fields=["industry"], name="account_industry"),
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
        NONE = "none", "None recorded"
        CONSENT = "consent", "Consent"
        LEGITIMATE_INTEREST = "legitimate_interest", "Legitimate interest"
        CONTRACT = "contract", "Contract"

    class ConsentLevel(models.TextChoices):
        # Dynamics 365's data-protection consent levels, lowest to highest.
        NONE = "none", "None"
        TRANSACTIONAL = "transactional", "Transactional"
        SUBSCRIPTIONS = "subscriptions", "Subscriptions"
        MARKETING = "marketing", "Marketing"
        PROFILING = "profiling", "Profiling"
        TRACKING = "tracking", "Tracking"

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
    is_minor = models.BooleanField(default=False)
    guardian = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="wards"
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


class Activity(models.Model):
    """One interaction with a contact: the event stream every score and column reads."""

    class Type(models.TextChoices):
        EMAIL_SENT = "email_sent", "Email sent"
        EMAIL_OPENED = "email_opened", "Email opened"
        EMAIL_CLICKED = "email_clicked", "Email clicked"
        EMAIL_REPLIED = "email_replied", "Email replied"
        WEB_VISIT = "web_visit", "Web visit"
        FORM_SUBMITTED = "form_submitted", "Form submitted"
        DOCUMENT_VIEWED = "document_viewed", "Document viewed"
        MEETING = "meeting", "Meeting"
        CALL = "call", "Call"
        NOTE = "note", "Note"
        TASK = "task", "Task"
        EVENT_REGISTERED = "event_registered", "Event registered"
        EVENT_ATTENDED = "event_attended", "Event attended"
        CAMPAIGN_ADDED = "campaign_added", "Added to campaign"
        CAMPAIGN_REMOVED = "campaign_removed", "Removed from campaign"
        LEAD_STATUS_CHANGED = "lead_status_changed", "Lead status changed"
        OPPORTUNITY_CREATED = "opportunity_created", "Opportunity created"
        OPPORTUNITY_WON = "opportunity_won", "Opportunity won"

    class InitiatedBy(models.TextChoices):
        USER = "user", "Our user (touch)"
        CONTACT = "contact", "The contact (engagement)"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        WEB = "web", "Web"
        PHONE = "phone", "Phone"
        MEETING = "meeting", "Meeting"
        EVENT = "event", "Event"
        SOCIAL = "social", "Social"
        CRM = "crm", "CRM"
        OTHER = "other", "Other"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="activities")
    # Derived from the contact's primary account when recorded, and stored so that
    # per-account scans never join through contacts.
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    type = models.CharField(max_length=24, choices=Type.choices)
    occurred_at = models.DateTimeField(default=timezone.now)
    initiated_by = models.CharField(max_length=8, choices=InitiatedBy.choices)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    content_type = models.CharField(max_length=60, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    is_bot = models.BooleanField(
        default=False, help_text="Machine event (scanner, privacy proxy): kept, not scored."
    )
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(
                fields=["account", "type", "-occurred_at"], name="activity_account_type_time"
            ),
            models.Index(fields=["contact", "-occurred_at"], name="activity_contact_time"),
            models.Index(fields=["occurred_at"], name="activity_time"),
            models.Index(fields=["account", "-occurred_at"], name="activity_account_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} — {self.contact_id} @ {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def is_touch(self) -> bool:
        return self.initiated_by == self.InitiatedBy.USER


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


class ImportJob(models.Model):
    """A CSV import of accounts or contacts; large files run in a worker."""

    class Kind(models.TextChoices):
        ACCOUNTS = "accounts", "Accounts"
        CONTACTS = "contacts", "Contacts"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a worker"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Imported"
        FAILED = "failed", "Rejected"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    filename = models.CharField(max_length=255, blank=True)
    content = models.TextField(help_text="The decoded CSV text.")
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="import_jobs"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import #{self.pk}"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status in (self.Status.SUCCEEDED, self.Status.FAILED) else 0
        return min(100, round(self.processed_rows * 100 / self.total_rows))


# --- Target accounts: rollups, targeting rules, recommendation dismissals -------------


def _target_sort_indexes() -> list[models.Index]:
    """Partial indexes over target rollups only, for the target page's sorts.

    (column, account) ASC serves ascending sorts (times: empty values last) and, read
    backwards, descending counts and values. Descending times keep empty values last too,
    which needs ``DESC NULLS LAST`` indexes SQLite cannot declare: PostgreSQL gets those
    from migration 0003 (TARGET_DESC_TIME_INDEXES), outside the model state.
    """
    return [
        models.Index(
            fields=[column, "account"], name=f"rollup_t_{short}", condition=models.Q(is_target=True)
        )
        for column, short in TARGET_SORT_COLUMNS
    ]


TARGET_SORT_COLUMNS = (
    ("contacts_count", "contacts"),
    ("open_deals_count", "open_deals"),
    ("open_deal_value", "open_value"),
    ("last_touch_at", "touch"),
    ("last_engagement_at", "engaged"),
    ("last_engagement_consented_at", "engaged_gdpr"),
    ("next_scheduled_at", "next"),
)


class AccountRollup(models.Model):
    """Per-account aggregates the target-accounts page sorts and filters on.

    Kept current by workers (accounts.services.rollups) from the change stream and
    rebuilt from scratch by ``manage.py rebuild_rollups``, which reports any drift.
    """

    account = models.OneToOneField(
        Account, primary_key=True, on_delete=models.CASCADE, related_name="rollup"
    )
    # A copy of Account.is_target, so the target page reads and sorts one table through
    # partial indexes. Written by accounts_mark_target/unmark in the same transaction and
    # by every refresh (drift in it is reported by rebuild_rollups like any column).
    is_target = models.BooleanField(default=False)
    contacts_count = models.PositiveIntegerField(default=0)
    open_deals_count = models.PositiveIntegerField(default=0)
    open_deal_value = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    last_touch_at = models.DateTimeField(null=True, blank=True)
    last_engagement_at = models.DateTimeField(null=True, blank=True)
    # Engagement only from contacts with a recorded legal basis (shown in GDPR mode).
    last_engagement_consented_at = models.DateTimeField(null=True, blank=True)
    next_scheduled_at = models.DateTimeField(null=True, blank=True)
    has_decision_maker = models.BooleanField(default=False)
    has_blocker = models.BooleanField(default=False)
    has_any_buying_role = models.BooleanField(default=False)
    calls_count = models.PositiveIntegerField(default=0)
    meetings_count = models.PositiveIntegerField(default=0)
    open_tasks_count = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # The beat task looks for schedules that went stale, over every account.
            models.Index(fields=["next_scheduled_at", "account"], name="rollup_next_scheduled"),
            *_target_sort_indexes(),
        ]

    def __str__(self) -> str:
        return f"Rollup of account {self.account_id}"


class AccountRollupDirty(models.Model):
    """Accounts whose rollup must be recomputed: the debounce buffer of the workers.

    A burst of changes to one account upserts one row; the refresh task removes a row
    only if it was not marked again while the refresh ran.
    """

    account_id = models.BigIntegerField(primary_key=True)
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["marked_at"], name="rollup_dirty_marked")]


class TargetingRule(models.Model):
    """Marks accounts as targets when all its conditions hold (a safe, structured filter).

    ``conditions`` is a list of ``{"field": ..., "op": ..., "value": ...}`` over a
    whitelist of account properties (accounts.services.rules), combined with AND.
    """

    name = models.CharField(max_length=200)
    conditions = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_run_added = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class RecommendationDismissal(models.Model):
    """A recommended account someone dismissed, with the data it was judged on.

    The recommendation comes back only when that data changes markedly.
    """

    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, related_name="recommendation_dismissal"
    )
    dismissed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismissed_at = models.DateTimeField(default=timezone.now)
    fit_score = models.PositiveSmallIntegerField(default=0)
    engagement_30d = models.PositiveIntegerField(default=0)
    industry = models.CharField(max_length=40, blank=True)

    def __str__(self) -> str:
        return f"Dismissed recommendation of account {self.account_id}"


class TargetOptOut(models.Model):
    """A person took this account off the targets: targeting rules leave it alone."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="target_opt_out")
    removed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_at = models.DateTimeField(default=timezone.now)
