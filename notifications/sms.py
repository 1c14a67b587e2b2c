"""SMS through a backend that sends a template code with parameters, as Aliyun and Tencent Cloud SMS require.

`UNIONHUB_SMS_BACKEND` chooses the backend: `console` (the demo default: the log, number masked), `locmem`
(tests: every message is kept in `notifications.sms.outbox`, like `django.core.mail.outbox`), `aliyun` (the
official `alibabacloud-dysmsapi20170525` SDK) or `tencent` (the official `tencentcloud-sdk-python-sms` SDK).
Each message kind has a template (`notifications.sms_templates`): the template code comes from the
environment, the parameters from the message.

A backend answers with an `SmsResult` (what the provider said), which is kept on the outbox row or the code row.
A provider's refusal is an `SmsResult` with `ok=False`; a transport failure raises.
"""

import json
import logging
import time
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string

from unionhub.lib import phone as phones

log = logging.getLogger(__name__)

# The locmem backend's list of sent messages: dicts of phone, template_code, params, kind.
outbox: list[dict] = []


@dataclass
class SmsResult:
    provider: str
    ok: bool
    code: str = ""
    message: str = ""
    request_id: str = ""
    message_id: str = ""
    extra: dict = field(default_factory=dict)

    def as_answer(self) -> dict:
        """The provider's answer as stored on the message row (no phone in it)."""
        return asdict(self)


class SmsRateLimited(Exception):
    """The provider's send rate is used up for now; the task retries later."""


class SmsProviderError(Exception):
    """The provider refused the message (the answer is kept on the row); the task retries."""

    def __init__(self, result: SmsResult):
        super().__init__(f"{result.provider}: {result.code} {result.message}")
        self.result = result


class SmsBackend:
    """Sends one message: a phone (11 digits), the provider's template code and the named parameters.

    `param_names` gives the order of the parameters for providers whose templates take them by position
    (Tencent Cloud); providers taking a mapping (Aliyun) use the names."""

    name = "base"

    def send(
        self,
        *,
        phone: str,
        template_code: str,
        params: dict,
        param_names: tuple[str, ...] = (),
        kind: str = "",
    ) -> SmsResult:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Writes the SMS to the log with the number masked (the demo default)."""

    name = "console"

    def send(self, *, phone, template_code, params, param_names=(), kind=""):
        log.info(
            "SMS to %s: template %s %s",
            phones.mask(phone),
            template_code or kind,
            json.dumps(params, ensure_ascii=False),
        )
        return SmsResult(provider=self.name, ok=True, code="OK")


class LocmemSmsBackend(SmsBackend):
    """Keeps every message in `notifications.sms.outbox` (tests)."""

    name = "locmem"

    def send(self, *, phone, template_code, params, param_names=(), kind=""):
        outbox.append({"phone": phone, "template_code": template_code, "params": dict(params), "kind": kind})
        return SmsResult(provider=self.name, ok=True, code="OK", message_id=str(len(outbox)))


class AliyunSmsBackend(SmsBackend):
    """Aliyun SMS (短信服务, Dysmsapi 2017-05-25 SendSms) through the official SDK, which signs the request."""

    name = "aliyun"

    def _client(self):
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.utils_models import Config

        config = Config(
            access_key_id=settings.UNIONHUB_SMS_ALIYUN_ACCESS_KEY_ID,
            access_key_secret=settings.UNIONHUB_SMS_ALIYUN_ACCESS_KEY_SECRET,
            endpoint=settings.UNIONHUB_SMS_ALIYUN_ENDPOINT,
            protocol=settings.UNIONHUB_SMS_ALIYUN_PROTOCOL,
            region_id=settings.UNIONHUB_SMS_ALIYUN_REGION,
            connect_timeout=5000,
            read_timeout=10000,
        )
        return Client(config)

    def send(self, *, phone, template_code, params, param_names=(), kind=""):
        from alibabacloud_dysmsapi20170525 import models
        from alibabacloud_tea_openapi.exceptions import ClientException
        from darabonba.runtime import RuntimeOptions

        request = models.SendSmsRequest(
            phone_numbers=phone,
            sign_name=settings.UNIONHUB_SMS_SIGN_NAME,
            template_code=template_code,
            template_param=json.dumps({k: str(v) for k, v in params.items()}, ensure_ascii=False),
        )
        try:
            response = self._client().send_sms_with_options(request, RuntimeOptions(autoretry=False))
        except ClientException as exc:  # an error status from the provider (e.g. a bad signature)
            return SmsResult(
                provider=self.name,
                ok=False,
                code=str(exc.code or ""),
                message=str(exc.message or ""),
                request_id=str(getattr(exc, "request_id", "") or ""),
            )
        body = response.body
        return SmsResult(
            provider=self.name,
            ok=body.code == "OK",
            code=body.code or "",
            message=body.message or "",
            request_id=body.request_id or "",
            message_id=body.biz_id or "",
        )


class TencentSmsBackend(SmsBackend):
    """Tencent Cloud SMS (SendSms 2021-01-11) through the official SDK (TC3-HMAC-SHA256 signing)."""

    name = "tencent"

    def _client(self):
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        http = HttpProfile(
            protocol=settings.UNIONHUB_SMS_TENCENT_PROTOCOL,
            endpoint=settings.UNIONHUB_SMS_TENCENT_ENDPOINT,
            reqTimeout=10,
        )
        cred = credential.Credential(
            settings.UNIONHUB_SMS_TENCENT_SECRET_ID, settings.UNIONHUB_SMS_TENCENT_SECRET_KEY
        )
        return sms_client.SmsClient(
            cred, settings.UNIONHUB_SMS_TENCENT_REGION, ClientProfile(httpProfile=http)
        )

    def send(self, *, phone, template_code, params, param_names=(), kind=""):
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111 import models

        request = models.SendSmsRequest()
        request.PhoneNumberSet = [f"+86{phone}"]
        request.SmsSdkAppId = settings.UNIONHUB_SMS_TENCENT_APP_ID
        request.SignName = settings.UNIONHUB_SMS_SIGN_NAME
        request.TemplateId = template_code
        request.TemplateParamSet = [str(params[name]) for name in (param_names or params)]
        try:
            response = self._client().SendSms(request)
        except TencentCloudSDKException as exc:
            if not exc.get_request_id():
                raise  # no answer from the provider (network, credentials missing): the task retries
            return SmsResult(
                provider=self.name,
                ok=False,
                code=exc.get_code() or "",
                message=exc.get_message() or "",
                request_id=exc.get_request_id() or "",
            )
        status = (response.SendStatusSet or [None])[0]
        if status is None:
            return SmsResult(
                provider=self.name, ok=False, code="NoStatus", request_id=response.RequestId or ""
            )
        return SmsResult(
            provider=self.name,
            ok=status.Code == "Ok",
            code=status.Code or "",
            message=status.Message or "",
            request_id=response.RequestId or "",
            message_id=status.SerialNo or "",
            extra={"fee": status.Fee},
        )


class NoopSmsBackend(SmsBackend):
    """Accepts every message and sends nothing (the benchmark's drain of the outbox)."""

    name = "noop"

    def send(self, *, phone, template_code, params, param_names=(), kind=""):
        return SmsResult(provider=self.name, ok=True, code="OK")


BACKENDS = {
    "console": ConsoleSmsBackend,
    "noop": NoopSmsBackend,
    "locmem": LocmemSmsBackend,
    "aliyun": AliyunSmsBackend,
    "tencent": TencentSmsBackend,
    # the dotted path used before there were named backends
    "notifications.delivery.ConsoleSmsBackend": ConsoleSmsBackend,
}


def sms_backend() -> SmsBackend:
    """The configured backend: a name from BACKENDS, or a dotted path to an SmsBackend class."""
    name = settings.NOTIFY_SMS_BACKEND
    cls = BACKENDS.get(name) or import_string(name)
    return cls()


def sms_rate_take(provider: str) -> None:
    """Take one send from the provider's budget (`UNIONHUB_SMS_RATE_PER_SECOND` per provider, across workers,
    counted in the shared cache); raises SmsRateLimited when this second's budget is spent."""
    limit = settings.UNIONHUB_SMS_RATE_PER_SECOND
    if not limit:
        return
    key = f"sms-rate:{provider}:{int(time.time())}"
    if cache.add(key, 1, timeout=5):
        return
    try:
        count = cache.incr(key)
    except ValueError:
        cache.add(key, 1, timeout=5)
        return
    if count > limit:
        raise SmsRateLimited(provider)


def sms_send(*, phone: str, kind: str, params: dict) -> SmsResult:
    """Send one message of a kind (see notifications.sms_templates) within the provider's rate.

    Raises SmsRateLimited (try later) or SmsProviderError (the provider refused; its answer is on the error)."""
    from notifications.sms_templates import sms_template

    template = sms_template(kind)
    backend = sms_backend()
    sms_rate_take(backend.name)
    missing = [name for name in template.params if name not in params]
    if missing:
        raise ValueError(f"SMS kind {kind!r} lacks parameters {missing}")
    result = backend.send(
        phone=phones.normalize(phone),
        template_code=template.code(),
        params={name: params[name] for name in template.params},
        param_names=template.params,
        kind=kind,
    )
    log.info(
        "SMS %s to %s through %s: %s %s",
        kind,
        phones.mask(phone),
        result.provider,
        result.code,
        result.request_id,
    )
    if not result.ok:
        raise SmsProviderError(result)
    return result
