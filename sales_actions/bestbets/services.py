"""Writes of the best-bets ranking: marks, the incremental refresh and the full rebuild.

A commit that touches people calls ``changes_notify``; after it commits,
``bestbets_changes_listener`` marks them in ``BestBetDirty`` and queues one debounced
``bestbets_refresh_dirty_task``. Beat drains the marks every 30 s (the catch-up when the
broker was down) and rebuilds the whole table every hour, because time alone decays the
points. The refresh and the rebuild compute each person with ``scoring.bet_compute`` from
one batch read (their activities of the window, roles, open leads, rollups).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from abm.tasks import enqueue
from accounts.models import (
    AccountRollup,
    Activity,
    Contact,
    Lead,
    buying_roles_from_mask,
)
from sales_actions.bestbets import scoring
from sales_actions.bestbets.models import BestBet, BestBetDirty

log = logging.getLogger(__name__)
DEBOUNCE_KEY = "bestbets:refresh-scheduled"
BATCH = 1000


def bestbets_mark_dirty(*, contact_ids: Iterable[int]) -> int:
    """Mark these people for the next refresh (a renewed mark keeps the newest time)."""
    ids = sorted({int(pk) for pk in contact_ids if pk})
    now = timezone.now()
    for start in range(0, len(ids), BATCH):
        BestBetDirty.objects.bulk_create(
            [BestBetDirty(contact_id=pk, marked_at=now) for pk in ids[start : start + BATCH]],
            update_conflicts=True,
            unique_fields=["contact_id"],
            update_fields=["marked_at"],
        )
    return len(ids)


def _queue_refresh() -> None:
    from sales_actions.bestbets.tasks import bestbets_refresh_dirty_task

    if settings.CELERY_TASK_ALWAYS_EAGER:
        bestbets_refresh_dirty()
        return
    delay = float(scoring.config().get("debounce_seconds", 1.0))
    # One queued pass per window however many commits land in it; the marks are in the
    # database, so a broker that is down only delays the pass to beat's catch-up.
    if cache.add(DEBOUNCE_KEY, 1, timeout=max(1, int(delay * 5))) and not enqueue(
        bestbets_refresh_dirty_task, countdown=delay
    ):
        cache.delete(DEBOUNCE_KEY)


def bestbets_changes_listener(*, kind: str, account_ids: set, contact_ids: set) -> None:
    """changes_register listener: the people a commit touched (and the primary contacts of
    the accounts it touched: a deal or a target flag changes their intent) become dirty."""
    ids = set(contact_ids)
    if account_ids and kind != "activity":
        ids.update(
            Contact.objects.filter(account_id__in=list(account_ids)[:5000]).values_list(
                "id", flat=True
            )
        )
    if not ids:
        return
    bestbets_mark_dirty(contact_ids=ids)
    _queue_refresh()


def _batch_compute(contact_ids: list[int], *, now: datetime) -> dict[int, tuple]:
    """{contact_id: (bet, owner_id, account_id)} for the people of one batch who score."""
    cfg = scoring.config()
    since = now - timedelta(days=max(cfg["window_days"], cfg["moment_days"]))
    contacts = list(
        Contact.objects.filter(pk__in=contact_ids).values_list(
            "id", "owner_id", "account_id", "buying_roles_mask", "account__owner_id",
            "account__is_target",
        )
    )  # fmt: skip
    acts: dict[int, list[scoring.Act]] = defaultdict(list)
    rows = Activity.objects.filter(
        contact_id__in=contact_ids, occurred_at__gte=since, occurred_at__lte=now, is_bot=False
    ).values_list("contact_id", "type", "occurred_at", "initiated_by", "url", "subject")
    for contact_id, type_, occurred_at, initiated_by, url, subject in rows.order_by():
        acts[contact_id].append(
            scoring.Act(type_, occurred_at, initiated_by, url=url or "", subject=subject or "")
        )
    scored_ids = [c[0] for c in contacts if acts.get(c[0])]
    if not scored_ids:
        return {}
    open_leads = set(
        Lead.objects.filter(contact_id__in=scored_ids, status__in=scoring.OPEN_LEAD_STATUSES)
        .values_list("contact_id", flat=True)
        .order_by()
    )
    account_ids = {c[2] for c in contacts if c[2]}
    open_deals = set(
        AccountRollup.objects.filter(account_id__in=account_ids, open_deals_count__gt=0)
        .values_list("account_id", flat=True)
        .order_by()
    )
    result = {}
    for pk, owner_id, account_id, mask, account_owner_id, is_target in contacts:
        if pk not in acts:
            continue
        bet = scoring.bet_compute(
            acts[pk],
            roles=buying_roles_from_mask(mask or 0),
            open_lead=pk in open_leads,
            open_deal=account_id in open_deals,
            target_account=bool(is_target),
            now=now,
        )
        if bet is not None:
            result[pk] = (bet, owner_id or account_owner_id, account_id)
    return result


def _row(pk: int, bet: scoring.Bet, owner_id, account_id, now: datetime) -> BestBet:
    return BestBet(
        contact_id=pk,
        account_id=account_id,
        owner_id=owner_id,
        rank=bet.rank,
        score=bet.score,
        engagement=bet.engagement,
        moment=bet.moment,
        role=bet.role,
        intent=bet.intent,
        acted_factor=bet.acted_factor,
        moment_key=bet.moment_key,
        moment_at=bet.moment_at,
        last_engaged_at=bet.last_engaged_at,
        acted_at=bet.acted_at,
        inputs=bet.inputs(),
        computed_at=now,
    )


FIELDS = [
    "account",
    "owner",
    "rank",
    "score",
    "engagement",
    "moment",
    "role",
    "intent",
    "acted_factor",
    "moment_key",
    "moment_at",
    "last_engaged_at",
    "acted_at",
    "inputs",
    "computed_at",
]


def bestbets_refresh(*, contact_ids: Iterable[int], now: datetime | None = None) -> int:
    """Recompute these people's rows (people who no longer score lose theirs)."""
    now = now or timezone.now()
    ids = sorted({int(pk) for pk in contact_ids})
    written = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        computed = _batch_compute(chunk, now=now)
        with transaction.atomic():
            BestBet.objects.filter(contact_id__in=chunk).exclude(
                contact_id__in=list(computed)
            ).delete()
            BestBet.objects.bulk_create(
                [_row(pk, *values, now) for pk, values in computed.items()],
                update_conflicts=True,
                unique_fields=["contact"],
                update_fields=FIELDS,
            )
        written += len(computed)
    return written


def bestbets_refresh_dirty(*, limit: int = 20000) -> int:
    """Refresh every marked person once; a mark renewed meanwhile stays for the next pass."""
    cache.delete(DEBOUNCE_KEY)
    cutoff = timezone.now()
    ids = list(
        BestBetDirty.objects.filter(marked_at__lte=cutoff)
        .order_by("marked_at")
        .values_list("contact_id", flat=True)[:limit]
    )
    if not ids:
        return 0
    written = bestbets_refresh(contact_ids=ids)
    for start in range(0, len(ids), BATCH):
        BestBetDirty.objects.filter(
            contact_id__in=ids[start : start + BATCH], marked_at__lte=cutoff
        ).delete()
    return written


@dataclass
class RebuildReport:
    contacts: int = 0
    rows: int = 0
    removed: int = 0


def bestbets_rebuild(*, now: datetime | None = None, batch: int = BATCH) -> RebuildReport:
    """Recompute the whole ranking from scratch: only people active in the window can score,
    so the batches walk those people (id order) and every other row is removed."""
    now = now or timezone.now()
    cfg = scoring.config()
    since = now - timedelta(days=max(cfg["window_days"], cfg["moment_days"]))
    active = sorted(
        set(
            Activity.objects.filter(occurred_at__gte=since, occurred_at__lte=now, is_bot=False)
            .values_list("contact_id", flat=True)
            .distinct()
            .order_by()
        )
    )
    report = RebuildReport(contacts=len(active))
    for start in range(0, len(active), batch):
        report.rows += bestbets_refresh(contact_ids=active[start : start + batch], now=now)
    # Everybody else has no signal in the window any more.
    stale = BestBet.objects.filter(computed_at__lt=now)
    report.removed, _ = stale.delete()
    return report
