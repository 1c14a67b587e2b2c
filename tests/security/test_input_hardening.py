"""No input answers 500 (issue 12, finding 6): one regression test per cause found when the system was probed."""

import json
import struct
import zlib

import pytest
from django.test import Client

from tests.members import factories as f

DEEP = b"[" * 1000 + b"]" * 1000


def deep_object(depth: int) -> bytes:
    return b'{"a": ' * depth + b"1" + b"}" * depth


def post_json(client, path, body: bytes, method="post"):
    return getattr(client, method)(path, data=body, content_type="application/json")


def assert_error(response, status=400):
    assert response.status_code == status, (response.status_code, response.content[:300])
    body = response.json()
    assert set(body) >= {"code", "detail"}, body
    return body


# 1. JSON nested 1,000 deep on any JSON endpoint (RecursionError) ------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/auth/register/", "/api/v1/auth/token/"])
def test_deeply_nested_json_is_refused_with_400_for_anonymous_callers(api, path):
    for body in (DEEP, deep_object(1000)):
        assert assert_error(post_json(api, path, body))["code"] == "parse_error"


@pytest.mark.django_db
def test_nesting_up_to_the_limit_is_parsed_and_beyond_refused(city, api_for):
    user, _m = f.member(city.branch)
    client = api_for(user)
    fine = post_json(
        client,
        "/api/v1/me/profile/",
        b'{"address": "\xe5\x8c\x97\xe4\xba\xac", "x": ' + deep_object(60) + b"}",
        method="patch",
    )
    assert fine.status_code == 400 and fine.json()["code"] == "field_not_changeable"  # parsed, then judged
    too_deep = post_json(client, "/api/v1/me/profile/", deep_object(65), method="patch")
    assert assert_error(too_deep)["code"] == "parse_error"


# 2. a 10,000-character username on auth/token/ (the lockout library's 255-character column) -----------------------
@pytest.mark.django_db
def test_a_very_long_username_is_refused_before_the_lockout_library_sees_it(api):
    response = api.post("/api/v1/auth/token/", {"username": "a" * 10000, "password": "x"}, format="json")
    assert response.status_code == 400 and "username" in response.json()
    from axes.models import AccessAttempt, AccessFailureLog

    assert not AccessAttempt.objects.exists() and not AccessFailureLog.objects.exists()


@pytest.mark.django_db
def test_a_very_long_username_on_the_login_page_is_a_form_error():
    from axes.models import AccessAttempt

    for path in ("/login/", "/admin/login/"):
        response = Client().post(path, {"username": "a" * 10000, "password": "x"})
        assert response.status_code == 200 and response.context["form"].errors  # the form says what is wrong
    assert not AccessAttempt.objects.exists()


# 3. a lone surrogate in string fields -------------------------------------------------------------------------
SURROGATE = b'"\\ud800"'


@pytest.mark.django_db
def test_lone_surrogates_in_json_bodies_are_refused(city, api_for, api):
    user, _m = f.member(city.branch)
    member, staff = api_for(user), api_for(city.grassroots_staff)
    cases = [
        (member, "patch", "/api/v1/me/profile/", b'{"address": ' + SURROGATE + b"}"),
        (member, "post", "/api/v1/me/join-applications/", b'{"unit_name": ' + SURROGATE + b"}"),
        (staff, "post", "/api/v1/unions/", b'{"name": ' + SURROGATE + b', "code": "X1", "level": "branch"}'),
        (staff, "post", "/api/v1/join-applications/1/approve/", b'{"comment": ' + SURROGATE + b"}"),
        (api, "post", "/api/v1/auth/token/", b'{"username": ' + SURROGATE + b', "password": "x"}'),
        (api, "post", "/api/v1/auth/register/", b'{"name": "x", "password": ' + SURROGATE + b"}"),
    ]
    for client, method, path, body in cases:
        assert assert_error(post_json(client, path, body, method=method))["code"] == "invalid_characters", (
            path
        )


@pytest.mark.django_db
def test_nul_in_json_and_form_bodies_is_refused(city, api_for):
    user, _m = f.member(city.branch)
    response = post_json(api_for(user), "/api/v1/me/profile/", b'{"address": "a\\u0000b"}', method="patch")
    assert assert_error(response)["code"] == "invalid_characters"
    page = Client().post("/login/", {"username": "a\x00b", "password": "x"})
    assert page.status_code == 400


# 4. a JSON body that is not an object ------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("body", [b"[null,null]", b'"x"', b"1", b"null", b"true"])
def test_json_bodies_that_are_not_objects_are_refused(city, api_for, api, body):
    user, _m = f.member(city.branch)
    member, staff = api_for(user), api_for(city.grassroots_staff)
    for client, method, path in [
        (member, "patch", "/api/v1/me/profile/"),
        (member, "post", "/api/v1/me/join-applications/"),
        (member, "post", "/api/v1/me/dues/payments/"),
        (staff, "post", "/api/v1/unions/"),
        (staff, "post", "/api/v1/staff/"),
        (api, "post", "/api/v1/auth/token/"),
        (api, "post", "/api/v1/auth/register/"),
    ]:
        assert assert_error(post_json(client, path, body, method=method))["code"] == "parse_error", path


# 5. a NUL byte (or a lone surrogate) in a query parameter ------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/unions/?search=%00",
        "/api/v1/memberships/?status=%00",
        "/api/v1/memberships/?status=a%00b&page=1",
        "/api/v1/unions/?search%00=x",
    ],
)
def test_nul_in_query_parameters_is_refused(city, api_for, query):
    response = api_for(city.grassroots_staff).get(query)
    assert assert_error(response)["code"] == "invalid_characters"


@pytest.mark.django_db
def test_nul_in_a_page_query_is_refused_as_a_page(city):
    client = Client()
    client.force_login(city.grassroots_staff)
    response = client.get("/admin/members/person/?q=%00")
    assert response.status_code == 400


# 6. a PNG whose header declares 30000×30000 pixels ------------------------------------------------------------
def png_declaring(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("size", [(30000, 30000), (12000, 12000)])
def test_decompression_bombs_are_refused_as_invalid_type(size):
    from applications.proofs import proof_check
    from unionhub.lib.errors import BusinessError

    with pytest.raises(BusinessError) as caught:
        proof_check(png_declaring(*size))
    assert caught.value.code == "proof_invalid_type"


@pytest.mark.django_db
def test_a_bomb_uploaded_as_proof_answers_400(city, api_for, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.PRIVATE_MEDIA_ROOT = tmp_path
    user = f.person_user(name="刘小红")
    upload = SimpleUploadedFile("letter.png", png_declaring(30000, 30000), content_type="image/png")
    response = api_for(user).post(
        "/api/v1/me/join-applications/",
        {
            "union": city.branch.pk,
            "unit_name": "甲厂",
            "employment_type": "staff",
            "hire_date": "2024-01-01",
            "statement": "申请入会",
            "proof": upload,
        },
        format="multipart",
    )
    assert assert_error(response)["code"] == "proof_invalid_type"


# 7. a signed notification with NUL in order_no or deeply nested JSON: kept, refused in the provider's format --------
@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        json.dumps(
            {
                "order_no": "DU\x00X",
                "amount": "10.00",
                "transaction_id": "T1",
                "paid_at": "2025-04-15T10:00:00+08:00",
            }
        ).encode(),
        json.dumps(
            {
                "order_no": "\ud800",
                "amount": "10.00",
                "transaction_id": "T1",
                "paid_at": "2025-04-15T10:00:00+08:00",
            }
        ).encode(),
        json.dumps(
            {
                "order_no": ["DU1"],
                "amount": "10.00",
                "transaction_id": {"a": 1},
                "paid_at": "2025-04-15T10:00:00+08:00",
            }
        ).encode(),
        DEEP,
        deep_object(5000),
        b"[]",
        b"\xff\xfe" * 100,
    ],
)
def test_signed_hostile_notifications_are_kept_and_refused(api, body):
    from dues.models import PaymentNotification
    from dues.providers import sandbox

    response = api.post(
        "/api/v1/payments/sandbox/notify/",
        data=body,
        content_type="application/json",
        HTTP_X_SANDBOX_SIGNATURE=sandbox.sign(body),
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "notification_rejected"
    notification = PaymentNotification.objects.get()
    assert notification.outcome == "rejected" and notification.verified is False
    assert notification.raw_body and len(notification.raw_body) <= 20000


@pytest.mark.django_db
def test_an_oversized_notification_is_kept_capped_and_refused(api, settings):
    from dues.models import PaymentNotification
    from dues.providers import sandbox

    body = b'{"order_no": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    response = api.post(
        "/api/v1/payments/sandbox/notify/",
        data=body,
        content_type="application/json",
        HTTP_X_SANDBOX_SIGNATURE=sandbox.sign(body),
    )
    assert response.status_code == 400
    notification = PaymentNotification.objects.get()
    assert notification.outcome == "rejected" and len(notification.raw_body) <= 20000


@pytest.mark.django_db
def test_a_hostile_wechatpay_notification_is_kept_and_answered_in_its_format(api):
    from dues.models import PaymentNotification

    response = api.post(
        "/api/v1/payments/wechatpay/notify/",
        data=DEEP,
        content_type="application/json",
        HTTP_WECHATPAY_SERIAL="\x00",
    )
    assert response.status_code == 400 and response.json()["code"] == "FAIL"
    assert PaymentNotification.objects.get().outcome == "rejected"
