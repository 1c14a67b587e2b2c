"""One-time SMS codes (SPEC §9): 6 digits, hashed at rest, 5 minutes, 5 tries, 60 s between sends, 10 a day per
phone, a daily cap per address, and the same answer whether or not the phone is known."""

import datetime as dt
import logging
import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from notifications import sms
from security import sms_codes
from security.models import SmsCode
from tests.conftest import postgres_only
from tests.members import factories as f

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/sms-codes/"


@pytest.fixture(autouse=True)
def _empty_outbox():
    sms.outbox.clear()


def send(phone, purpose="register", ip="10.0.0.1", capture=None):
    with capture(execute=True):
        return sms_codes.sms_code_send(purpose=purpose, phone=phone, ip=ip)


def sent_code(phone) -> str:
    return [m for m in sms.outbox if m["phone"] == phone][-1]["params"]["code"]


def age(seconds, **filters):
    """Move codes into the past, as if they had been sent `seconds` earlier."""
    delta = dt.timedelta(seconds=seconds)
    for row in SmsCode.objects.filter(**filters):
        SmsCode.objects.filter(pk=row.pk).update(
            created_at=row.created_at - delta, expires_at=row.expires_at - delta
        )


def test_code_is_six_digits_sent_with_its_template_and_hashed_at_rest(django_capture_on_commit_callbacks):
    phone = f.phone()
    assert send(phone, capture=django_capture_on_commit_callbacks) == 60
    [message] = sms.outbox
    code = message["params"]["code"]
    assert message["kind"] == "code_register" and message["phone"] == phone
    assert len(code) == 6 and code.isdigit()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM security_smscode")
        [raw] = cursor.fetchall()
    stored = " ".join(str(value) for value in raw)
    assert code not in stored  # neither the code ...
    assert phone not in stored  # ... nor the phone is kept in clear
    row = SmsCode.objects.get()
    assert row.delivered and row.provider_answer["provider"] == "locmem"


def test_right_code_works_once(django_capture_on_commit_callbacks):
    phone = f.phone()
    send(phone, capture=django_capture_on_commit_callbacks)
    code = sent_code(phone)
    assert sms_codes.sms_code_verify(purpose="login", phone=phone, code=code) is False  # another purpose
    assert sms_codes.sms_code_verify(purpose="register", phone=phone, code=code) is True
    assert sms_codes.sms_code_verify(purpose="register", phone=phone, code=code) is False


def test_code_expires_after_five_minutes(django_capture_on_commit_callbacks):
    phone = f.phone()
    send(phone, capture=django_capture_on_commit_callbacks)
    age(299)
    row = SmsCode.objects.get()
    assert row.expires_at - row.created_at == dt.timedelta(minutes=5)
    code = sent_code(phone)
    age(2)
    assert sms_codes.sms_code_verify(purpose="register", phone=phone, code=code) is False


def test_code_still_valid_just_before_expiry(django_capture_on_commit_callbacks):
    phone = f.phone()
    send(phone, capture=django_capture_on_commit_callbacks)
    age(290)
    assert sms_codes.sms_code_verify(purpose="register", phone=phone, code=sent_code(phone)) is True


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_five_tries_then_even_the_right_code_fails(django_capture_on_commit_callbacks):
    phone = f.phone()
    send(phone, capture=django_capture_on_commit_callbacks)
    code = sent_code(phone)
    for _ in range(5):
        assert sms_codes.sms_code_verify(purpose="register", phone=phone, code=wrong(code)) is False
    assert sms_codes.sms_code_verify(purpose="register", phone=phone, code=code) is False
    assert SmsCode.objects.get().tries == 5


def test_fifth_try_may_be_right(django_capture_on_commit_callbacks):
    phone = f.phone()
    send(phone, capture=django_capture_on_commit_callbacks)
    code = sent_code(phone)
    for _ in range(4):
        sms_codes.sms_code_verify(purpose="register", phone=phone, code=wrong(code))
    assert sms_codes.sms_code_verify(purpose="register", phone=phone, code=code) is True


def test_check_raises_sms_code_invalid():
    with pytest.raises(sms_codes.BusinessError) as refused:
        sms_codes.sms_code_check(purpose="reset", phone=f.phone(), code="123456")
    assert refused.value.code == "sms_code_invalid"


def test_one_send_per_phone_per_sixty_seconds_and_only_the_newest_code_counts(
    django_capture_on_commit_callbacks,
):
    phone = f.phone()
    send(phone, capture=django_capture_on_commit_callbacks)
    first = sent_code(phone)
    age(30)
    with pytest.raises(sms_codes.TooManyCodes) as refused:
        send(phone, purpose="login", capture=django_capture_on_commit_callbacks)  # any purpose
    assert refused.value.status_code == 429 and refused.value.code == "too_many_codes"
    assert 29 <= refused.value.resend_after <= 31
    age(31)
    send(phone, capture=django_capture_on_commit_callbacks)
    second = sent_code(phone)
    if first != second:
        assert sms_codes.sms_code_verify(purpose="register", phone=phone, code=first) is False
    assert sms_codes.sms_code_verify(purpose="register", phone=phone, code=second) is True


def test_ten_codes_per_phone_per_day(django_capture_on_commit_callbacks, settings):
    settings.UNIONHUB_SMS_CODES_PER_ADDRESS_DAY = 100
    phone = f.phone()
    for _ in range(10):
        send(phone, capture=django_capture_on_commit_callbacks)
        age(61)
    with pytest.raises(sms_codes.TooManyCodes):
        send(phone, capture=django_capture_on_commit_callbacks)
    assert len(sms.outbox) == 10
    send(f.phone(), capture=django_capture_on_commit_callbacks)  # another phone is not held back


def test_daily_cap_per_address(django_capture_on_commit_callbacks, settings):
    settings.UNIONHUB_SMS_CODES_PER_ADDRESS_DAY = 3
    for _ in range(3):
        send(f.phone(), ip="10.9.9.9", capture=django_capture_on_commit_callbacks)
    with pytest.raises(sms_codes.TooManyCodes):
        send(f.phone(), ip="10.9.9.9", capture=django_capture_on_commit_callbacks)
    send(f.phone(), ip="10.9.9.10", capture=django_capture_on_commit_callbacks)
    assert len(sms.outbox) == 4


def test_old_codes_are_purged(django_capture_on_commit_callbacks):
    from security.tasks import sms_codes_purge

    old, recent = f.phone(), f.phone()
    send(old, capture=django_capture_on_commit_callbacks)
    age(2 * 86400 + 1)
    send(recent, capture=django_capture_on_commit_callbacks)
    assert sms_codes_purge() == 1
    assert SmsCode.objects.count() == 1 and SmsCode.objects.get().created_at > timezone.now() - dt.timedelta(
        days=1
    )


def test_phone_never_logged_in_clear(django_capture_on_commit_callbacks, caplog):
    phone = f.phone()
    with caplog.at_level(logging.INFO):
        send(phone, capture=django_capture_on_commit_callbacks)
    assert caplog.records and phone not in caplog.text
    assert f"{phone[:3]}****{phone[7:]}" in caplog.text


# --- the API ----------------------------------------------------------------------------------------------------


def post(api, phone, purpose, ip="10.0.0.7"):
    return api.post(URL, {"phone": phone, "purpose": purpose}, format="json", REMOTE_ADDR=ip)


def test_api_answers_202_with_resend_after(api, django_capture_on_commit_callbacks):
    phone = f.phone()
    with django_capture_on_commit_callbacks(execute=True):
        answer = post(api, phone, "register")
    assert answer.status_code == 202 and answer.json() == {"resend_after": 60}
    assert sms_codes.sms_code_verify(purpose="register", phone=phone, code=sent_code(phone))


@pytest.mark.parametrize("purpose", ["login", "reset"])
def test_same_answer_for_known_and_unknown_phones(api, django_capture_on_commit_callbacks, purpose):
    known = f.person_user().person.phone
    unknown = f.phone()
    with django_capture_on_commit_callbacks(execute=True):
        first_known, first_unknown = post(api, known, purpose), post(api, unknown, purpose)
        again_known, again_unknown = post(api, known, purpose), post(api, unknown, purpose)
    assert (first_known.status_code, first_known.json()) == (first_unknown.status_code, first_unknown.json())
    assert first_known.status_code == 202
    assert again_known.status_code == again_unknown.status_code == 429
    assert again_known.json().keys() == again_unknown.json().keys()
    assert again_known.json()["code"] == again_unknown.json()["code"] == "too_many_codes"
    # only the account's phone really gets an SMS
    assert [m["phone"] for m in sms.outbox] == [known]


def test_activation_code_goes_only_to_a_phone_on_record_without_account(
    api, django_capture_on_commit_callbacks
):
    member_phone = f.person_user().person.phone  # has an account already
    unknown = f.phone()
    with django_capture_on_commit_callbacks(execute=True):
        answers = [post(api, member_phone, "activate"), post(api, unknown, "activate")]
    assert [(a.status_code, a.json()) for a in answers] == [(202, {"resend_after": 60})] * 2
    assert sms.outbox == []


@pytest.mark.parametrize(
    "body",
    [
        {"phone": "12345", "purpose": "register"},
        {"phone": "13800138000", "purpose": "shopping"},
        {"purpose": "register"},
    ],
)
def test_api_bad_input_is_400(api, body):
    assert api.post(URL, body, format="json").status_code == 400
    assert SmsCode.objects.count() == 0


@postgres_only()
@pytest.mark.django_db(transaction=True)
def test_a_second_request_at_once_waits_for_the_first_and_is_refused():
    phone = f.phone()
    outcomes = []

    def ask():
        try:
            sms_codes.sms_code_send(purpose="register", phone=phone, ip="10.1.1.2")
            outcomes.append("sent")
        except sms_codes.TooManyCodes:
            outcomes.append("refused")
        finally:
            connections.close_all()

    other = threading.Thread(target=ask)
    with transaction.atomic():  # the first request, not yet committed
        sms_codes.sms_code_send(purpose="register", phone=phone, ip="10.1.1.1")
        other.start()
        other.join(timeout=1.0)
        assert other.is_alive()  # held back by the phone's lock, not racing past the 60-second rule
    other.join(timeout=10)
    assert outcomes == ["refused"]
    assert SmsCode.objects.count() == 1
