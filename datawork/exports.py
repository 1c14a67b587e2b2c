"""Excel exports: the roster (花名册) of a union's subtree and the union summary table (Changxing seed, annex 1).

Workbooks are written in openpyxl's write-only mode, a chunk of rows at a time read by key (no server-side cursor), so
memory stays flat whatever the size, and split into sheets of at most UNIONHUB_EXPORT_SHEET_ROWS rows; the admin
runs them as jobs in the heavy queue (datawork.export_jobs). ID numbers and phones are in clear only for staff
with the `members.reveal_person` permission whose request passed a second factor (TOTP); every export writes an audit row (who, what, how many rows, whether
in clear), never the data itself.
"""

import csv
import io
import tempfile
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db.models import Exists, OuterRef, Q

from datawork import roster
from members import selectors
from members.models import Membership, MembershipStatus, Union, UnionLevel, User
from unionhub.audit import audit_record
from unionhub.dbrouters import replica_alias
from unionhub.lib.chunks import key_chunks
from unionhub.lib.errors import NotInScope

CHUNK = 2000
OPEN = [MembershipStatus.ACTIVE, MembershipStatus.RETAINED]
STATUS_LABELS = {value: str(label) for value, label in MembershipStatus.choices}
ROSTER_WIDTHS = [7, 10, 6, 22, 8, 10, 14, 10, 28, 12, 14, 12, 12, 14, 10]
SUMMARY_WIDTHS = [6, 28, 22, 12, 28, 10, 30, 12, 10, 10, 12, 16, 10]


def _workbook():
    from openpyxl import Workbook

    return Workbook(write_only=True)


def _text_row(sheet, values: list) -> list:
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.number_format = "@"
        cells.append(cell)
    return cells


class TableWriter:
    """Rows into an xlsx (write-only, constant memory) that starts a new sheet every `sheet_rows` data rows (the
    column headers repeated; the preamble only on the first), or into a csv (UTF-8 with BOM, for Excel)."""

    def __init__(
        self,
        *,
        fmt: str,
        title: str,
        preamble: list[list],
        headers: list,
        widths: list[int],
        text_cells: bool = False,
        sheet_rows: int | None = None,
    ):
        self.fmt, self.title, self.headers, self.widths = fmt, title, headers, widths
        self.text_cells = text_cells
        self.sheet_rows = sheet_rows or settings.UNIONHUB_EXPORT_SHEET_ROWS
        self.sheets = 0
        self.in_sheet = 0
        if fmt == "csv":
            self.buffer = tempfile.TemporaryFile()  # noqa: SIM115 - closed in save()
            self.text = io.TextIOWrapper(self.buffer, encoding="utf-8-sig", newline="")
            self.csv = csv.writer(self.text)
            self.csv.writerow(headers)
            self.sheets = 1
        else:
            self.workbook = _workbook()
            self._new_sheet(preamble)

    def _new_sheet(self, preamble: list[list] = ()) -> None:
        self.sheets += 1
        name = self.title if self.sheets == 1 else f"{self.title}（{self.sheets}）"
        self.sheet = self.workbook.create_sheet(name[:31])
        for index, width in enumerate(self.widths):
            self.sheet.column_dimensions[chr(ord("A") + index)].width = width
        for row in preamble:
            self.sheet.append(row)
        self.sheet.append(self.headers)
        self.in_sheet = 0

    def append(self, values: list) -> None:
        if self.fmt == "csv":
            self.csv.writerow(["" if v is None else v for v in values])
            return
        if self.in_sheet >= self.sheet_rows:
            self._new_sheet()
        self.sheet.append(_text_row(self.sheet, values) if self.text_cells else values)
        self.in_sheet += 1

    def save(self, out) -> None:
        if self.fmt == "csv":
            self.text.flush()
            self.buffer.seek(0)
            while chunk := self.buffer.read(1 << 20):
                out.write(chunk)
            self.text.close()
        else:
            self.workbook.save(out)


def _check_scope(actor: User, union: Union) -> None:
    if not selectors.union_in_scope(actor, union):
        raise NotInScope()


def roster_memberships(union: Union):
    """Open memberships (active and retained) of the union and everything below it, in tree order."""
    return Membership.objects.filter(union__path__startswith=union.path, status__in=OPEN).order_by(
        "union__path", "member_no"
    )


ROSTER_FIELDS = [
    "person__name",
    "person__gender",
    None,  # the ID number, clear or masked
    "person__nationality",
    "person__education",
    None,  # the phone, clear or masked
    "person__household_type",
    "person__unit_name",
    "person__employment_type",
    "person__union_position",
    "person__hire_date",
    "joined_on",
    "dues_mode",
    "status",
]


def roster_rows(union: Union, *, clear: bool, using: str = "default") -> Iterator[tuple]:
    """The roster's rows in tree order (union path, then member number), read a union at a time in chunks of
    CHUNK by member number: bounded memory and no server-side cursor (safe behind PgBouncer)."""
    fields = list(ROSTER_FIELDS)
    fields[2], fields[5] = (
        ("person__id_number", "person__phone")
        if clear
        else ("person__id_number_masked", "person__phone_masked")
    )
    open_members = Membership.objects.filter(union=OuterRef("pk"), status__in=OPEN)
    union_ids = list(
        Union.objects.using(using)
        .filter(path__startswith=union.path)
        .filter(Exists(open_members))
        .order_by("path")
        .values_list("pk", flat=True)
    )
    for union_id in union_ids:
        # the chunk's keys from the membership table alone, then its rows with the people joined
        keys = (
            Membership.objects.using(using)
            .filter(union_id=union_id, status__in=OPEN)
            .values_list("member_no")
        )
        for chunk in key_chunks(keys, key="member_no", size=CHUNK):
            numbers = [number for (number,) in chunk]
            rows = (
                Membership.objects.using(using)
                .filter(member_no__in=numbers)
                .order_by("member_no")
                .values_list(*fields)
            )
            yield from rows


def roster_write(
    out,
    *,
    union: Union,
    clear: bool,
    fmt: str = "xlsx",
    sheet_rows: int | None = None,
    progress: Callable[[int], None] | None = None,
    using: str = "default",
) -> tuple[int, int]:
    """Write the roster to the binary file `out`; returns (rows, sheets). progress(rows so far) every CHUNK."""
    writer = TableWriter(
        fmt=fmt,
        title="会员花名册",
        preamble=[
            ["会员花名册"],
            ["工会名称：", union.name],
            ["联系人：", union.leader_name],
            ["联系电话：", union.phone],
        ],
        headers=roster.TEMPLATE_HEADERS + roster.EXPORT_EXTRA_HEADERS,
        widths=ROSTER_WIDTHS,
        sheet_rows=sheet_rows,
    )
    count = 0
    for (
        name,
        gender,
        id_number,
        nationality,
        education,
        phone,
        household,
        unit,
        employment,
        position,
        hire_date,
        joined_on,
        dues_mode,
        status,
    ) in roster_rows(union, clear=clear, using=using):
        count += 1
        writer.append(
            [
                str(count),
                name,
                roster.GENDER_LABELS.get(gender, ""),
                id_number,
                nationality,
                roster.EDUCATION_LABELS.get(education, ""),
                phone or "",
                roster.HOUSEHOLD_LABELS.get(household, ""),
                unit,
                roster.EMPLOYMENT_LABELS.get(employment, ""),
                position,
                roster.format_date(hire_date),
                roster.format_date(joined_on),
                roster.DUES_MODE_LABELS.get(dues_mode, ""),
                STATUS_LABELS[status],
            ]
        )
        if progress and count % CHUNK == 0:
            progress(count)
    writer.save(out)
    return count, writer.sheets


def roster_clear(actor: User, second_factor: bool) -> bool:
    """ID numbers and phones in clear: `members.reveal_person` and a second factor passed in this session."""
    return bool(second_factor and actor.has_perm("members.reveal_person"))


def roster_export(
    *, actor: User, union: Union, second_factor: bool = False
) -> tuple[tempfile._TemporaryFileWrapper, int]:
    """The roster as an xlsx in a temporary file (at position 0) and the number of members in it. Numbers are in
    clear only for an actor with `members.reveal_person` whose request passed a second factor."""
    _check_scope(actor, union)
    clear = roster_clear(actor, second_factor)
    out = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by the caller
    count, _sheets = roster_write(out, union=union, clear=clear, using=replica_alias())
    out.seek(0)
    audit_record(actor=actor, action="export_roster", obj=union, rows=count, clear=clear, format="xlsx")
    return out, count


def summary_unions(union: Union):
    """The grassroots unions of the subtree (or the union itself when it is a grassroots or branch union)."""
    if union.level in (UnionLevel.GRASSROOTS, UnionLevel.BRANCH):
        rows = Union.objects.filter(pk=union.pk)
    else:
        rows = Union.objects.filter(path__startswith=union.path, level=UnionLevel.GRASSROOTS)
    return (
        rows.select_related("employer")
        .annotate(active_members=selectors.subtree_member_count_subquery())
        .order_by("path")
    )


def summary_write(
    out,
    *,
    union: Union,
    fmt: str = "xlsx",
    sheet_rows: int | None = None,
    progress: Callable[[int], None] | None = None,
    using: str = "default",
) -> tuple[int, int]:
    """长兴县基层工会组织信息采集汇总表 to the binary file `out`; member counts exclude retained members."""
    writer = TableWriter(
        fmt=fmt,
        title="基层工会组织信息汇总表",
        preamble=[["基层工会组织信息采集汇总表"], ["填报工会：", union.name]],
        headers=roster.SUMMARY_HEADERS,
        widths=SUMMARY_WIDTHS,
        text_cells=True,
        sheet_rows=sheet_rows,
    )
    count = 0
    for chunk in key_chunks(summary_unions(union).using(using), key="path", size=CHUNK):
        for item in chunk:
            count += 1
            employer = item.employer
            writer.append(
                [
                    str(count),
                    employer.name if employer else "",
                    (employer.credit_code or "") if employer else "",
                    employer.nature if employer else "",
                    employer.address if employer else "",
                    employer.worker_count if employer and employer.worker_count is not None else "",
                    item.name,
                    roster.format_date(item.founded_on),
                    item.get_union_type_display(),
                    item.active_members,
                    item.leader_name,
                    item.phone,
                    "职工服务中心工会" if item.is_reservoir else "",
                ]
            )
        if progress:
            progress(count)
    writer.save(out)
    return count, writer.sheets


def summary_export(*, actor: User, union: Union) -> tuple[tempfile._TemporaryFileWrapper, int]:
    """The union summary table as an xlsx in a temporary file (at position 0) and its number of unions."""
    _check_scope(actor, union)
    out = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by the caller
    count, _sheets = summary_write(out, union=union, using=replica_alias())
    out.seek(0)
    audit_record(actor=actor, action="export_union_summary", obj=union, rows=count, format="xlsx")
    return out, count


def exportable_unions(user: User):
    return Union.objects.filter(Q(pk__in=selectors.union_scope(user).values("pk")))
