"""Demo data of the analytics, called by ``abm.demo`` after the apps below it.

Account health, upsell intent, attribution shares and lifecycle firsts are kept by
workers; after a demo load (rows written directly, no change notices) they are computed
once here so the pages show them at once.
"""

from __future__ import annotations

import time


def seed_demo(*, rng, stdout=None, scale: int = 0) -> None:
    """Compute account health, upsell intent, attribution shares and the lifecycle firsts
    (with the deals' stage stays) for the freshly loaded book."""
    from analytics.firsts.refresh import firsts_rebuild
    from analytics.insights.health import health_recompute_all
    from analytics.insights.impact import credits_refresh
    from analytics.insights.upsell import upsell_intent_refresh

    started = time.monotonic()
    scored = health_recompute_all()
    intents = upsell_intent_refresh()
    credits = credits_refresh()
    firsts = firsts_rebuild()
    if stdout is not None:
        stdout.write(
            f"Analytics: health of {scored:,} accounts, {intents:,} upsell intents, "
            f"{credits:,} deal attribution shares, {firsts:,} lifecycle firsts "
            f"({time.monotonic() - started:.1f}s)."
        )
