"""Demo data: a realistic, deterministic B2B book of business for trying the hub.

``demo_seed(accounts=N, seed=S)`` builds users and teams, campaigns, products,
companies, their people, leads, deals, six months of activities and open tasks.
Rows are generated in Python with ``random.Random(seed)`` and written with
PostgreSQL ``COPY`` (or ``bulk_create`` in big batches on SQLite).

- ``vocabulary``: the word lists; ``logins``: who signs in;
- ``loader``: the bulk loader (COPY / bulk_create, big-table loads, sequences);
- ``builder``: the generator and its steps, taken from ``companies``, ``pipeline``
  and ``activities``; ``shapes``: the in-memory rows the steps share.

The apps above ``accounts`` seed their own data after this one: ``abm.demo`` runs
them all (``manage.py seed_demo``).
"""

from accounts.demo.builder import DEMO_STEPS, DemoBuilder, DemoResult, demo_flush, demo_seed
from accounts.demo.logins import DemoLogin, demo_logins

__all__ = [
    "DEMO_STEPS",
    "DemoBuilder",
    "DemoLogin",
    "DemoResult",
    "demo_flush",
    "demo_logins",
    "demo_seed",
]
