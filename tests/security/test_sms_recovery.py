"""Recovery and code login (SPEC §9): reset the password, or log in, with a code sent to the bound phone; a
wrong code and an unknown phone get the same answer; every guess counts."""

import pytest
from rest_framework.authtoken.models import Token

from notifications import sms
from security.models import SmsCode
from tests.members import factories as f
from unionhub.models import AuditEntry

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Qing-shan-2046"


@pytest.fixture(autouse=True)
def _empty_outbox():
    sms.outbox.clear()


def code_for(api, capture, phone, purpose) -> str:
    with capture(execute=True):
        assert (
            api.post(
                "/api/v1/auth/sms-codes/",
                {"phone": phone, "purpose": purpose},
                format="json",
                REMOTE_ADDR="10.3.3.3",
            ).status_code
            == 202
        )
    return sms.outbox[-1]["params"]["code"]


def other(code: str) -> str:
    return f"{(int(code) + 7) % 10**6:06d}"


def test_reset_password_with_a_code(api, client, django_capture_on_commit_callbacks):
    user = f.person_user()
    phone = user.person.phone
    old_token = Token.objects.get(user=user)  # the token registration gave
    code = code_for(api, django_capture_on_commit_callbacks, phone, "reset")

    answer = api.post(
        "/api/v1/auth/password-reset/",
        {"phone": phone, "sms_code": code, "new_password": NEW_PASSWORD},
        format="json",
    )

    assert answer.status_code == 200 and answer.json() == {}
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and not user.check_password(f.PASSWORD)
    assert not Token.objects.filter(pk=old_token.pk).exists()  # signed out of the API everywhere
    assert AuditEntry.objects.filter(action="password_reset_by_sms", object_id=str(user.pk)).exists()
    token = api.post("/api/v1/auth/token/", {"username": phone, "password": NEW_PASSWORD}, format="json")
    assert token.status_code == 200
    again = api.post(
        "/api/v1/auth/password-reset/",
        {"phone": phone, "sms_code": code, "new_password": "Another-pass-99"},
        format="json",
    )
    assert again.status_code == 400 and again.json()["code"] == "sms_code_invalid"  # a code works once


def test_reset_with_a_wrong_code_or_an_unknown_phone_is_the_same_refusal(
    api, django_capture_on_commit_callbacks
):
    user = f.person_user()
    code = code_for(api, django_capture_on_commit_callbacks, user.person.phone, "reset")
    unknown = f.phone()
    wrong = api.post(
        "/api/v1/auth/password-reset/",
        {"phone": user.person.phone, "sms_code": other(code), "new_password": NEW_PASSWORD},
        format="json",
    )
    nobody = api.post(
        "/api/v1/auth/password-reset/",
        {"phone": unknown, "sms_code": code, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert wrong.status_code == nobody.status_code == 400
    assert wrong.json() == nobody.json()
    assert wrong.json()["code"] == "sms_code_invalid"
    user.refresh_from_db()
    assert user.check_password(f.PASSWORD)


def test_wrong_guesses_through_the_api_stay_counted(api, django_capture_on_commit_callbacks):
    user = f.person_user()
    phone = user.person.phone
    code = code_for(api, django_capture_on_commit_callbacks, phone, "login")
    for _ in range(5):
        assert (
            api.post(
                "/api/v1/auth/sms-login/", {"phone": phone, "sms_code": other(code)}, format="json"
            ).status_code
            == 400
        )
    assert SmsCode.objects.get().tries == 5
    answer = api.post("/api/v1/auth/sms-login/", {"phone": phone, "sms_code": code}, format="json")
    assert answer.status_code == 400 and answer.json()["code"] == "sms_code_invalid"


def test_a_refused_new_password_does_not_cost_the_code(api, django_capture_on_commit_callbacks):
    user = f.person_user()
    phone = user.person.phone
    code = code_for(api, django_capture_on_commit_callbacks, phone, "reset")
    weak = api.post(
        "/api/v1/auth/password-reset/",
        {"phone": phone, "sms_code": code, "new_password": "12345678"},
        format="json",
    )
    assert weak.status_code == 400 and "new_password" in str(weak.json())
    good = api.post(
        "/api/v1/auth/password-reset/",
        {"phone": phone, "sms_code": code, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert good.status_code == 200


def test_log_in_with_a_code(api, django_capture_on_commit_callbacks):
    user = f.person_user()
    phone = user.person.phone
    code = code_for(api, django_capture_on_commit_callbacks, phone, "login")

    answer = api.post("/api/v1/auth/sms-login/", {"phone": phone, "sms_code": code}, format="json")

    assert answer.status_code == 200
    key = answer.json()["token"]
    assert Token.objects.get(key=key).user == user
    me = api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert me.status_code == 200
    assert AuditEntry.objects.filter(action="login_by_sms", object_id=str(user.pk)).exists()


def test_a_reset_code_does_not_log_in(api, django_capture_on_commit_callbacks):
    user = f.person_user()
    code = code_for(api, django_capture_on_commit_callbacks, user.person.phone, "reset")
    answer = api.post(
        "/api/v1/auth/sms-login/", {"phone": user.person.phone, "sms_code": code}, format="json"
    )
    assert answer.status_code == 400 and answer.json()["code"] == "sms_code_invalid"


def test_code_login_for_a_disabled_account_is_refused(api, django_capture_on_commit_callbacks):
    user = f.person_user()
    code = code_for(api, django_capture_on_commit_callbacks, user.person.phone, "login")
    user.is_active = False
    user.save()
    answer = api.post(
        "/api/v1/auth/sms-login/", {"phone": user.person.phone, "sms_code": code}, format="json"
    )
    assert answer.status_code == 400 and answer.json()["code"] == "sms_code_invalid"
