"""``manage.py runhub``: the web server, plus a Celery worker and beat when a broker is set.

``make run`` ends here. In the embedded default (no ``REDIS_URL``) Celery runs tasks
in-process, so only the web server starts (Django's ``runserver``; the live feed polls).
With ``REDIS_URL`` set, a worker and beat start beside it, and the web server is uvicorn
serving ``abm.asgi`` (with ``--reload`` unless ``--noreload``): the live feed's
Server-Sent Events stream is an asynchronous view that needs an ASGI server, where an open
feed is a coroutine instead of a busy worker thread. Ctrl-C (or SIGTERM) stops all of
them; if one of them dies, the others are stopped too, and runhub exits with its code. No
child outlives runhub: each child runs in its own process group, which runhub signals as a
whole, and the kernel sends each direct child SIGTERM should runhub itself be killed.

Why not a ``Procfile`` run by honcho (the ``Procfile`` exists, for production readers)?
honcho also starts each process in its own session and signals the group, and stops the
others when one exits; but it runs a fixed list (the embedded default must start the web
server alone), gives a Celery warm shutdown a fixed 5 s before SIGKILL, leaves its children
behind when it is itself SIGKILLed (no parent-death signal), prints no banner (where the
data lives, who can sign in), and would add a dependency to replace ~150 lines that
tests/test_runhub.py already proves.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

STOP_GRACE_SECONDS = 10.0
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM this child if runhub dies without cleaning up (e.g. SIGKILL)."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(libc_name, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - argv is built from our own constants
            self.argv,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal_group(self, signum: int) -> bool:
        """Signal the child's whole process group; False once nothing is left in it."""
        if self.process is None:
            return False
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            return False
        return True


def hub_children(
    *, host: str, port: int, with_celery: bool, reload: bool, asgi: bool = False
) -> list[Child]:
    """The processes that make up a running hub."""
    python = sys.executable
    if asgi:
        web = [python, "-m", "uvicorn", "abm.asgi:application", "--host", host]
        web += ["--port", str(port)]
        if reload:
            web += ["--reload", "--reload-dir", str(settings.BASE_DIR)]
    else:
        web = [python, "manage.py", "runserver", f"{host}:{port}"]
        if not reload:
            web.append("--noreload")
    children = [Child("web", web)]
    if with_celery:
        schedule = os.path.join(settings.BASE_DIR, "var", "celerybeat-schedule")
        os.makedirs(os.path.dirname(schedule), exist_ok=True)
        celery = [python, "-m", "celery", "-A", "abm"]
        children.append(Child("worker", [*celery, "worker", "--loglevel=INFO", "--concurrency=2"]))
        children.append(
            Child("beat", [*celery, "beat", "--loglevel=INFO", f"--schedule={schedule}"])
        )
    return children


def stop_children(children: list[Child], *, grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM each child (warm shutdown for Celery), then sweep its group; SIGKILL stragglers."""
    for child in children:
        if child.running():
            child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        if child.process is None:
            continue
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
    # Whatever a child left behind in its group (runserver's reloader child, pool workers).
    for child in children:
        child.signal_group(signal.SIGTERM)
    sweep_deadline = time.monotonic() + 2.0
    while time.monotonic() < sweep_deadline and any(child.signal_group(0) for child in children):
        time.sleep(0.1)
    for child in children:
        child.signal_group(signal.SIGKILL)
        if child.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(timeout=2.0)


class Command(BaseCommand):
    help = "Serve ABM Hub; with REDIS_URL set, also run a Celery worker and beat."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--noreload", action="store_true", help="Do not restart the web server on edits."
        )
        parser.add_argument(
            "--no-celery",
            action="store_true",
            help="Start no worker and beat even though a broker is configured.",
        )

    def handle(self, *args, host, port, noreload, no_celery, **options):
        with_celery = not settings.CELERY_TASK_ALWAYS_EAGER and not no_celery
        children = hub_children(
            host=host,
            port=port,
            with_celery=with_celery,
            reload=not noreload,
            asgi=bool(settings.REDIS_URL),
        )

        stop_requested: list[int] = []

        def request_stop(signum, frame):
            stop_requested.append(signum)

        previous = {
            signum: signal.signal(signum, request_stop)
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        }
        exit_code = 0
        try:
            for child in children:
                child.start()
            self._banner(host=host, port=port, children=children)
            while not stop_requested:
                dead = [child for child in children if not child.running()]
                if dead:
                    child = dead[0]
                    code = child.process.returncode
                    # A child killed by a signal reports -N; a shell would say 128 + N.
                    exit_code = 128 - code if code < 0 else (code or 1)
                    self.stderr.write(
                        f"runhub: {child.name} exited with code {child.process.returncode};"
                        " stopping the others."
                    )
                    break
                time.sleep(0.2)
        finally:
            if stop_requested:
                self.stdout.write("runhub: stopping " + ", ".join(c.name for c in children))
            stop_children(children)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        if exit_code:
            raise CommandError(f"a hub process exited with code {exit_code}", returncode=exit_code)

    def _banner(self, *, host: str, port: int, children: list[Child]) -> None:
        database = settings.DATABASES["default"]
        engine = database["ENGINE"].rsplit(".", 1)[-1]
        if engine == "sqlite3":
            where = f"SQLite file {database['NAME']}"
        else:
            where = f"{engine} database {database['NAME']} on {database.get('HOST') or 'socket'}"
        celery = (
            "worker + beat on " + settings.CELERY_BROKER_URL.split("@")[-1]
            if len(children) > 1
            else "tasks run in-process (eager; set REDIS_URL for a real worker)"
        )
        web = (
            "uvicorn (ASGI; the live feed is pushed)"
            if "uvicorn" in children[0].argv
            else "runserver (the live feed polls; set REDIS_URL for uvicorn and push)"
        )
        lines = [
            "",
            f"ABM Hub is starting at http://{host}:{port}/",
            f"  web:      {web}",
            f"  database: {where}",
            f"  celery:   {celery}",
            f"  API docs: http://{host}:{port}/api/docs/",
        ]
        try:
            users = list(
                get_user_model()
                .objects.filter(is_active=True)
                .order_by("username")
                .values_list("username", flat=True)[:6]
            )
        except DatabaseError:
            users = []
        if users:
            lines.append("  sign in as: " + ", ".join(users) + "  (demo logins: see above)")
        lines.append("Press Ctrl-C to stop.")
        lines.append("")
        self.stdout.write("\n".join(lines))
