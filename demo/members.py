"""Demo city, part 1: the union tree, staff accounts and members (SPEC §1–2)."""

import datetime as dt
import secrets

from members import roles as staff_roles
from members import services
from members.identity import identity_verification_record
from members.models import DuesMode, EmployerUnit, EmploymentType, IdentityMethod, Union, UnionLevel, User
from security import otp
from unionhub.lib import idnumber


class DemoContext:
    """What each app's demo builder adds to and reads from."""

    def __init__(self, stdout):
        self.stdout = stdout
        self.unions: dict[str, Union] = {}
        self.staff: dict[str, User] = {}
        self.people: dict[str, object] = {}
        self.accounts: list[tuple[str, str, str]] = []  # (role, login, password)
        self._seq = 0

    def password(self) -> str:
        return "Demo-" + secrets.token_urlsafe(6)

    def id_number(self, born: dt.date, male: bool, prefix: str = "420502") -> str:
        self._seq += 2
        seq = self._seq % 998 + (1 if male else 0)
        return idnumber.make(prefix, born, seq)

    def phone(self) -> str:
        self._seq += 1
        return f"139{self._seq:08d}"


def _union(ctx, key, **fields):
    union = Union(**fields)
    union.save()
    ctx.unions[key] = union
    return union


def _staff(ctx, key, union, *, admin=False, label="", name="", roles=("approver", "finance", "data_manager")):
    password = ctx.password()
    user = User(username=key, union=union, is_staff=True, is_union_admin=admin, first_name=name)
    user.set_password(password)
    user.save()
    user.groups.set(staff_roles.role_groups([*roles, *(["union_admin", "reveal"] if admin else [])]))
    ctx.staff[key] = user
    role = f"{label or union.name} {name}".strip()
    if otp.otp_mandatory(user):
        role += "（需绑定TOTP动态口令）"
    ctx.accounts.append((role, key, password))
    return user


def member(
    ctx,
    key,
    name,
    *,
    born,
    male,
    hire_date=None,
    unit="",
    employment=EmploymentType.STAFF,
    union=None,
    dues_mode=DuesMode.SELF_PAY,
    joined_on=None,
    login=True,
    note="",
):
    """A registered person (with a login), optionally already a member of `union`."""
    password = ctx.password()
    user, _ = services.member_register(
        name=name, id_number=ctx.id_number(born, male), phone=ctx.phone(), password=password
    )
    identity_verification_record(user=user, method=IdentityMethod.SMS, note="demo")  # registered with a code
    person = user.person
    person.unit_name, person.hire_date, person.employment_type = unit, hire_date, employment
    person.save()
    ctx.people[key] = person
    if login:
        ctx.accounts.append((f"会员 {name}" + (f"（{note}）" if note else ""), person.phone, password))
    if union is not None:
        services.membership_create(
            person=person, union=union, dues_mode=dues_mode, actor=None, joined_on=joined_on
        )
    return person


def build(ctx: DemoContext) -> None:
    staff_roles.roles_sync()

    city = _union(
        ctx,
        "city",
        name="宜昌市总工会",
        code="YC",
        level=UnionLevel.CITY,
        region="宜昌市",
        phone="0717-6000000",
        leader_name="王主席",
        founded_on=dt.date(1950, 5, 1),
    )
    _union(
        ctx,
        "city_reservoir",
        name="宜昌市市直企业工会委员会",
        code="YC-SZ",
        level=UnionLevel.COUNTY,
        parent=city,
        is_reservoir=True,
        accepts_members=True,
    )
    xiling = _union(
        ctx,
        "xiling",
        name="西陵区总工会",
        code="YC-XL",
        level=UnionLevel.COUNTY,
        parent=city,
        region="西陵区",
        leader_name="黄主席",
        phone="0717-6221001",
    )
    wujia = _union(
        ctx,
        "wujia",
        name="伍家岗区总工会",
        code="YC-WJ",
        level=UnionLevel.COUNTY,
        parent=city,
        region="伍家岗区",
        leader_name="林主席",
        phone="0717-6531001",
    )
    _union(
        ctx,
        "xiling_reservoir",
        name="西陵区职工服务中心工会委员会",
        code="YC-XL-FW",
        level=UnionLevel.GRASSROOTS,
        parent=xiling,
        is_reservoir=True,
        accepts_members=True,
        leader_name="郭主任",
        phone="0717-6221008",
    )
    _union(
        ctx,
        "wujia_reservoir",
        name="伍家岗区职工服务中心工会委员会",
        code="YC-WJ-FW",
        level=UnionLevel.GRASSROOTS,
        parent=wujia,
        is_reservoir=True,
        accepts_members=True,
    )
    power_unit = EmployerUnit.objects.create(
        name="宜昌电力设备有限公司",
        credit_code="91420500MA4899000P",
        nature="企业",
        worker_count=320,
        county=xiling,
    )
    power = _union(
        ctx,
        "power",
        name="宜昌电力设备有限公司工会委员会",
        code="YC-XL-001",
        level=UnionLevel.GRASSROOTS,
        parent=xiling,
        accepts_members=True,
        employer=power_unit,
        leader_name="李主席",
        phone="0717-6889001",
        founded_on=dt.date(2008, 3, 1),
    )
    _union(
        ctx,
        "power_energy",
        name="能源与动力工程系分工会",
        code="YC-XL-001-01",
        level=UnionLevel.BRANCH,
        parent=power,
        accepts_members=True,
    )
    _union(
        ctx,
        "power_workshop",
        name="一车间分工会",
        code="YC-XL-001-02",
        level=UnionLevel.BRANCH,
        parent=power,
        accepts_members=True,
    )
    school_unit = EmployerUnit.objects.create(
        name="伍家岗实验学校",
        credit_code="12420500MB1234567J",
        nature="事业单位",
        worker_count=150,
        county=wujia,
    )
    _union(
        ctx,
        "school",
        name="伍家岗实验学校工会委员会",
        code="YC-WJ-001",
        level=UnionLevel.GRASSROOTS,
        parent=wujia,
        accepts_members=True,
        employer=school_unit,
        leader_name="梁主席",
        phone="0717-6531120",
    )
    EmployerUnit.objects.create(name="宜昌快递物流有限公司", nature="企业", worker_count=60, county=xiling)

    _staff(ctx, "city_admin", city, admin=True, label="市总工会管理员", name="陈立华")
    _staff(ctx, "xiling_admin", xiling, admin=True, label="西陵区总工会管理员", name="黄文斌")
    _staff(ctx, "wujia_admin", wujia, admin=True, label="伍家岗区总工会管理员", name="林雪梅")
    _staff(
        ctx,
        "xiling_reservoir_staff",
        ctx.unions["xiling_reservoir"],
        label="西陵区职工服务中心工会",
        name="郭晓东",
    )
    _staff(ctx, "power_staff", power, admin=True, label="电力设备公司工会", name="何志强")
    _staff(ctx, "energy_staff", ctx.unions["power_energy"], label="能源与动力工程系分工会", name="罗佳")
    _staff(ctx, "school_staff", ctx.unions["school"], label="实验学校工会", name="梁静")

    member(
        ctx,
        "zhang",
        "张伟",
        born=dt.date(1985, 6, 12),
        male=True,
        hire_date=dt.date(2015, 7, 1),
        unit="宜昌电力设备有限公司",
        union=ctx.unions["power_workshop"],
        dues_mode=DuesMode.PAYROLL,
        joined_on=dt.date(2016, 9, 1),
    )
    member(
        ctx,
        "li",
        "李娜",
        born=dt.date(1990, 3, 8),
        male=False,
        hire_date=dt.date(2018, 9, 1),
        unit="伍家岗实验学校",
        union=ctx.unions["school"],
        dues_mode=DuesMode.UNIT_PAID,
        joined_on=dt.date(2018, 10, 1),
    )
    member(
        ctx,
        "newcomer",
        "王小明",
        born=dt.date(1999, 11, 2),
        male=True,
        hire_date=dt.date(2025, 3, 1),
        unit="宜昌快递物流有限公司",
        employment=EmploymentType.FLEXIBLE,
    )
