import datetime as dt
import io
import threading

import pytest
from django.db import connection
from pypdf import PdfReader

from applications import services as join_services
from casework.models import TransitionRecord
from formation import documents, services
from formation.models import Dissolution, DocumentNumberSequence, UnionFormationCase
from members.models import CommitteeMember, Membership, MembershipEvent, Union
from notifications.models import OutboxMessage
from tests.applications.conftest import submit as submit_join
from tests.conftest import postgres_only
from tests.formation.conftest import COMMITTEES, found_until_elected, open_founding, scan
from tests.members import factories as f
from tests.transfers.conftest import reservoir_members
from unionhub.lib.errors import BusinessError, InvalidTransition, NotInScope

pytestmark = pytest.mark.django_db


# --- founding ----------------------------------------------------------------------------------------------


def test_founding_goes_through_the_four_steps_and_the_parent_approval_makes_the_union(city, today):
    today("2026-03-02")
    Union.objects.filter(pk=city.county_a.pk).update(doc_number_format="甲工发〔{year}〕{seq}号")
    founding = open_founding(city)
    assert founding.state == "group_formed" and founding.union_name == "某科技公司工会委员会"
    with pytest.raises(InvalidTransition):  # no skipping: the congress comes after the application
        services.founding_report_election(
            founding_id=founding.pk, actor=city.county_a_admin, elected=COMMITTEES
        )
    founding = found_until_elected(city.county_a_admin, founding)
    assert founding.state == "elected"
    founding = services.founding_approve(founding_id=founding.pk, actor=city.county_a_admin)
    union = founding.union
    assert founding.state == "approved" and founding.approval_no == "甲工发〔2026〕1号"
    assert (union.parent, union.level, union.accepts_members, union.employer.name) == (
        city.county_a,
        "grassroots",
        True,
        "某科技公司",
    )
    assert (union.approved_on, union.session_no, union.term_started_on, union.election_form) == (
        dt.date(2026, 3, 2),
        1,
        dt.date(2026, 3, 20),
        "direct",
    )
    committees = sorted(
        CommitteeMember.objects.filter(union=union).values_list("committee", "name", "session_no")
    )
    assert committees == [
        ("audit", "赵审查", 1),
        ("union", "李委员", 1),
        ("union", "王主席", 1),
        ("women", "钱女工", 1),
    ]
    steps = list(
        TransitionRecord.objects.filter(object_id=founding.pk, content_type__model="founding").values_list(
            "transition", flat=True
        )
    )
    assert steps[0] == "open" and steps[-1] == "approve" and steps.count("upload_scan") == 4


def test_founding_steps_by_role_and_scope(city):
    founding = open_founding(city)
    with pytest.raises(NotInScope):  # another county
        services.founding_apply(founding_id=founding.pk, actor=city.county_b_admin, member_count=30)
    with pytest.raises(NotInScope):  # a union below the parent does not act for it
        services.founding_apply(founding_id=founding.pk, actor=city.grassroots_staff, member_count=30)
    services.founding_apply(
        founding_id=founding.pk, actor=city.city_admin, member_count=30, has_women_members=True
    )
    with pytest.raises(BusinessError) as exc:  # women members: the women workers' committee is required
        services.founding_request_congress(
            founding_id=founding.pk,
            actor=city.county_a_admin,
            congress_on=dt.date(2026, 3, 20),
            election_form="direct",
            candidates={"union": COMMITTEES["union"], "audit": COMMITTEES["audit"]},
        )
    assert exc.value.code == "invalid_committees"


def test_approval_needs_all_four_signed_scans(city):
    founding = open_founding(city)
    services.founding_apply(founding_id=founding.pk, actor=city.county_a_admin, member_count=30)
    services.founding_request_congress(
        founding_id=founding.pk,
        actor=city.county_a_admin,
        congress_on=dt.date(2026, 3, 20),
        election_form="direct",
        candidates=COMMITTEES,
    )
    services.founding_report_election(founding_id=founding.pk, actor=city.county_a_admin, elected=COMMITTEES)
    services.founding_scan_upload(
        founding_id=founding.pk, actor=city.county_a_admin, kind="group_letter", scan=scan()
    )
    with pytest.raises(BusinessError) as exc:
        services.founding_approve(founding_id=founding.pk, actor=city.county_a_admin)
    assert exc.value.code == "scans_missing"
    assert not Union.objects.filter(name="某科技公司工会委员会").exists()


def test_scan_refused_before_its_step_and_when_not_an_image_or_pdf(city):
    founding = open_founding(city)
    with pytest.raises(InvalidTransition):
        services.founding_scan_upload(
            founding_id=founding.pk, actor=city.county_a_admin, kind="election_report", scan=scan()
        )
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(BusinessError):
        services.founding_scan_upload(
            founding_id=founding.pk,
            actor=city.county_a_admin,
            kind="group_letter",
            scan=SimpleUploadedFile("x.pdf", b"<html>not a scan</html>"),
        )


def test_founding_from_a_formation_case_ends_in_the_bulk_transfer(city, today):
    today("2026-03-02")
    reservoir_members(city.reservoir_a, "某物流公司", 25)
    case = services.union_formation_check(reservoir=city.reservoir_a, employer_name="某物流公司")
    services.union_formation_issue_notice(case_id=case.pk, actor=city.county_a_admin)
    founding = services.founding_open_from_case(
        case_id=case.pk, actor=city.county_a_admin, contact_name="孙筹备", contact_phone="0717-1234567"
    )
    with pytest.raises(InvalidTransition):  # one founding per case
        services.founding_open_from_case(
            case_id=case.pk, actor=city.county_a_admin, contact_name="x", contact_phone="1"
        )
    found_until_elected(city.county_a_admin, founding)
    founding = services.founding_approve(founding_id=founding.pk, actor=city.county_a_admin)
    case = UnionFormationCase.objects.get(pk=case.pk)
    assert (case.state, case.new_union) == ("established", founding.union)
    assert case.transfer_due_at == dt.date(2026, 3, 5)  # 3 working days
    today("2026-03-06")
    assert services.union_formation_transfer_remind(today=dt.date(2026, 3, 6)) == 1
    services.union_formation_transfer_remind(today=dt.date(2026, 3, 9))
    reminders = OutboxMessage.objects.filter(
        template="union_formation_transfer_overdue", recipient=city.county_a_admin
    )
    assert reminders.filter(channel="inbox").count() == 1  # once only
    case = services.union_formation_transfer_members(case_id=case.pk, actor=city.county_a_admin)
    assert case.state == "transferred" and case.transferred_count == 25
    assert Membership.objects.filter(union=founding.union).count() == 25
    assert services.union_formation_transfer_remind(today=dt.date(2026, 3, 10)) == 0


def test_the_four_founding_documents_carry_their_text(city):
    founding = found_until_elected(city.county_a_admin, open_founding(city))
    expected = {
        "group_letter": ["关于建立工会筹备组的函", "甲区总工会", "成立某科技公司工会筹备组", "孙筹备"],
        "application": ["关于建立工会组织的请示", "已发展会员30人", "妥否，请批示"],
        "congress_request": [
            "关于召开第一次会员代表大会的请示",
            "2026年03月20日",
            "王主席",
            "经费审查委员会",
            "女职工委员会",
        ],
        "election_report": ["关于第一次会员代表大会选举结果的报告", "赵审查", "钱女工", "特此报告"],
    }
    for kind, phrases in expected.items():
        content, _name = documents.founding_document_pdf(founding, kind)
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace("\n", "")
        for phrase in phrases:
            assert phrase in text, (kind, phrase)
    with pytest.raises(LookupError):
        documents.founding_document_pdf(open_founding(city, employer_name="另一家公司"), "election_report")


# --- document numbers --------------------------------------------------------------------------------------


def test_document_numbers_follow_the_union_format_per_year(city, today):
    Union.objects.filter(pk=city.county_a.pk).update(doc_number_format="甲工发〔{year}〕{seq:03d}号")
    city.county_a.refresh_from_db()
    assert (
        services.document_number_issue(union=city.county_a, on=dt.date(2026, 1, 5)) == "甲工发〔2026〕001号"
    )
    assert (
        services.document_number_issue(union=city.county_a, on=dt.date(2026, 6, 5)) == "甲工发〔2026〕002号"
    )
    assert (
        services.document_number_issue(union=city.county_a, on=dt.date(2027, 1, 4)) == "甲工发〔2027〕001号"
    )
    assert (
        services.document_number_issue(union=city.county_b, on=dt.date(2026, 1, 5)) == "乙区总工会〔2026〕1号"
    )


@postgres_only()
@pytest.mark.django_db(transaction=True)
def test_document_numbers_unique_per_union_and_year_under_concurrent_issue(city):
    union = city.county_a
    barrier = threading.Barrier(6)
    numbers, errors = [], []

    def issue():
        from django.db import transaction

        try:
            barrier.wait()
            with transaction.atomic():
                numbers.append(services.document_number_issue(union=union, on=dt.date(2026, 2, 2)))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == sorted(f"甲区总工会〔2026〕{n}号" for n in range(1, 7))
    assert DocumentNumberSequence.objects.get(union=union, year=2026).last == 6


# --- term renewal ------------------------------------------------------------------------------------------


def _with_term(union, start, years=5, session=1):
    Union.objects.filter(pk=union.pk).update(term_started_on=start, term_years=years, session_no=session)
    union.refresh_from_db()
    return union


def test_renewal_reminders_90_and_30_days_before_the_end_once_each(city):
    _with_term(city.grassroots, dt.date(2021, 6, 30))  # ends 2026-06-30
    reminders = OutboxMessage.objects.filter(template__startswith="term_due", channel="inbox")
    assert services.term_renewal_remind(today=dt.date(2026, 3, 31)) == 0  # 91 days left
    services.term_renewal_remind(today=dt.date(2026, 4, 1))  # 90 days
    services.term_renewal_remind(today=dt.date(2026, 4, 2))
    assert sorted(reminders.values_list("template", "recipient__union__name")) == [
        ("term_due_90", "甲区总工会"),
        ("term_due_90", "甲厂工会"),
    ]
    services.term_renewal_remind(today=dt.date(2026, 5, 31))  # 30 days
    services.term_renewal_remind(today=dt.date(2026, 6, 10))
    assert reminders.filter(template="term_due_30").count() == 2


def test_renewal_approved_by_parent_starts_next_term_and_keeps_past_committees(city, today):
    today("2026-06-01")
    union = _with_term(city.grassroots, dt.date(2021, 6, 30))
    CommitteeMember.objects.create(
        union=union, committee="union", name="老主席", gender="M", position="主席", session_no=1
    )
    new = {
        "union": [{"name": "新主席", "gender": "F", "position": "主席"}],
        "audit": [{"name": "新审查", "gender": "M", "position": "主任"}],
    }
    renewal = services.term_renewal_submit(
        union=union,
        actor=city.grassroots_staff,
        elected_on=dt.date(2026, 6, 20),
        election_form="indirect",
        committees=new,
    )
    with pytest.raises(BusinessError):  # one open renewal per union
        services.term_renewal_submit(
            union=union,
            actor=city.grassroots_staff,
            elected_on=dt.date(2026, 6, 20),
            election_form="direct",
            committees=new,
        )
    with pytest.raises(InvalidTransition):  # the union does not approve its own renewal
        services.term_renewal_approve(renewal_id=renewal.pk, actor=city.grassroots_staff)
    with pytest.raises(NotInScope):
        services.term_renewal_approve(renewal_id=renewal.pk, actor=city.county_b_admin)
    renewal = services.term_renewal_approve(renewal_id=renewal.pk, actor=city.county_a_admin)
    union.refresh_from_db()
    assert renewal.state == "approved" and renewal.approval_no
    assert (union.session_no, union.term_started_on, union.election_form, union.term_ends_on) == (
        2,
        dt.date(2026, 6, 20),
        "indirect",
        dt.date(2031, 6, 20),
    )
    rows = sorted(CommitteeMember.objects.filter(union=union).values_list("name", "session_no", "term_end"))
    assert rows == [("新主席", 2, None), ("新审查", 2, None), ("老主席", 1, dt.date(2026, 6, 20))]
    with pytest.raises(InvalidTransition):
        services.term_renewal_reject(renewal_id=renewal.pk, actor=city.county_a_admin, reason="晚了")


# --- dissolution -------------------------------------------------------------------------------------------


def test_dissolution_moves_every_member_once_with_history_and_marks_the_union(city):
    union = city.sibling
    members = [f.member(union, name=f"员工{i}")[1] for i in range(5)]
    from members import services as member_services

    member_services.membership_retain(membership_id=members[0].pk, actor=None, reason="unemployed")
    elsewhere = f.member(city.grassroots)[1]
    dissolution = services.dissolution_request(union=union, actor=city.sibling_staff, reason="bankrupt")
    assert not dissolution.by_parent
    with pytest.raises(InvalidTransition):  # the union does not approve its own dissolution
        services.dissolution_approve(dissolution_id=dissolution.pk, actor=city.sibling_staff)
    dissolution = services.dissolution_approve(dissolution_id=dissolution.pk, actor=city.county_a_admin)
    assert (dissolution.state, dissolution.target, dissolution.moved_count) == (
        "approved",
        city.reservoir_a,
        5,
    )
    assert Membership.objects.filter(union=city.reservoir_a).count() == 5
    assert Membership.objects.get(pk=members[0].pk).status == "retained"
    for membership in members:
        events = MembershipEvent.objects.filter(membership=membership, kind="transfer")
        assert list(events.values_list("from_union", "to_union")) == [(union.pk, city.reservoir_a.pk)]
    assert Membership.objects.get(pk=elsewhere.pk).union == city.grassroots
    union.refresh_from_db()
    assert union.is_dissolved and not union.accepts_members
    with pytest.raises(BusinessError):  # no longer a union to join
        submit_join(f.person_user(name="新人"), union=union, unit_name="乙厂")
    with pytest.raises(BusinessError):
        services.dissolution_request(union=union, actor=city.county_a_admin, reason="closed")


def test_dissolution_asked_by_parent_to_a_chosen_union_and_rejection(city):
    f.member(city.other)
    dissolution = services.dissolution_request(union=city.other, actor=city.county_b_admin, reason="closed")
    assert dissolution.by_parent
    with pytest.raises(BusinessError):  # a union outside the approver's county
        services.dissolution_approve(
            dissolution_id=dissolution.pk, actor=city.county_b_admin, target=city.sibling
        )
    dissolution = services.dissolution_reject(
        dissolution_id=dissolution.pk, actor=city.county_b_admin, reason="单位仍在经营"
    )
    assert dissolution.state == "rejected"
    assert Dissolution.objects.filter(union=city.other, state="requested").count() == 0


# --- self-approval -----------------------------------------------------------------------------------------


def test_without_self_approval_the_parent_decides_joins(city):
    from applications.models import JoinApplication
    from casework import selectors as case_selectors

    Union.objects.filter(pk=city.branch.pk).update(self_approval=False)
    app = submit_join(f.person_user(name="分会申请"), union=city.branch, unit_name="甲厂")
    assert not JoinApplication.objects.filter(case_selectors.application_queue_q(city.branch_staff)).exists()
    assert JoinApplication.objects.filter(
        case_selectors.application_queue_q(city.grassroots_staff), pk=app.pk
    ).exists()
    with pytest.raises(InvalidTransition):
        join_services.join_application_approve(
            application_id=app.pk, actor=city.branch_staff, dues_mode="self_pay"
        )
    app = join_services.join_application_approve(
        application_id=app.pk, actor=city.grassroots_staff, dues_mode="self_pay"
    )
    assert app.state == "approved" and app.membership.union == city.branch


def test_with_self_approval_the_union_decides_its_own_joins(city):
    from applications.models import JoinApplication
    from casework import selectors as case_selectors

    app = submit_join(f.person_user(name="自主申请"), union=city.branch, unit_name="甲厂")
    assert JoinApplication.objects.filter(
        case_selectors.application_queue_q(city.branch_staff), pk=app.pk
    ).exists()
    assert not JoinApplication.objects.filter(
        case_selectors.application_queue_q(city.grassroots_staff), pk=app.pk
    ).exists()
    app = join_services.join_application_approve(
        application_id=app.pk, actor=city.branch_staff, dues_mode="self_pay"
    )
    assert app.state == "approved"


def test_dissolution_waits_for_the_unions_open_join_and_transfer_applications(city):
    """An applicant waiting on the union, or a member of it waiting to transfer away, would be left with a case
    nobody can decide: the approval names them and waits until staff have decided them."""
    from tests.transfers.conftest import ask

    union = city.sibling
    leaving_user, _leaving = f.member(union, name="待转出")
    joining = submit_join(f.person_user(name="待入会"), union=union, unit_name="乙厂")
    transfer = ask(leaving_user, union=city.grassroots)
    unrelated = submit_join(f.person_user(name="别处申请"), union=city.grassroots, unit_name="甲厂")
    dissolution = services.dissolution_request(union=union, actor=city.sibling_staff, reason="closed")
    with pytest.raises(BusinessError) as refused:
        services.dissolution_approve(dissolution_id=dissolution.pk, actor=city.county_a_admin)
    assert refused.value.code == "has_open_applications"
    assert "入会申请 1" in str(refused.value.detail) and "转会申请 1" in str(refused.value.detail)
    assert Membership.objects.filter(union=union).count() == 1  # nothing moved
    join_services.join_application_reject(
        application_id=joining.pk, actor=city.sibling_staff, reason="单位关闭"
    )
    from transfers import services as transfer_services

    transfer_services.transfer_application_withdraw(application_id=transfer.pk, user=leaving_user)
    dissolution = services.dissolution_approve(dissolution_id=dissolution.pk, actor=city.county_a_admin)
    assert dissolution.state == "approved" and dissolution.moved_count == 1
    assert type(unrelated).objects.get(pk=unrelated.pk).is_open  # another union's applicant is not concerned
