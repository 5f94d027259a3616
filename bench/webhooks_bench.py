"""Webhooks throughput: hub events queued and delivered, signed, to a local receiver.

A producer writes ``--rate`` events per second for ``--seconds`` (each batch of 50 in its
own transaction, as a writer would, through ``hub_events_emit_bulk``), about
``--subjects`` different contacts. A real Celery worker (Redis broker, PostgreSQL)
dispatches them to the webhook consumer (one ``WebhookDelivery`` per event) and sends
them to an HTTP receiver in another process (``http.server``, HTTP/1.1 keep-alive),
which checks every signature and notes when each event arrived.

Printed: events written per second, deliveries received per second (first event written
to last delivery received), latency from an event's commit to its arrival (median, p95,
max), signature failures and duplicates.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abm_webhooks \
    REDIS_URL=redis://127.0.0.1:6379/8 .venv/bin/python bench/webhooks_bench.py
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BATCH = 50


def receiver_main(port: int, secret: str, expected: int, out_path: str, ready) -> None:
    """The receiver process: verify each request, note (event id, arrival time)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Lock, Thread

    sys.path.insert(0, str(ROOT))
    from accounts.webhooks.signing import SignatureError, signature_verify

    arrivals: list[tuple[int, float]] = []
    bad = [0]
    lock = Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            now = time.time()
            try:
                signature_verify(secret, self.headers.get("ABM-Signature", ""), body)
                ok = True
            except SignatureError:
                ok = False
            event_id = json.loads(body).get("id")
            with lock:
                arrivals.append((event_id, now))
                if not ok:
                    bad[0] += 1
                done = len(arrivals) >= expected
            self.send_response(200 if ok else 400)
            self.send_header("Content-Length", "0")
            self.end_headers()
            if done:
                Thread(target=self.server.shutdown, daemon=True).start()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    ready.set()
    server.serve_forever()
    with open(out_path, "w") as out:
        json.dump({"arrivals": arrivals, "bad": bad[0]}, out)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=1000, help="events per second")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--subjects", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes")
    parser.add_argument("--port", type=int, default=8118)
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        sys.exit("Set DATABASE_URL (PostgreSQL, a database of your own) and REDIS_URL.")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "abm.settings",
            "DEBUG": "1",
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "WEBHOOKS_ALLOW_PRIVATE": "true",  # the receiver is on 127.0.0.1
        }
    )
    import django

    django.setup()
    import redis
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.models import HubEvent, User, WebhookDelivery, WebhookSubscription
    from accounts.services.hub_events import HubEventInput, hub_events_emit_bulk
    from accounts.webhooks.services import subscription_create

    call_command("migrate", verbosity=0)
    redis.Redis.from_url(redis_url).flushdb()
    with connection.cursor() as cursor:  # a clean slate for what the bench measures
        cursor.execute(
            "TRUNCATE accounts_webhookdelivery, accounts_webhooksubscription, "
            "accounts_hubevent RESTART IDENTITY CASCADE"
        )
    admin, _ = User.objects.get_or_create(
        username="webhooks-bench", defaults={"role": "admin", "email": "wb@hub.example"}
    )
    subscription, secret = subscription_create(
        user=admin,
        url=f"http://127.0.0.1:{args.port}/hook",
        event_types=[HubEvent.Kind.ACTIVITY_RECORDED, HubEvent.Kind.SALES_EMAIL_OPENED],
        description="bench",
    )
    expected = args.rate * args.seconds
    out_path = f"/tmp/webhooks_bench_{os.getpid()}.json"
    ready = multiprocessing.Event()
    receiver = multiprocessing.Process(
        target=receiver_main, args=(args.port, secret, expected, out_path, ready)
    )
    receiver.start()
    ready.wait(10)
    connection.close()

    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "abm", "worker", "-c", str(args.concurrency),
         "-P", "prefork", "-n", "webhooks-bench@%h", "--without-heartbeat",
         "--without-mingle", "--without-gossip", "-l", "WARNING"],
        cwd=ROOT, env=dict(os.environ), start_new_session=True,
    )  # fmt: skip
    time.sleep(6)  # let the worker connect before the clock starts
    committed: dict[int, float] = {}
    try:
        started = time.time()
        interval = BATCH / args.rate
        for n in range(expected // BATCH):
            due = started + n * interval
            pause = due - time.time()
            if pause > 0:
                time.sleep(pause)
            items = [
                HubEventInput(
                    kind=HubEvent.Kind.ACTIVITY_RECORDED,
                    subject_type="contact",
                    subject_id=(n * BATCH + i) % args.subjects + 1,
                    owner_id=admin.pk,  # given: no owner lookup (there are no contacts)
                    payload={"activity": n * BATCH + i, "type": "web_visit"},
                )
                for i in range(BATCH)
            ]
            with transaction.atomic():
                hub_events_emit_bulk(items)
            at = time.time()
            last = HubEvent.objects.order_by("-id").values_list("id", flat=True).first()
            for event_id in range(last - BATCH + 1, last + 1):
                committed[event_id] = at
        produced = time.time()
        receiver.join(timeout=600)
        finished = time.time()
    finally:
        if receiver.is_alive():
            receiver.terminate()
            receiver.join()
        before_worker = resource.getrusage(resource.RUSAGE_CHILDREN)
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    after_worker = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker_cpu = (after_worker.ru_utime + after_worker.ru_stime) - (
        before_worker.ru_utime + before_worker.ru_stime
    )
    receiver_cpu = before_worker.ru_utime + before_worker.ru_stime
    with open(out_path) as source:
        result = json.load(source)
    os.unlink(out_path)
    arrivals = result["arrivals"]
    first_arrival = {}
    for event_id, at in arrivals:
        first_arrival.setdefault(event_id, at)
    latencies = [
        (at - committed[eid]) * 1000 for eid, at in first_arrival.items() if eid in committed
    ]
    last_arrival = max(at for _, at in arrivals)
    statuses = dict(
        WebhookDelivery.objects.filter(subscription=subscription)
        .values_list("status")
        .annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("id"))
    )
    print(f"events: {expected} at a target of {args.rate}/s over {args.seconds} s, "
          f"{args.subjects} subjects, worker concurrency {args.concurrency}")  # fmt: skip
    print(f"written: {expected / (produced - started):.0f} events/s")
    print(
        f"delivered: {len(first_arrival)} distinct events ({len(arrivals)} requests, "
        f"{len(arrivals) - len(first_arrival)} duplicates, {result['bad']} bad signatures) "
        f"in {last_arrival - started:.1f} s = {len(first_arrival) / (last_arrival - started):.0f} "
        "deliveries/s"
    )
    print(
        f"latency commit -> receiver: median {statistics.median(latencies):.0f} ms, "
        f"p95 {percentile(latencies, 0.95):.0f} ms, max {max(latencies):.0f} ms"
    )
    # Where the time went: commit -> queued as a delivery (the dispatch), queued -> sent.
    rows = WebhookDelivery.objects.filter(subscription=subscription).values_list(
        "event_id", "created_at", "last_attempt_at"
    )
    queued = [(c.timestamp() - committed[e]) * 1000 for e, c, _ in rows if e in committed]
    sending = [(a - c).total_seconds() * 1000 for _, c, a in rows if a]
    print(
        f"  commit -> delivery row (dispatch): median {statistics.median(queued):.0f} ms, "
        f"p95 {percentile(queued, 0.95):.0f} ms; row -> request: median "
        f"{statistics.median(sending):.0f} ms, p95 {percentile(sending, 0.95):.0f} ms"
    )
    print(f"delivery rows: {statuses}; receiver done after {finished - started:.1f} s")
    print(
        f"CPU: Celery worker {worker_cpu:.1f} s = {1000 * worker_cpu / expected:.2f} ms per "
        f"event (dispatch + send), receiver {1000 * receiver_cpu / expected:.2f} ms per event "
        "(PostgreSQL's own CPU not counted)"
    )
    WebhookSubscription.objects.filter(pk=subscription.pk).delete()


if __name__ == "__main__":
    main()
