"""Resident ID numbers (GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2 check character."""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
PATTERN = re.compile(r"^\d{17}[\dX]$")
# Any 18-character candidate in free text: used to scrub logs and to scan dumps.
CANDIDATE = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dA-Za-z])")


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


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
