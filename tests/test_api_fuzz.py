"""Schemathesis over every API operation, as admin, marketer and sales rep (``make fuzz``).

A real server (gunicorn, production settings, Celery tasks in-process) on 127.0.0.1 with a
fresh demo database; for each role the schemathesis CLI runs its examples, fuzzing and
stateful phases (with FUZZ_COVERAGE=1, as admin, the coverage phase: see ROLE_PHASES) against
``/api/schema/`` with the checks below. Any server error, undocumented status, response
off its schema or wrong content type fails the test.
Deterministic: a fixed demo seed, derandomized generation, one client worker, roles one
after another (the sales rep first, the admin, who may delete, last).

Skipped unless ``ABM_FUZZ=1`` (``make fuzz`` sets it; CI runs it as its own step).
Settings (environment): ``FUZZ_DATABASE_URL`` (default: a SQLite file in a temporary
folder; CI uses PostgreSQL), ``FUZZ_PORT`` (default: a free port), ``FUZZ_MAX_EXAMPLES``
(per operation and phase, default 8), ``FUZZ_PHASES``, ``FUZZ_COVERAGE``, ``FUZZ_ROLES``,
``FUZZ_REPORT_DIR`` (default ``var/fuzz``: JUnit and NDJSON reports, ``figures.json``).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.skipif(
    os.environ.get("ABM_FUZZ") != "1", reason="API fuzz: run with `make fuzz` (ABM_FUZZ=1)"
)

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "response_schema_conformance",
    "content_type_conformance",
]
# Every role: schema examples, random fuzzing (valid and invalid input) and the stateful
# phase (create -> read -> update -> delete chains through the schema's links), about a
# minute each on a quiet machine. FUZZ_COVERAGE=1 adds, for the admin (who reaches every
# operation), the coverage phase: each parameter and property at its boundaries, with
# wrong types, duplicated and unexpected methods (~11,000 cases, 5-15 minutes: too long
# for every CI run, worth it after API changes).
ROLE_PHASES = {
    "sales_rep": "examples,fuzzing,stateful",
    "marketer": "examples,fuzzing,stateful",
    "admin": "examples,fuzzing,stateful",
}
if os.environ.get("FUZZ_COVERAGE") == "1":
    ROLE_PHASES["admin"] = "examples,coverage,fuzzing,stateful"
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "8"))
DEMO_ACCOUNTS = 30
# The demo logins (accounts/demo/logins.py), least privileged first.
ROLES = {
    "sales_rep": ("rep1", "demo-rep1-2026!"),
    "marketer": ("marketer", "demo-marketer-2026!"),
    "admin": ("admin", "demo-admin-2026!"),
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fresh_database(url: str) -> None:
    """Drop and create the PostgreSQL database ``url`` names (a fuzz run starts empty)."""
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _server_env(database_url: str, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "ABM_REQUIRE"))}
    env.update(
        DJANGO_SETTINGS_MODULE="abm.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=database_url,
        REDIS_URL="",  # Celery tasks run in-process: the fuzz needs no broker
        RUN_PORT=str(port),
        PYTHONUNBUFFERED="1",
    )
    return env


def _wait_until_up(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


def _token(base: str, username: str, password: str) -> str:
    request = urllib.request.Request(
        f"{base}/api/v1/auth/token/",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["token"]


@pytest.fixture(scope="module")
def report_dir() -> Path:
    path = Path(os.environ.get("FUZZ_REPORT_DIR", ROOT / "var" / "fuzz"))
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


@pytest.fixture(scope="module")
def hub(tmp_path_factory, report_dir):
    """A server on 127.0.0.1 over a fresh demo database; yields (base URL, tokens)."""
    database_url = os.environ.get("FUZZ_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.sqlite3'}"
    )
    if database_url.startswith("postgres"):
        _fresh_database(database_url)
    port = int(os.environ.get("FUZZ_PORT") or _free_port())
    env = _server_env(database_url, port)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput"], env=env, cwd=ROOT, check=True)
    # Production settings serve pages through the static manifest (error pages included).
    subprocess.run(
        [*manage, "collectstatic", "--noinput"],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [*manage, "seed_demo", "--accounts", str(DEMO_ACCOUNTS), "--seed", "7", "--force"],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    log = open(report_dir / "server.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [
            *[sys.executable, "-m", "gunicorn", "abm.wsgi"],
            *["--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "120"],
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/api/schema/?format=json", server)
        tokens = {role: _token(base, *login) for role, login in ROLES.items()}
        yield base, tokens
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _figures(output: str) -> dict:
    """Operations, test cases and failures by check from the CLI's summary."""
    figures: dict = {"failures": {}}
    tested = re.search(r"Tested:\s+(\d+)", output)
    figures["operations"] = int(tested.group(1)) if tested else None
    cases = re.search(r"(\d+) generated", output)
    figures["examples"] = int(cases.group(1)) if cases else None
    block = output.split("Failures:", 1)[1].split("\n\n", 1)[0] if "Failures:" in output else ""
    for code, name, count in re.findall(r"(ST\d+) ([^:\n]+): (\d+)", block):
        figures["failures"][f"{code} {name.strip()}"] = int(count)
    errors = output.split("Errors:", 1)[1].split("\n\n", 1)[0] if "Errors:" in output else ""
    figures["errors"] = [line.strip(" 🚫") for line in errors.splitlines() if line.strip()]
    took = re.search(r" in ([\d.]+)s =+", output)
    figures["seconds"] = float(took.group(1)) if took else None
    return figures


ALL_FIGURES: dict = {}


@pytest.mark.parametrize("role", [r for r in ROLES if r in os.environ.get("FUZZ_ROLES", r)])
def test_api_fuzz(hub, role, report_dir):
    base, tokens = hub
    out_dir = report_dir / role
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [
        str(BIN / "st"),
        "run",
        f"{base}/api/schema/?format=json",
        *["--url", base],
        *["--header", f"Authorization: Token {tokens[role]}"],
        *["--checks", ",".join(CHECKS)],
        *["--phases", os.environ.get("FUZZ_PHASES") or ROLE_PHASES[role]],
        *["--max-examples", str(MAX_EXAMPLES)],
        "--generation-deterministic",
        *["--workers", "1"],
        *["--request-timeout", "60"],
        *["--report", "junit,ndjson"],
        *["--report-dir", str(out_dir)],
        "--no-color",
        *["--output-truncate", "false"],
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.api_fuzz_hooks", "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    (out_dir / "output.txt").write_text(output)
    figures = _figures(output)
    figures["wall_seconds"] = round(time.monotonic() - started, 1)
    figures["exit_code"] = result.returncode
    ALL_FIGURES[role] = figures
    (report_dir / "figures.json").write_text(json.dumps(ALL_FIGURES, indent=2))
    print(f"\n{role}: {json.dumps(figures)}")

    assert result.returncode == 0, f"schemathesis as {role}:\n{output[-20000:]}"
    assert figures["operations"], output[-3000:]
