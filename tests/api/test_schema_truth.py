"""R72: the served schema tells the truth and a client can be generated from it.

What openapi-python-client and a mobile developer need: a valid document, JSON bodies,
declared query parameters, readable ids and summaries, one tag, one path parameter rule,
anonymous operations without security, one shared error component listing every code
(R71), examples, and links from each create to its reads.
"""

import json
import re
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from salon.api.schema import ERROR_COMPONENT, error_codes
from salon.errors import all_error_classes

METHODS = ("get", "post", "put", "patch", "delete")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def schema(anonymous_api, db):
    response = anonymous_api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_the_schema_passes_openapi_spec_validator(schema):
    validate(schema)


def test_request_bodies_are_json_and_multipart_only_for_a_file_upload(schema):
    media = {
        (method, path): list(operation["requestBody"]["content"])
        for path, method, operation in operations(schema)
        if "requestBody" in operation
    }
    assert media[("post", "/api/v1/clients/{client_id}/files/")] == ["multipart/form-data"]
    others = {
        key: types for key, types in media.items() if key[1] != "/api/v1/clients/{client_id}/files/"
    }
    assert others and all(types == ["application/json"] for types in others.values()), others


@pytest.mark.parametrize(
    "path, parameters",
    [
        ("/api/v1/clients/", {"search", "include_merged", "updated_since", "page"}),
        ("/api/v1/appointments/", {"date", "status", "client", "updated_since", "page"}),
        ("/api/v1/reservations/", {"client", "page"}),
        ("/api/v1/tickets/", {"status", "client", "updated_since", "page"}),
        ("/api/v1/items/", {"kind", "search", "active", "page"}),
        ("/api/v1/me/appointments/", {"updated_since", "page"}),
    ],
)
def test_every_query_parameter_is_declared(schema, path, parameters):
    declared = {p["name"] for p in schema["paths"][path]["get"]["parameters"] if p["in"] == "query"}
    assert declared >= parameters


def test_a_ledger_entry_s_action_is_an_enum_or_null(schema):
    action = schema["components"]["schemas"]["PointsEntry"]["properties"]["action"]
    assert action.get("nullable") is True or {"$ref": "#/components/schemas/NullEnum"} in (
        action.get("oneOf", []) + action.get("anyOf", [])
    ), action


def test_a_ticket_says_who_opened_closed_and_voided_it(schema):  # #12: who did it
    ticket = schema["components"]["schemas"]["Ticket"]
    who = {name: ticket["properties"][name] for name in ("created_by", "closed_by", "voided_by")}
    assert all(
        (field["type"], field.get("nullable"), field.get("readOnly")) == ("integer", True, True)
        for field in who.values()
    ), who


def test_operation_ids_are_unique_readable_and_every_operation_has_a_summary(schema):
    ids = [operation["operationId"] for _, _, operation in operations(schema)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", name) for name in ids), ids
    assert not [name for name in ids if name.startswith("v1_") or name.endswith("_create_create")]
    by_id = {
        operation["operationId"]: (method, path) for path, method, operation in operations(schema)
    }
    assert by_id["sign_in"] == ("post", "/api/v1/auth/token/")
    assert by_id["close_ticket"] == ("post", "/api/v1/tickets/{id}/close/")
    assert by_id["create_ticket_line"] == ("post", "/api/v1/tickets/{ticket_id}/lines/")
    assert by_id["list_my_rewards_entries"] == ("get", "/api/v1/me/rewards/entries/")
    assert all(operation.get("summary") for _, _, operation in operations(schema))


def test_one_tag_per_operation_named_after_its_resource(schema):
    for path, _, operation in operations(schema):
        assert operation["tags"] == [path.split("/")[3]], path
    assert {tag["name"] for tag in schema["tags"]} >= {"clients", "tickets", "me", "loyalty"}


def test_path_parameters_follow_one_rule(schema):
    """`{id}` is the object the path ends at or acts on; the owner of a nested collection
    is `{<owner>_id}` (docs/decisions.md, #15)."""
    for path, _, operation in operations(schema):
        names = re.findall(r"\{(\w+)\}", path)
        declared = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
        assert sorted(names) == sorted(declared), path
        for name in names:
            assert name in ("id", "action") or name == f"{_owner(path, name)}_id", path
    paths = set(schema["paths"])
    assert {
        "/api/v1/tickets/{id}/",
        "/api/v1/tickets/{id}/close/",
        "/api/v1/tickets/{id}/redeem/",
        "/api/v1/tickets/{ticket_id}/lines/{id}/",
        "/api/v1/tickets/{ticket_id}/payments/{id}/",
        "/api/v1/clients/{id}/",
        "/api/v1/clients/{client_id}/files/{id}/",
        "/api/v1/clients/{client_id}/rewards/entries/",
    } <= paths


def _owner(path: str, name: str) -> str:
    before = path.split("{" + name + "}")[0].rstrip("/").rsplit("/", 1)[-1]
    return before.removesuffix("s").replace("-", "_")


def test_anonymous_operations_declare_no_security_and_the_others_a_token(schema):
    anonymous = {path for path, _, operation in operations(schema) if operation["security"] == []}
    assert anonymous == {"/api/v1/auth/token/", "/api/v1/signup/", "/api/v1/signup/verify/"}
    for path, _, operation in operations(schema):
        if path not in anonymous:
            assert {"knoxApiToken": []} in operation["security"], path


def test_one_shared_error_component_lists_every_code(schema):
    component = schema["components"]["schemas"][ERROR_COMPONENT]
    assert {"$ref": "#/components/schemas/ErrorDetail"} in component["anyOf"]
    detail = schema["components"]["schemas"]["ErrorDetail"]
    listed = set(detail["properties"]["code"]["enum"])
    assert {cls.code for cls in all_error_classes()} <= listed
    assert {"not_found", "malformed_json", "throttled", "idempotency_key_reused"} <= listed
    # Every code written as a literal in the API platform is listed too.
    for source in (ROOT / "salon" / "api").glob("*.py"):
        for code in re.findall(r'"code": "(\w+)"', source.read_text()):
            assert code in listed, (source.name, code)
    assert listed == set(error_codes())
    for path, _, operation in operations(schema):
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                schema_of = response["content"]["application/json"]["schema"]
                assert schema_of == {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}, (
                    path,
                    status,
                )


def test_the_main_operations_carry_examples(schema):
    def has_examples(path, method):
        operation = schema["paths"][path][method]
        bodies = [*operation.get("requestBody", {}).get("content", {}).values()]
        bodies += [
            content
            for response in operation["responses"].values()
            for content in response.get("content", {}).values()
        ]
        return any("examples" in body or "example" in body for body in bodies)

    for path, method in [
        ("/api/v1/auth/token/", "post"),
        ("/api/v1/signup/", "post"),
        ("/api/v1/tickets/", "post"),
        ("/api/v1/tickets/{ticket_id}/lines/", "post"),
        ("/api/v1/tickets/{ticket_id}/payments/", "post"),
        ("/api/v1/tickets/{id}/redeem/", "post"),
        ("/api/v1/me/appointments/", "post"),
    ]:
        assert has_examples(path, method), (method, path)


def test_each_create_links_to_its_reads(schema):
    ids = {operation["operationId"] for _, _, operation in operations(schema)}
    creates = [
        (path, operation)
        for path, method, operation in operations(schema)
        if method == "post" and "201" in operation["responses"] and not path.endswith("}/")
    ]
    for path, operation in creates:
        read = f"/api/v1/{'/'.join(path.split('/')[3:-1])}/{{id}}/"
        if read in schema["paths"] and "get" in schema["paths"][read]:
            links = operation["responses"]["201"]["links"]
            targets = {link["operationId"] for link in links.values()}
            assert schema["paths"][read]["get"]["operationId"] in targets, path
            for link in links.values():
                assert link["operationId"] in ids
    ticket_links = schema["paths"]["/api/v1/tickets/"]["post"]["responses"]["201"]["links"]
    assert ticket_links["CreateTicketLine"]["parameters"] == {"ticket_id": "$response.body#/id"}
    assert ticket_links["GetTicket"]["parameters"] == {"id": "$response.body#/id"}


def test_entries_no_action_earned_answer_action_null(client_api, customer, manager_api):
    """A manual adjustment (or a redemption) has no earning action: null, never "" (R72)."""
    adjusted = manager_api.post(
        "/api/v1/loyalty/adjustments/",
        {"client": customer.pk, "points": 50, "reason": "goodwill"},
        format="json",
    )
    assert adjusted.status_code == 201
    assert adjusted.json()["action"] is None
    [entry] = client_api.get("/api/v1/me/rewards/entries/").json()["results"]
    assert (entry["points"], entry["kind"], entry["action"]) == (50, "manual", None)


def test_the_readmes_api_section_lists_every_code_of_the_error_component():  # R71, R72
    readme = (ROOT / "README.md").read_text()
    api_section = readme[readme.index("\n## API\n") :]
    api_section = api_section[: api_section.index("\n## ", 1)]
    assert [code for code in error_codes() if f"`{code}`" not in api_section] == []


# --- constraints that let a fuzzer reach the happy paths (#15) -----------------------------

ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": 10**18 - 1}


def test_every_id_in_a_path_is_one_integer_schema(schema):
    """Router actions (`/tickets/{id}/close/`) declared `{id}` a digit string while
    `/tickets/{id}/` declared an integer: a generated client had `id: str` and `id: int`
    for one ticket. Ids start at 1."""
    ids = {
        (method, path, parameter["name"]): parameter["schema"]
        for path, method, operation in operations(schema)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path" and parameter["name"] != "action"
    }
    assert len(ids) > 60
    assert {key: value for key, value in ids.items() if value != ID_SCHEMA} == {}


@pytest.mark.parametrize(
    "component, field",
    [
        ("TicketOpenRequest", "client"),
        ("LineAddRequest", "item"),
        ("LineAddRequest", "staff"),
        ("AppointmentBookRequest", "client"),
        ("FeedbackRecordRequest", "ticket"),
        ("ReservationCreateRequest", "item"),
        ("AdjustmentRequest", "client"),
    ],
)
def test_a_reference_to_another_object_is_an_id(schema, component, field):
    declared = dict(schema["components"]["schemas"][component]["properties"][field])
    declared.pop("nullable", None)
    assert declared == ID_SCHEMA


@pytest.mark.parametrize(
    "component, field",
    [
        ("LineAddRequest", "unit_price"),
        ("PaymentAddRequest", "amount"),
        ("PaymentAddRequest", "tendered"),
        ("TipAddRequest", "amount"),
        ("PatchedLineUpdateRequest", "discount_amount"),
    ],
)
def test_money_in_a_request_is_a_plain_amount_up_to_99999_99(schema, component, field):
    """R76: plain decimal numbers, 0 to 99,999.99 in cents, as a JSON number or a string; the
    old pattern let "", "-" and "." through, which the API refuses, so a fuzzer's amounts
    were nearly all refused."""
    number, text = schema["components"]["schemas"][component]["properties"][field]["oneOf"]
    assert number == {"type": "number", "minimum": 0, "maximum": 99999.99}
    assert text["type"] == "string"
    pattern = re.compile(text["pattern"])
    for accepted in ("0", "0.5", "12.50", "99999.99"):
        assert pattern.fullmatch(accepted), accepted
    for refused in ("", "-", ".", "-5", "100000", "1.234", "1e3", " 5"):
        assert not pattern.fullmatch(refused), refused


def test_desk_payment_methods_are_an_enum_without_points(schema):
    components = schema["components"]["schemas"]
    assert components["PaymentAddRequest"]["properties"]["method"]["allOf"] == [
        {"$ref": "#/components/schemas/PaymentAddMethodEnum"}
    ]
    assert components["PaymentAddMethodEnum"]["enum"] == ["cash", "card", "check", "gift_card"]


def test_availability_takes_a_date(schema):
    parameters = {
        parameter["name"]: parameter
        for parameter in schema["paths"]["/api/v1/availability/"]["get"]["parameters"]
    }
    assert parameters["date"]["schema"] == {"type": "string", "format": "date"}
    assert parameters["date"]["required"] and parameters["item"]["required"]


@pytest.mark.parametrize("component", ["Hours", "HoursRequest", "Exception", "ExceptionRequest"])
def test_a_time_of_day_is_hh_mm_as_the_api_answers_it(schema, component):
    """SPEC §18: times are "HH:MM". `format: time` (RFC 3339, "10:00:00") made the answer
    "10:00" off the schema (found by the long fuzzing run, ST108)."""
    for field in ("start", "end"):
        declared = schema["components"]["schemas"][component]["properties"][field]
        assert "format" not in declared
        pattern = re.compile(declared["pattern"])
        assert pattern.fullmatch("10:00") and pattern.fullmatch("23:59")
        assert not pattern.fullmatch("10:00:00") and not pattern.fullmatch("24:00")


def test_the_idempotency_key_header_is_declared_as_the_api_takes_it(schema):
    """R74, R72: the API refuses an empty, blank or over-255-character key (400
    `invalid_idempotency_key`, tests/salon/test_idempotency.py). The schema declared any
    string, so schemathesis' client-app run sent 40 keys the schema allowed and the API
    refused (`POST /me/feedback/`): a generated client would learn the limit from a 400."""
    declared = [
        parameter["schema"]
        for _, _, operation in operations(schema)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "header" and parameter["name"] == "Idempotency-Key"
    ]
    assert len(declared) >= 29  # every keyed POST (R74)
    for key_schema in declared:
        assert key_schema["minLength"] == 1 and key_schema["maxLength"] == 255
        pattern = re.compile(key_schema["pattern"])
        assert pattern.search("k") and pattern.search(" 3f2a-key ")
        assert not pattern.search("   ") and not pattern.search("")
