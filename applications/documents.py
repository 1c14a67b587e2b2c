"""Printable join forms: 《中华全国总工会入会申请书》 and 《工会会员登记表》 (PDF through unionhub.lib.pdf)."""

from django.utils import timezone

from applications.models import JoinApplication
from unionhub.lib import pdf

APPLICATION_FORM = "application-form"
REGISTRATION_FORM = "registration-form"
TITLES = {APPLICATION_FORM: "中华全国总工会入会申请书", REGISTRATION_FORM: "工会会员登记表"}


def _d(value) -> str:
    return value.isoformat() if value else ""


def application_form_pdf(app: JoinApplication) -> bytes:
    person = app.applicant
    rows = [
        ("姓名", person.name),
        ("性别", person.get_gender_display()),
        ("出生日期", _d(person.birth_date)),
        ("民族", person.ethnicity),
        ("学历", person.get_education_display()),
        ("政治面貌", person.get_political_status_display()),
        ("身份证号码", person.id_number_masked),
        ("工作单位", app.employer_name or app.unit_name),
        ("就业状况", app.get_employment_type_display()),
        ("入职日期", _d(app.hire_date)),
        ("申请加入的工会", app.union.name if app.union else "（待分派）"),
    ]
    return pdf.render(
        title=TITLES[APPLICATION_FORM],
        rows=rows,
        paragraphs=[app.statement],
        closing=[f"申请人：{person.name}", f"申请日期：{timezone.localtime(app.created_at):%Y年%m月%d日}"],
    )


def registration_form_pdf(app: JoinApplication) -> bytes:
    person = app.applicant
    membership = app.membership
    rows = [
        ("姓名", person.name),
        ("性别", person.get_gender_display()),
        ("出生日期", _d(person.birth_date)),
        ("民族", person.ethnicity),
        ("国籍", person.nationality),
        ("学历", person.get_education_display()),
        ("政治面貌", person.get_political_status_display()),
        ("户籍类型", person.get_household_type_display()),
        ("身份证号码", person.id_number_masked),
        ("手机号码", person.phone_masked),
        ("工作单位", app.employer_name or app.unit_name),
        ("就业状况", app.get_employment_type_display()),
        ("入职日期", _d(app.hire_date)),
        ("所属工会", membership.union.name if membership else ""),
        ("会员编号", membership.member_no if membership else ""),
        ("入会日期", _d(membership.joined_on) if membership else ""),
        ("缴费方式", membership.get_dues_mode_display() if membership else ""),
        ("会费起算月", f"{membership.dues_start:%Y-%m}" if membership else ""),
        ("申领会员卡", "是" if app.wants_card else "否"),
    ]
    closing = []
    if app.decided_at:
        closing = [
            f"审批工会：{app.union.name}",
            f"批准日期：{timezone.localtime(app.decided_at):%Y年%m月%d日}",
        ]
    return pdf.render(title=TITLES[REGISTRATION_FORM], rows=rows, closing=closing)


def document_pdf(app: JoinApplication, kind: str) -> tuple[bytes, str]:
    """(content, filename) of one printable form; the registration form exists once the application is approved."""
    if kind == APPLICATION_FORM:
        return application_form_pdf(app), f"{TITLES[kind]}-{app.pk}.pdf"
    if kind == REGISTRATION_FORM and app.membership_id:
        return registration_form_pdf(app), f"{TITLES[kind]}-{app.pk}.pdf"
    raise LookupError(kind)
