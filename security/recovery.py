"""Recovery and code login (SPEC §9): a member resets the password, or logs in, with a code sent to the bound
phone. A wrong code and a phone no account holds get the same answer (400 sms_code_invalid)."""

import logging

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

from members.models import User
from security.lockout import lockout_clear
from security.models import SmsCodePurpose
from security.sms_codes import sms_code_verify
from unionhub.audit import audit_record
from unionhub.lib import phone as phones
from unionhub.lib.crypto import keyed_hash
from unionhub.lib.errors import BusinessError

log = logging.getLogger(__name__)


def _invalid() -> BusinessError:
    return BusinessError("sms_code_invalid", _("验证码不正确或已失效，请重新获取。"))


def _member_by_code(*, purpose: str, phone: str, code: str) -> User:
    """The active member account bound to this phone, once the code for it is right; else sms_code_invalid.
    Not inside a caller's transaction: a wrong guess must stay counted when the error rolls the request back."""
    if not sms_code_verify(purpose=purpose, phone=phone, code=code):
        raise _invalid()
    user = (
        User.objects.select_related("person")
        .filter(person__phone_hash=keyed_hash(phones.normalize(phone)), is_active=True)
        .first()
    )
    if user is None:
        raise _invalid()
    return user


def password_reset_by_code(*, phone: str, code: str, new_password: str) -> User:
    """Set a new password. The password rules are checked before the code is used, so a refused password does not
    cost the code. The account's API tokens are deleted; its sessions end because the password changed; its
    login lockout is cleared, so the new password works at once."""
    validate_password(new_password)
    user = _member_by_code(purpose=SmsCodePurpose.RESET, phone=phone, code=code)
    validate_password(new_password, user=user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        Token.objects.filter(user=user).delete()
        lockout_clear(user)
        audit_record(actor=user, action="password_reset_by_sms", obj=user)
    log.info("password reset by SMS code for %s", phones.mask(phone))
    return user


def login_by_code(*, phone: str, code: str) -> Token:
    """An API token for the member whose bound phone received this login code."""
    user = _member_by_code(purpose=SmsCodePurpose.LOGIN, phone=phone, code=code)
    with transaction.atomic():
        audit_record(actor=user, action="login_by_sms", obj=user)
        token, _created = Token.objects.get_or_create(user=user)
    return token
