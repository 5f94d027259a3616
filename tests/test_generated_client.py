"""A client generated from the OpenAPI schema works: every module imports, and a short
scenario runs against a live server (token, list accounts, create one, read it back).

openapi-python-client is the generator integrators are likely to use; it reads what the
schema says (encodings, nullability, error bodies) literally, so a schema that lies
shows up here as modules that fail to import or calls that cannot parse an answer.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator

BIN = Path(sys.executable).parent
GENERATOR = BIN / "openapi-python-client"
PACKAGE = "abm_client"
# The mail gateway's raw message (message/rfc822) is bytes to a client.
CONFIG = "content_type_overrides:\n  message/rfc822: application/octet-stream\n"

pytestmark = [
    pytest.mark.skipif(not GENERATOR.exists(), reason="openapi-python-client not installed"),
]


@pytest.fixture(scope="module")
def client_package(tmp_path_factory, django_db_blocker):
    """Generate the client into a temporary folder; yields the imported package."""
    folder = tmp_path_factory.mktemp("client")
    with django_db_blocker.unblock():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    (folder / "schema.json").write_text(json.dumps(schema))
    (folder / "config.yaml").write_text(CONFIG)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            *["--path", str(folder / "schema.json")],
            *["--output-path", str(folder / PACKAGE)],
            *["--config", str(folder / "config.yaml")],
            *["--meta", "none"],
            "--fail-on-warning",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]
        shutil.rmtree(folder, ignore_errors=True)


def test_every_generated_module_imports(client_package):
    names = [m.name for m in pkgutil.walk_packages(client_package.__path__, f"{PACKAGE}.")]
    failures = {}
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 (every failure is reported)
            failures[name] = repr(exc)

    assert len(names) > 300
    assert failures == {}


@pytest.mark.django_db(transaction=True)
def test_generated_client_scenario(client_package, live_server, marketer):
    api = importlib.import_module(f"{PACKAGE}.api")
    from abm_client import AuthenticatedClient, Client
    from abm_client.models import AccountRequest, TokenRequestRequest

    token_create = importlib.import_module(f"{api.__name__}.auth.auth_token_create")
    accounts = f"{api.__name__}.accounts"
    accounts_list = importlib.import_module(f"{accounts}.accounts_list")
    accounts_create = importlib.import_module(f"{accounts}.accounts_create")
    accounts_retrieve = importlib.import_module(f"{accounts}.accounts_retrieve")

    anonymous = Client(base_url=live_server.url, raise_on_unexpected_status=True)
    token = token_create.sync(
        client=anonymous,
        body=TokenRequestRequest(username="marketer", password="pass-1234!"),
    )
    assert token.token
    client = AuthenticatedClient(
        base_url=live_server.url, token=token.token, prefix="Token", raise_on_unexpected_status=True
    )

    first = accounts_list.sync(client=client, page_size=10)
    assert first.results == []

    created = accounts_create.sync(
        client=client, body=AccountRequest(name="Generated Client GmbH", domain="gen.example")
    )
    assert created.id and created.name == "Generated Client GmbH"

    again = accounts_retrieve.sync(client=client, id=created.id)
    assert (again.id, again.domain) == (created.id, "gen.example")
    listed = accounts_list.sync(client=client, page_size=10)
    assert [a.id for a in listed.results] == [created.id]

    # A documented error parses as the shared Error body.
    missing = accounts_retrieve.sync_detailed(client=client, id=created.id + 1000)
    assert missing.status_code == 404
    assert missing.parsed.detail
