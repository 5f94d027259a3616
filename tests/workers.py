"""Real Celery workers for the tests that must prove more than eager mode can."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

from django.db import connection

REPO = Path(__file__).resolve().parent.parent


def shared_database_url() -> str:
    """A DATABASE_URL for the test database itself, so another process sees committed rows."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{quote(db['NAME'], safe='')}"


def worker_env(*, database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a worker process on the test database and Redis."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "abm.settings",
        "DEBUG": "true",
        "SECRET_KEY": "abm-hub-worker-test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CONN_MAX_AGE": "0",
        **extra,
    }


def worker_start(
    env: dict[str, str], *, log_path: Path | None = None, pool: str = "solo"
) -> subprocess.Popen:
    """Start ``celery -A abm worker`` in its own session (so it can be SIGKILLed whole)."""
    command = [
        sys.executable, "-m", "celery", "-A", "abm", "worker",
        f"--pool={pool}", "--concurrency=1", "--loglevel=INFO",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        f"--hostname=abm-test-{uuid.uuid4().hex[:8]}@%h",
    ]  # fmt: skip
    out = log_path.open("w") if log_path else subprocess.DEVNULL
    try:
        return subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    finally:
        if log_path:
            out.close()


def worker_kill(process: subprocess.Popen) -> None:
    """SIGKILL the worker and every child it forked, as a crash would."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def worker_stop(process: subprocess.Popen, *, log_path: Path | None = None) -> None:
    """Warm shutdown, then SIGKILL if it lingers; print the log tail for a failing test."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker_kill(process)
    if log_path and log_path.exists():
        print(log_path.read_text()[-4000:])
