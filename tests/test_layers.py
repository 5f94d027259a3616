"""Honest layers: which app may import which (docs/ARCHITECTURE.md draws the same picture).

    analytics                      may import buying_groups, sales_actions, accounts, abm
    buying_groups   sales_actions  may import accounts, abm (not each other, not analytics)
    accounts                       may import abm only: users, CRM records, tasks, activities
    abm (shared helpers)           imports no app

An app above contributes to a page below through listeners (accounts.services.changes),
template includes or its own URLs, never through an import from below; a model every
layer needs moves down (Task moved into accounts). Only abm's wiring — settings, URLconfs,
the Celery app and the demo orchestrator that loads each app's ``demo`` module by name —
may import any app, so nothing imports analytics except that wiring.

Every non-test, non-migration module is parsed with ``ast``, so imports inside functions
and ``TYPE_CHECKING`` blocks count, as do ``importlib.import_module("…")`` /
``__import__`` / ``import_string`` with a literal name and lazy model references such as
``ForeignKey("sales_actions.Task")`` or ``apps.get_model("sales_actions", "Task")``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("abm", "accounts", "buying_groups", "sales_actions", "analytics")

# Which other apps each app's modules may import.
ALLOWED: dict[str, frozenset[str]] = {
    "abm": frozenset(),
    "accounts": frozenset({"abm"}),
    "buying_groups": frozenset({"abm", "accounts"}),
    "sales_actions": frozenset({"abm", "accounts"}),
    "analytics": frozenset({"abm", "accounts", "buying_groups", "sales_actions"}),
}
# abm's wiring sits above every app: it names them all.
WIRING = frozenset(
    {
        "abm/settings.py",
        "abm/urls.py",
        "abm/api_urls.py",
        "abm/celery.py",
        "abm/demo.py",
        "abm/management/commands/seed_demo.py",
    }
)
DYNAMIC_IMPORTS = frozenset({"import_module", "__import__", "import_string"})
MODEL_REFERENCE = re.compile(r"^(?P<app>[a-z_]+)\.[A-Z]\w*$")


def source_modules(app: str) -> list[Path]:
    """The app's modules that ship: no tests, no migrations."""
    found = []
    for path in sorted((ROOT / app).rglob("*.py")):
        rel = path.relative_to(ROOT)
        if {"tests", "migrations"} & set(rel.parts[:-1]):
            continue
        if rel.name.startswith("test_") or rel.name in ("conftest.py", "test_settings.py"):
            continue
        found.append(rel)
    return found


def imported_apps(source: str, filename: str = "<source>") -> list[tuple[int, str, str]]:
    """(line, app, what) for every reference from this source to one of APPS.

    Relative imports never leave their own top-level package, so they are not listed.
    """
    found = []

    def note(node: ast.AST, name: str | None) -> None:
        top = (name or "").split(".")[0]
        if top in APPS:
            found.append((node.lineno, top, name))

    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                note(node, alias.name)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            note(node, node.module)
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            literals = [
                a.value
                for a in node.args
                if isinstance(a, ast.Constant) and isinstance(a.value, str)
            ]
            if not literals:
                continue
            if called in DYNAMIC_IMPORTS:
                note(node, literals[0])
            elif called == "get_model":
                note(node, literals[0].split(".")[0])
            else:
                for literal in literals:
                    match = MODEL_REFERENCE.match(literal)
                    if match:
                        note(node, literal)
    return found


def violations(app: str) -> list[str]:
    problems = []
    for rel in source_modules(app):
        if rel.as_posix() in WIRING:
            continue
        for line, target, what in imported_apps((ROOT / rel).read_text(), str(rel)):
            if target != app and target not in ALLOWED[app]:
                problems.append(f"{rel}:{line} {app} -> {what}")
    return problems


@pytest.mark.parametrize("app", APPS)
def test_app_imports_only_the_layers_below_it(app):
    assert violations(app) == [], (
        f"{app} reaches up into an app above it (allowed: {sorted(ALLOWED[app]) or 'none'}); "
        "contribute through a listener, a template include or the upper app's own URLs, "
        "or move what every layer needs down"
    )


def test_nothing_but_the_wiring_imports_analytics():
    importers = {
        rel.as_posix()
        for app in APPS
        if app != "analytics"
        for rel in source_modules(app)
        if any(t == "analytics" for _, t, _ in imported_apps((ROOT / rel).read_text()))
    }
    assert importers <= WIRING


def test_the_scan_sees_every_kind_of_import():
    source = """
import importlib
from typing import TYPE_CHECKING

import analytics.engine
from accounts.models import Account
from . import siblings
from .models import Thing

if TYPE_CHECKING:
    from buying_groups.models import BuyingGroup


def later():
    from sales_actions.models import SalesEmail
    importlib.import_module("buying_groups.demo")
    return apps.get_model("sales_actions", "Workspace")


class Link(models.Model):
    email = models.ForeignKey("sales_actions.SalesEmail", on_delete=models.CASCADE)
    label = models.CharField(max_length=10, default="accounts.Account is fine text")
    page = reverse("sales_actions:send_dialog")
"""
    found = sorted((line, app) for line, app, _ in imported_apps(source))
    assert found == [
        (5, "analytics"),
        (6, "accounts"),
        (11, "buying_groups"),
        (15, "sales_actions"),
        (16, "buying_groups"),
        (17, "sales_actions"),
        (21, "sales_actions"),
    ]


def test_the_scan_covers_the_code():
    # A scan that found no files would pass every rule above.
    scanned = source_modules("accounts")
    assert len(scanned) > 30
    assert Path("accounts/models/__init__.py") in scanned
    assert not any({"migrations", "tests"} & set(path.parts) for path in scanned)
