import io

import pytest
from pypdf import PdfReader

from applications import documents, services
from tests.applications.conftest import submit

pytestmark = pytest.mark.django_db


def _text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_application_form_and_registration_form_carry_the_applicant(city, applicant):
    app = submit(applicant, union=city.branch)
    text = _text(documents.application_form_pdf(app))
    assert "中华全国总工会入会申请书" in text and "刘小红" in text
    assert "我自愿加入中华全国总工会" in text
    with pytest.raises(LookupError):
        documents.document_pdf(app, documents.REGISTRATION_FORM)
    app = services.join_application_approve(
        application_id=app.pk, actor=city.branch_staff, dues_mode="payroll"
    )
    content, filename = documents.document_pdf(app, documents.REGISTRATION_FORM)
    text = _text(content)
    assert "工会会员登记表" in text and "刘小红" in text and app.membership.member_no in text
    assert "工资代扣" in text and "甲厂一分工会" in text
    assert applicant.person.id_number not in text
    assert filename.endswith(".pdf")
