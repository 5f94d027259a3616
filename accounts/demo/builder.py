"""The demo generator: one builder per run, a list of steps that fill it, and the entry points.

``demo_seed(accounts=N, seed=S)`` builds the CRM book of the base app — users and
teams, products, campaigns, companies, people, leads, deals, tasks and six months of
activities — then rebuilds the rollups. The apps built on ``accounts`` add their own
demo data afterwards, called by the composition root (``abm.demo``), not from here.

Adding a step: write ``def my_step(b: DemoBuilder) -> None`` that reads what the
earlier steps left on the builder (``b.companies``, ``b.people``, ``b.leads``,
``b.deals``…), writes rows with ``b.writer(Model)`` and ``b.next_id(Model)``, and
records ``b.count(...)``; then add it to ``DEMO_STEPS``. Every step draws from the
one seeded ``b.rng`` in order, so a new step that needs randomness should draw from
``b.rng_for("my_step")`` instead: the rows of the existing steps then stay exactly
the same for the same seed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, models, transaction
from django.utils import timezone

from accounts.demo.activities import activities_build
from accounts.demo.companies import accounts_build, catalog_build, contacts_build
from accounts.demo.lifecycle import lifecycle_build
from accounts.demo.loader import TableWriter, next_id, sequences_reset, tables_analyze
from accounts.demo.logins import DemoLogin, users_build
from accounts.demo.pipeline import leads_build, opportunities_build, tasks_build
from accounts.demo.shapes import Company, Person
from accounts.models import (
    Account,
    Activity,
    Campaign,
    Contact,
    ContactAccount,
    Lead,
    Opportunity,
    OpportunityContactRole,
    Product,
    Task,
    User,
)

DemoStep = Callable[["DemoBuilder"], None]

# In order: each step reads what the steps before it left on the builder.
DEMO_STEPS: tuple[DemoStep, ...] = (
    catalog_build,
    accounts_build,
    contacts_build,
    leads_build,
    opportunities_build,
    tasks_build,
    activities_build,  # it turns leads, deals and finished tasks into activities
    lifecycle_build,  # after them: stage history and the touches that shape the analytics
)


@dataclass
class DemoResult:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    logins: list[DemoLogin] = field(default_factory=list)
    skipped: bool = False


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
        steps: Sequence[DemoStep] = DEMO_STEPS,
    ):
        self.n_accounts = accounts
        self.seed = seed
        self.rng = random.Random(seed)
        self.k = activities_per_contact
        self.target_share = target_share
        self.stdout = stdout
        self.steps = tuple(steps)
        # Whole days keep the data deterministic within a day and recent whenever it runs.
        self.real_now = timezone.now()
        self.now = self.real_now.replace(hour=12, minute=0, second=0, microsecond=0)
        self.counts: dict[str, int] = {}
        self.written: list[type[models.Model]] = []
        # What the steps leave for the steps after them.
        self.users: dict[str, User] = {}
        self.rep_ids: list[int] = []
        self.campaigns: list[tuple[int, str, str]] = []
        self.products: list[tuple[int, str, list[str]]] = []
        self.companies: list[Company] = []
        self.people: list[Person] = []
        self.leads: list[tuple] = []  # (lead id, person or None, status, created)
        # Each lead's status moves, (from, to, when), as kept in its LeadStatusChange rows.
        self.lead_steps: dict[int, list[tuple[str, str, datetime]]] = {}
        self.deals: list[
            tuple
        ] = []  # (id, company, primary person, stage, created, closed, amount)
        self.done_tasks: list[tuple[Person, str, datetime]] = []
        self.future_meetings: list[tuple[Person, datetime, str]] = []

    def log(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)

    def count(self, key: str, n: int) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def rng_for(self, name: str) -> random.Random:
        """A random number generator of its own for a step, seeded from the run's seed."""
        return random.Random(f"{self.seed}:{name}")

    def writer(self, model: type[models.Model]) -> TableWriter:
        """A row writer for the model; its table's sequence is reset after the run."""
        if model not in self.written:
            self.written.append(model)
        return TableWriter(model, self.real_now)

    def next_id(self, model: type[models.Model]) -> int:
        return next_id(model)

    def when(self, days_back: int = 180, business: bool = False, quiet: int = 0) -> datetime:
        """A past moment, recent weeks busier than older ones (a quiet account's are empty)."""
        rng = self.rng
        days = quiet + int((days_back - quiet) * (rng.random() ** 1.4))
        moment = self.now - timedelta(
            days=days, hours=rng.randint(-4, 6), minutes=rng.randint(0, 59)
        )
        if business and moment.weekday() >= 5:
            moment -= timedelta(days=moment.weekday() - 4)
        return moment

    def run(self) -> DemoResult:
        started = time.monotonic()
        result = DemoResult()
        result.logins = users_build(self)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Check foreign keys as rows arrive rather than queue them all for COMMIT
                # (a queue also forbids the ALTER TABLEs of a bulk load).
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for step in self.steps:
                step(self)
            sequences_reset(self.written)
        tables_analyze(self.written)
        result.counts = dict(self.counts)
        result.seconds = time.monotonic() - started
        return result


def demo_seed(
    *,
    accounts: int,
    seed: int = 1,
    activities_per_contact: float = 10,
    target_share: float = 0.2,
    stdout=None,
) -> DemoResult:
    """Build the CRM demo book (users, companies, people, deals, activities, tasks)."""
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
    return result


def demo_flush() -> None:
    """Remove every CRM record (not users): the demo starts from an empty book."""
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
