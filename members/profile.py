"""Profile upkeep: the member keeps their changeable real-name fields current; every change is recorded.

Name and ID number change only through staff (Django admin); the member's form and API refuse them.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from members import selectors
from members.models import Person, ProfileChange, User
from notifications.services import notify
from unionhub.lib import phone as phones
from unionhub.lib.errors import BusinessError, NotInScope

MEMBER_FIELDS = (
    "phone",
    "address",
    "education",
    "political_status",
    "household_type",
    "ethnicity",
    "unit_name",
)
STAFF_ONLY_FIELDS = ("name", "id_number")
# What the change record follows: the roster's fields, whoever changes them.
TRACKED_FIELDS = (
    "name",
    "id_number",
    "phone",
    "address",
    "nationality",
    "ethnicity",
    "education",
    "political_status",
    "household_type",
    "unit_name",
    "employment_type",
    "hire_date",
    "union_position",
    "id_valid_from",
    "id_valid_to",
)
TEXT_LIMITS = {"address": 200, "ethnicity": 20, "unit_name": 200}


def _display(person: Person, field: str) -> str:
    if field == "id_number":
        return person.id_number_masked
    if field == "phone":
        return person.phone_masked
    value = getattr(person, field)
    choices = Person._meta.get_field(field).choices
    if choices and value:
        return str(dict(choices).get(value, value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def _compared(person: Person, field: str) -> str:
    # Masked forms can agree while the numbers differ: compare ID number and phone by their keyed hashes.
    if field == "id_number":
        return person.id_number_hash
    if field == "phone":
        return person.phone_hash or ""
    return _display(person, field)


def profile_snapshot(person: Person) -> dict[str, tuple[str, str]]:
    """(comparison key, recordable display) per tracked field: no clear ID number or phone."""
    return {field: (_compared(person, field), _display(person, field)) for field in TRACKED_FIELDS}


def profile_changes_record(
    *, person: Person, before: dict[str, tuple[str, str]], actor: User | None, by_staff: bool
) -> list[ProfileChange]:
    """Record what differs between the snapshot taken before and the person as saved."""
    after = profile_snapshot(person)
    rows = [
        ProfileChange(
            person=person,
            field=field,
            old_value=before[field][1],
            new_value=after[field][1],
            actor=actor,
            by_staff=by_staff,
        )
        for field in TRACKED_FIELDS
        if before[field][0] != after[field][0]
    ]
    return ProfileChange.objects.bulk_create(rows)


def _clean(changes: dict) -> dict[str, str]:
    cleaned, errors = {}, {}
    for field, value in changes.items():
        if not isinstance(value, str):
            errors[field] = gettext("格式不正确。")
            continue
        value = value.strip()
        if "\x00" in value:  # PostgreSQL text cannot hold it
            errors[field] = "不能包含空字符。"
            continue
        if field == "phone":
            try:
                value = phones.validate(value)
            except ValidationError as exc:
                errors[field] = exc.messages
                continue
        elif Person._meta.get_field(field).choices:
            if value and value not in dict(Person._meta.get_field(field).choices):
                errors[field] = gettext("请从列表中选择。")
                continue
        elif len(value) > TEXT_LIMITS[field]:
            errors[field] = gettext("不能超过%(limit)s个字。") % {"limit": TEXT_LIMITS[field]}
            continue
        cleaned[field] = value
    if errors:
        raise ValidationError(errors, code="invalid")
    return cleaned


@transaction.atomic
def person_profile_update(
    *, person_id: int, actor: User, changes: dict, password: str = ""
) -> list[ProfileChange]:
    """The member updates their own changeable fields. A new phone (also their login) needs the password."""
    refused = set(changes) - set(MEMBER_FIELDS)
    if refused & set(STAFF_ONLY_FIELDS):
        raise BusinessError("staff_only_field", gettext("姓名和身份证号码只能由工会工作人员修改。"))
    if refused:
        raise BusinessError(
            "field_not_changeable", gettext("以下资料不能自行修改：") + "、".join(sorted(refused))
        )
    person = Person.objects.select_for_update().filter(pk=person_id).first()
    if person is None or actor.person_id != person.pk:
        raise NotInScope()
    cleaned = _clean(changes)
    before = profile_snapshot(person)
    new_phone = cleaned.pop("phone", person.phone)
    phone_changed = new_phone != person.phone
    if phone_changed:
        if not actor.check_password(password or ""):
            raise BusinessError("password_required", gettext("修改手机号码需要输入正确的登录密码。"))
        other = selectors.person_get_by_phone(new_phone)
        if other is not None and other.pk != person.pk:
            raise BusinessError("phone_taken", gettext("该手机号码已被使用。"))
        person.set_phone(new_phone)
    for field, value in cleaned.items():
        setattr(person, field, value)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:  # the same new phone saved concurrently by someone else
        raise BusinessError("phone_taken", gettext("该手机号码已被使用。")) from exc
    rows = profile_changes_record(person=person, before=before, actor=actor, by_staff=False)
    if phone_changed:
        change = next(row for row in rows if row.field == "phone")
        notify(
            recipient=actor,
            template="profile_phone_changed",
            subject="登录手机号码已修改",
            body=f"您的登录手机号码已改为 {person.phone_masked}。如非本人操作，请立即联系所在工会。",
            dedupe_key=f"profile-phone:{change.pk}",
            channels=("inbox",),
        )
    return rows
