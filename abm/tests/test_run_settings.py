"""Settings that follow how the hub is run: SITE_URL and the file-mail folder.

Each case imports abm.settings in a fresh interpreter with its own environment, since
settings are read once per process.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _settings(**env) -> dict:
    environ = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "abm.settings",
        "DEBUG": "true",
        "SECRET_KEY": "test-only-key-for-a-settings-subprocess",
        # A checkout's .env may set these; an explicit empty value means "not set".
        "SITE_URL": "",
        "RUN_HOST": "",
        "RUN_PORT": "",
        **env,
    }
    environ = {key: value for key, value in environ.items() if value is not None}
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps({'SITE_URL': settings.SITE_URL, "
        "'EMAIL_FILE_PATH': getattr(settings, 'EMAIL_FILE_PATH', None), "
        "'EMAIL_BACKEND': settings.EMAIL_BACKEND}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_site_url_follows_the_port_make_run_serves_on():
    assert _settings(RUN_PORT="")["SITE_URL"] == "http://127.0.0.1:8000"
    assert _settings(RUN_HOST="127.0.0.1", RUN_PORT="8103")["SITE_URL"] == "http://127.0.0.1:8103"
    # Serving on every interface still gives a link a browser on this machine can open.
    assert _settings(RUN_HOST="0.0.0.0", RUN_PORT="8104")["SITE_URL"] == "http://127.0.0.1:8104"


def test_a_set_site_url_wins_over_the_port():
    result = _settings(SITE_URL="https://hub.example.com/", RUN_PORT="8103")
    assert result["SITE_URL"] == "https://hub.example.com"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("filemail://var/outbox", str(ROOT / "var" / "outbox")),
        ("filemail://mail", str(ROOT / "mail")),
        ("filemail:///srv/abm/outbox", "/srv/abm/outbox"),
    ],
)
def test_file_mail_folder_is_relative_to_the_checkout_or_absolute(url, expected):
    result = _settings(EMAIL_URL=url)
    assert result["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert result["EMAIL_FILE_PATH"] == expected


def test_make_run_passes_its_host_and_port_to_every_command():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    commands = [line for line in recipe.splitlines() if "manage.py" in line]
    assert len(commands) == 3
    for line in commands:
        assert "RUN_HOST=$(HOST) RUN_PORT=$(PORT)" in line
