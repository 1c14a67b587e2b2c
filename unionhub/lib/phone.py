import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE = re.compile(r"^1[3-9]\d{9}$")
CANDIDATE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def normalize(value: str) -> str:
    value = re.sub(r"[\s-]", "", value or "")
    return value[3:] if value.startswith("+86") else value


def validate(value: str) -> str:
    value = normalize(value)
    if not MOBILE.match(value):
        # the same code, with a message that says what is wrong
        if not value.isdigit():
            raise ValidationError(_("手机号码只能包含数字。"), code="phone_format")
        if len(value) != 11:
            raise ValidationError(
                _("手机号码应为11位数字，当前为%(n)s位。") % {"n": len(value)}, code="phone_format"
            )
        raise ValidationError(_("手机号码应以13至19开头。"), code="phone_format")
    return value


def mask(value: str) -> str:
    value = normalize(value)
    return value[:3] + "****" + value[7:] if len(value) == 11 else "*" * len(value)
