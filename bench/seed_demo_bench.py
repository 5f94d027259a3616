"""Time ``seed_demo`` on a fresh PostgreSQL database and print the figures.

Usage (from the repository root)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abm_seed \\
        .venv/bin/python bench/seed_demo_bench.py --accounts 10000 --seed 1

The database named in DATABASE_URL is dropped and recreated, migrated, then seeded
with ``seed_demo --flush --no-app-hooks`` (the accounts generator alone). Prints
row counts, wall-clock seconds, this process's CPU seconds and the load average,
because on a shared machine wall-clock time says as much about the neighbours.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abm.settings")
os.environ.setdefault("DEBUG", "1")


def recreate_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name or name in ("postgres", "template0", "template1"):
        raise SystemExit(f"Refusing to drop the database {name!r}.")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--activities-per-contact", type=float, default=10)
    parser.add_argument("--keep", action="store_true", help="Do not recreate the database.")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database of your own.")
    if not args.keep:
        recreate_database(url)

    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import Account, Activity, Contact, Lead, Opportunity

    call_command("migrate", verbosity=0, skip_checks=True)
    load_before = os.getloadavg()
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    call_command(
        "seed_demo",
        accounts=args.accounts,
        seed=args.seed,
        activities_per_contact=args.activities_per_contact,
        flush=args.keep,
        no_app_hooks=True,
        skip_checks=True,
    )
    wall = time.monotonic() - started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    counts = {
        "accounts": Account.objects.count(),
        "contacts": Contact.objects.count(),
        "activities": Activity.objects.count(),
        "leads": Lead.objects.count(),
        "opportunities": Opportunity.objects.count(),
    }
    print()
    print("| figure | value |")
    print("|---|---|")
    for key, value in counts.items():
        print(f"| {key} | {value:,} |")
    print(f"| wall-clock seconds | {wall:.0f} |")
    print(f"| generator CPU seconds (Python) | {cpu:.0f} |")
    print(f"| activity rows per wall second | {counts['activities'] / wall:,.0f} |")
    print(f"| load average before / after | {load_before[0]:.1f} / {os.getloadavg()[0]:.1f} |")
    print(f"| cores | {os.cpu_count()} |")


if __name__ == "__main__":
    main()
