"""Resident ID numbers (GB 11643-1999): a GB/T 2260 address code, the birth date, an order code and an
ISO 7064 MOD 11-2 check character."""

import datetime as dt
import functools
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import numdb

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
PATTERN = re.compile(r"^\d{17}[\dX]$")
# Any 18-character candidate in free text: used to scrub logs and to scan dumps.
CANDIDATE = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dA-Za-z])")


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


@functools.lru_cache(maxsize=4096)
def address_code_known(code: str) -> bool:
    """True when the six digits are a GB/T 2260 division code of any period (python-stdnum's cn/loc data).

    Not stdnum.cn.ric.validate: it only accepts a code from the year it was assigned, while people keep numbers
    issued later under new codes and numbers issued under codes since retired."""
    parts = numdb.get("cn/loc").info(code)
    return len(parts) == 2 and bool(parts[-1][1].get("county"))


def normalize(value: str) -> str:
    return (value or "").strip().upper()


def birth_date(value: str) -> dt.date:
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def gender(value: str) -> str:
    """'M' or 'F' from the order code (17th character): odd is male."""
    return "M" if int(value[16]) % 2 else "F"


def is_valid(value: str) -> bool:
    try:
        validate(value)
    except ValidationError:
        return False
    return True


def validate(value: str, *, expected_birth: dt.date | None = None, expected_gender: str | None = None) -> str:
    value = normalize(value)
    if not PATTERN.match(value):
        raise ValidationError(_("身份证号码应为18位，最后一位可为数字或X。"), code="id_format")
    if check_char(value[:17]) != value[17]:
        raise ValidationError(_("身份证号码校验位不正确。"), code="id_checksum")
    if not address_code_known(value[:6]):
        raise ValidationError(_("身份证号码前六位不是有效的行政区划代码。"), code="id_address_code")
    try:
        born = birth_date(value)
    except ValueError as exc:
        raise ValidationError(_("身份证号码中的出生日期不存在。"), code="id_birth_date") from exc
    if born.year < 1900 or born > dt.date.today():  # noqa: DTZ011 - a calendar sanity bound, not a rule
        raise ValidationError(_("身份证号码中的出生日期不合理。"), code="id_birth_date")
    if expected_birth and expected_birth != born:
        raise ValidationError(_("出生日期与身份证号码不一致。"), code="id_birth_mismatch")
    if expected_gender and expected_gender != gender(value):
        raise ValidationError(_("性别与身份证号码不一致。"), code="id_gender_mismatch")
    return value


def make(prefix6: str, born: dt.date, sequence: int) -> str:
    """Build a valid number (demo data, tests, benchmarks). sequence: 0..999; odd = male."""
    body = f"{prefix6}{born:%Y%m%d}{sequence:03d}"
    return body + check_char(body)


def mask(value: str) -> str:
    value = normalize(value)
    if len(value) != 18:
        return "*" * len(value)
    return value[:6] + "*" * 8 + value[14:]


def age_on(value: str, day: dt.date) -> int:
    born = birth_date(value)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
