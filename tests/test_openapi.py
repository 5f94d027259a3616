"""The OpenAPI schema generates without a warning, and the docs work on a closed network."""

import re

import pytest
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


def test_schema_generates_and_validates_without_warnings():
    GENERATOR_STATS.reset()
    GENERATOR_STATS.enable_trace_lineno()
    schema = SchemaGenerator().get_schema(request=None, public=True)

    validate_schema(schema)
    assert not GENERATOR_STATS._warn_cache, list(GENERATOR_STATS._warn_cache)
    assert not GENERATOR_STATS._error_cache, list(GENERATOR_STATS._error_cache)
    paths = schema["paths"]
    for resource in ["accounts", "contacts", "leads", "opportunities", "activities"]:
        assert f"/api/v1/{resource}/" in paths
        assert f"/api/v1/{resource}/{{id}}/" in paths
    assert "/api/v1/activities/bulk/" in paths
    assert "/api/v1/tasks/{id}/complete/" in paths
    assert "/api/v1/auth/token/" in paths
    account = schema["components"]["schemas"]["Account"]["properties"]
    assert account["team"]["readOnly"] is True
    assert "password" not in schema["components"]["schemas"]["User"]["properties"]


def test_spectacular_command_fails_on_no_warning(tmp_path):
    out = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    assert "openapi: 3" in out.read_text()


def test_schema_endpoint_serves_openapi(api_as, sales_rep):
    response = api_as(sales_rep).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert response.json()["info"]["title"] == "ABM Hub API"


def test_docs_page_loads_without_any_external_host(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    # Every script, stylesheet and icon comes from our own static files.
    urls = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)["\']', html)
    assert urls
    external = [u for u in urls if re.match(r"^(https?:)?//", u)]
    assert external == []
    assert "cdn" not in html.lower()


# --- The schema tells the truth ---------------------------------------------------------

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def test_request_bodies_are_json_except_uploads(schema):
    encodings = {}
    for method, path, operation in _operations(schema):
        body = operation.get("requestBody")
        if body:
            encodings[f"{method.upper()} {path}"] = sorted(body["content"])
    others = {k: v for k, v in encodings.items() if v != ["application/json"]}

    assert others == {
        "POST /api/v1/imports/": ["multipart/form-data"],
        "POST /api/v1/events/{id}/import/": ["multipart/form-data"],
        "POST /api/v1/inbound-email/": ["message/rfc822"],
        # The telephony provider posts its status callbacks as a form (Twilio does).
        "POST /api/v1/calls/status-callback/": ["application/x-www-form-urlencoded"],
    }


def test_every_operation_documents_its_errors_with_the_shared_body(schema):
    error = {"$ref": "#/components/schemas/Error"}
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]
    for method, path, operation in _operations(schema):
        responses = operation["responses"]
        name = f"{method.upper()} {path}"
        assert "400" in responses, name
        open_door = {} in operation.get("security", [{}])  # anonymous callers allowed
        assert ("401" in responses) != open_door, name
        if "{" in path:
            assert "404" in responses, name
        if "requestBody" in operation:
            assert {"413", "415"} <= set(responses), name
        if method != "get" and not open_door:
            assert "403" in responses, name
        for code, response in responses.items():
            if code.startswith("4"):
                assert response.get("content"), (name, code)
                schema_ = response["content"]["application/json"]["schema"]
                if code in ("401", "404", "415"):
                    assert schema_ == error, (name, code)


def test_throttled_token_endpoint_documents_429(schema):
    assert "429" in schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]


def test_filters_and_paging_only_on_lists(schema):
    for method, path, operation in _operations(schema):
        names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        paged = "cursor" in names
        if method != "get" or path.endswith("}/"):
            assert not paged, f"{method} {path}"
        body = operation["responses"].get("200", {}).get("content", {})
        ref = body.get("application/json", {}).get("schema", {}).get("$ref", "")
        answer = schema["components"]["schemas"].get(ref.rpartition("/")[2], {})
        pages = {"next", "previous", "results"} <= set(answer.get("properties", {}))
        assert paged == pages, f"{method} {path}"
    members = schema["paths"]["/api/v1/buying-groups/{id}/members/"]["get"]
    assert not [p for p in members.get("parameters", []) if p["in"] == "query"]
    history = schema["paths"]["/api/v1/opportunities/{id}/stage-history/"]["get"]
    assert not [p for p in history.get("parameters", []) if p["in"] == "query"]


def _nullable_source(model, source_attrs) -> bool | None:
    """Whether a serializer source can be None per the model (None: not a model path)."""
    nullable = False
    for attr in source_attrs:
        try:
            field = model._meta.get_field(attr)
        except Exception:
            return None
        nullable = nullable or getattr(field, "null", False)
        if field.is_relation:
            if field.many_to_many or field.one_to_many:
                return None
            model = field.related_model
    return nullable


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_fields_from_nullable_model_paths_are_nullable(schema):
    """A serializer field whose source passes a null=True model field says allow_null, so
    the schema marks it nullable (``Activity.account``, ``EmailTemplate.approved_by``…)."""
    from rest_framework import serializers

    apps = ("accounts", "buying_groups", "sales_actions", "analytics", "abm")
    wrong = []
    for cls in set(_subclasses(serializers.ModelSerializer)):
        if cls.__module__.split(".")[0] not in apps or not hasattr(cls, "Meta"):
            continue
        model = getattr(cls.Meta, "model", None)
        if model is None:
            continue
        for name, field in cls(context={}).fields.items():
            if isinstance(field, serializers.SerializerMethodField) or field.source == "*":
                continue
            if _nullable_source(model, field.source_attrs) and not field.allow_null:
                wrong.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert wrong == []
    props = schema["components"]["schemas"]
    assert props["Activity"]["properties"]["account"]["nullable"] is True
    assert props["EmailTemplate"]["properties"]["approved_by"]["nullable"] is True
    assert props["RoleTemplate"]["properties"]["solution_interest_name"]["nullable"] is True


def test_id_lists_that_refuse_empty_say_min_items(schema):
    components = schema["components"]["schemas"]
    assert components["AccountIdsRequest"]["properties"]["account_ids"]["minItems"] == 1
    assert components["MembersRemoveRequest"]["properties"]["contact_ids"]["minItems"] == 1
    assert components["ActivityBulkRequestRequest"]["properties"]["activities"]["minItems"] == 1


def test_filters_document_what_they_take(schema):
    params = {
        p["name"]: p["schema"] for p in schema["paths"]["/api/v1/activities/"]["get"]["parameters"]
    }
    # Ids are whole numbers a primary key holds; ordering names the sortable fields.
    assert params["account"]["type"] == "integer"
    assert params["account"]["minimum"] == 1
    assert params["ordering"]["pattern"] == (
        "^-?(occurred_at|created_at|id)(,-?(occurred_at|created_at|id))*$"
    )
