"""Demo steps for the catalog (products, campaigns), the companies and their people."""

from __future__ import annotations

import math
import time
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from accounts.demo.loader import bulk_load
from accounts.demo.shapes import Company, Person, slug, weighted
from accounts.demo.vocabulary import (
    CAMPAIGN_THEMES,
    COUNTRIES,
    DEPARTMENTS,
    FIRST_NAMES,
    IC_TITLES,
    INDUSTRY_PROFILE,
    INDUSTRY_WEIGHTS,
    LAST_NAMES,
    NAME_HEADS,
    NAME_TAILS,
    PRODUCTS,
    SENIORITY,
    SUFFIXES,
)
from accounts.models import (
    Account,
    BuyingRole,
    Campaign,
    Contact,
    ContactAccount,
    Product,
    buying_roles_to_mask,
)

if TYPE_CHECKING:
    from accounts.demo.builder import DemoBuilder

R = BuyingRole


def catalog_build(b: DemoBuilder) -> None:
    """Products (reference data, kept if they exist) and this run's campaigns."""
    rng = b.rng
    for name, keywords, description in PRODUCTS:
        product, created = Product.objects.get_or_create(
            name=name, defaults={"keywords": keywords, "description": description}
        )
        b.count("products", int(created))
        b.products.append((product.pk, name, product.keywords or keywords))
    marketer = b.users["marketer"]
    themes = CAMPAIGN_THEMES * (1 + b.n_accounts // 2500)
    campaigns = []
    for i, (theme, channel) in enumerate(themes):
        start = (b.now - timedelta(days=rng.randint(-30, 200))).date()
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
                created_at=b.now - timedelta(days=220),
            )
        )
    Campaign.objects.bulk_create(campaigns)
    # Ids come back on PostgreSQL and SQLite >= 3.35 alike.
    b.campaigns = [(c.pk, c.name, c.channel) for c in campaigns]
    b.count("campaigns", len(campaigns))


def accounts_build(b: DemoBuilder) -> None:
    """Companies: names, sizes, fit, owners, and the best-fitting share as targets."""
    started = time.monotonic()
    rng, now = b.rng, b.now
    writer = b.writer(Account)
    next_id = b.next_id(Account)
    taken_names = set(Account.objects.values_list("name", flat=True))
    taken_domains = set(Account.objects.values_list("domain", flat=True))
    industries = list(INDUSTRY_WEIGHTS.items())
    countries = [(c, w) for c, w, *_ in COUNTRIES]
    country_info = {c: (tld, phone) for c, _, tld, phone in COUNTRIES}
    rows = []
    for i in range(b.n_accounts):
        industry = weighted(rng, industries)
        country = weighted(rng, countries)
        tld, phone = country_info[country]
        for attempt in range(50):
            head = rng.choice(NAME_HEADS)
            tail = rng.choice(NAME_TAILS)
            suffix = rng.choice(SUFFIXES)
            base = f"{head} {tail}" + (f" {attempt}" if attempt > 20 else "")
            name = f"{base} {suffix}".strip()
            domain = f"{slug(head).replace('-', '')}{slug(tail)}.{tld}"
            if attempt > 5:
                domain = f"{slug(head)}-{slug(tail)}{attempt}.{tld}"
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
        owner_id = rng.choice(b.rep_ids) if rng.random() < 0.85 else None
        created = now - timedelta(days=rng.randint(200, 1100))
        company = Company(
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
        b.companies.append(company)
    # Targets: the best-fitting share, with some noise, as a marketer would pick them.
    n_targets = round(b.n_accounts * b.target_share)
    ranked = sorted(b.companies, key=lambda c: -(c.fit + rng.uniform(-15, 15)))
    for company in ranked[:n_targets]:
        company.is_target = True
        if company.owner_id is None:
            company.owner_id = rng.choice(b.rep_ids)
    for index, company in enumerate(b.companies):
        if index == 0:
            continue  # the first company shows everything (see _activity_rows)
        company.worked = rng.random() < (0.8 if company.is_target else 0.35)
        company.quiet_days = 0 if rng.random() < 0.7 else rng.randint(10, 90)
        company.heat = rng.lognormvariate(0, 0.5)
    sources = [("manual", 6), ("rule", 3), ("import", 1)]
    for company in b.companies:
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
                target_source=weighted(rng, sources) if company.is_target else "",
                created_at=company.created_at,
                updated_at=now - timedelta(days=rng.randint(0, 60)),
            )
        )
    b.count("accounts", writer.write(rows))
    b.log(f"  accounts: {b.counts['accounts']:,} ({time.monotonic() - started:.1f}s)")


def _roles_for(b: DemoBuilder, seniority: str, department: str) -> list[str]:
    rng = b.rng
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


def contacts_build(b: DemoBuilder) -> None:
    """People of every company, each linked to it as their primary account."""
    started = time.monotonic()
    rng, now = b.rng, b.now
    writer = b.writer(Contact)
    link_writer = b.writer(ContactAccount)
    next_id = b.next_id(Contact)
    next_link = b.next_id(ContactAccount)
    taken = {e.lower() for e in Contact.objects.values_list("email", flat=True)}
    seniorities = [(s, w) for s, (w, _) in SENIORITY.items()]
    legal = [("consent", 45), ("legitimate_interest", 30), ("contract", 10), ("none", 15)]
    levels = {
        "consent": ["marketing", "profiling", "tracking", "subscriptions"],
        "legitimate_interest": ["transactional", "subscriptions", "marketing"],
        "contract": ["transactional", "subscriptions"],
        "none": ["none"],
    }
    campaign_ids = [c[0] for c in b.campaigns]
    rows: list[list] = []
    links: list[list] = []
    for index, company in enumerate(b.companies):
        # Some accounts have no known decision maker, a few no buying roles at all yet.
        dm_known = index == 0 or rng.random() < 0.85
        roles_known = index == 0 or rng.random() < 0.94
        low = 5
        high = 40
        count = int(rng.triangular(low, high + 1, 15))
        if company.is_target:
            count = max(count, 8)
        for j in range(count):
            seniority = weighted(rng, seniorities) if j else "c_level"
            department = rng.choice(DEPARTMENTS)
            template = SENIORITY[seniority][1]
            if isinstance(template, dict):
                title = template[department]
            elif seniority == "individual":
                title = rng.choice(IC_TITLES[department])
            else:
                title = template.format(dept=department)
            roles = _roles_for(b, seniority, department)
            if not roles_known:
                roles = []
            elif not dm_known and R.DECISION_MAKER in roles:
                roles = [r for r in roles if r != R.DECISION_MAKER] or [R.INFLUENCER]
            first = rng.choice(FIRST_NAMES)
            last = rng.choice(LAST_NAMES)
            local = f"{slug(first)}.{slug(last)}"
            email = f"{local}@{company.domain}"
            n = 2
            while email in taken:
                email = f"{local}{n}@{company.domain}"
                n += 1
            taken.add(email)
            basis = weighted(rng, legal)
            allow_email = rng.random() < 0.95
            created = company.created_at + timedelta(
                days=rng.randint(0, max(1, (now - company.created_at).days - 30))
            )
            person = Person(
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
            b.people.append(person)
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
                    source_campaign_id=(rng.choice(campaign_ids) if rng.random() < 0.3 else None),
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
    expected = b.n_accounts * 20
    with (
        bulk_load(Contact, expected_rows=expected),
        bulk_load(ContactAccount, expected_rows=expected),
    ):
        b.count("contacts", writer.write(rows))
        b.count("contact_accounts", link_writer.write(links))
    b.log(f"  contacts: {b.counts['contacts']:,} ({time.monotonic() - started:.1f}s)")
