import io

import pytest
from PIL import Image

from formation import services
from formation.models import Founding, UnionFormationCase
from members.models import Membership
from tests.e2e.conftest import admin_login, screenshot
from tests.transfers.conftest import reservoir_members

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COMMITTEE_LISTS = {
    "#id_union_list": "王主席,男,主席\n李委员,女,委员",
    "#id_audit_list": "赵审查,男,主任",
    "#id_women_list": "钱女工,女,主任",
}


def _step(admin, name):
    admin.click(f"a[data-step={name}]")


def _submit(admin):
    admin.click("input[type=submit]")
    admin.wait_for_selector(".messagelist")
    assert admin.locator(".messagelist .error").count() == 0, admin.locator(".messagelist").inner_text()


def test_county_founds_a_union_from_a_formation_case_and_moves_the_reservoir_members(
    live_server, desk_page, city, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    reservoir_members(city.reservoir_a, "某物流公司", 25)
    case = services.union_formation_check(reservoir=city.reservoir_a, employer_name="某物流公司")
    scan_path = tmp_path / "signed.png"
    buffer = io.BytesIO()
    Image.new("RGB", (60, 60), "white").save(buffer, "PNG")
    scan_path.write_bytes(buffer.getvalue())

    admin = desk_page
    admin_login(admin, live_server, city.county_a_admin.username, "Staff-pass-123")
    admin.goto(f"{live_server.url}/admin/formation/unionformationcase/{case.pk}/change/")
    _step(admin, "open_founding")
    admin.fill("#id_contact_name", "孙筹备")
    admin.fill("#id_contact_phone", "0717-1234567")
    admin.fill("#id_group_members", "孙筹备,组长\n周成员,成员")
    _submit(admin)
    founding = Founding.objects.get(formation_case=case)

    admin.goto(f"{live_server.url}/admin/formation/founding/?queue=mine")
    admin.click(f"a[href*='/{founding.pk}/change/'] >> nth=0")
    _step(admin, "apply")
    admin.fill("#id_member_count", "25")
    admin.check("#id_has_women_members")
    _submit(admin)
    _step(admin, "request_congress")
    admin.fill("#id_congress_on", "2026-03-20")
    admin.select_option("#id_election_form", "direct")
    for selector, text in COMMITTEE_LISTS.items():
        admin.fill(selector, text)
    _submit(admin)
    _step(admin, "report_election")
    for selector, text in COMMITTEE_LISTS.items():
        admin.fill(selector, text)
    _submit(admin)
    for kind in ("group_letter", "application", "congress_request", "election_report"):
        _step(admin, "upload_scan")
        admin.select_option("#id_kind", kind)
        admin.set_input_files("#id_scan", str(scan_path))
        _submit(admin)
    with admin.expect_download() as download:  # the printable 《关于第一次会员代表大会选举结果的报告》
        admin.evaluate(
            "url => { const a = document.createElement('a'); a.href = url; a.download = ''; "
            "document.body.appendChild(a); a.click(); }",
            f"/admin/formation/founding/{founding.pk}/document/election_report/",
        )
    assert download.value.suggested_filename.endswith(".pdf")
    _step(admin, "approve")
    _submit(admin)
    screenshot(admin, "founding-approved")
    founding = Founding.objects.get(pk=founding.pk)
    assert founding.state == "approved" and founding.union.name == "某物流公司工会委员会"

    admin.goto(f"{live_server.url}/admin/formation/unionformationcase/{case.pk}/change/")
    _step(admin, "transfer_members")
    _submit(admin)
    case = UnionFormationCase.objects.get(pk=case.pk)
    assert case.state == "transferred"
    assert Membership.objects.filter(union=founding.union).count() == 25
