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


def _spawn(command: list[str], *, env: dict[str, str], log_path: Path | None) -> subprocess.Popen:
    """Run ``command`` from the repository in its own session (so it can be SIGKILLed
    whole), its output to ``log_path`` (or nowhere)."""
    out = log_path.open("w") if log_path else subprocess.DEVNULL
    try:
        return subprocess.Popen(  # noqa: S603 - our own argv
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    finally:
        if log_path:
            out.close()


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
    return _spawn(command, env=env, log_path=log_path)


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


# --- A hub of our own: Redis, web, beat (the outage test) -------------------------------


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    """Call ``check`` until it returns something truthy; that value, or AssertionError."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except Exception:  # noqa: BLE001 - "not yet" (e.g. connection refused)
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout}s")
        time.sleep(interval)


class RedisServer:
    """A ``redis-server`` of the test's own on a free port, which it can stop and restart.

    No persistence, as a crashed cache node comes back: empty, queued messages lost.
    """

    def __init__(self, workdir: Path):
        import shutil

        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def start(self) -> None:
        command = [
            self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", str(self.workdir),
        ]  # fmt: skip
        log = (self.workdir / "redis.log").open("a")
        try:
            self.process = subprocess.Popen(  # noqa: S603 - our own argv
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        finally:
            log.close()
        wait_until(self.ping, timeout=10, what=f"redis-server on {self.port}")

    def stop(self) -> None:
        """SIGKILL, as a crash would: no goodbye to clients, nothing saved."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def web_start(env: dict[str, str], *, port: int, log_path: Path) -> subprocess.Popen:
    """gunicorn on the hub (two threads, as production serves) in its own session."""
    command = [
        sys.executable, "-m", "gunicorn", "abm.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4",
        "--timeout", "30", "--graceful-timeout", "2",
    ]  # fmt: skip
    return _spawn(command, env=env, log_path=log_path)


def beat_start(env: dict[str, str], *, schedule: Path, log_path: Path) -> subprocess.Popen:
    """``celery beat`` with the hub's real schedule (abm/celery.py)."""
    command = [
        sys.executable, "-m", "celery", "-A", "abm", "beat", "--loglevel=INFO",
        f"--schedule={schedule}",
    ]  # fmt: skip
    return _spawn(command, env=env, log_path=log_path)
