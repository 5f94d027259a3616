"""The crash test: Redis dies while the API takes writes, and comes back empty.

The test runs a hub of its own: a ``redis-server`` on a free port (cache and broker),
gunicorn, a Celery worker and beat with the real schedule, all on the test database. A
writer thread posts activities (single and bulk) through the API while the main thread
SIGKILLs Redis and, a few seconds later, starts it again, empty: whatever was queued is
lost. Then:

- no committed write answered 5xx (every write answered 201), none was stored twice;
- once Redis is back, beat's catch-up (every 15 s) brings every derived value up to date:
  no dirty marks left, rollups equal a rebuild (``rebuild_rollups --fail-on-drift``),
  person and group scores equal a full recompute;
- the hub event stream is dispatched to its consumers (webhooks, the live feed) and every
  lead score equals a full recompute (the lead-scoring flush's catch-up);
- ``/healthz`` says 503 while Redis is down and 200 again once a worker beats.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.error
import urllib.request
from collections import Counter

import pytest
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.models import (
    Account,
    AccountRollup,
    AccountRollupDirty,
    Activity,
    Contact,
    HubEvent,
    Lead,
    LeadScoreDirty,
)
from accounts.scoring.services import lead_scores_recompute_all, scoring_model_create
from accounts.services.rollups import (
    ROLLUP_FIELDS,
    _differences,
    rollups_compute,
    rollups_rebuild,
    rollups_refresh,
)
from accounts.tests.factories import AccountFactory, ContactFactory, LeadFactory, UserFactory
from buying_groups.models import BuyingGroup, DirtyScore
from buying_groups.services.scores import scores_recompute_all
from buying_groups.tests.factories import (
    BuyingGroupFactory,
    MemberFactory,
    TemplateRoleFactory,
)
from conftest import skip_or_fail
from tests.workers import (
    RedisServer,
    beat_start,
    free_port,
    wait_until,
    web_start,
    worker_env,
    worker_start,
    worker_stop,
)

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

UP_SECONDS = 3.0  # writes before the crash
DOWN_SECONDS = 6.0  # writes while Redis is gone
CATCH_UP_SECONDS = 15.0  # the beat interval of the rollup and score catch-ups
CONVERGE_WITHIN = CATCH_UP_SECONDS + 30.0  # + a worker reconnecting and the pass itself


@pytest.fixture
def own_redis(tmp_path):
    if not shutil.which("redis-server"):
        skip_or_fail("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def book(transactional_db):
    """Three accounts of four people each, two buying groups; rollups and scores current."""
    admin = UserFactory(username="outage-admin", role="admin")
    token = Token.objects.create(user=admin)
    contacts = []
    for n in range(3):
        account = AccountFactory(name=f"Outage {n}")
        people = [ContactFactory(account=account) for _ in range(4)]
        contacts += people
        if n < 2:
            group = BuyingGroupFactory(account=account)
            for person in people[:3]:
                MemberFactory(
                    group=group,
                    contact=person,
                    role=TemplateRoleFactory(template=group.role_template),
                )
    # A lead per person, scored by calls and replies (no threshold crossed).
    scoring_model_create(
        user=admin,
        data={
            "name": "Outage model",
            "threshold": 10_000,
            "is_active": True,
            "rules": [
                {"points": 5, "activity_type": "call"},
                {"points": 7, "activity_type": "email_replied"},
            ],
        },
    )
    for person in contacts:
        LeadFactory(contact=person)
    rollups_refresh(account_ids=Account.objects.values_list("pk", flat=True))
    scores_recompute_all()
    lead_scores_recompute_all()
    AccountRollupDirty.objects.all().delete()
    DirtyScore.objects.all().delete()
    LeadScoreDirty.objects.all().delete()
    return {"token": token.key, "contacts": [c.pk for c in contacts]}


@pytest.fixture
def hub(own_redis, live_database_url, tmp_path, request):
    """gunicorn + worker + beat on the test database and our own Redis."""
    env = worker_env(
        database_url=live_database_url,
        redis_url=own_redis.url,
        HEALTH_HEARTBEAT_SECONDS="3",
        HEALTH_WORKER_STALE_SECONDS="10",
        REDIS_SOCKET_TIMEOUT="1",
        LOG_LEVEL="WARNING",
    )
    port = free_port()
    logs = {name: tmp_path / f"{name}.log" for name in ("web", "worker", "beat")}
    processes = {
        "web": web_start(env, port=port, log_path=logs["web"]),
        "worker": worker_start(env, log_path=logs["worker"]),
        "beat": beat_start(env, schedule=tmp_path / "beat-schedule", log_path=logs["beat"]),
    }
    base = f"http://127.0.0.1:{port}"
    failed_before = request.session.testsfailed
    try:
        wait_until(lambda: _get(base + "/healthz")[0] in (200, 503), timeout=60, what="gunicorn")
        yield {"base": base, "redis": own_redis, "processes": processes}
    finally:
        for name, process in processes.items():
            worker_stop(process)
            if process.returncode not in (0, -15, None):
                print(f"{name} exited with {process.returncode}")
        for name, path in logs.items():
            if path.exists() and request.session.testsfailed > failed_before:
                print(f"--- {name} log (tail) ---\n{path.read_text()[-3000:]}")


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our server
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _post(base: str, token: str, path: str, body: dict) -> int:
    request = urllib.request.Request(  # noqa: S310 - our own server
        base + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


class Writer(threading.Thread):
    """Posts activities until stopped: mostly single writes, every fifth a bulk of three."""

    TYPES = ("form_submitted", "call", "web_visit", "email_replied", "meeting")

    def __init__(self, base: str, token: str, contacts: list[int]):
        super().__init__(daemon=True)
        self.base, self.token, self.contacts = base, token, contacts
        self.phase = "up"
        self.results: list[tuple[str, str, int, int, float]] = []  # phase, kind, status, n, s
        self.stopping = threading.Event()

    def item(self, n: int) -> dict:
        return {
            "contact": self.contacts[n % len(self.contacts)],
            "type": self.TYPES[n % len(self.TYPES)],
            "subject": f"outage-{n}",
        }

    def run(self) -> None:
        n = 0
        while not self.stopping.is_set():
            phase, started = self.phase, time.monotonic()
            if n % 5 == 4:
                items = [self.item(n + i) for i in range(3)]
                status = _post(self.base, self.token, "/api/v1/activities/bulk/", {
                    "activities": items
                })  # fmt: skip
                self.results.append((phase, "bulk", status, 3, time.monotonic() - started))
                n += 3
            else:
                status = _post(self.base, self.token, "/api/v1/activities/", self.item(n))
                self.results.append((phase, "single", status, 1, time.monotonic() - started))
                n += 1
            time.sleep(0.05)


def _rollups_current(account_ids: list[int]) -> bool:
    fresh = rollups_compute(account_ids=account_ids)
    stored = {
        row["account_id"]: row
        for row in AccountRollup.objects.filter(account_id__in=account_ids).values(
            "account_id", *ROLLUP_FIELDS
        )
    }
    return all(pk in stored and not _differences(stored[pk], fresh[pk]) for pk in fresh)


def _scores() -> tuple[dict, dict]:
    contacts = dict(Contact.objects.values_list("pk", "engagement_score"))
    groups = {
        pk: (engagement, completeness)
        for pk, engagement, completeness in BuyingGroup.objects.values_list(
            "pk", "engagement_score", "completeness_score"
        )
    }
    return contacts, groups


def _scores_after_a_full_recompute() -> tuple[dict, dict]:
    """What the hourly full recompute would store now (computed, then rolled back)."""
    with transaction.atomic():
        scores_recompute_all()
        expected = _scores()
        transaction.set_rollback(True)
    return expected


def _lead_scores() -> dict:
    return dict(Lead.objects.values_list("pk", "score"))


def _lead_scores_after_a_full_recompute() -> dict:
    with transaction.atomic():
        lead_scores_recompute_all()
        expected = _lead_scores()
        transaction.set_rollback(True)
    return expected


def _close(stored: dict, expected: dict) -> list:
    """Ids whose stored score is off by more than the rounding of a few seconds' decay."""
    off = []
    for pk, want in expected.items():
        have = stored.get(pk)
        pairs = zip(have, want, strict=True) if isinstance(want, tuple) else [(have, want)]
        if any(h is None or abs(h - w) > 1 for h, w in pairs):
            off.append((pk, have, want))
    return off


def test_writes_survive_redis_dying_and_everything_converges_after(book, hub, capsys):
    base, redis_server = hub["base"], hub["redis"]
    baseline_contacts, _ = _scores()
    baseline_leads = _lead_scores()
    account_ids = list(Account.objects.values_list("pk", flat=True))

    writer = Writer(base, book["token"], book["contacts"])
    writer.start()
    time.sleep(UP_SECONDS)

    redis_server.stop()
    writer.phase = "down"
    down_at = time.monotonic()
    time.sleep(DOWN_SECONDS / 2)
    health_down = _get(base + "/healthz")
    time.sleep(DOWN_SECONDS / 2)

    # The last writes land while Redis is still down: only beat's catch-up can bring what
    # they marked up to date (no later write kicks a refresh).
    writer.stopping.set()
    writer.join(timeout=60)
    redis_server.start()  # empty: the queue of the moment of the crash is gone
    back_at = time.monotonic()

    # 1. Every committed write answered success; none was stored twice.
    statuses = Counter((phase, status) for phase, _kind, status, _n, _s in writer.results)
    assert all(status == 201 for _phase, _kind, status, _n, _s in writer.results), statuses
    during = [r for r in writer.results if r[0] == "down"]
    assert len(during) >= 5, f"too few writes while Redis was down: {statuses}"
    sent = sum(n for _phase, _kind, _status, n, _s in writer.results)
    subjects = Counter(
        Activity.objects.filter(subject__startswith="outage-").values_list("subject", flat=True)
    )
    duplicates = {subject: n for subject, n in subjects.items() if n > 1}
    assert not duplicates
    assert sum(subjects.values()) == sent

    # 2. While Redis was down /healthz said so.
    assert health_down[0] == 503
    assert health_down[1]["checks"]["broker"]["status"] == "down"
    assert health_down[1]["checks"]["database"]["status"] == "ok"

    # 3. Beat's catch-up brings every derived value up to date.
    def converged() -> bool:
        return (
            not AccountRollupDirty.objects.exists()
            and not DirtyScore.objects.exists()
            and not LeadScoreDirty.objects.exists()
            and not HubEvent.objects.filter(dispatched_at__isnull=True).exists()
            and _rollups_current(account_ids)
            and not _close(_lead_scores(), _lead_scores_after_a_full_recompute())
            and not _close(_scores()[0], _scores_after_a_full_recompute()[0])
        )

    try:
        wait_until(converged, timeout=CONVERGE_WITHIN, interval=0.5, what="convergence")
    except AssertionError:
        dirty = list(AccountRollupDirty.objects.values_list("account_id", flat=True))
        scores = list(DirtyScore.objects.values_list("kind", "object_id"))
        leads = LeadScoreDirty.objects.count()
        events = HubEvent.objects.filter(dispatched_at__isnull=True).count()
        print(
            f"still dirty: rollups of accounts {dirty}, scores {scores}, "
            f"lead marks {leads}, undispatched hub events {events}"
        )
        raise
    converged_at = time.monotonic()
    report = rollups_rebuild()
    assert report.drifted == 0, report.differences[:5]
    stored_contacts, stored_groups = _scores()
    expected_contacts, expected_groups = _scores_after_a_full_recompute()
    assert not _close(stored_contacts, expected_contacts)
    assert not _close(stored_groups, expected_groups)
    touched = {c for c in book["contacts"] if stored_contacts[c] != baseline_contacts[c]}
    assert touched, "no score moved: the writes reached no consumer"
    assert _lead_scores() != baseline_leads, "no lead score moved"
    assert HubEvent.objects.filter(kind="activity.recorded").count() >= sent

    # 4. The worker beats again: /healthz is back to 200. Nothing died on the way.
    wait_until(lambda: _get(base + "/healthz")[0] == 200, timeout=30, what="healthz 200")
    healthy_at = time.monotonic()
    for name, process in hub["processes"].items():
        assert process.poll() is None, f"{name} exited with {process.returncode}"

    latencies = sorted(s for phase, _k, _st, _n, s in writer.results if phase == "down")
    with capsys.disabled():
        print(
            "\noutage figures: "
            f"writes {len(writer.results)} requests / {sent} activities "
            f"(during outage {len(during)} requests / {sum(r[3] for r in during)} activities), "
            f"outage {back_at - down_at:.1f}s, "
            f"slowest write while down {latencies[-1]:.2f}s, "
            f"converged {converged_at - back_at:.1f}s after Redis returned, "
            f"healthz 200 after {healthy_at - back_at:.1f}s, "
            f"duplicates {len(duplicates)}, 5xx 0, statuses {dict(statuses)}"
        )
