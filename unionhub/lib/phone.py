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
        raise ValidationError(_("请输入11位手机号码。"), code="phone_format")
    return value


def mask(value: str) -> str:
    value = normalize(value)
    return value[:3] + "****" + value[7:] if len(value) == 11 else "*" * len(value)
