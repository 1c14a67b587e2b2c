"""统一社会信用代码 (GB 32100-2015): 18 characters ending in a check character, checked with stdnum.cn.uscc."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as NumberError


def normalize(value: str) -> str:
    return (value or "").strip().upper()


def validate(value: str) -> str:
    """The normalised code, or a ValidationError naming what is wrong."""
    value = normalize(value)
    if len(value) != 18:
        raise ValidationError(_("统一社会信用代码应为18位。"), code="uscc_length")
    try:
        return uscc.validate(value)
    except InvalidChecksum as exc:
        raise ValidationError(_("统一社会信用代码校验位不正确。"), code="uscc_checksum") from exc
    except NumberError as exc:
        raise ValidationError(_("统一社会信用代码含有不允许的字符。"), code="uscc_format") from exc
