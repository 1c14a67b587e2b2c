"""Payroll deduction files (工资代扣): xlsx (openpyxl, read-only) or csv with ID number, year, month, amount.

Rows are checked together (one lookup of people by keyed hash, one of months already credited) and inserted in
one set-based statement that ignores conflicts: the unique (membership, month) constraint is what makes a
re-import change nothing. The report never holds a clear ID number."""

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.db import transaction

from dues.models import PaidMonth
from members import selectors as member_selectors
from members.models import DuesMode, Membership, MembershipStatus, Person, User
from unionhub.lib import idnumber, months
from unionhub.lib.crypto import keyed_hash
from unionhub.lib.money import to_money

MAX_ROWS = 200_000


@dataclass
class RowResult:
    row: int
    id_masked: str
    month: str
    status: str  # credited / already / error
    message: str = ""


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def credited(self) -> int:
        return self.count("credited")

    @property
    def already(self) -> int:
        return self.count("already")

    @property
    def errors(self) -> int:
        return self.count("error")


def read_rows(name: str, content: bytes) -> list[list]:
    """The data rows of an uploaded file (a first row that is not data is taken as the header)."""
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            rows = [list(r) for r in workbook.active.iter_rows(values_only=True, max_row=MAX_ROWS + 1)]
        finally:
            workbook.close()
    else:
        text = content.decode("utf-8-sig", errors="replace")
        rows = list(csv.reader(io.StringIO(text)))[: MAX_ROWS + 1]
    rows = [r for r in rows if any(c not in (None, "") for c in r)]
    if rows and not str(rows[0][1] if len(rows[0]) > 1 else "").strip().isdigit():
        rows = rows[1:]
    return rows


def payroll_import(*, actor: User, rows: list[list]) -> ImportReport:
    report = ImportReport()
    parsed = []  # (row number, id number, month, amount)
    for number, row in enumerate(rows, start=2):
        raw_id = str(row[0] if row else "").strip()
        masked = idnumber.mask(idnumber.normalize(raw_id)) if len(raw_id) == 18 else "（无效）"
        try:
            id_number = idnumber.validate(raw_id)
            year, month = int(str(row[1]).strip()), int(str(row[2]).strip())
            first = dt.date(year, month, 1)
            amount = to_money(str(row[3]).strip())
            if amount < 0:
                raise ValueError
        except Exception:  # any malformed cell: reported on its row, never fatal for the file
            report.rows.append(RowResult(number, masked, "", "error", "身份证号码、年、月或金额格式不正确"))
            continue
        parsed.append((number, id_number, first, amount))

    hashes = {keyed_hash(p[1]) for p in parsed}
    people = dict(Person.objects.filter(id_number_hash__in=hashes).values_list("id_number_hash", "pk"))
    memberships = {
        m.person_id: m
        for m in Membership.objects.filter(
            person_id__in=people.values(), status__in=[MembershipStatus.ACTIVE, MembershipStatus.RETAINED]
        ).filter(member_selectors.scope_filter(actor, "union"))
    }
    wanted = []
    for number, id_number, month, amount in parsed:
        masked, label = idnumber.mask(id_number), months.format_month(month)
        membership = memberships.get(people.get(keyed_hash(id_number)))
        if membership is None:
            report.rows.append(RowResult(number, masked, label, "error", "未找到本单位范围内的有效会籍"))
        elif membership.dues_mode != DuesMode.PAYROLL:
            report.rows.append(RowResult(number, masked, label, "error", "该会员不是工资代扣方式"))
        elif month < membership.dues_start:
            report.rows.append(RowResult(number, masked, label, "error", "早于会费起算月"))
        else:
            wanted.append((number, masked, label, membership, month, amount))

    existing = set(
        PaidMonth.objects.filter(
            membership__in={w[3].pk for w in wanted}, month__in={w[4] for w in wanted}
        ).values_list("membership_id", "month")
    )
    new, seen = [], set()
    for number, masked, label, membership, month, amount in wanted:
        key = (membership.pk, month)
        if key in existing or key in seen:
            report.rows.append(RowResult(number, masked, label, "already", "该月已入账"))
            continue
        seen.add(key)
        new.append(
            PaidMonth(membership=membership, month=month, amount=amount, source=PaidMonth.Source.PAYROLL)
        )
        report.rows.append(RowResult(number, masked, label, "credited"))
    with transaction.atomic():
        PaidMonth.objects.bulk_create(new, batch_size=5000, ignore_conflicts=True)
    report.rows.sort(key=lambda r: r.row)
    return report
