"""Registration proves the phone, an ID number already bound is told only after a proven code and may be claimed,
staff decide claims in their scope, imported members activate with the phone on record (SPEC §9)."""

import datetime as dt
import io

import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from rest_framework.authtoken.models import Token

from members import services as member_services
from members.identity import identity_verified_by
from members.models import Membership, Person, User
from notifications import sms
from notifications.models import OutboxMessage
from security import claims, otp
from security.models import ClaimState, IdentityClaim, SmsCode, VerifiedToken
from tests.members import factories as f
from tests.security.codes import register_with_code, sms_code_for
from unionhub.models import AuditEntry

pytestmark = pytest.mark.django_db
PASSWORD = "Qing-shan-2046"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    sms.outbox.clear()


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 10), "blue").save(buffer, format="PNG")
    return buffer.getvalue()


def card(data=None):
    return SimpleUploadedFile("card.png", png() if data is None else data, content_type="image/png")


def other(code: str) -> str:
    return f"{(int(code) + 7) % 10**6:06d}"


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- registration ------------------------------------------------------------------------------------------------
def test_register_with_a_code_makes_an_account_with_sms_verification(api):
    id_number, phone = f.id_number(), f.phone()
    answer = register_with_code(api, name="清小极", id_number=id_number, phone=phone, password=PASSWORD)
    assert answer.status_code == 201, answer.content
    user = User.objects.get(pk=answer.json()["id"])
    assert user.person.phone == phone and identity_verified_by(user) == ["sms"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    assert api.get("/api/v1/me/").json()["identity_verified_by"] == ["sms"]


def test_register_with_a_wrong_or_expired_code_is_refused_and_stores_nothing(api, settings):
    phone = f.phone()
    code = sms_code_for(phone, "register")
    body = {"name": "甲", "id_number": f.id_number(), "phone": phone, "password": PASSWORD}
    wrong = api.post("/api/v1/auth/register/", {**body, "sms_code": other(code)}, format="json")
    assert wrong.status_code == 400 and wrong.json()["code"] == "sms_code_invalid"
    SmsCode.objects.filter(phone_hash__isnull=False).update(expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    expired = api.post("/api/v1/auth/register/", {**body, "sms_code": code}, format="json")
    assert expired.status_code == 400 and expired.json()["code"] == "sms_code_invalid"
    assert not Person.objects.exists()


def test_id_number_bound_is_told_only_after_a_proven_code_with_the_masked_phone(api):
    squatter = f.person_user()
    id_number = squatter.person.id_number
    phone = f.phone()
    body = {"name": "真本人", "id_number": id_number, "phone": phone, "password": PASSWORD}
    guess = api.post("/api/v1/auth/register/", {**body, "sms_code": "123456"}, format="json")
    assert guess.json()["code"] == "sms_code_invalid"  # no code proven: nothing said about the number
    assert squatter.person.phone_masked not in guess.content.decode()
    answer = register_with_code(api, **body)
    assert answer.status_code == 400
    data = answer.json()
    assert data["code"] == "id_number_bound" and data["claim"] is True
    assert (
        squatter.person.phone_masked in data["detail"]
        and data["phone_masked"] == squatter.person.phone_masked
    )
    assert squatter.person.phone not in answer.content.decode()
    assert "已登记" not in data["detail"]


def test_a_phone_already_bound_gets_no_register_code_and_ends_as_a_wrong_code(api):
    member = f.person_user()
    phone = member.person.phone
    assert (
        api.post(
            "/api/v1/auth/sms-codes/", {"phone": phone, "purpose": "register"}, format="json"
        ).status_code
        == 202
    )
    assert not [m for m in sms.outbox if m["phone"] == phone]
    answer = api.post(
        "/api/v1/auth/register/",
        {
            "name": "乙",
            "id_number": f.id_number(),
            "phone": phone,
            "sms_code": "000000",
            "password": PASSWORD,
        },
        format="json",
    )
    assert answer.status_code == 400 and answer.json()["code"] == "sms_code_invalid"


def test_register_page_sends_a_code_and_registers(client, django_capture_on_commit_callbacks):
    phone, id_number = f.phone(), f.id_number()
    fields = {
        "name": "丙",
        "id_number": id_number,
        "phone": phone,
        "password": PASSWORD,
        "password2": PASSWORD,
    }
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/register/", {**fields, "send_code": "1"})
    assert sent.status_code == 200 and 'data-resend-after="60"' in sent.content.decode()
    [message] = [m for m in sms.outbox if m["phone"] == phone]
    done = client.post("/register/", {**fields, "sms_code": message["params"]["code"]})
    assert done.status_code == 302
    assert identity_verified_by(User.objects.get(person__name="丙")) == ["sms"]


def test_register_page_offers_the_claim_for_a_bound_number(client):
    squatter = f.person_user()
    phone = f.phone()
    code = sms_code_for(phone, "register")
    page = client.post(
        "/register/",
        {
            "name": "丁",
            "id_number": squatter.person.id_number,
            "phone": phone,
            "sms_code": code,
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    ).content.decode()
    assert squatter.person.phone_masked in page and 'data-testid="claim-link"' in page


# --- claims ------------------------------------------------------------------------------------------------------
def file_claim(api, person, *, name="真本人", phone=None, data=None):
    phone = phone or f.phone()
    code = sms_code_for(phone, "claim")
    return api.post(
        "/api/v1/auth/claims/",
        {
            "name": name,
            "id_number": person.id_number,
            "phone": phone,
            "sms_code": code,
            "id_card": card(data),
        },
        format="multipart",
    ), phone


def test_squatting_claim_approval_moves_the_person_and_signs_the_squatter_out(
    settings, api, city, django_capture_on_commit_callbacks
):
    squatter, membership = f.member(city.branch)
    person = squatter.person
    squatter_phone = person.phone
    squatter_token = Token.objects.get(user=squatter)
    VerifiedToken.objects.create(digest=otp.token_digest(squatter_token), user=squatter)
    browser = Client()
    browser.force_login(squatter)
    squatter_session = browser.session.session_key
    assert Session.objects.filter(session_key=squatter_session).exists()

    answer, phone = file_claim(api, person)
    assert answer.status_code == 201, answer.content
    assert answer.json()["state"] == "submitted"
    claim = IdentityClaim.objects.get(pk=answer.json()["id"])
    assert claim.union == city.branch and claim.holder == squatter
    assert claims.id_card_load(claim) == png()  # kept encrypted, read back whole
    assert OutboxMessage.objects.filter(recipient=city.branch_staff, channel="inbox").exists()
    settings.UNIONHUB_SMS_CODE_RESEND_SECONDS = 0  # the login code later goes to the phone the claim proved

    staff = staff_client(city.branch_staff)
    page = staff.get(f"/admin/security/identityclaim/{claim.pk}/change/").content.decode()
    for step in ("approve", "reject"):  # the change page offers both steps as buttons
        assert f"/admin/security/identityclaim/{claim.pk}/step/{step}/" in page
    with django_capture_on_commit_callbacks(execute=True):
        done = staff.post(
            f"/admin/security/identityclaim/{claim.pk}/step/approve/", {"comment": "已核对身份证"}
        )
    assert done.status_code == 302
    claim = IdentityClaim.objects.get(pk=claim.pk)
    assert claim.state == ClaimState.APPROVED and claim.decided_by == city.branch_staff

    person.refresh_from_db()
    owner = User.objects.get(person=person)
    assert owner != squatter and person.phone == phone and person.name == "真本人"
    assert identity_verified_by(owner) == ["sms", "staff"]
    assert owner.identity_verifications.get(method="staff").actor == city.branch_staff
    squatter.refresh_from_db()
    assert squatter.person is None and not squatter.is_active
    assert not Token.objects.filter(user=squatter).exists()
    assert not VerifiedToken.objects.filter(user=squatter).exists()
    assert not Session.objects.filter(session_key=squatter_session).exists()
    assert browser.get("/").status_code == 302  # the squatter's browser is signed out
    assert Membership.objects.get(pk=membership.pk).person == person  # the membership stays with the person
    # both told: the owner in-site and by SMS at the new phone, the squatter by SMS at the old phone
    assert OutboxMessage.objects.filter(recipient=owner, template="claim_approved", channel="inbox").exists()
    kinds = {(m["phone"], m["kind"]) for m in sms.outbox}
    assert (phone, "claim_approved") in kinds and (squatter_phone, "claim_account_released") in kinds
    assert AuditEntry.objects.filter(action="identity_claim.approved", object_id=str(claim.pk)).exists()
    # the real person now logs in by code with the ID number theirs
    login_code = sms_code_for(phone, "login")
    token = api.post("/api/v1/auth/sms-login/", {"phone": phone, "sms_code": login_code}, format="json")
    assert token.status_code == 200


def test_claim_rejection_tells_the_claimant_and_leaves_the_holder(
    api, city, django_capture_on_commit_callbacks
):
    squatter, _m = f.member(city.branch)
    answer, phone = file_claim(api, squatter.person)
    claim = IdentityClaim.objects.get(pk=answer.json()["id"])
    with django_capture_on_commit_callbacks(execute=True):
        claims.identity_claim_reject(claim_id=claim.pk, actor=city.branch_staff, reason="照片与登记信息不符")
    claim = IdentityClaim.objects.get(pk=claim.pk)
    assert claim.state == ClaimState.REJECTED and claim.steps.count() == 2
    squatter.refresh_from_db()
    assert squatter.person is not None and squatter.is_active
    assert (phone, "claim_rejected") in {(m["phone"], m["kind"]) for m in sms.outbox}


def test_claims_go_to_the_union_holding_the_person_else_the_city(api, city):
    member, _m = f.member(city.other)
    routed, _p = file_claim(api, member.person)
    assert IdentityClaim.objects.get(pk=routed.json()["id"]).union == city.other
    loner = f.person_user()
    to_city, _p = file_claim(api, loner.person)
    claim = IdentityClaim.objects.get(pk=to_city.json()["id"])
    assert claim.union == city.city
    # out of scope: county A staff neither see nor decide a claim of county B or of the city
    outsider = staff_client(city.county_a_admin)
    for pk in (routed.json()["id"], claim.pk):
        assert outsider.get(f"/admin/security/identityclaim/{pk}/change/").status_code in (302, 404)
        assert outsider.get(f"/admin/security/identityclaim/{pk}/id-card/").status_code == 404
        assert outsider.post(f"/admin/security/identityclaim/{pk}/step/approve/", {}).status_code == 404
    assert IdentityClaim.objects.filter(state=ClaimState.SUBMITTED).count() == 2
    assert (
        staff_client(city.city_admin).get(f"/admin/security/identityclaim/{claim.pk}/id-card/").content
        == png()
    )
    listed = staff_client(city.county_b_admin).get("/admin/security/identityclaim/").content.decode()
    assert f"/admin/security/identityclaim/{routed.json()['id']}/change/" in listed
    assert f"/admin/security/identityclaim/{claim.pk}/change/" not in listed


def test_a_claim_needs_a_proven_code_an_image_and_no_open_claim(api, city):
    squatter = f.person_user()
    phone = f.phone()
    refused = api.post(
        "/api/v1/auth/claims/",
        {
            "name": "甲",
            "id_number": squatter.person.id_number,
            "phone": phone,
            "sms_code": "123456",
            "id_card": card(),
        },
        format="multipart",
    )
    assert refused.json()["code"] == "sms_code_invalid"
    not_image, _p = file_claim(api, squatter.person, data=b"%PDF-1.4 not an image")
    assert not_image.json()["code"] == "id_card_invalid"
    first, _p = file_claim(api, squatter.person)
    assert first.status_code == 201
    second, _p = file_claim(api, squatter.person)
    assert second.json()["code"] == "claim_open"


# --- activation --------------------------------------------------------------------------------------------------
def imported(city):
    person = member_services.person_create(name="导入会员", id_number=f.id_number(), phone=f.phone())
    member_services.membership_create(person=person, union=city.branch, dues_mode="payroll", actor=None)
    return person


def test_an_imported_member_activates_with_the_phone_on_record(api, city):
    person = imported(city)
    code = sms_code_for(person.phone, "activate")
    answer = api.post(
        "/api/v1/auth/activate/",
        {"id_number": person.id_number, "phone": person.phone, "sms_code": code, "password": PASSWORD},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    user = User.objects.get(pk=answer.json()["id"])
    assert user.person == person and identity_verified_by(user) == ["sms"]
    token = api.post("/api/v1/auth/token/", {"username": person.phone, "password": PASSWORD}, format="json")
    assert token.status_code == 200


def test_activation_refuses_what_is_not_on_record(api, city):
    person = imported(city)
    other_person = imported(city)
    code = sms_code_for(person.phone, "activate")
    wrong_id = api.post(
        "/api/v1/auth/activate/",
        {"id_number": other_person.id_number, "phone": person.phone, "sms_code": code, "password": PASSWORD},
        format="json",
    )
    assert wrong_id.status_code == 400 and wrong_id.json()["code"] == "not_on_record"
    # a phone not on record never receives an activation code: the answer is the wrong-code one
    stranger = f.phone()
    api.post("/api/v1/auth/sms-codes/", {"phone": stranger, "purpose": "activate"}, format="json")
    assert not [m for m in sms.outbox if m["phone"] == stranger]
    guess = api.post(
        "/api/v1/auth/activate/",
        {"id_number": person.id_number, "phone": stranger, "sms_code": "000000", "password": PASSWORD},
        format="json",
    )
    assert guess.json()["code"] == "sms_code_invalid"
    assert not User.objects.filter(person__in=[person, other_person]).exists()


def test_activation_page(client, city, django_capture_on_commit_callbacks):
    person = imported(city)
    fields = {
        "id_number": person.id_number,
        "phone": person.phone,
        "password": PASSWORD,
        "password2": PASSWORD,
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/activate/", {**fields, "send_code": "1"})
    [message] = [m for m in sms.outbox if m["phone"] == person.phone]
    done = client.post("/activate/", {**fields, "sms_code": message["params"]["code"]})
    assert done.status_code == 302
    assert User.objects.get(person=person).check_password(PASSWORD)


def test_forgot_password_and_code_login_pages(client, settings):
    settings.UNIONHUB_SMS_CODE_RESEND_SECONDS = 0  # a reset code, then a login code to the same phone
    member = f.person_user()
    phone = member.person.phone
    code = sms_code_for(phone, "reset")
    done = client.post(
        "/password/forgot/",
        {"phone": phone, "sms_code": code, "new_password": PASSWORD, "password2": PASSWORD},
    )
    assert done.status_code == 302
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
    login_code = sms_code_for(phone, "login", ip="10.9.9.8")
    assert client.post("/login/code/", {"phone": phone, "sms_code": login_code}).status_code == 302
    assert client.get("/").status_code == 200


def test_login_and_lockout_pages_link_the_recovery_pages(client):
    page = client.get("/login/").content.decode()
    for url in ("/register/", "/login/code/", "/password/forgot/", "/activate/"):
        assert f'href="{url}"' in page


def test_registering_a_number_on_record_points_to_activation_or_a_claim(api, city):
    person = imported(city)
    answer = register_with_code(
        api, name="戊", id_number=person.id_number, phone=f.phone(), password=PASSWORD
    )
    data = answer.json()
    assert data["code"] == "id_number_bound" and data["claim"] is True
    assert person.phone_masked in data["detail"] and "激活会员账号" in data["detail"]
