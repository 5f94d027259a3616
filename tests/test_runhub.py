"""`manage.py runhub` leaves no process behind and stops everything when one process dies."""

import os
import signal
import sys
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from abm.management.commands import runhub
from abm.management.commands.runhub import Child, stop_children


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def wait_for_file(path: Path, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        time.sleep(0.05)
    raise AssertionError(f"{path} was never written")


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")


def test_stopping_sweeps_what_a_child_started_in_its_group(tmp_path):
    # Like runserver's reloader: the child starts a grandchild that would outlive it.
    pid_file = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys, time\n"
        "p = subprocess.Popen(['sleep', '120'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(p.pid))\n"
        "time.sleep(120)\n"
    )
    child = Child("web", [sys.executable, "-c", script])
    child.start()
    grandchild = int(wait_for_file(pid_file))
    assert alive(grandchild)

    stop_children([child], grace=2.0)

    assert child.process.returncode is not None
    deadline = time.monotonic() + 5
    while alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(grandchild)


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace_period(tmp_path):
    ready = tmp_path / "ready"
    script = (
        "import signal, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        f"open({str(ready)!r}, 'w').write('1')\n"
        "time.sleep(120)\n"
    )
    child = Child("stubborn", [sys.executable, "-c", script])
    child.start()
    wait_for_file(ready)

    stop_children([child], grace=0.5)

    assert child.process.returncode == -signal.SIGKILL


@pytest.mark.django_db
def test_when_one_process_dies_runhub_stops_the_others_and_exits_with_its_code(
    monkeypatch, tmp_path
):
    pid_file = tmp_path / "worker.pid"
    survivor = (
        f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(120)\n"
    )
    crasher = f"import sys, time\nwhile not __import__('os').path.exists({str(pid_file)!r}):\n"
    crasher += "    time.sleep(0.05)\nsys.exit(3)\n"
    children = [
        Child("worker", [sys.executable, "-c", survivor]),
        Child("web", [sys.executable, "-c", crasher]),
    ]
    monkeypatch.setattr(runhub, "hub_children", lambda **kwargs: children)

    with pytest.raises(CommandError) as raised:
        call_command("runhub", "--noreload")

    assert raised.value.returncode == 3
    worker_pid = int(pid_file.read_text())
    assert not alive(worker_pid)
    assert children[0].process.returncode is not None


def test_the_hub_starts_a_worker_and_beat_only_with_a_broker(settings, tmp_path):
    settings.BASE_DIR = tmp_path

    embedded = runhub.hub_children(host="127.0.0.1", port=8000, with_celery=False, reload=True)
    with_broker = runhub.hub_children(host="0.0.0.0", port=9000, with_celery=True, reload=False)

    assert [c.name for c in embedded] == ["web"]
    assert embedded[0].argv[1:] == ["manage.py", "runserver", "127.0.0.1:8000"]
    assert [c.name for c in with_broker] == ["web", "worker", "beat"]
    assert with_broker[0].argv[-1] == "--noreload"
    assert with_broker[1].argv[2:6] == ["celery", "-A", "abm", "worker"]
    beat = with_broker[2].argv
    assert beat[5] == "beat"
    assert beat[-1] == f"--schedule={os.path.join(tmp_path, 'var', 'celerybeat-schedule')}"
    assert (tmp_path / "var").is_dir()


def test_with_a_broker_the_web_server_is_uvicorn_serving_asgi(settings, tmp_path):
    """The live feed's stream is an asynchronous view: with Redis the hub serves ASGI."""
    settings.BASE_DIR = tmp_path
    web = runhub.hub_children(
        host="127.0.0.1", port=8123, with_celery=True, reload=False, asgi=True
    )[0]
    assert web.argv[1:] == [
        "-m", "uvicorn", "abm.asgi:application", "--host", "127.0.0.1", "--port", "8123",
    ]  # fmt: skip
    reloading = runhub.hub_children(
        host="127.0.0.1", port=8123, with_celery=True, reload=True, asgi=True
    )[0]
    assert "--reload" in reloading.argv


@pytest.mark.django_db(transaction=True)
def test_the_asgi_application_serves_a_page():
    """uvicorn's target imports and answers (the health check, through ASGI)."""
    import asyncio

    from abm.asgi import application

    sent: list[dict] = []

    requests = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive():
        if requests:
            return requests.pop()
        await asyncio.Event().wait()  # the client never hangs up

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": "/login/", "raw_path": b"/login/", "query_string": b"",
        "headers": [(b"host", b"localhost")], "client": ("127.0.0.1", 5000),
        "server": ("localhost", 80),
    }  # fmt: skip
    # In a thread of its own: a browser test earlier in the session may leave
    # Playwright's event loop running in this one.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, application(scope, receive, send)).result(timeout=60)
    assert sent[0]["type"] == "http.response.start"
    assert sent[0]["status"] == 200


def test_the_procfile_runs_what_docker_compose_runs():
    """The Procfile (for Procfile runners) and docker-compose.yml name the same commands."""
    import shlex

    import yaml

    repo = Path(__file__).resolve().parent.parent
    procfile = {}
    for line in (repo / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            procfile[name] = shlex.split(command.strip().replace("${PORT:-8000}", "8000"))
    services = yaml.safe_load((repo / "docker-compose.yml").read_text())["services"]

    def compose(name: str) -> list[str]:
        command = services[name]["command"]
        return [part.replace("/app/", "") for part in command]

    assert set(procfile) == {"web", "worker", "beat"}
    assert procfile["worker"] == compose("worker")
    assert procfile["beat"] == compose("beat")
    assert procfile["web"][:2] == compose("web")[:2] == ["sh", "-c"]
    assert procfile["web"][2].split() == compose("web")[2].split()
