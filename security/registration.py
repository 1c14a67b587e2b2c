"""Registration and activation that prove the phone (SPEC §9).

Registration: the code (purpose `register`) is checked first; only then is the caller told that an ID number is
already bound (`id_number_bound`, with the masked phone of the account or record holding it, and `claim: true`),
so nobody can probe ID numbers without owning a phone. A register code is only really sent to a phone that no
person holds: for a phone already bound the attempt ends like a wrong code (`sms_code_invalid`).

Activation: a person whom staff entered or imported (no account yet) gets an account with the ID number and a
code (purpose `activate`), which is only really sent to a phone on such a record. The code is checked first
(`sms_code_invalid`); after it, an ID number that is not the record of that phone, or a person who already has
an account, is `not_on_record`.
"""

import logging

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from members import selectors as member_selectors
from members import services as member_services
from members.identity import identity_verification_record
from members.models import IdentityMethod, User
from security.models import SmsCodePurpose
from security.sms_codes import sms_code_check
from unionhub.audit import audit_record
from unionhub.lib import idnumber
from unionhub.lib import phone as phones
from unionhub.lib.crypto import keyed_hash
from unionhub.lib.errors import BusinessError

log = logging.getLogger(__name__)


def _password_first(password: str) -> None:
    """The password rules are checked before the code is used, so a refused password does not cost the code."""
    try:
        validate_password(password)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}, code="password_invalid") from exc


def id_number_bound_error(person) -> BusinessError:
    if User.objects.filter(person=person).exists():
        text = gettext("该身份证号码已绑定手机号码为 %(phone)s 的账号。如果您是本人，请提出认领申请。")
    else:  # on a union's record without an account: activation, unless the phone on record is not the caller's
        text = gettext(
            "该身份证号码已由工会登记，登记的手机号码为 %(phone)s。如该手机号码是您的，请激活会员账号；否则请提出认领申请。"
        )
    return BusinessError(
        "id_number_bound",
        text % {"phone": person.phone_masked or "—"},
        claim=True,
        phone_masked=person.phone_masked,
    )


def member_register_by_code(
    *, name: str, id_number: str, phone: str, sms_code: str, password: str
) -> tuple[User, str]:
    """Register a member whose phone is proven by a register code. Returns the user and an API token key.
    Not inside a caller's transaction: a wrong guess must stay counted when the error rolls the request back."""
    id_number = idnumber.validate(id_number)
    phone = phones.validate(phone)
    _password_first(password)
    sms_code_check(purpose=SmsCodePurpose.REGISTER, phone=phone, code=sms_code)
    held = member_selectors.person_get_by_id_number(id_number)
    if held is not None:
        raise id_number_bound_error(held)
    if member_selectors.person_get_by_phone(phone) is not None:  # bound between the code and now
        raise BusinessError("sms_code_invalid")
    with transaction.atomic():
        try:
            user, token = member_services.member_register(
                name=name, id_number=id_number, phone=phone, password=password
            )
        except BusinessError as exc:  # a registration of the same number or phone at the same moment
            held = member_selectors.person_get_by_id_number(id_number)
            if held is not None:
                raise id_number_bound_error(held) from exc
            raise BusinessError("sms_code_invalid") from exc
        identity_verification_record(user=user, method=IdentityMethod.SMS, note="register")
        audit_record(actor=user, action="member_registered_by_sms", obj=user)
    log.info("member registered with a proven phone %s", phones.mask(phone))
    return user, token


def _not_on_record() -> BusinessError:
    return BusinessError("not_on_record")


def member_activate(*, id_number: str, phone: str, sms_code: str, password: str) -> tuple[User, str]:
    """Activate the account of a person on record (entered or imported by staff, no account yet): the ID number
    and the phone must match the record, and the code must have been sent to that phone."""
    _password_first(password)
    id_number = idnumber.validate(id_number)
    phone = phones.validate(phone)
    # The code first: it only reaches a phone on a record without an account, so whoever is told
    # not_on_record owns such a phone, and nobody learns which ID numbers and phones are on record.
    sms_code_check(purpose=SmsCodePurpose.ACTIVATE, phone=phone, code=sms_code)
    person = member_selectors.person_get_by_id_number(id_number)
    if (
        person is None
        or person.phone_hash != keyed_hash(phone)
        or User.objects.filter(person=person).exists()
    ):
        raise _not_on_record()
    with transaction.atomic():
        try:
            user, token = member_services.member_account_create(person=person, password=password)
        except BusinessError as exc:  # activated at the same moment elsewhere
            raise _not_on_record() from exc
        identity_verification_record(user=user, method=IdentityMethod.SMS, note="activate")
        audit_record(actor=user, action="member_activated_by_sms", obj=user)
    log.info("member record activated with the phone on record %s", phones.mask(phone))
    return user, token
