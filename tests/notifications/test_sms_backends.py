"""Each SMS cloud backend through its official SDK against a local stand-in for the provider's endpoint: the
request is really signed (the signature is checked here with the provider's published algorithm) and sent, and
the answer (success or the provider's error) is parsed."""

import datetime as dt
import hashlib
import hmac
import json
import time
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

from notifications import sms
from tests.notifications.sms_standin import StandIn

PHONE = "13800138000"


@pytest.fixture
def standin():
    with StandIn() as server:
        yield server


@pytest.fixture
def aliyun(settings, standin):
    settings.NOTIFY_SMS_BACKEND = "aliyun"
    settings.UNIONHUB_SMS_ALIYUN_ENDPOINT = f"127.0.0.1:{standin.port}"
    settings.UNIONHUB_SMS_ALIYUN_PROTOCOL = "http"
    settings.UNIONHUB_SMS_ALIYUN_ACCESS_KEY_ID = "LTAI-test-id"
    settings.UNIONHUB_SMS_ALIYUN_ACCESS_KEY_SECRET = "aliyun-test-secret"
    settings.UNIONHUB_SMS_SIGN_NAME = "宜昌市总工会"
    return standin


@pytest.fixture
def tencent(settings, standin):
    settings.NOTIFY_SMS_BACKEND = "tencent"
    settings.UNIONHUB_SMS_TENCENT_ENDPOINT = f"127.0.0.1:{standin.port}"
    settings.UNIONHUB_SMS_TENCENT_PROTOCOL = "http"
    settings.UNIONHUB_SMS_TENCENT_SECRET_ID = "AKID-test-id"
    settings.UNIONHUB_SMS_TENCENT_SECRET_KEY = "tencent-test-key"
    settings.UNIONHUB_SMS_TENCENT_APP_ID = "1400000001"
    settings.UNIONHUB_SMS_SIGN_NAME = "宜昌市总工会"
    return standin


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def aliyun_signature_valid(request: dict, secret: str) -> bool:
    """ACS3-HMAC-SHA256 (Aliyun's V3 request signature), computed independently of the SDK."""
    auth = request["headers"]["authorization"]
    algorithm, rest = auth.split(" ", 1)
    parts = dict(item.split("=", 1) for item in rest.split(","))
    url = urlsplit(request["path"])
    query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, v in sorted(parse_qsl(url.query, keep_blank_values=True))
    )
    signed = parts["SignedHeaders"].split(";")
    headers = "".join(f"{name}:{request['headers'][name].strip()}\n" for name in signed)
    canonical = "\n".join(
        [
            request["method"],
            url.path or "/",
            query,
            headers,
            parts["SignedHeaders"],
            request["headers"]["x-acs-content-sha256"],
        ]
    )
    to_sign = f"{algorithm}\n{_sha256(canonical.encode())}"
    expected = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["Signature"])


def tencent_signature_valid(request: dict, secret_key: str) -> bool:
    """TC3-HMAC-SHA256 (Tencent Cloud API 3.0 signature), computed independently of the SDK."""
    auth = request["headers"]["authorization"]
    algorithm, rest = auth.split(" ", 1)
    parts = dict(item.strip().split("=", 1) for item in rest.split(","))
    timestamp = request["headers"]["x-tc-timestamp"]
    date = dt.datetime.fromtimestamp(int(timestamp), dt.UTC).strftime("%Y-%m-%d")
    signed = parts["SignedHeaders"].split(";")
    headers = "".join(f"{name}:{request['headers'][name].strip().lower()}\n" for name in signed)
    canonical = "\n".join(["POST", "/", "", headers, parts["SignedHeaders"], _sha256(request["body"])])
    scope = f"{date}/sms/tc3_request"
    to_sign = f"{algorithm}\n{timestamp}\n{scope}\n{_sha256(canonical.encode())}"

    def sign(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = sign(sign(sign(("TC3" + secret_key).encode(), date), "sms"), "tc3_request")
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return parts["Credential"].startswith("AKID-test-id/") and hmac.compare_digest(
        expected, parts["Signature"]
    )


def test_aliyun_sends_a_signed_sendsms_and_reads_the_answer(aliyun, monkeypatch):
    monkeypatch.setenv("UNIONHUB_SMS_TEMPLATE_CODE", "SMS_100000001")
    aliyun.answer = {"Code": "OK", "Message": "OK", "RequestId": "req-1", "BizId": "biz-9"}

    result = sms.sms_send(phone=PHONE, kind="code_register", params={"code": "204816"})

    assert result.ok and result.request_id == "req-1" and result.message_id == "biz-9"
    [request] = aliyun.requests
    assert request["headers"]["x-acs-action"] == "SendSms"
    query = dict(parse_qsl(urlsplit(request["path"]).query))
    assert query["PhoneNumbers"] == PHONE and query["SignName"] == "宜昌市总工会"
    assert query["TemplateCode"] == "SMS_100000001"
    assert json.loads(query["TemplateParam"]) == {"code": "204816"}
    assert "Credential=LTAI-test-id" in request["headers"]["authorization"]
    assert aliyun_signature_valid(request, "aliyun-test-secret")
    assert not aliyun_signature_valid(request, "another-secret")


@pytest.mark.parametrize("status", [200, 400])
def test_aliyun_refusal_is_kept_as_the_answer(aliyun, status):
    aliyun.status = status
    aliyun.answer = {
        "Code": "isv.BUSINESS_LIMIT_CONTROL",
        "Message": "触发号码天级流控",
        "RequestId": "req-2",
    }

    with pytest.raises(sms.SmsProviderError) as refused:
        sms.sms_send(phone=PHONE, kind="dues_final", params={"name": "张三", "subject": "会费欠缴最后提醒"})

    answer = refused.value.result.as_answer()
    assert answer["provider"] == "aliyun" and answer["ok"] is False
    assert answer["code"] == "isv.BUSINESS_LIMIT_CONTROL" and answer["request_id"] == "req-2"


def test_tencent_sends_a_signed_sendsms_and_reads_the_answer(tencent, monkeypatch):
    monkeypatch.setenv("UNIONHUB_SMS_TEMPLATE_JOIN_APPROVED_UNION", "1234567")
    tencent.answer = {
        "Response": {
            "SendStatusSet": [
                {
                    "SerialNo": "2028:1",
                    "PhoneNumber": f"+86{PHONE}",
                    "Fee": 1,
                    "SessionContext": "",
                    "Code": "Ok",
                    "Message": "send success",
                    "IsoCode": "CN",
                }
            ],
            "RequestId": "r-1",
        }
    }

    result = sms.sms_send(
        phone=PHONE, kind="join_approved_union", params={"subject": "入会申请已通过", "name": "张三"}
    )

    assert result.ok and result.request_id == "r-1" and result.message_id == "2028:1"
    [request] = tencent.requests
    assert request["headers"]["x-tc-action"] == "SendSms"
    body = json.loads(request["body"])
    assert body["PhoneNumberSet"] == [f"+86{PHONE}"] and body["SmsSdkAppId"] == "1400000001"
    assert body["TemplateId"] == "1234567" and body["SignName"] == "宜昌市总工会"
    assert body["TemplateParamSet"] == ["张三", "入会申请已通过"]  # in the template's order
    assert tencent_signature_valid(request, "tencent-test-key")
    assert not tencent_signature_valid(request, "another-key")


def test_tencent_api_error_is_kept_as_the_answer(tencent):
    tencent.answer = {
        "Response": {
            "Error": {"Code": "AuthFailure.SignatureFailure", "Message": "签名错误"},
            "RequestId": "r-2",
        }
    }

    with pytest.raises(sms.SmsProviderError) as refused:
        sms.sms_send(phone=PHONE, kind="code_login", params={"code": "111222"})

    assert refused.value.result.code == "AuthFailure.SignatureFailure"
    assert refused.value.result.request_id == "r-2"


def test_tencent_per_number_failure_is_a_refusal(tencent):
    tencent.answer = {
        "Response": {
            "SendStatusSet": [
                {
                    "SerialNo": "",
                    "PhoneNumber": f"+86{PHONE}",
                    "Fee": 0,
                    "SessionContext": "",
                    "Code": "LimitExceeded.PhoneNumberDailyLimit",
                    "Message": "单个手机号日下发短信条数超过设定的上限",
                    "IsoCode": "CN",
                }
            ],
            "RequestId": "r-3",
        }
    }

    with pytest.raises(sms.SmsProviderError) as refused:
        sms.sms_send(phone=PHONE, kind="code_login", params={"code": "111222"})

    assert refused.value.result.code == "LimitExceeded.PhoneNumberDailyLimit"


def test_locmem_keeps_phone_template_and_params(settings, monkeypatch):
    monkeypatch.setenv("UNIONHUB_SMS_TEMPLATE_CODE", "SMS_CODE_1")
    sms.outbox.clear()

    sms.sms_send(phone="+86 138-0013-8000", kind="code_reset", params={"code": "000111", "extra": "dropped"})

    assert sms.outbox == [
        {"phone": PHONE, "template_code": "SMS_CODE_1", "params": {"code": "000111"}, "kind": "code_reset"}
    ]


def test_a_kind_missing_a_parameter_is_not_sent():
    sms.outbox.clear()
    with pytest.raises(ValueError):
        sms.sms_send(phone=PHONE, kind="code_register", params={})
    assert sms.outbox == []


def test_provider_rate_limit_across_calls(settings):
    settings.UNIONHUB_SMS_RATE_PER_SECOND = 2
    for _attempt in range(5):  # the window is one wall-clock second: try again if a call crossed it
        sms.outbox.clear()
        start = int(time.time())
        outcomes = []
        for _ in range(3):
            try:
                sms.sms_send(phone=PHONE, kind="code_login", params={"code": "123123"})
                outcomes.append("sent")
            except sms.SmsRateLimited:
                outcomes.append("limited")
        if int(time.time()) == start:
            break
        time.sleep(0.2)
    assert outcomes == ["sent", "sent", "limited"]
    assert len(sms.outbox) == 2
