import pytest
from django.urls import reverse

from datawork import exports, roster
from datawork.models import ImportJob
from members import services
from members.models import EmployerUnit, Membership, MembershipEvent, Person
from tests.datawork.conftest import admin_export, roster_row, run_import, sheet_rows, xlsx_bytes
from tests.members import factories as f
from unionhub.lib.errors import NotInScope
from unionhub.models import AuditEntry

pytestmark = pytest.mark.django_db

HEADER_ROW = 4  # title, union name, contact, phone, then the headers


def _export(actor, union, *, second_factor=True) -> list[list]:
    out, _count = exports.roster_export(actor=actor, union=union, second_factor=second_factor)
    with out:
        return sheet_rows(out.read())


def _body(rows: list[list]) -> list[list]:
    return rows[HEADER_ROW + 1 :]


def test_roster_has_the_seed_columns_and_the_subtree_members(city, members_of):
    members_of(city.grassroots, 2)
    members_of(city.branch, 1)
    rows = _export(city.city_admin, city.grassroots)
    assert rows[1][:2] == ["工会名称：", "甲厂工会"]
    assert rows[HEADER_ROW][:11] == roster.ROSTER_HEADERS
    assert [r[0] for r in _body(rows)] == ["1", "2", "3"]


def test_roster_export_then_import_into_an_empty_union_gives_the_same_roster(city, today):
    today("2025-04-15")
    source_rows = [
        roster_row(n, 担任工会职务="工会主席" if n == 1 else "", 学历="大学专科", 户籍类型="农村")
        for n in range(1, 8)
    ]
    source_rows[3].update(
        {"性别": "女", "身份证号码": roster_row(4, male=False)["身份证号码"], "手机号码": ""}
    )
    assert run_import(city.branch, city.branch_staff, xlsx_bytes(source_rows)).status == ImportJob.Status.DONE
    out, _count = exports.roster_export(actor=city.city_admin, union=city.branch, second_factor=True)
    exported = out.read()
    first = sheet_rows(exported)
    assert (
        first[HEADER_ROW + 1][3] == source_rows[0]["身份证号码"]
    )  # clear for a staff user allowed to see it
    # the people leave the system; the exported file itself brings them back unchanged
    MembershipEvent.objects.all().delete()
    Membership.objects.all().delete()
    Person.objects.all().delete()
    job = run_import(city.branch2, city.grassroots_staff, exported)
    assert job.status == ImportJob.Status.DONE, job.report
    second = _export(city.city_admin, city.branch2)
    assert _body(second) == _body(first)


def test_roster_of_a_union_never_holds_a_sibling_unions_members(city, members_of):
    mine = members_of(city.grassroots, 2)
    theirs = members_of(city.sibling, 2)
    rows = _export(city.grassroots_staff, city.grassroots)
    names = {r[1] for r in _body(rows)}
    assert names == {m.person.name for m in mine}
    text = str(rows)
    for m in theirs:
        assert m.person.id_number_masked not in text
    with pytest.raises(NotInScope):
        exports.roster_export(actor=city.grassroots_staff, union=city.sibling)
    with pytest.raises(NotInScope):
        exports.summary_export(actor=city.grassroots_staff, union=city.county_a)


def test_roster_is_masked_without_the_reveal_permission_and_every_export_is_logged(city, members_of):
    [membership] = members_of(city.grassroots, 1)
    person = membership.person
    body = _body(_export(city.grassroots_staff, city.grassroots))
    assert body[0][3] == person.id_number_masked and body[0][6] == person.phone_masked
    assert person.id_number not in str(body)
    clear = _body(_export(city.city_admin, city.grassroots))
    assert clear[0][3] == person.id_number and clear[0][6] == person.phone
    entries = list(AuditEntry.objects.filter(action="export_roster").order_by("pk"))
    assert [(e.actor, e.detail["clear"], e.detail["rows"]) for e in entries] == [
        (city.grassroots_staff, False, 1),
        (city.city_admin, True, 1),
    ]
    assert all(person.id_number not in str(e.detail) and person.phone not in str(e.detail) for e in entries)
    assert entries[0].object_id == str(city.grassroots.pk)


def test_union_summary_counts_members_without_retained_ones(city, members_of):
    unit = EmployerUnit.objects.create(
        name="甲厂", credit_code="91420500MA4899000P", nature="私营经济", address="甲路1号", worker_count=300
    )
    city.grassroots.employer = unit
    city.grassroots.leader_name, city.grassroots.phone = "赵主席", "0717-1234567"
    city.grassroots.save()
    members_of(city.grassroots, 2)
    retained = members_of(city.branch, 2)
    members_of(city.sibling, 1)
    members_of(city.other, 3)
    services.membership_retain(membership_id=retained[0].pk, actor=None, reason="retired")
    out, count = exports.summary_export(actor=city.county_a_admin, union=city.county_a)
    rows = sheet_rows(out.read())
    assert rows[2] == roster.SUMMARY_HEADERS
    body = {r[6]: r for r in rows[3:]}
    assert set(body) == {"甲区职工服务中心工会", "甲厂工会", "乙厂工会"} and count == 3
    row = body["甲厂工会"]
    assert row[1:6] == ["甲厂", "91420500MA4899000P", "私营经济", "甲路1号", 300]
    assert row[9] == 3  # 2 own + 1 active in the branch; the retained member is not counted
    assert row[10:12] == ["赵主席", "0717-1234567"]
    assert body["乙厂工会"][9] == 1
    assert AuditEntry.objects.filter(action="export_union_summary", actor=city.county_a_admin).count() == 1


def test_admin_export_links_download_xlsx_in_scope_only(client, city, members_of):
    members_of(city.grassroots, 1)
    client.force_login(city.grassroots_staff)
    url = reverse("admin:datawork_unionreview_export", args=[city.grassroots.pk, "roster"])
    assert len(sheet_rows(admin_export(client, url))) == HEADER_ROW + 2
    assert (
        client.get(reverse("admin:datawork_unionreview_export", args=[city.sibling.pk, "roster"])).status_code
        == 404
    )
    summary = admin_export(
        client, reverse("admin:datawork_unionreview_export", args=[city.grassroots.pk, "summary"])
    )
    assert sheet_rows(summary)[2] == roster.SUMMARY_HEADERS
    f.member(city.sibling)
    listing = client.get(reverse("admin:datawork_unionreview_changelist")).content.decode()
    assert "甲厂一分工会" in listing and "乙厂工会" not in listing
