"""The API contract (issue 21): the error-code registry, the declared error answers, the generated TypeScript
client and the snapshot of operations."""

import ast
import copy
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from tests.security.codes import sms_code_for
from unionhub import contract
from unionhub.lib.api import UndeclaredErrorCode, error_codes
from unionhub.lib.errors import (
    ERROR_CODES,
    PAGES,
    UNDECLARED,
    VIEW,
    BusinessError,
    InvalidTransition,
    UnregisteredErrorCode,
)

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {".venv", "node_modules", "tests", "migrations", "var", ".git", "static"}
# Codes in the source that are not ours to register: the body WeChat Pay's notify protocol expects back.
FOREIGN_CODES = {"FAIL": "dues/api.py answers WeChat Pay's own notification protocol"}
messages: dict[str, str] = {}  # code -> the literal message of its first raise (filled by raised_codes)


@pytest.fixture(scope="module")
def schema():
    return contract.schema_build()


def _source_files():
    for path in sorted(ROOT.rglob("*.py")):
        if not SKIP_DIRS & set(path.relative_to(ROOT).parts):
            yield path


def _business_error_classes(trees) -> set[str]:
    names, grew = {"BusinessError"}, True
    while grew:
        grew = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.ClassDef)
                    and node.name not in names
                    and any(
                        (b.id if isinstance(b, ast.Name) else getattr(b, "attr", None)) in names
                        for b in node.bases
                    )
                ):
                    names.add(node.name)
                    grew = True
    return names


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _message(call: ast.Call) -> str:
    """The literal detail of a raise, `_("...")`/`gettext("...")` or a plain string, for the hint."""
    if len(call.args) < 2:
        return ""
    arg = call.args[1]
    if isinstance(arg, ast.Call) and arg.args:
        arg = arg.args[0]
    return arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else ""


def raised_codes() -> dict[str, list[str]]:
    """code -> where it appears: BusinessError(...) and subclasses (also their super().__init__), the "code" of
    dict bodies answered by API views, and `code=` of Django ValidationErrors the API turns into answers."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in _source_files()}
    error_classes = _business_error_classes(trees)
    found: dict[str, list[str]] = {}
    messages.clear()

    def add(value, path, node):
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            found.setdefault(value.value, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
            messages.setdefault(value.value, _message(node))

    for path, tree in trees.items():
        for cls in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name in error_classes]:
            for node in ast.walk(cls):
                if isinstance(node, ast.Call) and _call_name(node) == "__init__" and node.args:
                    add(node.args[0], path, node)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _call_name(node)
            if name in error_classes and node.args:
                add(node.args[0], path, node)
            elif name in ("Response", "JsonResponse") and node.args and isinstance(node.args[0], ast.Dict):
                for key, value in zip(node.args[0].keys, node.args[0].values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "code":
                        add(value, path, node)
            elif (
                name == "ValidationError"
                and "forms" not in path.name
                and node.args
                and not isinstance(node.args[0], ast.Dict)
            ):  # a dict's code is not kept: it answers "invalid"
                for keyword in node.keywords:
                    if keyword.arg == "code":
                        add(keyword.value, path, node)
    return found


def test_the_tree_walk_finds_the_codes_it_must():
    found = raised_codes()
    # a BusinessError, a subclass's own code, an InvalidTransition, a view's literal answer, a ValidationError
    assert {
        "below_minimum",
        "payment_unavailable",
        "invalid_transition",
        "parse_error",
        "id_checksum",
    } <= set(found)
    assert any(place.startswith("dues/services/payments.py") for place in found["below_minimum"])


def test_every_error_code_raised_in_the_tree_is_registered():
    missing = [
        f"{places[0]}: {UnregisteredErrorCode(code, message=messages.get(code, '')).args[0]}"
        for code, places in sorted(raised_codes().items())
        if code not in ERROR_CODES and code not in FOREIGN_CODES
    ]
    assert not missing, "\n".join(missing)


def test_every_registered_code_is_in_the_schema_and_every_api_code_on_an_operation(schema):
    assert schema["components"]["schemas"]["ErrorCode"]["enum"] == sorted(ERROR_CODES)
    descriptions = dict(
        zip(
            schema["components"]["schemas"]["ErrorCode"]["enum"],
            schema["components"]["schemas"]["ErrorCode"]["x-enum-descriptions"],
            strict=True,
        )
    )
    assert descriptions["underage"] == "未满18周岁，暂不能申请入会。"
    on_operations = {
        code
        for op in contract.contract_of(schema).values()
        for codes in op["errors"].values()
        for code in codes
    }
    undeclared = [
        f"{code!r} is registered as an API answer but no operation declares it: add it to @error_codes(...) of "
        f"the views that answer it, or register it with where=PAGES if only pages and the admin show it"
        for code, entry in ERROR_CODES.items()
        if entry.where not in (PAGES, UNDECLARED) and code not in on_operations
    ]
    assert not undeclared, "\n".join(undeclared)
    raised = set(raised_codes()) - set(FOREIGN_CODES)
    assert raised <= set(schema["components"]["schemas"]["ErrorCode"]["enum"])


def test_each_400_and_409_lists_its_codes_with_their_chinese_messages(schema):
    post = schema["paths"]["/api/v1/me/dues/payments/"]["post"]["responses"]
    body, field_errors = post["400"]["content"]["application/json"]["schema"]["anyOf"]
    code = body["properties"]["code"]
    assert {
        "previous_year_arrears",
        "below_minimum",
        "beyond_window",
        "nothing_payable",
        "not_self_pay",
        "membership_inactive",
        "invalid_extra",
    } <= set(code["enum"])
    assert code["x-enum-descriptions"][code["enum"].index("not_self_pay")] == str(
        ERROR_CODES["not_self_pay"].message
    )
    assert "`below_minimum`：" in post["400"]["description"]
    assert body["required"] == ["code", "detail"]
    assert field_errors == {"$ref": "#/components/schemas/FieldErrors"}
    # a field's messages, or (a list or a nested object) its items' own field errors
    assert schema["components"]["schemas"]["FieldErrors"]["additionalProperties"] == {
        "anyOf": [
            {"type": "array", "items": {"type": "string"}},
            {"$ref": "#/components/schemas/FieldErrors"},
        ]
    }
    assert post["503"]["content"]["application/json"]["schema"]["properties"]["code"]["enum"] == [
        "unavailable",
        "payment_unavailable",
    ]
    approve = schema["paths"]["/api/v1/join-applications/{id}/approve/"]["post"]["responses"]
    assert approve["409"]["content"]["application/json"]["schema"]["properties"]["code"]["enum"] == [
        "invalid_transition"
    ]
    apply = schema["paths"]["/api/v1/me/join-applications/"]["post"]["responses"]["400"]
    assert {"underage", "already_member", "open_application_exists", "proof_required"} <= set(
        apply["content"]["application/json"]["schema"]["anyOf"][0]["properties"]["code"]["enum"]
    )
    statuses = {
        status for item in schema["paths"].values() for op in item.values() for status in op["responses"]
    }
    assert {"400", "401", "403", "404", "409", "429", "503"} <= statuses
    # a list that no rule refuses declares no 409, and its 400 only for characters no query may hold
    memberships = schema["paths"]["/api/v1/memberships/"]["get"]["responses"]
    assert "409" not in memberships
    assert memberships["400"]["content"]["application/json"]["schema"]["properties"]["code"]["enum"] == [
        "invalid_characters"
    ]


def test_raising_an_unregistered_code_fails_and_names_the_registry():
    with pytest.raises(UnregisteredErrorCode) as refused:
        BusinessError("refund_window_closed", "退款期限已过。")
    message = str(refused.value)
    assert "'refund_window_closed'" in message and "ERROR_CODES in unionhub/errors.py" in message
    assert '"refund_window_closed": ErrorCode(400, _("退款期限已过。")),' in message


def test_an_unregistered_code_outside_strict_mode_is_logged_and_answered(settings, caplog):
    settings.UNIONHUB_STRICT_ERROR_CODES = False
    error = BusinessError("refund_window_closed", "退款期限已过。")
    assert (error.status_code, error.detail) == (400, "退款期限已过。")
    assert "unregistered error code refund_window_closed" in caplog.text


def test_the_registry_decides_status_and_default_message():
    assert BusinessError("payment_unavailable").status_code == 503
    assert InvalidTransition("approved", "approve").status_code == 409
    assert BusinessError("underage").detail == "未满18周岁，暂不能申请入会。"
    from dues.services.payments import PaymentUnavailable

    assert PaymentUnavailable().status_code == PaymentUnavailable.status_code == 503


class _Refuses(APIView):
    authentication_classes = []
    permission_classes = []

    @error_codes("underage")
    def post(self, request):
        raise BusinessError(request.data["code"])


@pytest.mark.django_db
def test_a_view_answering_a_code_it_does_not_declare_fails_in_tests():
    factory, view = APIRequestFactory(), _Refuses.as_view()
    response = view(factory.post("/x/", {"code": "underage"}, format="json"))
    assert response.status_code == 400 and response.data["code"] == "underage"
    with pytest.raises(UndeclaredErrorCode, match=r"'already_member'.*@error_codes"):
        view(factory.post("/x/", {"code": "already_member"}, format="json"))


@pytest.mark.django_db
def test_framework_errors_answer_with_a_code_too(api, city):
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "detail": response.json()["detail"]}
    api.credentials(HTTP_AUTHORIZATION="Token nonsense")
    assert api.get("/api/v1/me/").json()["code"] == "authentication_failed"
    from tests.conftest import api_as
    from tests.members import factories as f

    user, _membership = f.member(city.branch)
    refused = api_as(user).get("/api/v1/memberships/")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    staff_only = api_as(user).post(
        "/api/v1/unions/",
        {"name": "x", "code": "x", "level": "branch", "parent": city.branch.pk},
        format="json",
    )
    assert staff_only.status_code == 403 and staff_only.json()["code"] == "permission_denied"


def test_the_schema_validates(tmp_path):
    out = tmp_path / "schema.json"
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(out)
    )
    from openapi_spec_validator import validate

    validate(json.loads(out.read_text(encoding="utf-8")))


def test_operations_are_grouped_by_member_staff_and_provider(schema):
    tags = {tag["name"]: tag["description"] for tag in schema["tags"]}
    assert {"member", "staff", "provider"} <= set(tags)
    assert all(re.search(r"[\u4e00-\u9fff]", text) for text in tags.values())
    tagged = {
        f"{method.upper()} {path}": op["tags"]
        for path, item in schema["paths"].items()
        for method, op in item.items()
    }
    assert all(set(t) <= set(tags) and t for t in tagged.values())
    assert tagged["POST /api/v1/me/dues/payments/"] == ["member"]
    assert tagged["POST /api/v1/join-applications/{id}/approve/"] == ["staff"]
    assert tagged["POST /api/v1/payments/sandbox/notify/"] == ["provider"]
    assert tagged["POST /api/v1/unions/"] == ["staff"] and tagged["GET /api/v1/unions/"] == [
        "member",
        "staff",
    ]


# --- the generated client and the snapshot ---------------------------------------------------------------------
def test_the_generated_client_types_every_error_body(schema, tmp_path):
    types_path = contract.typescript_generate(schema, tmp_path)
    text = types_path.read_text(encoding="utf-8")
    assert '"below_minimum"' in text and 'components["schemas"]["FieldErrors"]' in text
    assert contract.untyped_error_bodies(types_path) == []


def test_the_client_check_catches_an_untyped_error_body(schema, tmp_path):
    loose = copy.deepcopy(schema)
    answer = loose["paths"]["/api/v1/me/dues/payments/"]["post"]["responses"]["409"] = {
        "description": "untyped",
        "content": {"application/json": {"schema": {"type": "object", "additionalProperties": {}}}},
    }
    assert answer
    problems = contract.untyped_error_bodies(contract.typescript_generate(loose, tmp_path))
    assert problems == ["me_dues_payments_create 409 application/json: { [key: string]: unknown; }"]


def test_the_schema_keeps_everything_the_snapshot_names(schema):
    breaks = contract.contract_breaks(contract.snapshot_read(), contract.contract_of(schema))
    assert not breaks, (
        "the API no longer offers what tools/contract/snapshot.json names (if that is intended, "
        "refresh it with `python manage.py api_contract --refresh` and commit it):\n" + "\n".join(breaks)
    )


def test_the_snapshot_check_catches_a_removed_field_a_removed_code_and_a_changed_type(schema):
    snapshot = contract.contract_of(schema)
    changed = copy.deepcopy(schema)
    del changed["components"]["schemas"]["DuesOrderCreatedOut"]["properties"]["amount"]
    changed["components"]["schemas"]["DuesYearOut"]["properties"]["year"] = {"type": "string"}
    code = changed["paths"]["/api/v1/me/dues/payments/"]["post"]["responses"]["400"]["content"][
        "application/json"
    ]["schema"]["anyOf"][0]["properties"]["code"]
    code["enum"].remove("below_minimum")
    request = changed["components"]["schemas"]["DuesPaymentInRequest"]
    request["required"] = [*request.get("required", []), "extra_amount"]
    del changed["paths"]["/api/v1/health/"]
    breaks = contract.contract_breaks(snapshot, contract.contract_of(changed))
    assert sorted(breaks) == [
        "GET /api/v1/health/: the operation is gone",
        "GET /api/v1/me/dues/{year}/: response 200 field 'year' changed type integer -> string",
        "POST /api/v1/me/dues/payments/: error code 'below_minimum' (400) is gone",
        "POST /api/v1/me/dues/payments/: request field 'extra_amount' became required",
        "POST /api/v1/me/dues/payments/: response 201 field 'amount' is gone",
    ]
    added = contract.contract_additions(contract.contract_of(changed), snapshot)
    assert "POST /api/v1/me/dues/payments/: new error code 'below_minimum' (400)" in added


def test_the_refresh_command_writes_the_snapshot(tmp_path, monkeypatch):
    target = tmp_path / "snapshot.json"
    monkeypatch.setattr(contract, "SNAPSHOT", target)
    call_command("api_contract", "--refresh")
    assert contract.snapshot_read(target) == contract.contract_of(contract.schema_build())


# --- the examples are true -------------------------------------------------------------------------------------
def _example(schema, path, method, where, status=None):
    op = schema["paths"][path][method]
    media = op["requestBody"]["content"] if where == "request" else op["responses"][status]["content"]
    return next(iter(media["application/json"]["examples"].values()))["value"]


@pytest.mark.django_db
def test_the_tsinghua_example_1_payment_in_the_schema_is_what_the_api_answers(schema, today, city, api_for):
    from tests.dues.conftest import credit, seed_rates
    from tests.members import factories as f

    seed_rates()
    today("2025-04-15")
    user, membership = f.member(city.branch, joined_on=dt.date(2024, 1, 10))
    credit(membership, "2024-01", "2025-03")
    client = api_for(user)
    page = client.get("/api/v1/me/dues/2025/").json()
    assert page == _example(schema, "/api/v1/me/dues/{year}/", "get", "response", "200")
    sent = _example(schema, "/api/v1/me/dues/payments/", "post", "request")
    answer = client.post("/api/v1/me/dues/payments/", sent, format="json")
    assert answer.status_code == 201
    expected = _example(schema, "/api/v1/me/dues/payments/", "post", "response", "201")
    got = answer.json()
    assert re.fullmatch(r"DU20250415[0-9A-F]{12}", got.pop("order_no"))
    assert got.pop("pay_url").startswith("/dues/sandbox/pay/DU20250415")
    assert got == {k: v for k, v in expected.items() if k not in ("order_no", "pay_url")}


@pytest.mark.django_db
def test_the_register_and_apply_examples_are_accepted(schema, api, today):
    from members.models import Union, UnionLevel

    today("2025-04-15")
    body = _example(schema, "/api/v1/auth/register/", "post", "request")
    body["sms_code"] = sms_code_for(body["phone"], "register")  # the example's code stands for the one sent
    registered = api.post("/api/v1/auth/register/", body, format="json")
    assert registered.status_code == 201
    assert set(registered.json()) == set(
        _example(schema, "/api/v1/auth/register/", "post", "response", "201")
    )
    city = Union.objects.create(name="市总工会", code="C", level=UnionLevel.CITY)
    county = Union.objects.create(name="区总工会", code="C1", level=UnionLevel.COUNTY, parent=city)
    union = Union.objects.create(
        name="电力公司工会", code="C1-1", level=UnionLevel.GRASSROOTS, parent=county, accepts_members=True
    )
    apply = dict(_example(schema, "/api/v1/me/join-applications/", "post", "request"), union=union.pk)
    api.credentials(HTTP_AUTHORIZATION=f"Token {registered.json()['token']}")
    answer = api.post("/api/v1/me/join-applications/", apply, format="json")
    assert answer.status_code == 201
    expected = _example(schema, "/api/v1/me/join-applications/", "post", "response", "201")
    assert set(answer.json()) == set(expected) and answer.json()["state"] == expected["state"]
    refused = api.post("/api/v1/me/join-applications/", apply, format="json").json()
    assert refused["code"] == "open_application_exists"


def test_view_declared_codes_are_all_registered_as_api_answers(schema):
    """The schema generator refuses unknown codes; here: none of the declared ones is a page-only code."""
    declared = {
        code
        for op in contract.contract_of(schema).values()
        for codes in op["errors"].values()
        for code in codes
    }
    assert all(ERROR_CODES[code].where != PAGES for code in declared)
    assert {code for code in declared if ERROR_CODES[code].where == VIEW}


@pytest.mark.django_db
def test_a_service_check_of_fields_answers_code_detail_and_fields(api):
    body = {
        "name": "张三",
        "id_number": "11010519491231002X",
        "phone": "13800138000",
        "sms_code": "123456",
        "password": "1",
    }
    response = api.post("/api/v1/auth/register/", body, format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "invalid" and list(data["fields"]) == ["password"]
    assert isinstance(data["detail"], str) and data["detail"].startswith("password: ")


def test_every_operation_has_a_chinese_summary(schema):
    summaries = {
        f"{method.upper()} {path}": op.get("summary", "")
        for path, item in schema["paths"].items()
        for method, op in item.items()
    }
    missing = [op for op, text in summaries.items() if not re.search(r"[\u4e00-\u9fff]", text)]
    assert not missing, "give these views an api_summary (Chinese): " + ", ".join(missing)
    assert summaries["POST /api/v1/me/dues/payments/"] == "缴纳会费（创建支付订单）"
    assert summaries["POST /api/v1/memberships/{id}/retain/"] == "保留会籍"


@pytest.mark.django_db
def test_the_docs_page_runs_from_our_own_files_under_our_csp(client):
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert scripts and all(src.startswith("/") for src in scripts), scripts
    assert not re.search(r"<script(?![^>]*src=)[^>]*>\s*\S", html)  # no inline script for the CSP to block
    assert "script-src 'self'" in page["Content-Security-Policy"]
    from django.conf import settings
    from django.contrib.staticfiles import finders

    for src in scripts:  # collected into STATIC_ROOT in production, served by whitenoise
        path = src.split("?")[0]
        if path.startswith(settings.STATIC_URL):
            assert finders.find(path.removeprefix(settings.STATIC_URL)), src
        else:
            assert client.get(src).status_code == 200, src
