"""The hub's demo data, composed here because only the project may know every app.

``accounts.demo`` builds the CRM book the other apps stand on; then each app above
it adds its own demo data through ``<app>.demo.seed_demo(rng=, stdout=, scale=)``,
in the order of ``DEMO_APPS`` (an app without a ``demo`` module is skipped).
``manage.py seed_demo`` calls ``hub_demo_seed``.
"""

from __future__ import annotations

import importlib
import random
import time

from accounts.demo import DemoResult, demo_seed

DEMO_APPS = (
    "buying_groups",
    "sales_actions",
    "analytics",
    "accounts.webforms",
    "accounts.events",
    "accounts.subscriptions",
    "accounts.webhooks",
    "accounts.scoring",
)


def app_demos_seed(*, seed: int, scale: int, stdout=None) -> list[str]:
    """Run each app's ``seed_demo`` with a random generator of its own; return the apps run."""
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


def hub_demo_seed(
    *,
    accounts: int,
    seed: int = 1,
    activities_per_contact: float = 10,
    target_share: float = 0.2,
    stdout=None,
    with_apps: bool = True,
) -> DemoResult:
    """Build the CRM demo book, then (``with_apps``) every app's demo data on top of it."""
    result = demo_seed(
        accounts=accounts,
        seed=seed,
        activities_per_contact=activities_per_contact,
        target_share=target_share,
        stdout=stdout,
    )
    if with_apps:
        started = time.monotonic()
        ran = app_demos_seed(seed=seed, scale=accounts, stdout=stdout)
        if ran:
            result.counts["app_hooks_seconds"] = round(time.monotonic() - started, 1)
        result.seconds += time.monotonic() - started
    return result
