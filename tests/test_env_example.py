"""`.env.example` documents every environment variable that abm/settings.py reads."""

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SETTINGS = REPO / "abm" / "settings.py"
ENV_EXAMPLE = REPO / ".env.example"

# `NAME=value` or a commented-out `# NAME=value`: both document the variable.
DOCUMENTED = re.compile(r"^\s*(?:#\s*)?([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def _is_env_reader(func: ast.expr) -> bool:
    """env(...), env.bool(...), env.db_url(...), os.environ.get(...), os.getenv(...)."""
    if isinstance(func, ast.Name):
        return func.id in {"env", "getenv"}
    if isinstance(func, ast.Attribute):
        owner = func.value
        if isinstance(owner, ast.Name) and owner.id == "env":
            return True
        if isinstance(owner, ast.Name) and owner.id == "os" and func.attr == "getenv":
            return True
        if isinstance(owner, ast.Attribute) and owner.attr == "environ":
            return func.attr in {"get", "setdefault", "pop"}
    return False


def variables_read(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _is_env_reader(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names.add(first.value)
        # os.environ["NAME"]
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "environ"
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            names.add(node.slice.value)
    return names


def test_every_setting_read_from_the_environment_is_in_env_example():
    read = variables_read(SETTINGS.read_text())
    documented = set(DOCUMENTED.findall(ENV_EXAMPLE.read_text()))

    missing = sorted(read - documented)

    assert not missing, f"add these to .env.example with a comment: {', '.join(missing)}"


def test_the_parser_sees_every_kind_of_env_call():
    source = (
        "A = env('PLAIN')\nB = env.bool('FLAG', default=False)\nC = env.db_url('DB_URL')\n"
        "import os\nD = os.environ.get('OS_GET')\nE = os.getenv('OS_GETENV')\n"
        "F = os.environ['OS_ITEM']\nG = env.list('HOSTS', default=[])\nH = other('NOT_ENV')\n"
    )

    assert variables_read(source) == {
        "PLAIN",
        "FLAG",
        "DB_URL",
        "OS_GET",
        "OS_GETENV",
        "OS_ITEM",
        "HOSTS",
    }


def test_settings_read_the_core_variables():
    # Guards the parser against silently finding nothing in the real settings.
    read = variables_read(SETTINGS.read_text())

    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"} <= read
