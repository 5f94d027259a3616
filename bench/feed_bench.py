"""Benchmark of the live feed: open Server-Sent Events feeds, events fanned out, event→screen.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abm_feed_bench \\
    REDIS_URL=redis://127.0.0.1:6379/9 \\
    .venv/bin/python bench/feed_bench.py [--feeds 500] [--rate 200] [--seconds 30]
        [--port 8119] [--web-workers 1]

Builds (in its own database, which it creates and migrates) ``--feeds`` sales reps, one
person owned by each, and a signed-in session per rep. Starts the real stack on this
machine: uvicorn serving ``abm.asgi`` (``--web-workers`` processes) and a Celery worker
(the hub-events dispatcher that publishes to Redis after commit). Opens one streaming
``GET /feed/stream/`` per rep with an asyncio httpx client and waits until every stream
said ``ready``. A second process then writes ``--rate`` ``sales_email.opened`` hub events
per second for ``--seconds`` (through ``hub_events_emit_bulk``, ten transactions a second, to
random reps), the way the tracking endpoint writes them. Each event's ``occurred_at`` is
its write time; the client notes when the item arrives on the rep's stream. Prints events
written and delivered, duplicates, event→screen median / p95 / max, the web server's
threads, memory and database connections while the feeds are open, and ``uptime``.

Pass: p95 event→screen ≤ 2 s with every event delivered exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abm.settings")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/abm_feed_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")

PREFIX = "feedbench"


def build(feeds: int) -> list[str]:
    """Reps, one person each, and a session per rep; returns the session keys."""
    from common import database_create, django_setup

    database_create(os.environ["DATABASE_URL"])
    django_setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from accounts.models import Account, Contact, User

    call_command("migrate", verbosity=0)
    users = User.objects.bulk_create(
        User(username=f"{PREFIX}{i}", role="sales_rep", first_name="Rep", last_name=str(i))
        for i in range(feeds)
    )
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_update(users, ["password"])
    accounts = Account.objects.bulk_create(
        Account(name=f"Account {i}", domain=f"a{i}.bench.example", owner=user)
        for i, user in enumerate(users)
    )
    Contact.objects.bulk_create(
        Contact(
            first_name="Person",
            last_name=str(i),
            email=f"p{i}@bench.example",
            owner=user,
            account=account,
        )
        for i, (user, account) in enumerate(zip(users, accounts, strict=True))
    )
    keys = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    return keys


def sessions() -> list[str]:
    """The session keys of the reps a last run built (--skip-build)."""
    from common import django_setup

    django_setup()
    from django.contrib.sessions.models import Session

    from accounts.models import HubEvent

    HubEvent.objects.all().delete()
    return list(Session.objects.values_list("session_key", flat=True))


def emit(rate: int, seconds: float) -> None:
    """The writer: ``rate`` events per second in transactions of 10 (run in its own process)."""
    from common import django_setup

    django_setup()
    from django.db import transaction

    from accounts.models import Contact, HubEvent
    from accounts.services.hub_events import HubEventInput, hub_events_emit_bulk

    people = list(
        Contact.objects.filter(owner__username__startswith=PREFIX).values_list(
            "pk", "owner_id", "account_id"
        )
    )
    rng = random.Random(3)
    batch = max(10, rate // 10)  # ten transactions a second
    interval = batch / rate
    start = time.monotonic()
    written = 0
    while time.monotonic() - start < seconds:
        due = start + (written // batch) * interval
        if due > time.monotonic():
            time.sleep(due - time.monotonic())
        chosen = [rng.choice(people) for _ in range(batch)]
        with transaction.atomic():
            hub_events_emit_bulk(
                HubEventInput(
                    kind=HubEvent.Kind.SALES_EMAIL_OPENED,
                    subject_type="contact",
                    subject_id=pk,
                    contact_id=pk,
                    account_id=account_id,
                    owner_id=owner_id,
                    payload={"subject": "Bench", "sales_email": 0},
                )
                for pk, owner_id, account_id in chosen
            )
        written += batch
    print(json.dumps({"written": written, "seconds": round(time.monotonic() - start, 2)}))


def server_stats(pid: int) -> dict:
    """Threads and resident memory of the web server, from /proc."""
    stats = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("Threads:", "VmRSS:")):
                key, value = line.split(":", 1)
                stats[key] = value.strip()
    except FileNotFoundError:
        pass
    return stats


def database_connections() -> int:
    import psycopg

    base, name = os.environ["DATABASE_URL"].rsplit("/", 1)
    with psycopg.connect(base + "/postgres") as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]
        ).fetchone()[0]


async def run_feeds(keys: list[str], args) -> dict:
    import logging

    import httpx

    logging.getLogger("httpx").setLevel(logging.WARNING)

    url = f"http://127.0.0.1:{args.port}/feed/stream/?since=0"
    received: dict[int, float] = {}
    occurred: dict[int, float] = {}
    duplicates = 0
    ready = 0
    all_ready = asyncio.Event()
    limits = httpx.Limits(max_connections=len(keys) + 10, max_keepalive_connections=0)
    timeout = httpx.Timeout(10.0, read=None)

    failures = 0

    async def feed(client, key: str, delay: float) -> None:
        """One open feed, as a browser's EventSource: reconnect after 3 s with
        Last-Event-ID when the connection fails."""
        nonlocal duplicates, ready, failures
        await asyncio.sleep(delay)  # tabs do not all open in the same millisecond
        last_id = None
        counted_ready = False
        while True:
            headers = {"Cookie": f"sessionid={key}", "Accept": "text/event-stream"}
            if last_id is not None:
                headers["Last-Event-ID"] = str(last_id)
            try:
                async with client.stream("GET", url, headers=headers) as response:
                    response.raise_for_status()
                    event = ""
                    async for line in response.aiter_lines():
                        if line.startswith("id: "):
                            last_id = int(line[4:])
                        elif line.startswith("event: "):
                            event = line[7:]
                        elif line.startswith("data: ") and event == "ready":
                            if not counted_ready:
                                counted_ready = True
                                ready += 1
                                if ready == len(keys):
                                    all_ready.set()
                        elif line.startswith("data: ") and event == "item":
                            now = time.time()
                            item = json.loads(line[6:])
                            if item["id"] in received:
                                duplicates += 1
                                continue
                            received[item["id"]] = now
                            occurred[item["id"]] = datetime.fromisoformat(
                                item["occurred_at"]
                            ).timestamp()
            except (httpx.HTTPError, OSError):
                failures += 1
            await asyncio.sleep(3)

    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        tasks = [asyncio.create_task(feed(client, key, i * 0.01)) for i, key in enumerate(keys)]
        opened = time.monotonic()
        await asyncio.wait_for(all_ready.wait(), 120)
        open_seconds = time.monotonic() - opened
        await asyncio.sleep(1)
        stats_open = {
            **server_stats(args.web_pid),
            "db_connections": database_connections(),
        }
        writer = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--emit",
            "--rate",
            str(args.rate),
            "--seconds",
            str(args.seconds),
            stdout=asyncio.subprocess.PIPE,
        )
        await asyncio.sleep(args.seconds / 2)
        stats_busy = {
            **server_stats(args.web_pid),
            "db_connections": database_connections(),
        }
        out, _ = await writer.communicate()
        written = json.loads(out.decode().strip().splitlines()[-1])
        # Let the last events arrive.
        deadline = time.monotonic() + 15
        while len(received) < written["written"] and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    latencies = sorted(received[i] - occurred[i] for i in received)
    return {
        "feeds": len(keys),
        "open_seconds": round(open_seconds, 2),
        "written": written,
        "delivered": len(received),
        "duplicates": duplicates,
        "stream_failures_reconnected": failures,
        "latency_median_s": round(statistics.median(latencies), 3) if latencies else None,
        "latency_p95_s": round(latencies[int(0.95 * (len(latencies) - 1))], 3)
        if latencies
        else None,
        "latency_max_s": round(latencies[-1], 3) if latencies else None,
        "web_while_open": stats_open,
        "web_while_busy": stats_busy,
    }


def dispatch_lag() -> dict:
    """Where the time goes: write → handed to the consumers (the worker's dispatch)."""
    from django.db.models import F

    from accounts.models import HubEvent

    lags = sorted(
        row.total_seconds() for row in HubEvent.objects.annotate(
            lag=F("dispatched_at") - F("occurred_at")
        ).filter(dispatched_at__isnull=False).values_list("lag", flat=True)
    )  # fmt: skip
    if not lags:
        return {}
    return {
        "median_s": round(statistics.median(lags), 3),
        "p95_s": round(lags[int(0.95 * (len(lags) - 1))], 3),
    }


def wait_for(url: str, seconds: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--port", type=int, default=8119)
    parser.add_argument("--web-workers", type=int, default=1)
    parser.add_argument(
        "--skip-build", action="store_true", help="reuse the reps and sessions of a last run"
    )
    parser.add_argument("--emit", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.emit:
        emit(args.rate, args.seconds)
        return

    t0 = time.monotonic()
    keys = sessions() if args.skip_build else build(args.feeds)
    print(f"built {args.feeds} reps, people and sessions in {time.monotonic() - t0:.1f}s")
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "false"}
    web = subprocess.Popen(  # noqa: S603 - our own command line
        [
            sys.executable,
            "-m",
            "uvicorn",
            "abm.asgi:application",
            "--port",
            str(args.port),
            "--workers",
            str(args.web_workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ],  # fmt: skip
        cwd=REPO,
        env=env,
    )
    worker = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "abm",
            "worker",
            "--loglevel=WARNING",
            "--concurrency=2",
            "-n",
            f"feedbench{os.getpid()}@%h",
        ],  # fmt: skip
        cwd=REPO,
        env=env,
    )
    try:
        wait_for(f"http://127.0.0.1:{args.port}/login/")
        time.sleep(3)  # the worker connects
        args.web_pid = web.pid
        result = asyncio.run(run_feeds(keys, args))
    finally:
        for process in (web, worker):
            process.terminate()
        for process in (web, worker):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    result["dispatch_lag"] = dispatch_lag()
    print(json.dumps(result, indent=2))
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
