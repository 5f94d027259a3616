"""Security edges the whole hub shares: CSP, request size, offline API docs."""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db

INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def test_pages_carry_a_content_security_policy(client, admin):
    client.force_login(admin)
    response = client.get("/accounts/")

    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.parametrize("path", sorted(p for p in (REPO / "templates").rglob("*.html")))
def test_no_template_has_inline_script_or_handlers(path):
    """The policy allows our own script files only: an inline script or onclick= would be
    blocked in the browser, so none may exist."""
    text = path.read_text()
    assert not INLINE_SCRIPT.search(text), f"inline <script> in {path.relative_to(REPO)}"
    assert not INLINE_HANDLER.search(text), f"inline event handler in {path.relative_to(REPO)}"


def test_api_docs_load_nothing_from_the_internet(client):
    for url in ("/api/redoc/", "/api/docs/"):
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert not re.search(r"""(src|href)=["']https?://""", html), url
        assert not INLINE_SCRIPT.search(html), url


def test_swagger_start_up_script_is_served_as_a_file(client):
    page = client.get("/api/docs/").content.decode()
    script = re.search(r'<script src="([^"]*api/docs/[^"]*)"', page)
    assert script, page
    assert client.get(script.group(1)).status_code == 200


@pytest.mark.parametrize(
    ("path", "json_body"), [("/api/v1/activities/", True), ("/accounts/new/", False)]
)
def test_a_body_over_the_limit_is_refused_before_it_is_read(
    client, admin, settings, path, json_body
):
    settings.REQUEST_MAX_BYTES = 1000
    client.force_login(admin)

    response = client.post(path, data="x" * 2000, content_type="application/json")

    assert response.status_code == 413
    if json_body:
        assert "larger than 1000 bytes" in response.json()["detail"]
