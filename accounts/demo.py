"""Demo data: a realistic, deterministic B2B book of business for trying the hub.

``demo_seed(accounts=N, seed=S)`` builds users and teams, campaigns, products,
companies, their people, leads, deals, six months of activities and open tasks.
Rows are generated in Python with ``random.Random(seed)`` and written with
PostgreSQL ``COPY`` (or ``bulk_create`` in big batches on SQLite): this is a data
generator, not user input, so it writes tables directly — but every activity's
``account_id`` is its contact's primary account, as ``activity_record`` does.
"""

from __future__ import annotations

import importlib
import json
import math
import random
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import (
    Account,
    Activity,
    BuyingRole,
    Campaign,
    Contact,
    ContactAccount,
    Industry,
    Lead,
    Opportunity,
    OpportunityContactRole,
    Product,
    Team,
    User,
    buying_roles_to_mask,
)
from accounts.services.activities import DEFAULT_CHANNEL, DEFAULT_INITIATOR

DEMO_APPS = ("buying_groups", "sales_actions", "analytics")
SITE = "https://www.northwind-cloud.example"
T = Activity.Type
R = BuyingRole

# --- Who signs in ---------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    team: str
    first_name: str
    last_name: str


BASE_LOGINS = [
    DemoLogin("admin", "demo-admin-2026!", "admin", "Leadership", "Alex", "Morgan"),
    DemoLogin("marketer", "demo-marketer-2026!", "marketer", "Marketing", "Maya", "Lindqvist"),
    DemoLogin("rep1", "demo-rep1-2026!", "sales_rep", "Sales East", "Ravi", "Patel"),
    DemoLogin("rep2", "demo-rep2-2026!", "sales_rep", "Sales West", "Sofia", "Romero"),
]
EXTRA_REP_NAMES = [
    ("Daniel", "Okafor"),
    ("Hannah", "Becker"),
    ("Kenji", "Watanabe"),
    ("Laura", "Nowak"),
    ("Omar", "Haddad"),
    ("Grace", "Kim"),
]


def demo_logins(accounts: int) -> list[DemoLogin]:
    """The demo users for a data set of this size: more reps for a bigger book."""
    extra = min(len(EXTRA_REP_NAMES), accounts // 2000)
    logins = list(BASE_LOGINS)
    for i in range(extra):
        number = i + 3
        first, last = EXTRA_REP_NAMES[i]
        team = "Sales East" if number % 2 else "Sales West"
        logins.append(
            DemoLogin(f"rep{number}", f"demo-rep{number}-2026!", "sales_rep", team, first, last)
        )
    return logins


# --- Vocabulary -----------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


NAME_HEADS = _words(
    "Blue Harbor Silver Peak Northwind Red Cedar Iron Gate Bright Path Clear Lake Summit Ridge "
    "Granite Oak Falcon Crest Maple Leaf Golden Gate Stone Bridge Polar Star Evergreen Vertex "
    "Horizon Quantum Apex Beacon Cobalt Crimson Delta Ember Fjord Glacier Harbor Indigo Juniper "
    "Keystone Lumen Meridian Nimbus Onyx Pioneer Quartz Redwood Sapphire Tidal Umber Vantage "
    "Willow Zenith Atlas Boreal Cascade Driftwood Eastgate Foxglove Greenfield Highland Ironwood "
    "Lakeside Marble Northstar Orchard Pinecrest Riverbend Sandstone Timberline Westbrook Aurora "
    "Bluebird Copperfield Dunmore Elmstead Fairview Hawthorne Kingsley Larkspur Mistral Oakridge"
)
NAME_TAILS = _words(
    "Analytics Networks Dynamics Solutions Works Partners Labs Systems Digital Ventures Holdings "
    "Industries Technologies Logic Data Cloud Robotics Energy Health Foods Freight Media Capital "
    "Materials Bio Pharma Retail Telecom Learning Security Software Devices Mobility Metrics Grid"
)
SUFFIXES = ("Inc.", "Ltd.", "GmbH", "Group", "Corp.", "AG", "LLC", "plc", "S.A.", "B.V.", "")
INDUSTRY_WEIGHTS = {
    Industry.SOFTWARE: 16,
    Industry.FINANCIAL_SERVICES: 12,
    Industry.HEALTHCARE: 10,
    Industry.MANUFACTURING: 12,
    Industry.RETAIL: 8,
    Industry.EDUCATION: 5,
    Industry.TELECOMMUNICATIONS: 5,
    Industry.ENERGY: 5,
    Industry.LOGISTICS: 7,
    Industry.MEDIA: 5,
    Industry.PROFESSIONAL_SERVICES: 9,
    Industry.GOVERNMENT: 3,
    Industry.OTHER: 3,
}
# Revenue per employee (USD) and how well the industry fits the product (0-1).
INDUSTRY_PROFILE = {
    Industry.SOFTWARE: (310_000, 0.95),
    Industry.FINANCIAL_SERVICES: (420_000, 0.85),
    Industry.HEALTHCARE: (190_000, 0.7),
    Industry.MANUFACTURING: (260_000, 0.65),
    Industry.RETAIL: (220_000, 0.55),
    Industry.EDUCATION: (110_000, 0.35),
    Industry.TELECOMMUNICATIONS: (380_000, 0.75),
    Industry.ENERGY: (520_000, 0.5),
    Industry.LOGISTICS: (240_000, 0.6),
    Industry.MEDIA: (230_000, 0.55),
    Industry.PROFESSIONAL_SERVICES: (170_000, 0.7),
    Industry.GOVERNMENT: (140_000, 0.3),
    Industry.OTHER: (160_000, 0.4),
}
# country, weight, top-level domain, phone prefix
COUNTRIES = [
    ("United States", 34, "com", "+1"),
    ("United Kingdom", 10, "co.uk", "+44"),
    ("Germany", 9, "de", "+49"),
    ("France", 6, "fr", "+33"),
    ("Canada", 5, "ca", "+1"),
    ("Netherlands", 4, "nl", "+31"),
    ("Sweden", 3, "se", "+46"),
    ("Poland", 3, "pl", "+48"),
    ("Spain", 3, "es", "+34"),
    ("Australia", 4, "com.au", "+61"),
    ("Japan", 4, "jp", "+81"),
    ("Singapore", 3, "sg", "+65"),
    ("India", 5, "in", "+91"),
    ("Brazil", 3, "com.br", "+55"),
    ("Thailand", 2, "co.th", "+66"),
    ("Ireland", 2, "ie", "+353"),
]
FIRST_NAMES = _words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy Anthony "
    "Sandra Mark Ashley Steven Emily Andrew Michelle Joshua Amanda Kevin Melissa Brian Stephanie "
    "Oliver Amelia Harry Isla Lukas Mia Leon Hanna Jan Zofia Piotr Anna Wei Li Yuki Haruto Aiko "
    "Arjun Priya Rahul Ananya Mateo Lucia Santiago Valentina Lucas Camila Noah Emma Liam Olivia "
    "Ethan Ava Chloe Lea Louis Manon Hugo Ines Somchai Nattaya Kwame Amara Fatima Yusuf Nora Erik"
)
LAST_NAMES = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Thompson White Harris Clark Lewis "
    "Walker Young Allen King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts "
    "Muller Schmidt Schneider Fischer Weber Kowalski Nowak Wisniewski Dubois Moreau Laurent "
    "Rossi Russo Ferrari Tanaka Suzuki Sato Takahashi Chen Wang Zhang Liu Sharma Gupta Singh Iyer "
    "Silva Santos Oliveira Pereira Costa Jansen de-Vries Bakker Andersson Johansson Nilsson "
    "O'Brien Murphy Kelly Walsh Nguyen Tran Kim Park Choi Srisuk Wongsa Mensah Okoye Haddad"
)
DEPARTMENTS = ("Marketing", "Sales", "IT", "Finance", "Operations", "Engineering", "Security")
# seniority -> (weight, title templates by department)
SENIORITY = {
    "c_level": (
        5,
        {
            "Marketing": "Chief Marketing Officer",
            "Sales": "Chief Revenue Officer",
            "IT": "Chief Information Officer",
            "Finance": "Chief Financial Officer",
            "Operations": "Chief Operating Officer",
            "Engineering": "Chief Technology Officer",
            "Security": "Chief Information Security Officer",
        },
    ),
    "vp": (10, "VP of {dept}"),
    "director": (18, "Director of {dept}"),
    "manager": (30, "{dept} Manager"),
    "individual": (37, "{ic}"),
}
IC_TITLES = {
    "Marketing": ("Marketing Specialist", "Demand Generation Analyst", "Content Strategist"),
    "Sales": ("Account Executive", "Sales Development Representative", "Sales Engineer"),
    "IT": ("Systems Administrator", "IT Analyst", "Solutions Architect"),
    "Finance": ("Financial Analyst", "Procurement Specialist", "Accountant"),
    "Operations": ("Operations Analyst", "Project Coordinator", "Business Analyst"),
    "Engineering": ("Software Engineer", "Data Engineer", "DevOps Engineer"),
    "Security": ("Security Analyst", "Compliance Specialist", "Security Engineer"),
}
PRODUCTS = [
    (
        "Cloud Data Platform",
        ["data warehouse", "etl", "analytics", "data lake", "bi dashboards"],
        "A managed warehouse and pipeline service.",
    ),
    (
        "Security Suite",
        ["zero trust", "siem", "endpoint protection", "compliance", "soc 2"],
        "Threat detection and compliance reporting.",
    ),
    (
        "Marketing Automation",
        ["email nurture", "lead scoring", "abm", "campaign orchestration"],
        "Journeys, scoring and account-based campaigns.",
    ),
    (
        "Customer Support Desk",
        ["help desk", "ticketing", "customer service", "knowledge base", "chatbot"],
        "Omnichannel ticketing with a self-service portal.",
    ),
    (
        "Payments API",
        ["payments", "billing", "invoicing", "subscriptions", "pci"],
        "Card, wallet and invoice payments for developers.",
    ),
    (
        "Supply Chain Planner",
        ["demand planning", "inventory", "logistics", "forecasting", "procurement"],
        "Forecasting and inventory planning.",
    ),
]
CAMPAIGN_THEMES = [
    ("Data Modernization Webinar", Campaign.Channel.WEBINAR),
    ("Zero Trust Roadshow", Campaign.Channel.EVENT),
    ("ABM Nurture Sequence", Campaign.Channel.EMAIL),
    ("Cloud Cost Calculator", Campaign.Channel.WEB),
    ("LinkedIn Thought Leadership", Campaign.Channel.SOCIAL),
    ("Retargeting Display", Campaign.Channel.PAID),
    ("Analyst Report Syndication", Campaign.Channel.CONTENT),
    ("Executive Gift Box", Campaign.Channel.DIRECT_MAIL),
    ("Customer Success Summit", Campaign.Channel.EVENT),
    ("Payments Developer Newsletter", Campaign.Channel.EMAIL),
    ("Support Desk Free Trial", Campaign.Channel.WEB),
    ("Supply Chain Resilience eBook", Campaign.Channel.CONTENT),
]
WEB_PAGES = [
    ("/pricing", "Pricing"),
    ("/customers", "Customer stories"),
    ("/contact-sales", "Contact sales"),
    ("/about", "About us"),
    ("/blog/what-is-account-based-marketing", "What is account-based marketing?"),
    ("/blog/zero-trust-in-90-days", "Zero trust in 90 days"),
    ("/blog/choosing-a-data-warehouse", "Choosing a data warehouse"),
    ("/blog/cutting-inventory-costs", "Cutting inventory costs with forecasting"),
    ("/blog/pci-compliance-checklist", "PCI compliance checklist"),
    ("/integrations", "Integrations"),
    ("/security", "Trust and security"),
]
DOCUMENTS = [
    ("Cloud Data Platform datasheet", "datasheet"),
    ("Zero Trust buyer's guide", "ebook"),
    ("Forrester Wave: Marketing Automation", "analyst report"),
    ("Help desk ROI calculator", "calculator"),
    ("Payments API case study: Fintech scale-up", "case study"),
    ("Supply chain forecasting whitepaper", "whitepaper"),
]
FORMS = [
    ("Demo request", "/demo"),
    ("Contact sales", "/contact-sales"),
    ("Whitepaper download", "/resources/download"),
    ("Webinar registration", "/webinars/register"),
    ("Free trial sign-up", "/trial"),
]
EMAIL_SUBJECTS = [
    "Quick question about {company}'s data stack",
    "Ideas for {company}'s security roadmap",
    "{first}, 15 minutes next week?",
    "How peers in {industry} cut costs by 20%",
    "Following up on our conversation",
    "Invitation: customer roundtable",
    "Your {product} trial: next steps",
]
MEETING_SUBJECTS = ["Discovery call", "Product demo", "Technical deep dive", "Pricing review"]
CALL_OUTCOMES = ["connected", "left voicemail", "no answer", "wrong number", "busy"]
TASK_TITLES = {
    "email": "Send follow-up email to {name}",
    "call": "Call {name} about next steps",
    "linkedin": "Connect with {name} on LinkedIn",
    "custom": "Prepare account plan for {company}",
}

# What only a salesperson does: none of it on accounts sales has not worked yet.
SALES_KINDS = {Activity.Type.CALL, Activity.Type.MEETING, Activity.Type.NOTE}

# Activity mix of the random stream (chains and record-driven kinds are added on top).
ACTIVITY_MIX = [
    (T.WEB_VISIT, 30),
    (T.EMAIL_SENT, 22),
    (T.DOCUMENT_VIEWED, 6),
    (T.FORM_SUBMITTED, 3),
    (T.CALL, 7),
    (T.MEETING, 3),
    (T.NOTE, 3),
    (T.EVENT_REGISTERED, 3),
    (T.CAMPAIGN_ADDED, 4),
    (T.CAMPAIGN_REMOVED, 1),
]


# --- Writing rows -----------------------------------------------------------------------


class TableWriter:
    """Rows of one model, in column order, written by COPY or bulk_create."""

    def __init__(self, model: type[models.Model], now: datetime):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields]
        self.attnames = [f.attname for f in self.fields]
        self.columns = [f.column for f in self.fields]
        self.index = {name: i for i, name in enumerate(self.attnames)}
        defaults = []
        for f in self.fields:
            if f.has_default():
                value = f.default() if callable(f.default) else f.default
                if value is timezone.now or isinstance(value, datetime):
                    value = now
            elif f.null:
                value = None
            elif f.empty_strings_allowed:
                value = ""
            else:
                value = None
            defaults.append(value)
        self.defaults = defaults
        self.json_positions = [
            i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)
        ]

    def row(self, **values) -> list:
        row = list(self.defaults)
        index = self.index
        for name, value in values.items():
            row[index[name]] = value
        return row

    def write(self, rows: Iterable[list], batch: int = 5000) -> int:
        if connection.vendor == "postgresql":
            return self._copy(rows)
        return self._bulk(rows, batch)

    def _copy(self, rows: Iterable[list]) -> int:
        table = connection.ops.quote_name(self.model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        count = 0
        json_positions = self.json_positions
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy,
        ):
            for row in rows:
                for i in json_positions:
                    row[i] = json.dumps(row[i])
                copy.write_row(row)
                count += 1
        return count

    def _bulk(self, rows: Iterable[list], batch: int) -> int:
        model, attnames = self.model, self.attnames
        count = 0
        chunk: list[models.Model] = []
        for row in rows:
            chunk.append(model(**dict(zip(attnames, row, strict=True))))
            if len(chunk) >= batch:
                model.objects.bulk_create(chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            model.objects.bulk_create(chunk)
            count += len(chunk)
        return count


def _next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


class _BulkLoad:
    """On PostgreSQL, load a big table without its foreign keys and plain indexes.

    Django's foreign keys are DEFERRABLE INITIALLY DEFERRED, so COPYing millions of
    rows queues millions of checks for COMMIT, and every plain index is updated row
    by row. Dropping them inside the transaction and recreating them after the COPY
    validates each foreign key with one join and builds each index in one sort. DDL
    is transactional on PostgreSQL: if anything fails, nothing changed.
    """

    def __init__(self, model: type[models.Model], *, enabled: bool):
        self.table = model._meta.db_table
        self.enabled = enabled and connection.vendor == "postgresql"
        self.foreign_keys: list[tuple[str, str]] = []
        self.indexes: list[tuple[str, str]] = []

    def __enter__(self):
        if not self.enabled:
            return self
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [self.table],
            )
            self.foreign_keys = list(cursor.fetchall())
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT x.indisunique AND NOT x.indisprimary",
                [self.table],
            )
            self.indexes = list(cursor.fetchall())
            for name, _ in self.foreign_keys:
                cursor.execute(f"ALTER TABLE {quote(self.table)} DROP CONSTRAINT {quote(name)}")
            for name, _ in self.indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")
        return self

    def __exit__(self, exc_type, exc, tb):
        if not self.enabled or exc_type is not None:
            return False
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for _, definition in self.indexes:
                cursor.execute(definition)
            for name, definition in self.foreign_keys:
                cursor.execute(
                    f"ALTER TABLE {quote(self.table)} ADD CONSTRAINT {quote(name)} {definition}"
                )
        return False


BULK_LOAD_MIN_ROWS = 50_000


def _reset_sequences(model_list) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite's AUTOINCREMENT follows explicit ids by itself
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), model_list):
            cursor.execute(sql)


# --- The generator ----------------------------------------------------------------------


@dataclass
class DemoResult:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    logins: list[DemoLogin] = field(default_factory=list)
    skipped: bool = False


@dataclass
class _Company:
    id: int
    name: str
    domain: str
    industry: str
    employees: int
    revenue: Decimal
    country: str
    phone_prefix: str
    owner_id: int | None
    fit: int
    is_target: bool
    created_at: datetime
    contacts: list = field(default_factory=list)
    # Not every account is alike: sales has not called or met some of them, some went
    # quiet weeks ago, and some are busier than others.
    worked: bool = True
    quiet_days: int = 0
    heat: float = 1.0


@dataclass
class _Person:
    id: int
    account_id: int
    first: str
    last: str
    seniority: str
    department: str
    roles: list[str]
    allow_email: bool
    created_at: datetime


def _weighted(rng: random.Random, pairs):
    values = [v for v, _ in pairs]
    weights = [w for _, w in pairs]
    return rng.choices(values, weights)[0]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class DemoBuilder:
    """Builds the whole data set; one instance per run."""

    def __init__(
        self,
        *,
        accounts: int,
        seed: int,
        activities_per_contact: float = 10,
        target_share: float = 0.2,
        stdout=None,
    ):
        self.n_accounts = accounts
        self.seed = seed
        self.rng = random.Random(seed)
        self.k = activities_per_contact
        self.target_share = target_share
        self.stdout = stdout
        # Whole days keep the data deterministic within a day and recent whenever it runs.
        self.real_now = timezone.now()
        self.now = self.real_now.replace(hour=12, minute=0, second=0, microsecond=0)
        self.counts: dict[str, int] = {}
        self.users: dict[str, User] = {}
        self.rep_ids: list[int] = []
        self.campaigns: list[tuple[int, str, str]] = []
        self.products: list[tuple[int, str, list[str]]] = []
        self.companies: list[_Company] = []
        self.people: list[_Person] = []
        self.leads: list[tuple] = []
        self.deals: list[tuple] = []

    def log(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)

    def _count(self, key: str, n: int) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    # -- small reference data, through the ORM --
    def build_users(self) -> list[DemoLogin]:
        logins = demo_logins(self.n_accounts)
        for login in logins:
            team, _ = Team.objects.get_or_create(name=login.team)
            user = User.objects.filter(username=login.username).first()
            if user is None:
                user = User(
                    username=login.username,
                    email=f"{login.username}@northwind-cloud.example",
                    first_name=login.first_name,
                    last_name=login.last_name,
                    role=login.role,
                    team=team,
                    is_staff=login.role == "admin",
                    is_superuser=login.role == "admin",
                )
                user.set_password(login.password)
                user.save()
                self._count("users", 1)
            self.users[login.username] = user
        self.rep_ids = [self.users[x.username].pk for x in logins if x.role == "sales_rep"]
        return logins

    def build_catalog(self) -> None:
        rng = self.rng
        for name, keywords, description in PRODUCTS:
            product, created = Product.objects.get_or_create(
                name=name, defaults={"keywords": keywords, "description": description}
            )
            self._count("products", int(created))
            self.products.append((product.pk, name, product.keywords or keywords))
        marketer = self.users["marketer"]
        themes = CAMPAIGN_THEMES * (1 + self.n_accounts // 2500)
        campaigns = []
        for i, (theme, channel) in enumerate(themes):
            start = (self.now - timedelta(days=rng.randint(-30, 200))).date()
            end = start + timedelta(days=rng.randint(7, 90))
            quarter = (start.month - 1) // 3 + 1
            wave = f" #{i // len(CAMPAIGN_THEMES) + 1}" if i >= len(CAMPAIGN_THEMES) else ""
            campaigns.append(
                Campaign(
                    name=f"Q{quarter} {start.year} {theme}{wave}",
                    channel=channel,
                    start_date=start,
                    end_date=end,
                    owner=marketer,
                    created_at=self.now - timedelta(days=220),
                )
            )
        Campaign.objects.bulk_create(campaigns)
        # Ids come back on PostgreSQL and SQLite >= 3.35 alike.
        self.campaigns = [(c.pk, c.name, c.channel) for c in campaigns]
        self._count("campaigns", len(campaigns))

    # -- companies --
    def build_accounts(self) -> None:
        rng, now = self.rng, self.now
        writer = TableWriter(Account, self.real_now)
        next_id = _next_id(Account)
        taken_names = set(Account.objects.values_list("name", flat=True))
        taken_domains = set(Account.objects.values_list("domain", flat=True))
        industries = list(INDUSTRY_WEIGHTS.items())
        countries = [(c, w) for c, w, *_ in COUNTRIES]
        country_info = {c: (tld, phone) for c, _, tld, phone in COUNTRIES}
        rows = []
        for i in range(self.n_accounts):
            industry = _weighted(rng, industries)
            country = _weighted(rng, countries)
            tld, phone = country_info[country]
            for attempt in range(50):
                head = rng.choice(NAME_HEADS)
                tail = rng.choice(NAME_TAILS)
                suffix = rng.choice(SUFFIXES)
                base = f"{head} {tail}" + (f" {attempt}" if attempt > 20 else "")
                name = f"{base} {suffix}".strip()
                domain = f"{_slug(head).replace('-', '')}{_slug(tail)}.{tld}"
                if attempt > 5:
                    domain = f"{_slug(head)}-{_slug(tail)}{attempt}.{tld}"
                if name not in taken_names and domain not in taken_domains:
                    break
            taken_names.add(name)
            taken_domains.add(domain)
            employees = int(10 ** rng.uniform(1.2, 5.0))
            per_employee, fit_bias = INDUSTRY_PROFILE[industry]
            revenue = Decimal(int(employees * per_employee * rng.uniform(0.6, 1.5)))
            size_fit = min(1.0, math.log10(employees) / 4.2)
            fit = round(100 * (0.55 * fit_bias + 0.45 * size_fit) + rng.gauss(0, 8))
            fit = max(0, min(100, fit))
            owner_id = rng.choice(self.rep_ids) if rng.random() < 0.85 else None
            created = now - timedelta(days=rng.randint(200, 1100))
            company = _Company(
                id=next_id + i,
                name=name,
                domain=domain,
                industry=industry,
                employees=employees,
                revenue=revenue,
                country=country,
                phone_prefix=phone,
                owner_id=owner_id,
                fit=fit,
                is_target=False,
                created_at=created,
            )
            self.companies.append(company)
        # Targets: the best-fitting share, with some noise, as a marketer would pick them.
        n_targets = round(self.n_accounts * self.target_share)
        ranked = sorted(self.companies, key=lambda c: -(c.fit + rng.uniform(-15, 15)))
        for company in ranked[:n_targets]:
            company.is_target = True
            if company.owner_id is None:
                company.owner_id = rng.choice(self.rep_ids)
        for index, company in enumerate(self.companies):
            if index == 0:
                continue  # the first company shows everything (see _activity_rows)
            company.worked = rng.random() < (0.8 if company.is_target else 0.35)
            company.quiet_days = 0 if rng.random() < 0.7 else rng.randint(10, 90)
            company.heat = rng.lognormvariate(0, 0.5)
        sources = [("manual", 6), ("rule", 3), ("import", 1)]
        for company in self.companies:
            parent_id = None
            if company.id > next_id + 20 and rng.random() < 0.02:
                parent_id = rng.randint(next_id, company.id - 1)
            rows.append(
                writer.row(
                    id=company.id,
                    name=company.name,
                    domain=company.domain,
                    industry=company.industry,
                    employee_count=company.employees,
                    annual_revenue=company.revenue,
                    country=company.country,
                    owner_id=company.owner_id,
                    parent_id=parent_id,
                    fit_score=company.fit,
                    is_target=company.is_target,
                    target_since=(
                        now - timedelta(days=rng.randint(1, 150)) if company.is_target else None
                    ),
                    target_source=_weighted(rng, sources) if company.is_target else "",
                    created_at=company.created_at,
                    updated_at=now - timedelta(days=rng.randint(0, 60)),
                )
            )
        self._count("accounts", writer.write(rows))

    # -- people --
    def _roles_for(self, seniority: str, department: str) -> list[str]:
        rng = self.rng
        roll = rng.random()
        if seniority == "c_level":
            roles = [R.DECISION_MAKER]
            if department == "Finance" or roll < 0.5:
                roles.append(R.BUDGET_HOLDER)
            if department == "Security" and rng.random() < 0.3:
                roles = [R.BLOCKER, R.DECISION_MAKER]
            return roles
        if seniority == "vp":
            if roll < 0.45:
                return [R.DECISION_MAKER]
            if roll < 0.75:
                return [R.BUDGET_HOLDER, R.INFLUENCER]
            return [R.CHAMPION]
        if seniority == "director":
            if department in ("Security", "Finance") and roll < 0.15:
                return [R.BLOCKER]
            if roll < 0.35:
                return [R.CHAMPION]
            if roll < 0.75:
                return [R.INFLUENCER]
            return []
        if seniority == "manager":
            if roll < 0.3:
                return [R.INFLUENCER]
            if roll < 0.5:
                return [R.CHAMPION]
            if roll < 0.7:
                return [R.END_USER]
            return []
        if roll < 0.45:
            return [R.END_USER]
        if roll < 0.5:
            return [R.OTHER]
        return []

    def build_contacts(self) -> None:
        rng, now = self.rng, self.now
        writer = TableWriter(Contact, self.real_now)
        link_writer = TableWriter(ContactAccount, self.real_now)
        next_id = _next_id(Contact)
        next_link = _next_id(ContactAccount)
        taken = {e.lower() for e in Contact.objects.values_list("email", flat=True)}
        seniorities = [(s, w) for s, (w, _) in SENIORITY.items()]
        legal = [("consent", 45), ("legitimate_interest", 30), ("contract", 10), ("none", 15)]
        levels = {
            "consent": ["marketing", "profiling", "tracking", "subscriptions"],
            "legitimate_interest": ["transactional", "subscriptions", "marketing"],
            "contract": ["transactional", "subscriptions"],
            "none": ["none"],
        }
        campaign_ids = [c[0] for c in self.campaigns]
        rows: list[list] = []
        links: list[list] = []
        for index, company in enumerate(self.companies):
            # Some accounts have no known decision maker, a few no buying roles at all yet.
            dm_known = index == 0 or rng.random() < 0.85
            roles_known = index == 0 or rng.random() < 0.94
            low = 5
            high = 40
            count = int(rng.triangular(low, high + 1, 15))
            if company.is_target:
                count = max(count, 8)
            for j in range(count):
                seniority = _weighted(rng, seniorities) if j else "c_level"
                department = rng.choice(DEPARTMENTS)
                template = SENIORITY[seniority][1]
                if isinstance(template, dict):
                    title = template[department]
                elif seniority == "individual":
                    title = rng.choice(IC_TITLES[department])
                else:
                    title = template.format(dept=department)
                roles = self._roles_for(seniority, department)
                if not roles_known:
                    roles = []
                elif not dm_known and R.DECISION_MAKER in roles:
                    roles = [r for r in roles if r != R.DECISION_MAKER] or [R.INFLUENCER]
                first = rng.choice(FIRST_NAMES)
                last = rng.choice(LAST_NAMES)
                local = f"{_slug(first)}.{_slug(last)}"
                email = f"{local}@{company.domain}"
                n = 2
                while email in taken:
                    email = f"{local}{n}@{company.domain}"
                    n += 1
                taken.add(email)
                basis = _weighted(rng, legal)
                allow_email = rng.random() < 0.95
                created = company.created_at + timedelta(
                    days=rng.randint(0, max(1, (now - company.created_at).days - 30))
                )
                person = _Person(
                    id=next_id,
                    account_id=company.id,
                    first=first,
                    last=last.replace("-", " "),
                    seniority=seniority,
                    department=department,
                    roles=roles,
                    allow_email=allow_email,
                    created_at=created,
                )
                next_id += 1
                company.contacts.append(person)
                self.people.append(person)
                rows.append(
                    writer.row(
                        id=person.id,
                        account_id=company.id,
                        first_name=first,
                        last_name=person.last,
                        title=title,
                        department=department,
                        email=email,
                        phone=f"{company.phone_prefix} {rng.randint(200, 989)} "
                        f"{rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                        buying_roles_mask=buying_roles_to_mask(roles),
                        owner_id=company.owner_id,
                        source_campaign_id=(
                            rng.choice(campaign_ids) if rng.random() < 0.3 else None
                        ),
                        allow_email=allow_email,
                        allow_bulk_email=allow_email and basis != "none" and rng.random() < 0.85,
                        allow_prefill=rng.random() < 0.9,
                        follow_email=rng.random() < 0.9,
                        legal_basis=basis,
                        consent_level=rng.choice(levels[basis]),
                        created_at=created,
                        updated_at=created + timedelta(days=rng.randint(0, 30)),
                    )
                )
                links.append(
                    link_writer.row(
                        id=next_link,
                        contact_id=person.id,
                        account_id=company.id,
                        is_primary=True,
                        created_at=created,
                    )
                )
                next_link += 1
        self._count("contacts", writer.write(rows))
        self._count("contact_accounts", link_writer.write(links))

    # -- leads and deals --
    def build_leads(self) -> None:
        rng, now = self.rng, self.now
        writer = TableWriter(Lead, self.real_now)
        next_id = _next_id(Lead)
        statuses = list(Lead.Status.values)
        weights = [("new", 25), ("nurturing", 30), ("mql", 15), ("sales_accepted", 10)]
        weights += [("converted", 8), ("disqualified", 12)]
        score_ranges = {
            "new": (0, 30),
            "nurturing": (15, 59),
            "mql": (60, 100),
            "sales_accepted": (65, 100),
            "converted": (70, 100),
            "disqualified": (0, 40),
        }
        marketer_id = self.users["marketer"].pk
        campaign_ids = [c[0] for c in self.campaigns]
        rows = []
        i = 0
        for index, company in enumerate(self.companies):
            # The first company carries one lead of every status, so any data set has them.
            share = 1.0 if index == 0 else 0.25 if company.is_target else 0.08
            chosen = [p for p in company.contacts if rng.random() < share]
            parents: list[_Person | None] = list(chosen)
            if rng.random() < 0.05 or index == 0:
                parents.append(None)  # an account-level lead with no contact yet
            for person in parents:
                status = statuses[i] if i < len(statuses) else _weighted(rng, weights)
                i += 1
                product_id, product_name, _ = rng.choice(self.products)
                created = now - timedelta(days=rng.randint(1, 170))
                low, high = score_ranges[status]
                owner = company.owner_id if status in ("sales_accepted", "converted") else None
                lead_id = next_id
                next_id += 1
                rows.append(
                    writer.row(
                        id=lead_id,
                        topic=f"{product_name} for {company.name}",
                        product_id=product_id,
                        contact_id=person.id if person else None,
                        account_id=company.id,
                        status=status,
                        score=rng.randint(low, high),
                        owner_id=owner or marketer_id,
                        source_campaign_id=rng.choice(campaign_ids),
                        created_at=created,
                        updated_at=created + timedelta(days=rng.randint(0, 10)),
                    )
                )
                self.leads.append((lead_id, person, status, created))
        self._count("leads", writer.write(rows))

    def build_opportunities(self) -> None:
        rng, now = self.rng, self.now
        writer = TableWriter(Opportunity, self.real_now)
        role_writer = TableWriter(OpportunityContactRole, self.real_now)
        next_id = _next_id(Opportunity)
        next_role = _next_id(OpportunityContactRole)
        stages = list(Opportunity.Stage.values)
        weights = [("prospecting", 20), ("qualification", 20), ("proposal", 15)]
        weights += [("negotiation", 10), ("closed_won", 18), ("closed_lost", 17)]
        rows, roles = [], []
        i = 0
        for company in self.companies:
            if company.is_target:
                n = rng.choice((0, 1, 1, 2, 3))
            else:
                n = 1 if rng.random() < 0.12 else 0
            if i == 0:
                n = len(stages)  # every stage appears even in a tiny data set
            for _ in range(n):
                stage = stages[i] if i < len(stages) else _weighted(rng, weights)
                i += 1
                product_id, product_name, _ = rng.choice(self.products)
                created = now - timedelta(days=rng.randint(5, 175))
                closed = stage in Opportunity.CLOSED_STAGES
                if closed:
                    close_date = (created + timedelta(days=rng.randint(5, 90))).date()
                    close_date = min(close_date, (now - timedelta(days=1)).date())
                else:
                    close_date = (now + timedelta(days=rng.randint(7, 150))).date()
                # Deal size grows slower than headcount: $5k for a start-up, ~$0.7M at most.
                size = 5000 + company.employees**0.65 * rng.uniform(60, 400)
                amount = Decimal(int(size) // 500 * 500)
                opp_id = next_id
                next_id += 1
                closed_at = (
                    timezone.make_aware(datetime.combine(close_date, datetime.min.time()))
                    + timedelta(hours=15)
                    if closed
                    else None
                )
                rows.append(
                    writer.row(
                        id=opp_id,
                        account_id=company.id,
                        name=f"{company.name} — {product_name}",
                        amount=amount,
                        stage=stage,
                        close_date=close_date,
                        owner_id=company.owner_id or rng.choice(self.rep_ids),
                        created_at=created,
                        closed_at=closed_at,
                        updated_at=closed_at or created + timedelta(days=rng.randint(0, 20)),
                    )
                )
                people = sorted(company.contacts, key=lambda p: (not p.roles, p.id))
                picked = people[: rng.randint(1, min(3, len(people)))] if people else []
                for k, person in enumerate(picked):
                    roles.append(
                        role_writer.row(
                            id=next_role,
                            opportunity_id=opp_id,
                            contact_id=person.id,
                            role=person.roles[0] if person.roles else "",
                            is_primary=k == 0,
                        )
                    )
                    next_role += 1
                primary = picked[0] if picked else None
                self.deals.append((opp_id, company, primary, stage, created, closed_at, amount))
        self._count("opportunities", writer.write(rows))
        self._count("opportunity_contact_roles", role_writer.write(roles))

    # -- activities --
    def _when(self, days_back: int = 180, business: bool = False, quiet: int = 0) -> datetime:
        rng = self.rng
        # Recent weeks are busier than older ones; a quiet account's last weeks are empty.
        days = quiet + int((days_back - quiet) * (rng.random() ** 1.4))
        moment = self.now - timedelta(
            days=days, hours=rng.randint(-4, 6), minutes=rng.randint(0, 59)
        )
        if business and moment.weekday() >= 5:
            moment -= timedelta(days=moment.weekday() - 4)
        return moment

    def _activity_rows(self, writer: TableWriter, next_id: int) -> Iterator[list]:
        # A generator consumed inside COPY: it must not query the database itself.
        rng, now = self.rng, self.now
        mix_types = [t for t, _ in ACTIVITY_MIX]
        mix_weights = [w for _, w in ACTIVITY_MIX]
        companies = {c.id: c for c in self.companies}
        campaigns = self.campaigns
        campaign_by_channel: dict[str, list[int]] = {}
        for pk, _, channel in campaigns:
            campaign_by_channel.setdefault(channel, []).append(pk)
        email_campaigns = campaign_by_channel.get("email", []) + campaign_by_channel.get(
            "content", []
        )
        event_campaigns = campaign_by_channel.get("event", []) + campaign_by_channel.get(
            "webinar", []
        )
        all_campaign_ids = [c[0] for c in campaigns]
        marketer_id = self.users["marketer"].pk
        product_names = [p[1] for p in self.products]
        row = writer.row

        real_now = self.real_now

        def make(person: _Person, kind: str, when: datetime, **extra) -> list:
            nonlocal next_id
            if not extra.pop("scheduled", False):
                when = min(when, real_now)  # only booked meetings lie in the future
            company = companies[person.account_id]
            initiated = extra.pop("initiated_by", DEFAULT_INITIATOR[kind])
            user_id = extra.pop("user_id", None)
            if initiated == "user" and user_id is None:
                user_id = company.owner_id or marketer_id
            values = row(
                id=next_id,
                contact_id=person.id,
                account_id=person.account_id,
                type=kind,
                occurred_at=when,
                initiated_by=initiated,
                user_id=user_id,
                channel=extra.pop("channel", DEFAULT_CHANNEL[kind]),
                created_at=min(when, real_now),
                **extra,
            )
            next_id += 1
            return values

        def email_chain(person: _Person, when: datetime, marketing: bool) -> Iterator[list]:
            company = companies[person.account_id]
            subject = rng.choice(EMAIL_SUBJECTS).format(
                company=company.name,
                first=person.first,
                industry=company.industry.replace("_", " "),
                product=rng.choice(product_names),
            )
            campaign_id = rng.choice(email_campaigns) if marketing and email_campaigns else None
            user_id = marketer_id if marketing else (company.owner_id or marketer_id)
            content = "marketing email" if marketing else "sales email"
            yield make(
                person,
                T.EMAIL_SENT,
                when,
                user_id=user_id,
                campaign_id=campaign_id,
                subject=subject,
                content_type=content,
            )
            if rng.random() < 0.45:
                when += timedelta(minutes=rng.randint(3, 600))
                bot = rng.random() < 0.04
                yield make(
                    person,
                    T.EMAIL_OPENED,
                    when,
                    campaign_id=campaign_id,
                    subject=subject,
                    content_type=content,
                    is_bot=bot,
                )
                if rng.random() < 0.3:
                    when += timedelta(minutes=rng.randint(1, 90))
                    path, _ = rng.choice(WEB_PAGES)
                    yield make(
                        person,
                        T.EMAIL_CLICKED,
                        when,
                        campaign_id=campaign_id,
                        subject=subject,
                        content_type=content,
                        url=f"{SITE}{path}?utm_source=email",
                        is_bot=bot,
                    )
                if not marketing and rng.random() < 0.15:
                    when += timedelta(hours=rng.randint(1, 48))
                    yield make(
                        person,
                        T.EMAIL_REPLIED,
                        when,
                        subject=f"Re: {subject}",
                        content_type=content,
                    )

        def one(person: _Person, kind: str, when: datetime) -> Iterator[list]:
            company = companies[person.account_id]
            if kind == T.EMAIL_SENT:
                marketing = rng.random() < 0.6 or not company.worked
                yield from email_chain(person, when, marketing=marketing)
            elif kind == T.WEB_VISIT:
                if rng.random() < 0.35:
                    _, name, keywords = rng.choice(self.products)
                    path = f"/products/{_slug(name)}"
                    title = f"{name} — {rng.choice(keywords)}"
                else:
                    path, title = rng.choice(WEB_PAGES)
                yield make(
                    person, kind, when, url=f"{SITE}{path}", subject=title, content_type="webpage"
                )
            elif kind == T.DOCUMENT_VIEWED:
                title, content = rng.choice(DOCUMENTS)
                yield make(
                    person,
                    kind,
                    when,
                    url=f"{SITE}/resources/{_slug(title)}.pdf",
                    subject=title,
                    content_type=content,
                    campaign_id=rng.choice(all_campaign_ids) if rng.random() < 0.4 else None,
                )
            elif kind == T.FORM_SUBMITTED:
                title, path = rng.choice(FORMS)
                yield make(
                    person,
                    kind,
                    when,
                    url=f"{SITE}{path}",
                    subject=title,
                    content_type="form",
                    campaign_id=rng.choice(all_campaign_ids) if rng.random() < 0.5 else None,
                )
            elif kind == T.CALL:
                outcome = rng.choice(CALL_OUTCOMES)
                duration = rng.randint(120, 1800) if outcome == "connected" else rng.randint(0, 40)
                yield make(
                    person,
                    kind,
                    when,
                    subject=f"Call with {person.first} {person.last}: {outcome}",
                    metadata={"outcome": outcome, "duration_seconds": duration},
                )
            elif kind == T.MEETING:
                yield make(
                    person,
                    kind,
                    when,
                    subject=f"{rng.choice(MEETING_SUBJECTS)} with {company.name}",
                    metadata={"duration_minutes": rng.choice((30, 45, 60))},
                )
            elif kind == T.NOTE:
                yield make(
                    person,
                    kind,
                    when,
                    subject=f"Note: {person.first} is evaluating {rng.choice(product_names)}",
                )
            elif kind in (T.EVENT_REGISTERED, T.EVENT_ATTENDED):
                campaign_id = rng.choice(event_campaigns) if event_campaigns else None
                name = next((c[1] for c in campaigns if c[0] == campaign_id), "Customer event")
                yield make(
                    person,
                    T.EVENT_REGISTERED,
                    when,
                    campaign_id=campaign_id,
                    subject=name,
                    content_type="event",
                )
                if rng.random() < 0.55:
                    yield make(
                        person,
                        T.EVENT_ATTENDED,
                        min(now, when + timedelta(days=rng.randint(3, 20))),
                        campaign_id=campaign_id,
                        subject=name,
                        content_type="event",
                    )
            elif kind in (T.CAMPAIGN_ADDED, T.CAMPAIGN_REMOVED):
                campaign_id = rng.choice(all_campaign_ids)
                yield make(
                    person,
                    T.CAMPAIGN_ADDED,
                    when,
                    campaign_id=campaign_id,
                    user_id=marketer_id,
                    subject="Added to sales campaign",
                )
                if kind == T.CAMPAIGN_REMOVED or rng.random() < 0.15:
                    yield make(
                        person,
                        T.CAMPAIGN_REMOVED,
                        min(now, when + timedelta(days=rng.randint(5, 40))),
                        campaign_id=campaign_id,
                        user_id=marketer_id,
                        subject="Removed from sales campaign",
                    )
            else:
                yield make(person, kind, when, subject=T(kind).label)

        # A tour of every kind on the very first person, so any data set shows them all.
        if self.people:
            first = self.people[0]
            for kind in T.values:
                yield from one(first, kind, self._when(60, business=True))

        for company in self.companies:
            heat = (1.6 if company.is_target else 0.8) * company.heat
            for person in company.contacts:
                mean = self.k * heat * (1.3 if person.roles else 0.8)
                n = max(0, int(rng.gauss(mean, mean / 3)))
                made = 0
                while made < n:
                    kind = rng.choices(mix_types, mix_weights)[0]
                    if not company.worked and kind in SALES_KINDS:
                        kind = T.WEB_VISIT  # sales has not worked this account yet
                    when = self._when(
                        business=DEFAULT_INITIATOR[kind] == "user", quiet=company.quiet_days
                    )
                    for values in one(person, kind, when):
                        made += 1
                        yield values

        # Record-driven kinds: lead status changes, deals created and won, finished tasks.
        for lead_id, person, status, created in self.leads:
            if person is None or status == "new":
                continue
            path = ["new", "nurturing", "mql", "sales_accepted", "converted"]
            steps = path[: path.index(status) + 1] if status in path else ["new", status]
            when = created
            for before, after in zip(steps, steps[1:], strict=False):
                when = min(now, when + timedelta(days=rng.randint(1, 12)))
                yield make(
                    person,
                    T.LEAD_STATUS_CHANGED,
                    when,
                    subject=f"Lead status: {before} → {after}",
                    metadata={"lead": lead_id, "from": before, "to": after},
                )
        for opp_id, _company, primary, stage, created, closed_at, amount in self.deals:
            if primary is None:
                continue
            yield make(
                primary,
                T.OPPORTUNITY_CREATED,
                created,
                subject=f"Opportunity #{opp_id} created",
                metadata={"opportunity": opp_id},
            )
            if stage == Opportunity.Stage.CLOSED_WON and closed_at:
                yield make(
                    primary,
                    T.OPPORTUNITY_WON,
                    min(now, closed_at),
                    subject=f"Opportunity #{opp_id} won",
                    metadata={"opportunity": opp_id, "amount": str(amount)},
                )
        for person, title, completed in self.done_tasks:
            yield make(person, T.TASK, completed, subject=title)
        # Meetings already booked for the coming weeks.
        for person, when, subject in self.future_meetings:
            yield make(
                person,
                T.MEETING,
                when,
                subject=subject,
                metadata={"duration_minutes": 30},
                scheduled=True,
            )

    def plan_tasks_and_meetings(self) -> list:
        """Open tasks (some overdue), finished tasks, and meetings booked ahead."""
        from accounts.models import Task

        rng, now = self.rng, self.now
        writer = TableWriter(Task, self.real_now)
        next_id = _next_id(Task)
        rows = []
        self.done_tasks: list[tuple[_Person, str, datetime]] = []
        self.future_meetings: list[tuple[_Person, datetime, str]] = []
        types = list(Task.Type.values)
        for index, company in enumerate(self.companies):
            if not company.contacts:
                continue
            chance = 0.45 if company.is_target else 0.06
            if index == 0:
                chance = 1.0
            if rng.random() < chance:
                for _ in range(rng.randint(1, 3)):
                    person = rng.choice(company.contacts)
                    kind = rng.choice(types)
                    title = TASK_TITLES[kind].format(
                        name=f"{person.first} {person.last}", company=company.name
                    )
                    owner = company.owner_id or rng.choice(self.rep_ids)
                    done = rng.random() < 0.35
                    due = now + timedelta(days=rng.randint(-30 if done else -5, 21), hours=3)
                    completed = min(self.real_now, due - timedelta(hours=rng.randint(1, 30)))
                    rows.append(
                        writer.row(
                            id=next_id,
                            type=kind,
                            title=title,
                            description=f"{company.name}: keep the deal moving.",
                            due_at=due,
                            status="done" if done else "open",
                            owner_id=owner,
                            contact_id=person.id,
                            account_id=company.id,
                            created_by_id=owner,
                            created_at=min(now, due) - timedelta(days=rng.randint(1, 10)),
                            completed_at=completed if done else None,
                        )
                    )
                    next_id += 1
                    if done:
                        self.done_tasks.append((person, title, completed))
            if company.is_target and company.worked and rng.random() < 0.3 or index == 0:
                person = next((p for p in company.contacts if p.roles), company.contacts[0])
                when = now + timedelta(days=rng.randint(1, 21), hours=rng.randint(-3, 5))
                self.future_meetings.append(
                    (person, when, f"{rng.choice(MEETING_SUBJECTS)} with {company.name}")
                )
        return rows

    def run(self) -> DemoResult:
        from accounts.models import Task

        started = time.monotonic()
        result = DemoResult()
        result.logins = self.build_users()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Check foreign keys as rows arrive rather than queue them all for COMMIT
                # (a queue also forbids the ALTER TABLEs of a bulk load).
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            self.build_catalog()
            step = time.monotonic()
            self.build_accounts()
            self.log(f"  accounts: {self.counts['accounts']:,} ({time.monotonic() - step:.1f}s)")
            step = time.monotonic()
            big = self.n_accounts * 20 >= BULK_LOAD_MIN_ROWS
            with _BulkLoad(Contact, enabled=big), _BulkLoad(ContactAccount, enabled=big):
                self.build_contacts()
            self.log(f"  contacts: {self.counts['contacts']:,} ({time.monotonic() - step:.1f}s)")
            self.build_leads()
            self.build_opportunities()
            task_rows = self.plan_tasks_and_meetings()
            self._count("tasks", TableWriter(Task, self.real_now).write(task_rows))
            step = time.monotonic()
            writer = TableWriter(Activity, self.real_now)
            first_id = _next_id(Activity)
            with _BulkLoad(Activity, enabled=self.n_accounts * 20 * self.k >= BULK_LOAD_MIN_ROWS):
                self._count(
                    "activities",
                    writer.write(self._activity_rows(writer, first_id), batch=5000),
                )
            self.log(
                f"  activities: {self.counts['activities']:,} ({time.monotonic() - step:.1f}s)"
            )
            _reset_sequences(
                [
                    Account,
                    Contact,
                    ContactAccount,
                    Lead,
                    Opportunity,
                    OpportunityContactRole,
                    Activity,
                    Task,
                ]
            )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for model in (Account, Contact, Activity, ContactAccount, Task):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        result.counts = dict(self.counts)
        result.seconds = time.monotonic() - started
        return result


def demo_run_app_hooks(*, seed: int, scale: int, stdout=None) -> list[str]:
    """Let other apps add their demo data: ``<app>.demo.seed_demo(rng=, stdout=, scale=)``."""
    ran = []
    for app in DEMO_APPS:
        try:
            module = importlib.import_module(f"{app}.demo")
        except ModuleNotFoundError as exc:
            if exc.name in (f"{app}.demo", app):
                continue
            raise
        hook = getattr(module, "seed_demo", None)
        if hook is None:
            continue
        hook(rng=random.Random(f"{seed}:{app}"), stdout=stdout, scale=scale)
        ran.append(app)
    return ran


def demo_flush() -> None:
    """Remove every CRM record (not users): the demo starts from an empty book."""
    from accounts.models import Task

    with transaction.atomic():
        if connection.vendor == "postgresql":
            tables = [
                m._meta.db_table
                for m in (Activity, Task, Lead, Opportunity, Contact, Account, Campaign, Product)
            ]
            names = ", ".join(connection.ops.quote_name(t) for t in tables)
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {names} CASCADE")
            return
        for model in (
            Activity,
            Task,
            OpportunityContactRole,
            Opportunity,
            Lead,
            ContactAccount,
            Contact,
            Account,
            Campaign,
            Product,
        ):
            model.objects.all().delete()


def demo_seed(
    *,
    accounts: int,
    seed: int = 1,
    activities_per_contact: float = 10,
    target_share: float = 0.2,
    stdout=None,
    run_hooks: bool = True,
) -> DemoResult:
    """Build the demo data set (users, companies, people, deals, activities, tasks)."""
    builder = DemoBuilder(
        accounts=accounts,
        seed=seed,
        activities_per_contact=activities_per_contact,
        target_share=target_share,
        stdout=stdout,
    )
    result = builder.run()
    # Rows were written directly, so the per-account rollups that the target-accounts
    # page reads are rebuilt from scratch, as the rebuild command would.
    from accounts.services.rollups import rollups_rebuild

    started = time.monotonic()
    report = rollups_rebuild()
    builder.log(f"  rollups: {report.accounts:,} accounts ({time.monotonic() - started:.1f}s)")
    result.seconds += time.monotonic() - started
    if run_hooks:
        started = time.monotonic()
        ran = demo_run_app_hooks(seed=seed, scale=accounts, stdout=stdout)
        if ran:
            result.counts["app_hooks_seconds"] = round(time.monotonic() - started, 1)
        result.seconds += time.monotonic() - started
    return result
