"""OpenAPI schema and docs (SPEC §11): /api/schema/ and /api/docs/ on local static files."""

import json

import pytest
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.validation import validate_schema


@pytest.fixture
def schema(anonymous_api, db):
    response = anonymous_api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_schema_is_a_valid_openapi_3_document(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)


def test_the_schema_lists_the_platform_endpoints(schema):
    paths = schema["paths"]
    for path, method in [
        ("/api/v1/auth/token/", "post"),
        ("/api/v1/auth/logout/", "post"),
        ("/api/v1/signup/", "post"),
        ("/api/v1/signup/verify/", "post"),
        ("/api/v1/me/", "get"),
        ("/api/v1/me/", "patch"),
    ]:
        assert method in paths[path], (path, method)
    assert set(paths["/api/v1/signup/"]["post"]["responses"]) >= {"201", "202"}
    # Anyone may sign in or sign up; /me/ needs a token (or a session).
    assert "security" not in schema
    for open_path in ("/api/v1/auth/token/", "/api/v1/signup/", "/api/v1/signup/verify/"):
        assert not paths[open_path]["post"].get("security"), open_path
    assert {"knoxApiToken": []} in paths["/api/v1/me/"]["get"]["security"]


def test_token_auth_is_declared(schema):
    schemes = schema["components"]["securitySchemes"]
    assert any(
        scheme.get("type") == "apiKey" and scheme.get("name") == "Authorization"
        for scheme in schemes.values()
    )


def test_endpoints_that_honour_idempotency_keys_document_the_header(schema):
    merge = schema["paths"]["/api/v1/clients/{id}/merge/"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in merge["parameters"] if p["in"] == "header"}
    signup = schema["paths"]["/api/v1/signup/"]["post"]  # R74: every POST, anonymous ones too
    assert "Idempotency-Key" in {p["name"] for p in signup.get("parameters", [])}
    sign_in = schema["paths"]["/api/v1/auth/token/"]["post"]  # a replay would store a token
    assert "Idempotency-Key" not in {p["name"] for p in sign_in.get("parameters", [])}


def test_the_platform_views_generate_without_a_warning(tmp_path):
    call_command(
        "spectacular",
        "--fail-on-warn",
        "--validate",
        "--urlconf",
        "tests.salon.platform_urls",
        "--file",
        str(tmp_path / "schema.yml"),
    )
    assert "/api/v1/signup/verify/" in (tmp_path / "schema.yml").read_text()


def test_the_whole_api_generates_without_an_error(tmp_path):
    call_command("spectacular", "--validate", "--file", str(tmp_path / "schema.yml"))
    assert not GENERATOR_STATS._error_cache


def test_the_docs_page_renders_from_local_static_files(anonymous_api, db):
    response = anonymous_api.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "/static/drf_spectacular_sidecar/" in page
    for cdn in ("cdn.jsdelivr.net", "unpkg.com", "cdnjs", "http://", "https://"):
        assert cdn not in page, cdn


def test_the_client_log_s_last_page_link_is_documented_as_nullable(schema):
    """The last page of GET /clients/{id}/log/ answers "next": null (found by fuzzing)."""
    page = schema["components"]["schemas"]["ClientLog"]["properties"]
    assert page["next"]["nullable"] is True
    assert page["next"]["format"] == "uri"
    assert page["next_before"]["nullable"] is True
