"""Test data built through the real services, so tests never pass on impossible data."""

import datetime as dt
import itertools

from members import services
from members.identity import identity_verification_record
from members.models import DuesMode, IdentityMethod, Union, UnionLevel, User
from unionhub.lib import idnumber

_seq = itertools.count(1)


def id_number(born=dt.date(1990, 1, 1), male=True, prefix="420502") -> str:
    n = next(_seq)
    seq = (n * 2) % 998 + (1 if male else 0)
    return idnumber.make(prefix, born.replace(year=born.year), seq)


def phone() -> str:
    return f"138{next(_seq):08d}"


def union(
    *, name=None, level=UnionLevel.GRASSROOTS, parent=None, accepts_members=True, is_reservoir=False, **fields
) -> Union:
    n = next(_seq)
    u = Union(
        name=name or f"工会{n}",
        code=f"U{n}",
        level=level,
        parent=parent,
        accepts_members=accepts_members,
        is_reservoir=is_reservoir,
        **fields,
    )
    u.save()
    return u


def staff(union: Union, *, admin=False, reveal=False, username=None, roles=None) -> User:
    """A staff account with roles (default: the three working roles); `admin` adds 工会管理员, `reveal` 查看明文."""
    from members import roles as staff_roles

    user = User(username=username or f"staff{next(_seq)}", union=union, is_staff=True, is_union_admin=admin)
    user.set_password("Staff-pass-123")
    user.save()
    keys = list(roles if roles is not None else ("approver", "finance", "data_manager"))
    keys += ["union_admin"] if admin else []
    keys += ["reveal"] if reveal else []
    user.groups.set(staff_roles.role_groups(keys))
    return user


PASSWORD = "Member-pass-123"


def person_user(
    *, name="张三", born=dt.date(1990, 1, 1), male=True, hire_date=None, password=PASSWORD, verified=True
):
    user, _token = services.member_register(
        name=name, id_number=id_number(born, male), phone=phone(), password=password
    )
    if verified:  # registration proves the phone by a code (security.registration); recorded as it would be
        identity_verification_record(user=user, method=IdentityMethod.SMS, note="register")
    if hire_date:
        user.person.hire_date = hire_date
        user.person.save()
    return user


def member(union: Union, *, joined_on=None, dues_mode=DuesMode.SELF_PAY, hire_date=None, **kwargs):
    user = person_user(hire_date=hire_date, **kwargs)
    membership = services.membership_create(
        person=user.person, union=union, dues_mode=dues_mode, actor=None, joined_on=joined_on
    )
    return user, membership
