"""One-time SMS codes (SPEC §9): 6 digits, hashed at rest, 5 minutes, 5 tries, one send per phone per 60 s,
10 per phone per day and a per-address cap per day.

The answer never tells whether a phone is known: a request for a phone that no account (login, reset) or no
record (activate) holds is counted and answered exactly like any other; only the SMS is not sent.
"""

import datetime as dt
import hmac
import logging
import secrets

from celery import shared_task
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Person
from security.models import SmsCode, SmsCodePurpose
from unionhub.lib import clock
from unionhub.lib import phone as phones
from unionhub.lib.crypto import keyed_hash
from unionhub.lib.errors import BusinessError

log = logging.getLogger(__name__)


class TooManyCodes(BusinessError):
    """429 too_many_codes, with the seconds to wait before the next code may be asked for."""

    status_code = 429

    def __init__(self, resend_after: int):
        super().__init__("too_many_codes", _("验证码发送过于频繁，请稍后再试。"))
        self.resend_after = resend_after


def _code_hash(salt: str, code: str) -> str:
    return keyed_hash(f"sms-code:{salt}:{code}")


def _lock(key: str) -> None:
    """Serialise the sends of one phone (and one address) on PostgreSQL, so two requests at once count as two."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def _day_start(now: dt.datetime) -> dt.datetime:
    local = now.astimezone(clock.SHANGHAI)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _may_receive(purpose: str, phone: str) -> bool:
    """Whether the SMS is really sent: login and reset only to a phone bound to an account; activation only to
    a phone on a record without an account; registration only to a phone no person holds yet (a phone already
    bound can then only end in sms_code_invalid, the answer a wrong code gets); claim and bind to any phone."""
    held = Person.objects.filter(phone_hash=keyed_hash(phone))
    if purpose in (SmsCodePurpose.LOGIN, SmsCodePurpose.RESET):
        return held.filter(user__isnull=False).exists()
    if purpose == SmsCodePurpose.ACTIVATE:
        return held.filter(user__isnull=True).exists()
    if purpose == SmsCodePurpose.REGISTER:
        return not held.exists()
    return True


def sms_code_send(*, purpose: str, phone: str, ip: str) -> int:
    """Issue a code; returns the seconds until the next may be asked for. Raises TooManyCodes (429) when the
    60-second resend, the phone's daily cap or the address's daily cap is reached."""
    if purpose not in SmsCodePurpose.values:
        raise ValueError(f"unknown SMS code purpose {purpose!r}")
    phone = phones.validate(phone)
    phone_hash = keyed_hash(phone)
    address_hash = keyed_hash(f"address:{ip}") if ip else ""
    resend = settings.UNIONHUB_SMS_CODE_RESEND_SECONDS
    with transaction.atomic():
        _lock(f"sms-code:{phone_hash}")
        if address_hash:
            _lock(f"sms-code:{address_hash}")
        now = timezone.now()
        last = SmsCode.objects.filter(phone_hash=phone_hash).order_by("-created_at").first()
        if last is not None and (now - last.created_at).total_seconds() < resend:
            raise TooManyCodes(resend - int((now - last.created_at).total_seconds()))
        day_start = _day_start(now)
        tomorrow = int((day_start + dt.timedelta(days=1) - now).total_seconds()) + 1
        if (
            SmsCode.objects.filter(phone_hash=phone_hash, created_at__gte=day_start).count()
            >= settings.UNIONHUB_SMS_CODES_PER_PHONE_DAY
        ):
            raise TooManyCodes(tomorrow)
        if (
            address_hash
            and SmsCode.objects.filter(address_hash=address_hash, created_at__gte=day_start).count()
            >= settings.UNIONHUB_SMS_CODES_PER_ADDRESS_DAY
        ):
            raise TooManyCodes(tomorrow)
        code = f"{secrets.randbelow(10**6):06d}"
        salt = secrets.token_hex(16)
        row = SmsCode.objects.create(
            purpose=purpose,
            phone_hash=phone_hash,
            phone=phone,
            address_hash=address_hash,
            salt=salt,
            code_hash=_code_hash(salt, code),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=settings.UNIONHUB_SMS_CODE_TTL_SECONDS),
        )
        if _may_receive(purpose, phone):
            transaction.on_commit(lambda: sms_code_deliver_task.delay(row.pk, code))
    log.info("SMS code %s issued to %s", purpose, phones.mask(phone))
    return resend


def sms_code_verify(*, purpose: str, phone: str, code: str) -> bool:
    """Use the newest code of this phone and purpose: True once for the right code within its life and tries.
    Every guess counts, right or wrong; a used, expired or exhausted code is never right."""
    try:
        phone = phones.validate(phone)
    except Exception:
        return False
    with transaction.atomic():
        row = (
            SmsCode.objects.select_for_update()
            .filter(phone_hash=keyed_hash(phone), purpose=purpose)
            .order_by("-created_at")
            .first()
        )
        now = timezone.now()
        if (
            row is None
            or row.used_at is not None
            or row.expires_at <= now
            or row.tries >= settings.UNIONHUB_SMS_CODE_MAX_TRIES
        ):
            return False
        row.tries += 1
        ok = hmac.compare_digest(row.code_hash, _code_hash(row.salt, str(code or "")))
        if ok:
            row.used_at = now
        row.save(update_fields=["tries", "used_at"])
    return ok


def sms_code_check(*, purpose: str, phone: str, code: str) -> None:
    """sms_code_verify, raising 400 sms_code_invalid for a wrong, expired or used code."""
    if not sms_code_verify(purpose=purpose, phone=phone, code=code):
        raise BusinessError("sms_code_invalid", _("验证码不正确或已失效，请重新获取。"))


def sms_codes_purge(*, now: dt.datetime | None = None) -> int:
    """Delete codes older than two days (the caps look back one day at most). Returns how many."""
    now = now or timezone.now()
    deleted, _by_model = SmsCode.objects.filter(created_at__lt=now - dt.timedelta(days=2)).delete()
    return deleted


def sms_code_deliver(*, code_id: int, code: str) -> None:
    """Send the code by SMS (Celery task security.tasks.sms_code_deliver) and keep the provider's answer."""
    from notifications import sms

    row = SmsCode.objects.filter(pk=code_id, used_at__isnull=True).first()
    if row is None or row.expires_at <= timezone.now():
        return
    try:
        result = sms.sms_send(phone=row.phone, kind=f"code_{row.purpose}", params={"code": code})
    except sms.SmsProviderError as exc:
        SmsCode.objects.filter(pk=row.pk).update(provider_answer=exc.result.as_answer())
        raise
    SmsCode.objects.filter(pk=row.pk).update(delivered=True, provider_answer=result.as_answer())


@shared_task(
    name="security.tasks.sms_code_deliver",
    bind=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    retry_backoff_max=60,
    max_retries=4,
)
def sms_code_deliver_task(self, code_id: int, code: str) -> None:
    """Send one one-time code; retried a few times within its 5-minute life, and later when the rate is spent."""
    from notifications.sms import SmsRateLimited

    try:
        sms_code_deliver(code_id=code_id, code=code)
    except SmsRateLimited as exc:
        raise self.retry(exc=exc, countdown=1, max_retries=60) from exc
