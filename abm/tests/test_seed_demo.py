"""``manage.py seed_demo``: the whole hub's demo data, composed in abm (see abm/demo.py)."""

import sys
import types
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Account, Activity, Contact, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug(settings):
    settings.DEBUG = True  # pytest-django runs with DEBUG off; seed_demo wants it on
    return settings


def _book():
    return (
        Account.objects.count(),
        Contact.objects.count(),
        Activity.objects.count(),
        list(Account.objects.order_by("id").values_list("domain", flat=True)),
    )


def test_command_creates_logins_and_if_empty_does_nothing_but_print_them(debug):
    debug.SITE_URL = "http://127.0.0.1:8103"
    out = StringIO()
    call_command("seed_demo", accounts=2, seed=1, no_app_hooks=True, stdout=out)
    text = out.getvalue()
    assert "Open http://127.0.0.1:8103 and sign in" in text
    assert ":8000" not in text
    assert "demo-marketer-2026!" in text
    assert User.objects.get(username="marketer").check_password("demo-marketer-2026!")
    assert User.objects.get(username="rep1").role == "sales_rep"
    before = Activity.objects.count()

    out = StringIO()
    call_command("seed_demo", accounts=50, if_empty=True, stdout=out)
    assert Account.objects.count() == 2
    assert Activity.objects.count() == before
    assert "already exist" in out.getvalue()
    assert "demo-admin-2026!" in out.getvalue()


def test_flush_starts_from_an_empty_book_and_keeps_users(debug):
    call_command("seed_demo", accounts=2, seed=4, no_app_hooks=True, stdout=StringIO())
    first = _book()
    users = User.objects.count()
    call_command("seed_demo", accounts=2, seed=4, flush=True, no_app_hooks=True, stdout=StringIO())
    assert _book() == first
    assert User.objects.count() == users


def test_app_demos_run_after_the_book_with_rng_stdout_and_scale(debug, monkeypatch):
    calls = []
    module = types.ModuleType("analytics.demo")

    def seed_demo(*, rng, stdout, scale):
        calls.append((rng.random(), scale, Account.objects.count()))

    module.seed_demo = seed_demo
    monkeypatch.setitem(sys.modules, "analytics.demo", module)
    monkeypatch.setattr("abm.demo.DEMO_APPS", ("analytics",))

    out = StringIO()
    call_command("seed_demo", accounts=2, seed=5, activities_per_contact=1, stdout=out)

    assert len(calls) == 1
    assert calls[0][1:] == (2, 2)  # scale = --accounts, and the book is there already
    assert "app_hooks_seconds" in out.getvalue()
    calls.clear()
    call_command("seed_demo", accounts=2, seed=5, flush=True, no_app_hooks=True, stdout=out)
    assert calls == []


def test_the_real_app_demos_seed_buying_groups_and_sales_emails(debug):
    from buying_groups.models import RoleTemplate
    from sales_actions.models import EmailTemplate

    out = StringIO()
    call_command("seed_demo", accounts=6, seed=2, activities_per_contact=1, stdout=out)
    assert RoleTemplate.objects.count() == 3
    assert "buying groups:" in out.getvalue()
    assert EmailTemplate.objects.filter(status="approved").count() == 4


def test_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off.*--force"):
        call_command("seed_demo", accounts=2, no_app_hooks=True, stdout=StringIO())
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", accounts=2, flush=True, no_app_hooks=True, stdout=StringIO())
    assert not User.objects.exists() and not Account.objects.exists()

    out = StringIO()
    call_command("seed_demo", accounts=2, force=True, no_app_hooks=True, stdout=out)
    assert Account.objects.count() == 2
    # Nothing to write: --if-empty on a filled book only prints the logins, even without DEBUG.
    call_command("seed_demo", accounts=2, if_empty=True, stdout=out)
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", accounts=2, if_empty=True, flush=True, stdout=StringIO())
    assert Account.objects.count() == 2
