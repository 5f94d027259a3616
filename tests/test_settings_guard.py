"""Production guard rails of abm/settings.py, checked in a clean interpreter."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

SETUP = (
    "import django; django.setup(); from django.conf import settings; "
    "print('ready', settings.DEBUG)"
)


def start_django(**env_vars: str) -> subprocess.CompletedProcess:
    """Run django.setup() with abm.settings in a fresh process and only the given settings.

    Empty values shadow anything a developer's .env file would supply (django-environ never
    overrides a variable that is already set).
    """
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "abm.settings",
        "SECRET_KEY": "",
        "ALLOWED_HOSTS": "",
        "DATABASE_URL": "sqlite:///:memory:",
        "REDIS_URL": "",
        **env_vars,
    }
    return subprocess.run(
        [sys.executable, "-c", SETUP],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("debug", ["false", "0", ""])
def test_without_debug_the_app_refuses_to_start_without_secret_key_and_allowed_hosts(debug):
    result = start_django(DEBUG=debug)

    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
    assert "DEBUG is off, so SECRET_KEY and ALLOWED_HOSTS must be set" in result.stderr
    assert "ready" not in result.stdout


def test_without_debug_a_missing_allowed_hosts_alone_is_named():
    result = start_django(DEBUG="false", SECRET_KEY="s3cret-for-the-guard-test")

    assert result.returncode != 0
    assert "DEBUG is off, so ALLOWED_HOSTS must be set" in result.stderr


def test_without_debug_a_missing_secret_key_alone_is_named():
    result = start_django(DEBUG="false", ALLOWED_HOSTS="hub.example.com")

    assert result.returncode != 0
    assert "DEBUG is off, so SECRET_KEY must be set" in result.stderr


def test_without_debug_the_app_starts_once_both_are_set():
    result = start_django(
        DEBUG="false", SECRET_KEY="s3cret-for-the-guard-test", ALLOWED_HOSTS="hub.example.com"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ready False"


def test_with_debug_on_the_app_still_needs_a_secret_key():
    """No key is built in: make writes a random one into .env."""
    result = start_django(DEBUG="true")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_with_debug_on_the_app_starts_on_development_defaults():
    result = start_django(DEBUG="true", SECRET_KEY="a-random-key-from-make")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ready True"


def test_production_settings_pass_the_deploy_check():
    """HSTS, SSL redirect, secure cookies and the rest of `check --deploy` are on."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "abm.settings",
        "DEBUG": "false",
        "SECRET_KEY": "k" + "x7Qz!9pL#2vR$8mN%4bT^6wY&1cU*3eI(5oP)0aS" * 2,
        "ALLOWED_HOSTS": "hub.example.com",
        "DATABASE_URL": "sqlite:///:memory:",
        "REDIS_URL": "",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr
