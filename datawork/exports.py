"""Excel exports: the roster (花名册) of a union's subtree and the union summary table (Changxing seed, annex 1).

Workbooks are written in openpyxl's write-only mode to a temporary file, a chunk of rows at a time, so memory stays
flat whatever the size; the file is then streamed to the browser. ID numbers and phones are in clear only for staff
with the `members.reveal_person` permission whose request passed a second factor (TOTP); every export writes an audit row (who, what, how many rows, whether
in clear), never the data itself.
"""

import tempfile

from django.db.models import Q

from datawork import roster
from members import selectors
from members.models import Membership, MembershipStatus, Union, UnionLevel, User
from unionhub.audit import audit_record
from unionhub.lib.errors import NotInScope

CHUNK = 2000
STATUS_LABELS = {value: str(label) for value, label in MembershipStatus.choices}


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


def _check_scope(actor: User, union: Union) -> None:
    if not selectors.union_in_scope(actor, union):
        raise NotInScope()


def roster_memberships(union: Union):
    """Open memberships (active and retained) of the union and everything below it, in tree order."""
    return Membership.objects.filter(
        union__path__startswith=union.path, status__in=[MembershipStatus.ACTIVE, MembershipStatus.RETAINED]
    ).order_by("union__path", "member_no")


def roster_export(
    *, actor: User, union: Union, second_factor: bool = False
) -> tuple[tempfile._TemporaryFileWrapper, int]:
    """The roster as an xlsx in a temporary file (at position 0) and the number of members in it. Numbers are in
    clear only for an actor with `members.reveal_person` whose request passed a second factor."""
    _check_scope(actor, union)
    clear = second_factor and actor.has_perm("members.reveal_person")
    workbook = _workbook()
    sheet = workbook.create_sheet("会员花名册")
    for index, width in enumerate([7, 10, 6, 22, 8, 10, 14, 10, 28, 12, 14, 12, 12, 14, 10]):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.append(["会员花名册"])
    sheet.append(["工会名称：", union.name])
    sheet.append(["联系人：", union.leader_name])
    sheet.append(["联系电话：", union.phone])
    sheet.append(roster.TEMPLATE_HEADERS + roster.EXPORT_EXTRA_HEADERS)
    id_field, phone_field = (
        ("person__id_number", "person__phone")
        if clear
        else ("person__id_number_masked", "person__phone_masked")
    )
    fields = [
        "person__name",
        "person__gender",
        id_field,
        "person__nationality",
        "person__education",
        phone_field,
        "person__household_type",
        "person__unit_name",
        "person__employment_type",
        "person__union_position",
        "person__hire_date",
        "joined_on",
        "dues_mode",
        "status",
    ]
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
    ) in roster_memberships(union).values_list(*fields).iterator(chunk_size=CHUNK):
        count += 1
        sheet.append(
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
    out = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by the response that streams it
    workbook.save(out)
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


def summary_export(*, actor: User, union: Union) -> tuple[tempfile._TemporaryFileWrapper, int]:
    """长兴县基层工会组织信息采集汇总表: member counts exclude retained members."""
    _check_scope(actor, union)
    workbook = _workbook()
    sheet = workbook.create_sheet("基层工会组织信息汇总表")
    for index, width in enumerate([6, 28, 22, 12, 28, 10, 30, 12, 10, 10, 12, 16, 10]):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.append(["基层工会组织信息采集汇总表"])
    sheet.append(["填报工会：", union.name])
    sheet.append(roster.SUMMARY_HEADERS)
    count = 0
    for item in summary_unions(union).iterator(chunk_size=CHUNK):
        count += 1
        employer = item.employer
        sheet.append(
            _text_row(
                sheet,
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
                ],
            )
        )
    out = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by the response that streams it
    workbook.save(out)
    out.seek(0)
    audit_record(actor=actor, action="export_union_summary", obj=union, rows=count, format="xlsx")
    return out, count


def exportable_unions(user: User):
    return Union.objects.filter(Q(pk__in=selectors.union_scope(user).values("pk")))
