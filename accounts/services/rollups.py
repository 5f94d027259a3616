"""Per-account rollups: what the target-accounts page sorts and filters on.

Writers never touch rollups. After each commit, ``rollups_changes_listener`` (registered
in AccountsConfig.ready) marks the affected accounts dirty in ``AccountRollupDirty``; a
debounced worker task (``rollups_refresh_dirty``) recomputes every dirty account in one
set-based pass. ``rollups_rebuild`` recomputes all of them from scratch in chunks of
account ids and reports each row that differed: the proof the incremental path is right.

Definitions (PRODUCT.md, "Target accounts"); an account's contacts are all contacts
associated with it through ContactAccount:

- contacts_count: associated contacts;
- open_deals_count: its opportunities not closed won / lost;
- open_deal_value: their amounts converted to settings.BASE_CURRENCY with the rates an
  admin keeps (CurrencyRate), never amounts of different currencies added as they are;
  open_deals_unconverted: open deals in a currency without a rate, left out of that sum;
  open_deal_values: the unconverted totals, one per currency, largest first. A rate
  change marks every account with an open deal in that currency dirty
  (``rollups_mark_currency_dirty``);
- last_touch_at: latest 1:1 touch with its contacts: a call, a meeting, or an email a user
  sent to that person; a marketing send (a campaign email, a marketing-kind template from
  the outbox) is not one (see ``one_to_one_touch``). Up to now: a meeting booked for
  tomorrow is not a touch yet;
- last_engagement_at: latest contact-initiated form, document view or web visit
  (bots left out); last_engagement_consented_at: the same from contacts whose legal
  basis is not ``none`` (what the page shows in GDPR mode);
- next_scheduled_at: earliest future meeting with its contacts or open task due from
  now on for the account or its contacts, or what a registered source schedules for its
  contacts (``next_scheduled_source_register``: the next cadence email, from sales_actions);
- has_decision_maker / has_blocker / has_any_buying_role: from contacts' buying roles;
- calls_count / meetings_count: logged calls and meetings, ever; open_tasks_count.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from abm.tasks import enqueue
from accounts.models import (
    BUYING_ROLE_BITS,
    Account,
    AccountRollup,
    AccountRollupDirty,
    Activity,
    Contact,
    ContactAccount,
    Opportunity,
    Task,
)
from accounts.selectors.money import rates_to_base
from accounts.services.activities import ENGAGEMENT_TYPES, TOUCH_TYPES

logger = logging.getLogger(__name__)

ROLLUP_FIELDS = (
    "is_target",  # a copy of Account.is_target, for single-table reads of the target page
    "contacts_count",
    "open_deals_count",
    "open_deal_value",
    "open_deals_unconverted",
    "open_deal_values",
    "last_touch_at",
    "last_engagement_at",
    "last_engagement_consented_at",
    "next_scheduled_at",
    "has_decision_maker",
    "has_blocker",
    "has_any_buying_role",
    "calls_count",
    "meetings_count",
    "open_tasks_count",
)

# Masks that include a role, so "has a decision maker" is a portable IN test.
_ALL_MASKS = range(1, 1 << len(BUYING_ROLE_BITS))
DECISION_MAKER_MASKS = [m for m in _ALL_MASKS if m & BUYING_ROLE_BITS["decision_maker"]]
BLOCKER_MASKS = [m for m in _ALL_MASKS if m & BUYING_ROLE_BITS["blocker"]]

CENT = Decimal("0.01")
# The largest value AccountRollup.open_deal_value holds (max_digits=20): a sum past it is
# stored as this (and logged) rather than failing the whole refresh.
MAX_OPEN_DEAL_VALUE = Decimal("999999999999999999.99")

REFRESH_BATCH = 2000
REBUILD_CHUNK = 5000
_DEBOUNCE_KEY = "rollups:refresh-queued"


def _empty(account_id: int, now: datetime, is_target: bool = False) -> dict:
    return {
        "account_id": account_id,
        "is_target": is_target,
        "contacts_count": 0,
        "open_deals_count": 0,
        "open_deal_value": Decimal("0.00"),
        "open_deals_unconverted": 0,
        "open_deal_values": [],
        "last_touch_at": None,
        "last_engagement_at": None,
        "last_engagement_consented_at": None,
        "next_scheduled_at": None,
        "has_decision_maker": False,
        "has_blocker": False,
        "has_any_buying_role": False,
        "calls_count": 0,
        "meetings_count": 0,
        "open_tasks_count": 0,
        "computed_at": now,
    }


def one_to_one_touch(*, prefix: str = "") -> Q:
    """A 1:1 touch (HubSpot's "last contacted"): a call, a meeting, or an email one of our
    users sent to that person. A marketing send is not one: an email of a campaign, or a
    marketing-kind template sent through the outbox (which may go to a whole account).

    ``prefix`` reaches activities through a relation (``contact__activities__``).
    """
    f = {
        name: f"{prefix}{name}"
        for name in ("type", "type__in", "initiated_by", "campaign__isnull", "metadata")
    }
    marketing_outbox = Q(**{f"{f['metadata']}__has_key": "sales_email"}) & Q(
        **{f"{f['metadata']}__kind": "marketing"}
    )
    personal_email = (
        Q(**{f["type"]: Activity.Type.EMAIL_SENT, f["campaign__isnull"]: True}) & ~marketing_outbox
    )
    other_touches = [t for t in TOUCH_TYPES if t != Activity.Type.EMAIL_SENT]
    return Q(**{f["initiated_by"]: Activity.InitiatedBy.USER}) & (
        Q(**{f["type__in"]: other_touches}) | personal_email
    )


# Apps above accounts add to "next scheduled" without accounts naming them: each source is
# ``source(account_ids=[...], now=datetime) -> {account_id: datetime}``, registered from
# the app's AppConfig.ready() (sales_actions: the next cadence email of an account's people).
_NEXT_SCHEDULED_SOURCES: list = []


def next_scheduled_source_register(source) -> None:
    """Add a source of scheduled moments to the "next scheduled" rollup; idempotent."""
    if source not in _NEXT_SCHEDULED_SOURCES:
        _NEXT_SCHEDULED_SOURCES.append(source)


def _earliest(*values):
    present = [v for v in values if v is not None]
    return min(present) if present else None


def rollups_compute(*, account_ids: Iterable[int], now: datetime | None = None) -> dict[int, dict]:
    """Compute the rollups of these accounts set-based (a fixed handful of grouped queries)."""
    now = now or timezone.now()
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    existing = dict(Account.objects.filter(pk__in=ids).values_list("pk", "is_target"))
    rows = {pk: _empty(pk, now, existing[pk]) for pk in ids if pk in existing}
    if not rows:
        return {}
    ids = list(rows)

    # Contacts and buying roles, over every associated contact.
    contacts = (
        ContactAccount.objects.filter(account_id__in=ids)
        .values("account_id")
        .annotate(
            n=Count("contact_id"),
            dm=Count("contact_id", filter=Q(contact__buying_roles_mask__in=DECISION_MAKER_MASKS)),
            bl=Count("contact_id", filter=Q(contact__buying_roles_mask__in=BLOCKER_MASKS)),
            any_role=Count("contact_id", filter=Q(contact__buying_roles_mask__gt=0)),
        )
        .order_by()
    )
    for row in contacts:
        r = rows[row["account_id"]]
        r["contacts_count"] = row["n"]
        r["has_decision_maker"] = row["dm"] > 0
        r["has_blocker"] = row["bl"] > 0
        r["has_any_buying_role"] = row["any_role"] > 0

    # Activities of its contacts.
    touch = one_to_one_touch(prefix="contact__activities__") & Q(
        contact__activities__occurred_at__lte=now
    )
    engagement = Q(
        contact__activities__type__in=ENGAGEMENT_TYPES,
        contact__activities__initiated_by=Activity.InitiatedBy.CONTACT,
        contact__activities__is_bot=False,
        contact__activities__occurred_at__lte=now,
    )
    consented = ~Q(contact__legal_basis=Contact.LegalBasis.NONE)
    meeting = Q(contact__activities__type=Activity.Type.MEETING)
    activities = (
        ContactAccount.objects.filter(account_id__in=ids)
        .values("account_id")
        .annotate(
            touch=Max("contact__activities__occurred_at", filter=touch),
            eng=Max("contact__activities__occurred_at", filter=engagement),
            eng_ok=Max("contact__activities__occurred_at", filter=engagement & consented),
            calls=Count(
                "contact__activities",
                filter=Q(
                    contact__activities__type=Activity.Type.CALL,
                    contact__activities__occurred_at__lte=now,
                ),
            ),
            meetings=Count(
                "contact__activities", filter=meeting & Q(contact__activities__occurred_at__lte=now)
            ),
            next_meeting=Min(
                "contact__activities__occurred_at",
                filter=meeting & Q(contact__activities__occurred_at__gt=now),
            ),
        )
        .order_by()
    )
    for row in activities:
        r = rows[row["account_id"]]
        r["last_touch_at"] = row["touch"]
        r["last_engagement_at"] = row["eng"]
        r["last_engagement_consented_at"] = row["eng_ok"]
        r["calls_count"] = row["calls"]
        r["meetings_count"] = row["meetings"]
        r["next_scheduled_at"] = row["next_meeting"]

    # Open deals, per currency; converted to the base currency in open_deal_value.
    deals = (
        Opportunity.objects.filter(account_id__in=ids)
        .exclude(stage__in=Opportunity.CLOSED_STAGES)
        .values("account_id", "currency")
        .annotate(n=Count("id"), value=Sum("amount"))
        .order_by()
    )
    per_account: dict[int, list[dict]] = {}
    for row in deals:
        per_account.setdefault(row["account_id"], []).append(row)
    rates = rates_to_base() if per_account else {}
    for account_id, groups in per_account.items():
        rows[account_id].update(open_deal_money(groups=groups, rates=rates))

    # Open tasks on the account or on any of its contacts (each task counted once).
    open_tasks = Task.objects.filter(status=Task.Status.OPEN)
    on_account = open_tasks.filter(account_id__in=ids).values_list(
        "pk", "account_id", "due_at", "contact_id"
    )
    seen: dict[int, set[int]] = {}
    due: dict[int, datetime | None] = {}

    def count(account_id, task_id, due_at):
        if task_id in seen.setdefault(account_id, set()):
            return
        seen[account_id].add(task_id)
        if due_at is not None and due_at >= now:
            due[account_id] = _earliest(due.get(account_id), due_at)

    for task_id, account_id, due_at, _ in on_account:
        count(account_id, task_id, due_at)
    on_contacts = (
        ContactAccount.objects.filter(account_id__in=ids, contact__tasks__status=Task.Status.OPEN)
        .values_list("account_id", "contact__tasks__id", "contact__tasks__due_at")
        .order_by()
    )
    for account_id, task_id, due_at in on_contacts:
        count(account_id, task_id, due_at)
    for account_id, tasks in seen.items():
        r = rows[account_id]
        r["open_tasks_count"] = len(tasks)
        r["next_scheduled_at"] = _earliest(r["next_scheduled_at"], due.get(account_id))
    for source in _NEXT_SCHEDULED_SOURCES:
        for account_id, at in source(account_ids=ids, now=now).items():
            if account_id in rows and at is not None and at >= now:
                r = rows[account_id]
                r["next_scheduled_at"] = _earliest(r["next_scheduled_at"], at)
    return rows


def open_deal_money(*, groups: Iterable[dict], rates: dict[str, Decimal]) -> dict:
    """One account's open deals ``[{"currency", "n", "value"}]`` → the rollup's money columns.

    Amounts of different currencies are added only once converted with ``rates`` (the base
    currency is 1); deals in a currency without a rate are counted, not added.
    """
    totals: dict[str, Decimal] = {}
    count = unconverted = 0
    for group in groups:
        currency = (group["currency"] or "").strip().upper()
        totals[currency] = totals.get(currency, Decimal(0)) + Decimal(group["value"] or 0)
        count += group["n"]
        if currency not in rates:
            unconverted += group["n"]
    converted = sum(
        (amount * rates[currency] for currency, amount in totals.items() if currency in rates),
        Decimal(0),
    ).quantize(CENT, ROUND_HALF_UP)
    if converted > MAX_OPEN_DEAL_VALUE:
        logger.warning("open deal value %s past the column's range; stored capped", converted)
        converted = MAX_OPEN_DEAL_VALUE
    ordered = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return {
        "open_deals_count": count,
        "open_deal_value": converted,
        "open_deals_unconverted": unconverted,
        "open_deal_values": [
            {"currency": currency, "amount": f"{amount.quantize(CENT, ROUND_HALF_UP):f}"}
            for currency, amount in ordered
        ],
    }


def _normalize(value):
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.01"))
    return value


def _differences(stored: dict, fresh: dict) -> dict:
    return {
        name: (stored.get(name), fresh[name])
        for name in ROLLUP_FIELDS
        if _normalize(stored.get(name)) != _normalize(fresh[name])
    }


def _upsert(rows: Iterable[dict]) -> None:
    AccountRollup.objects.bulk_create(
        [AccountRollup(**row) for row in rows],
        update_conflicts=True,
        unique_fields=["account"],
        update_fields=[*ROLLUP_FIELDS, "computed_at"],
        batch_size=1000,
    )


def rollups_refresh(*, account_ids: Iterable[int], now: datetime | None = None) -> int:
    """Recompute and store the rollups of these accounts; returns how many were written."""
    ids = sorted({int(pk) for pk in account_ids if pk})
    written = 0
    for start in range(0, len(ids), REFRESH_BATCH):
        chunk = ids[start : start + REFRESH_BATCH]
        rows = rollups_compute(account_ids=chunk, now=now)
        with transaction.atomic():
            _upsert(rows.values())
        written += len(rows)
    return written


# --- Dirty marking and the debounced refresh ----------------------------------------


def rollups_mark_dirty(*, account_ids: Iterable[int]) -> int:
    """Mark accounts for a refresh (an upsert per account, however many changes)."""
    ids = sorted({int(pk) for pk in account_ids if pk})
    if not ids:
        return 0
    now = timezone.now()
    AccountRollupDirty.objects.bulk_create(
        [AccountRollupDirty(account_id=pk, marked_at=now) for pk in ids],
        update_conflicts=True,
        unique_fields=["account_id"],
        update_fields=["marked_at"],
        batch_size=1000,
    )
    return len(ids)


def rollups_refresh_dirty(*, limit: int = 20000) -> int:
    """Refresh every dirty account once; a row marked again meanwhile stays dirty."""
    cache.delete(_DEBOUNCE_KEY)  # changes from now on queue a new pass
    cutoff = timezone.now()
    ids = list(
        AccountRollupDirty.objects.filter(marked_at__lte=cutoff)
        .order_by("marked_at")
        .values_list("account_id", flat=True)[:limit]
    )
    if not ids:
        return 0
    written = rollups_refresh(account_ids=ids)
    # A mark renewed while we computed is newer than the cutoff and stays for the next pass;
    # a re-run of this task recomputes the same rows to the same values (idempotent).
    for start in range(0, len(ids), 1000):
        AccountRollupDirty.objects.filter(
            account_id__in=ids[start : start + 1000], marked_at__lte=cutoff
        ).delete()
    return written


def _queue_refresh() -> None:
    from accounts.tasks.targets import rollups_refresh_dirty_task

    if settings.CELERY_TASK_ALWAYS_EAGER:
        rollups_refresh_dirty()
        return
    # Debounce: one queued pass per window, however many commits land in it. The marks are
    # in the database already: a broker that is down only delays the pass to beat's next
    # catch-up, and the key is dropped so the next commit tries again.
    window = max(1, settings.ROLLUP_DEBOUNCE_SECONDS * 5)
    if cache.add(_DEBOUNCE_KEY, 1, timeout=window) and not enqueue(
        rollups_refresh_dirty_task, countdown=settings.ROLLUP_DEBOUNCE_SECONDS
    ):
        cache.delete(_DEBOUNCE_KEY)


def accounts_for_contacts(contact_ids: Iterable[int]) -> set[int]:
    """Every account associated with these contacts."""
    ids = list({pk for pk in contact_ids if pk})
    found: set[int] = set()
    for start in range(0, len(ids), 1000):
        found.update(
            ContactAccount.objects.filter(contact_id__in=ids[start : start + 1000]).values_list(
                "account_id", flat=True
            )
        )
    return found


def rollups_mark_currency_dirty(*, currencies: Iterable[str]) -> int:
    """A rate changed: mark every account with an open deal in these currencies dirty and
    queue a refresh once the caller's transaction commits. Returns how many were marked."""
    codes = sorted({c.strip().upper() for c in currencies if c})
    if not codes:
        return 0
    ids = list(
        Opportunity.objects.exclude(stage__in=Opportunity.CLOSED_STAGES)
        .filter(currency__in=[*codes, *(c.lower() for c in codes)])
        .values_list("account_id", flat=True)
        .distinct()
        .order_by()
    )
    marked = rollups_mark_dirty(account_ids=ids)
    if marked:
        transaction.on_commit(_queue_refresh)
    return marked


def rollups_changes_listener(*, kind: str, account_ids: set, contact_ids: set) -> None:
    """changes_register listener: mark what a commit touched dirty and queue a refresh."""
    affected = set(account_ids) | accounts_for_contacts(contact_ids)
    if not affected:
        return
    rollups_mark_dirty(account_ids=affected)
    _queue_refresh()


def rollups_refresh_stale_schedule(*, now: datetime | None = None) -> int:
    """Refresh rollups whose "next scheduled" has passed: time, not a write, made them stale."""
    now = now or timezone.now()
    ids = list(
        AccountRollup.objects.filter(next_scheduled_at__lt=now).values_list(
            "account_id", flat=True
        )[:20000]
    )
    return rollups_refresh(account_ids=ids, now=now)


# --- Rebuild from scratch -------------------------------------------------------------


@dataclass
class RebuildReport:
    accounts: int = 0
    created: int = 0
    changed: int = 0
    removed: int = 0
    differences: list[tuple[int, dict]] = field(default_factory=list)

    @property
    def drifted(self) -> int:
        return self.created + self.changed + self.removed


def rollups_rebuild(
    *, chunk_size: int = REBUILD_CHUNK, now: datetime | None = None
) -> RebuildReport:
    """Recompute every rollup from scratch, chunked by account id; report rows that differed."""
    now = now or timezone.now()
    report = RebuildReport()
    report.removed, _ = AccountRollup.objects.exclude(
        account_id__in=Account.objects.values("pk")
    ).delete()
    last_id = 0
    while True:
        chunk = list(
            Account.objects.filter(pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk_size]
        )
        if not chunk:
            break
        last_id = chunk[-1]
        fresh = rollups_compute(account_ids=chunk, now=now)
        stored = {
            row["account_id"]: row
            for row in AccountRollup.objects.filter(account_id__in=chunk).values(
                "account_id", *ROLLUP_FIELDS
            )
        }
        for pk, row in fresh.items():
            if pk not in stored:
                report.created += 1
                report.differences.append((pk, {"missing": (None, "created")}))
                continue
            diff = _differences(stored[pk], row)
            if diff:
                report.changed += 1
                report.differences.append((pk, diff))
        with transaction.atomic():
            _upsert(fresh.values())
            AccountRollupDirty.objects.filter(account_id__in=chunk, marked_at__lte=now).delete()
        report.accounts += len(fresh)
    return report
