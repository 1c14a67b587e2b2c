"""Printable transfer letters 《工会会员组织关系介绍信》 and 《工会会员组织关系管理卡》, and the 《工会组建通知书》."""

from django.utils import timezone

from transfers.models import TransferApplication
from unionhub.lib import clock, pdf

INTRODUCTION_LETTER = "introduction-letter"
MANAGEMENT_CARD = "management-card"
TITLES = {INTRODUCTION_LETTER: "工会会员组织关系介绍信", MANAGEMENT_CARD: "工会会员组织关系管理卡"}


def _day(value) -> str:
    return f"{value:%Y年%m月%d日}" if value else ""


def introduction_letter_pdf(app: TransferApplication) -> bytes:
    person, membership = app.applicant, app.membership
    target = app.union.name if app.union else "（待校核）"
    issued = timezone.localtime(app.decided_at).date() if app.decided_at else clock.today()
    return pdf.render(
        title=TITLES[INTRODUCTION_LETTER],
        paragraphs=[
            f"{target}：",
            (
                f"兹介绍{person.name}同志（{person.get_gender_display()}，会员编号{membership.member_no}，"
                f"{_day(membership.joined_on)}入会）转接工会会员组织关系，请予接洽。"
                f"该会员会费已按规定缴纳，缴费记录随会籍转接。"
            ),
            f"转会原因：{app.transfer_reason or '工作单位变动'}。",
        ]
        + (
            [f"借调期满日期：{_day(app.secondment_until)}，期满后会员关系转回{app.from_union.name}。"]
            if app.secondment_until
            else []
        ),
        closing=[app.from_union.name, _day(issued), "（有效期三十天）"],
    )


def management_card_pdf(app: TransferApplication) -> bytes:
    person, membership = app.applicant, app.membership
    rows = [
        ("姓名", person.name),
        ("性别", person.get_gender_display()),
        ("出生日期", person.birth_date.isoformat() if person.birth_date else ""),
        ("身份证号码", person.id_number_masked),
        ("会员编号", membership.member_no),
        ("入会日期", membership.joined_on.isoformat()),
        ("会籍状态", membership.get_status_display()),
        ("缴费方式", membership.get_dues_mode_display()),
        ("会费起算月", f"{membership.dues_start:%Y-%m}"),
        ("转出工会", app.from_union.name),
        ("转入工会", app.union.name if app.union else ""),
        ("现工作单位", app.employer_name or app.unit_name),
        ("转会原因", app.transfer_reason),
        ("借调期满", app.secondment_until.isoformat() if app.secondment_until else "—"),
        ("办理状态", app.get_state_display()),
        ("办理日期", _day(timezone.localtime(app.decided_at)) if app.decided_at else ""),
    ]
    return pdf.render(title=TITLES[MANAGEMENT_CARD], rows=rows)


def document_pdf(app: TransferApplication, kind: str) -> tuple[bytes, str]:
    if kind == INTRODUCTION_LETTER:
        return introduction_letter_pdf(app), f"{TITLES[kind]}-{app.pk}.pdf"
    if kind == MANAGEMENT_CARD:
        return management_card_pdf(app), f"{TITLES[kind]}-{app.pk}.pdf"
    raise LookupError(kind)
