"""The outbox sends SMS through the configured backend by Celery: every kind has its template and parameters,
and the provider's answer is kept on the row, whether it accepted or refused."""

import pytest

from notifications import sms
from notifications.delivery import outbox_deliver
from notifications.models import OutboxMessage
from notifications.services import notify
from notifications.sms_templates import TEMPLATES, sms_template
from tests.members import factories as f
from tests.notifications.sms_standin import StandIn

pytestmark = pytest.mark.django_db

# Every kind the source tree sends through notify()/notify_many() (see the calls in the apps).
SENT_KINDS = [
    "join_approved_union",
    "join_approved_reservoir",
    "join_rejected",
    "join_dispatched",
    "transfer_dispatched",
    "join_overdue",
    "transfer_overdue",
    "dues_reminder",
    "dues_final",
    "transfer_approved",
    "transfer_rejected",
    "transfer_became_join",
    "transfer_out_notice",
    "secondment_ended",
    "secondment_ended_staff",
    "membership_moved_out",
    "union_formation_opened",
    "union_formation_transferred",
    "union_review_remind",
    "profile_phone_changed",
    "claim_approved",
    "claim_rejected",
    "claim_account_released",
]


@pytest.mark.parametrize("kind", SENT_KINDS)
def test_every_kind_sent_by_sms_has_its_own_template(kind):
    assert kind in TEMPLATES
    assert set(sms_template(kind).params) <= {"name", "subject"}


def test_every_code_purpose_has_a_code_template():
    for purpose in ("register", "login", "reset", "activate", "bind", "claim"):
        assert sms_template(f"code_{purpose}").params == ("code",)


def test_template_code_from_the_environment(monkeypatch):
    monkeypatch.setenv("UNIONHUB_SMS_TEMPLATE_NOTICE", "SMS_NOTICE")
    monkeypatch.setenv("UNIONHUB_SMS_TEMPLATE_DUES_FINAL", "SMS_DUES_FINAL")
    assert sms_template("dues_final").code() == "SMS_DUES_FINAL"
    assert sms_template("dues_reminder").code() == "SMS_NOTICE"  # falls back to the general notice


def test_outbox_sms_goes_out_with_template_and_params(django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setenv("UNIONHUB_SMS_TEMPLATE_JOIN_REJECTED", "SMS_JOIN_REJECTED")
    user = f.person_user(name="李四")
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipient=user,
            template="join_rejected",
            subject="入会申请未通过",
            body="很抱歉……",
            dedupe_key="t:1",
        )

    assert sms.outbox == [
        {
            "phone": user.person.phone,
            "template_code": "SMS_JOIN_REJECTED",
            "params": {"name": "李四", "subject": "入会申请未通过"},
            "kind": "join_rejected",
        }
    ]
    row = OutboxMessage.objects.get(recipient=user, channel="sms")
    assert row.status == "sent" and row.attempts == 1
    assert row.provider_answer["provider"] == "locmem" and row.provider_answer["ok"] is True


def test_provider_refusal_is_counted_and_kept_on_the_row(settings):
    user = f.person_user()
    [_inbox, message] = notify(
        recipient=user, template="dues_final", subject="会费欠缴最后提醒", body="…", dedupe_key="t:2"
    )
    with StandIn() as standin:
        settings.NOTIFY_SMS_BACKEND = "aliyun"
        settings.UNIONHUB_SMS_ALIYUN_ENDPOINT = f"127.0.0.1:{standin.port}"
        settings.UNIONHUB_SMS_ALIYUN_PROTOCOL = "http"
        settings.UNIONHUB_SMS_ALIYUN_ACCESS_KEY_ID = "id"
        settings.UNIONHUB_SMS_ALIYUN_ACCESS_KEY_SECRET = "secret"
        standin.answer = {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": "req-7"}
        with pytest.raises(sms.SmsProviderError):
            outbox_deliver(message_id=message.pk)
        message.refresh_from_db()
        assert message.status == "queued" and message.attempts == 1  # due again after the backoff
        assert message.provider_answer["code"] == "isv.MOBILE_NUMBER_ILLEGAL"
        assert message.provider_answer["request_id"] == "req-7"
        assert message.last_error.startswith("isv.MOBILE_NUMBER_ILLEGAL")

        standin.answer = {"Code": "OK", "Message": "OK", "RequestId": "req-8", "BizId": "b-8"}
        outbox_deliver(message_id=message.pk)
        message.refresh_from_db()
        assert message.status == "sent" and message.attempts == 2
        assert message.provider_answer["request_id"] == "req-8" and message.provider_answer["ok"] is True
        outbox_deliver(message_id=message.pk)  # a sent message is never sent again
        assert len(standin.requests) == 2


def test_fifth_refusal_fails_the_message(settings):
    settings.NOTIFY_SMS_BACKEND = "tencent"
    user = f.person_user()
    [_inbox, message] = notify(
        recipient=user, template="dues_reminder", subject="会费欠缴提醒", body="…", dedupe_key="t:3"
    )
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=4)
    with StandIn() as standin:
        settings.UNIONHUB_SMS_TENCENT_ENDPOINT = f"127.0.0.1:{standin.port}"
        settings.UNIONHUB_SMS_TENCENT_PROTOCOL = "http"
        settings.UNIONHUB_SMS_TENCENT_SECRET_ID = "id"
        settings.UNIONHUB_SMS_TENCENT_SECRET_KEY = "key"
        standin.answer = {
            "Response": {
                "Error": {
                    "Code": "FailedOperation.InsufficientBalanceInSmsPackage",
                    "Message": "套餐包余量不足",
                },
                "RequestId": "r-9",
            }
        }
        with pytest.raises(sms.SmsProviderError):
            outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == "failed"
    assert message.provider_answer["code"] == "FailedOperation.InsufficientBalanceInSmsPackage"


def test_rate_limited_send_is_not_an_attempt(settings):
    settings.UNIONHUB_SMS_RATE_PER_SECOND = 1
    user = f.person_user()
    [_inbox, message] = notify(
        recipient=user, template="dues_reminder", subject="会费欠缴提醒", body="…", dedupe_key="t:4"
    )
    sms.sms_rate_take("locmem")  # this second's budget is spent
    with pytest.raises(sms.SmsRateLimited):
        outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == "pending" and message.attempts == 0
