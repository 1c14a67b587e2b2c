"""Generated city, part 1: unions, employers, people with valid ID numbers, memberships in every state."""

import datetime as dt
import random
from concurrent.futures import ProcessPoolExecutor

from django.utils import timezone

from bench.copy import copy_rows, next_id, reset_sequence
from members.models import Union, UnionLevel
from unionhub.lib import crypto, idnumber, phone

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉玲建国宇浩凯雪梅琳晨欣怡佳鑫博文斌宁"
EDU = ["postgraduate", "bachelor", "college", "secondary", "junior"]
EMP = ["staff", "staff", "staff", "dispatched", "flexible", "migrant"]
PREFIXES = ["420502", "420503", "420504", "420505", "420506", "420581", "420582", "420583"]
BASE_DAY = dt.date(1966, 1, 1)


def person_values(i: int):
    """Deterministic person i: a unique, valid ID number and mobile number."""
    day = BASE_DAY + dt.timedelta(days=(i // 400) % 13500)
    seq = (i % 400) * 2 + (i % 2)  # unique per i % 400; parity gives the gender
    prefix = PREFIXES[(i // (400 * 13500)) % len(PREFIXES)]
    number = idnumber.make(prefix, day, seq % 1000)
    mobile = f"1{(3, 7, 8, 9)[i % 4]}{i:09d}"  # never 15x: the import benchmark's file uses those
    return number, mobile, day


def _encrypt_chunk(args):
    start, stop = args  # runs in a forked worker: settings are already loaded
    out = []
    for i in range(start, stop):
        number, mobile, born = person_values(i)
        out.append(
            (
                i,
                crypto.encrypt(number),
                crypto.keyed_hash(number),
                idnumber.mask(number),
                crypto.encrypt(mobile),
                crypto.keyed_hash(mobile),
                phone.mask(mobile),
                born,
                idnumber.gender(number),
            )
        )
    return out


def build_unions(rng: random.Random, members: int) -> list[Union]:
    """City → 12 counties (each with a reservoir) → grassroots unions (about 400 members each) → branches."""
    city = Union(name="基准市总工会", code="B", level=UnionLevel.CITY)
    city.save()
    counties = []
    for c in range(12):
        county = Union(name=f"基准第{c + 1}区总工会", code=f"B{c}", level=UnionLevel.COUNTY, parent=city)
        county.save()
        Union(
            name=f"基准第{c + 1}区职工服务中心工会",
            code=f"B{c}R",
            level=UnionLevel.GRASSROOTS,
            parent=county,
            is_reservoir=True,
            accepts_members=True,
        ).save()
        counties.append(county)
    grassroots_count = max(12, members // 400)
    now = timezone.now()
    start = next_id("members_union")
    rows, leaves = [], []
    for g in range(grassroots_count):
        county = counties[g % len(counties)]
        pk = start + g
        rows.append(
            (
                pk,
                f"基准单位{g}工会",
                f"B{g % 12}-{g}",
                "grassroots",
                county.pk,
                f"{county.path}{pk}/",
                2,
                True,
                False,
                "single",
                "",
                "",
                "",
                None,
                "",
                "",
                None,
                None,
                now,
            )
        )
        leaves.append(pk)
    copy_rows(
        "members_union",
        [
            "id",
            "name",
            "code",
            "level",
            "parent_id",
            "path",
            "depth",
            "accepts_members",
            "is_reservoir",
            "union_type",
            "phone",
            "region",
            "address",
            "founded_on",
            "term",
            "leader_name",
            "employer_id",
            "reviewed_at",
            "created_at",
        ],
        rows,
    )
    reset_sequence("members_union")
    return list(Union.objects.filter(level=UnionLevel.GRASSROOTS, is_reservoir=False).order_by("pk"))


def copy_people(first: int, count: int, unit_count: int, workers: int = 2) -> int:
    """COPY people first..first+count-1 (encrypted in worker processes). Returns the first person id."""
    chunk = 25000
    person_start = next_id("members_person")
    now = timezone.now()
    ranges = [(s, min(s + chunk, first + count)) for s in range(first, first + count, chunk)]

    def people_rows():
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for part in pool.map(_encrypt_chunk, ranges):
                for i, id_enc, id_hash, id_mask, ph_enc, ph_hash, ph_mask, born, gender in part:
                    name = (
                        SURNAMES[i % len(SURNAMES)]
                        + GIVEN[(i // 7) % len(GIVEN)]
                        + (GIVEN[(i // 311) % len(GIVEN)] if i % 3 else "")
                    )
                    hire = dt.date(2005 + i % 20, 1 + i % 12, 1)
                    yield (
                        person_start + i - first,
                        name,
                        gender,
                        born,
                        id_enc,
                        id_hash,
                        id_mask,
                        ph_enc,
                        ph_hash,
                        ph_mask,
                        "",
                        "中国",
                        "汉族",
                        EDU[i % 5],
                        "masses",
                        "urban" if i % 3 else "rural",
                        f"基准单位{i % unit_count}",
                        hire,
                        EMP[i % len(EMP)],
                        "",
                        False,
                        now,
                        now,
                    )

    copy_rows(
        "members_person",
        [
            "id",
            "name",
            "gender",
            "birth_date",
            "id_number",
            "id_number_hash",
            "id_number_masked",
            "phone",
            "phone_hash",
            "phone_masked",
            "address",
            "nationality",
            "ethnicity",
            "education",
            "political_status",
            "household_type",
            "unit_name",
            "hire_date",
            "employment_type",
            "union_position",
            "wants_card",
            "created_at",
            "updated_at",
        ],
        people_rows(),
    )
    reset_sequence("members_person")
    return person_start


def build_people_and_memberships(rng: random.Random, members: int, unions: list[Union], workers: int = 2):
    """COPY people and their memberships. Returns the first person id and the first membership id."""
    person_start = copy_people(0, members, len(unions), workers)
    now = timezone.now()

    membership_start = next_id("members_membership")

    def membership_rows():
        for i in range(members):
            r = (i * 2654435761) % 1000
            status = (
                "active" if r < 900 else "retained" if r < 950 else "withdrawn" if r < 990 else "expelled"
            )
            mode = "self_pay" if r % 10 < 6 else "payroll" if r % 10 < 9 else "unit_paid"
            joined = dt.date(2012 + i % 13, 1 + (i // 13) % 12, 1 + i % 28)
            start = dt.date(joined.year, 1, 1) if i % 2 else joined.replace(day=1)
            yield (
                membership_start + i,
                person_start + i,
                unions[i % len(unions)].pk,
                status,
                mode,
                f"B{i:010d}",
                joined,
                start,
                "",
                None,
                False,
                False,
                now,
            )

    copy_rows(
        "members_membership",
        [
            "id",
            "person_id",
            "union_id",
            "status",
            "dues_mode",
            "member_no",
            "joined_on",
            "dues_start",
            "status_reason",
            "status_changed_on",
            "auto_withdrawn",
            "card_active",
            "created_at",
        ],
        membership_rows(),
    )
    reset_sequence("members_membership")
    return person_start, membership_start
