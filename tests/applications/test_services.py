import datetime as dt
import threading

import pytest
from django.db import connection

from applications import services
from applications.models import JoinApplication
from casework.models import ApplicationState, TransitionRecord
from casework.selectors import timeline
from members.models import DuesMode, EmploymentType, Membership
from notifications.models import OutboxMessage
from tests.applications.conftest import pdf_bytes, submit, upload
from tests.conftest import postgres_only
from tests.members import factories as f
from unionhub.lib.errors import BusinessError, InvalidTransition, NotInScope

pytestmark = pytest.mark.django_db


def _dispatched(city, user):
    app = submit(user)
    return services.join_application_dispatch(
        application_id=app.pk, actor=city.city_admin, county=city.county_a
    )


def _verified(city, user, union=None):
    app = _dispatched(city, user)
    return services.join_application_verify(
        application_id=app.pk, actor=city.county_a_admin, union=union or city.grassroots
    )


def test_direct_route_branch_staff_approve_creates_membership_and_result_message(city, applicant, today):
    today("2025-04-15")
    app = submit(applicant, union=city.branch, hire_date=dt.date(2025, 2, 10))
    assert app.state == ApplicationState.SUBMITTED
    assert app.due_at == dt.date(2025, 4, 18)
    app = services.join_application_approve(
        application_id=app.pk, actor=city.branch_staff, dues_mode=DuesMode.SELF_PAY, comment="同意"
    )
    assert app.state == ApplicationState.APPROVED
    assert app.decided_by == city.branch_staff
    membership = app.membership
    assert membership.union == city.branch and membership.dues_mode == DuesMode.SELF_PAY
    assert membership.dues_start == dt.date(2025, 2, 1)  # Tsinghua example 4
    assert membership.member_no.startswith("2025")
    steps = [(r.source, r.target, r.actor_id, r.comment) for r in timeline(app)]
    assert steps == [
        ("", "submitted", applicant.pk, ""),
        ("submitted", "approved", city.branch_staff.pk, "同意"),
    ]
    message = OutboxMessage.objects.get(recipient=applicant, channel="inbox")
    assert message.template == "join_approved_union"
    assert "甲厂一分工会竭诚为您提供热情周到的服务" in message.body


def test_dispatch_route_to_county_reservoir(city, applicant):
    app = submit(applicant, unit_name="某未建会公司")
    app = services.join_application_dispatch(
        application_id=app.pk, actor=city.city_admin, county=city.county_a
    )
    assert app.state == ApplicationState.DISPATCHED and app.county == city.county_a
    notice = OutboxMessage.objects.get(recipient=city.county_a_admin, channel="inbox")
    assert notice.template == "join_dispatched"
    app = services.join_application_verify(application_id=app.pk, actor=city.county_a_admin, union=None)
    assert app.state == ApplicationState.VERIFIED
    assert app.union == city.reservoir_a and app.employer_name == "某未建会公司"
    app = services.join_application_approve(
        application_id=app.pk, actor=city.reservoir_a_staff, dues_mode=DuesMode.SELF_PAY
    )
    assert app.membership.union == city.reservoir_a
    message = OutboxMessage.objects.get(recipient=applicant, channel="inbox")
    assert message.template == "join_approved_reservoir"
    assert "会籍暂时保留在甲区职工服务中心工会" in message.body
    assert [r.target for r in timeline(app)] == ["submitted", "dispatched", "verified", "approved"]
    # the same message is never queued twice
    assert OutboxMessage.objects.filter(recipient=applicant).count() == 2  # inbox + sms


def test_reject_sends_rejection_message_and_applicant_may_apply_again(city, applicant):
    app = submit(applicant, union=city.branch)
    services.join_application_reject(application_id=app.pk, actor=city.branch_staff, reason="非本单位职工")
    app = JoinApplication.objects.get(pk=app.pk)
    assert app.state == ApplicationState.REJECTED and app.reason == "非本单位职工"
    message = OutboxMessage.objects.get(recipient=applicant, channel="inbox")
    assert message.template == "join_rejected" and "非本单位职工" in message.body
    again = submit(applicant, union=city.branch)
    assert again.state == ApplicationState.SUBMITTED


def test_reject_requires_reason(city, applicant):
    app = submit(applicant, union=city.branch)
    with pytest.raises(BusinessError) as exc:
        services.join_application_reject(application_id=app.pk, actor=city.branch_staff, reason=" ")
    assert exc.value.code == "reason_required"


# --- transitions refused by state -------------------------------------------------------------------------


def test_approve_refused_while_dispatched(city, applicant):
    app = _dispatched(city, applicant)
    with pytest.raises(InvalidTransition):
        services.join_application_approve(
            application_id=app.pk, actor=city.county_a_admin, dues_mode=DuesMode.SELF_PAY
        )


def test_dispatch_refused_for_application_that_names_a_union(city, applicant):
    app = submit(applicant, union=city.branch)
    with pytest.raises(InvalidTransition):
        services.join_application_dispatch(application_id=app.pk, actor=city.city_admin, county=city.county_a)


def test_verify_refused_before_dispatch(city, applicant):
    app = submit(applicant)
    with pytest.raises(InvalidTransition):
        services.join_application_verify(application_id=app.pk, actor=city.city_admin, union=city.grassroots)


def test_approve_refused_for_undispatched_application_without_union(city, applicant):
    app = submit(applicant)
    with pytest.raises(InvalidTransition):
        services.join_application_approve(
            application_id=app.pk, actor=city.city_admin, dues_mode=DuesMode.SELF_PAY
        )


@pytest.mark.parametrize("decision", ["approve", "reject", "withdraw"])
def test_no_step_after_a_decision(city, applicant, decision):
    app = submit(applicant, union=city.branch)
    if decision == "approve":
        services.join_application_approve(
            application_id=app.pk, actor=city.branch_staff, dues_mode="self_pay"
        )
    elif decision == "reject":
        services.join_application_reject(application_id=app.pk, actor=city.branch_staff, reason="不符合条件")
    else:
        services.join_application_withdraw(application_id=app.pk, user=applicant)
    with pytest.raises(InvalidTransition):
        services.join_application_withdraw(application_id=app.pk, user=applicant)
    with pytest.raises(InvalidTransition):
        services.join_application_reject(application_id=app.pk, actor=city.branch_staff, reason="x")
    with pytest.raises(InvalidTransition):
        services.join_application_approve(
            application_id=app.pk, actor=city.branch_staff, dues_mode="self_pay"
        )


@pytest.mark.parametrize("step", ["submitted", "dispatched", "verified"])
def test_applicant_may_withdraw_before_decision(city, applicant, step):
    app = {
        "submitted": lambda: submit(applicant),
        "dispatched": lambda: _dispatched(city, applicant),
        "verified": lambda: _verified(city, applicant),
    }[step]()
    app = services.join_application_withdraw(application_id=app.pk, user=applicant)
    assert app.state == ApplicationState.WITHDRAWN


# --- transitions refused by role ---------------------------------------------------------------------------


def test_only_city_admin_dispatches(city, applicant):
    app = submit(applicant)
    with pytest.raises(NotInScope):  # a county admin does not even see undispatched applications
        services.join_application_dispatch(
            application_id=app.pk, actor=city.county_a_admin, county=city.county_a
        )
    superior = f.staff(city.city, username="city_clerk")
    app = services.join_application_dispatch(application_id=app.pk, actor=superior, county=city.county_b)
    assert app.county == city.county_b


def test_city_admin_may_not_verify_in_place_of_county(city, applicant):
    app = _dispatched(city, applicant)
    with pytest.raises(InvalidTransition):
        services.join_application_verify(application_id=app.pk, actor=city.city_admin, union=city.grassroots)


def test_other_county_cannot_see_dispatched_application(city, applicant):
    app = _dispatched(city, applicant)
    with pytest.raises(NotInScope):
        services.join_application_verify(application_id=app.pk, actor=city.county_b_admin, union=city.other)


def test_verify_refuses_union_outside_the_county(city, applicant):
    app = _dispatched(city, applicant)
    with pytest.raises(BusinessError) as exc:
        services.join_application_verify(application_id=app.pk, actor=city.county_a_admin, union=city.other)
    assert exc.value.code == "invalid_union"


def test_staff_outside_target_union_cannot_decide(city, applicant):
    app = submit(applicant, union=city.branch)
    for actor in (
        city.sibling_staff,
        city.branch2_staff if hasattr(city, "branch2_staff") else city.other_staff,
    ):
        with pytest.raises(NotInScope):
            services.join_application_approve(application_id=app.pk, actor=actor, dues_mode="self_pay")


def test_county_admin_cannot_decide_before_verification_nor_reject_undispatched(city, applicant):
    app = submit(applicant)
    with pytest.raises(NotInScope):
        services.join_application_reject(application_id=app.pk, actor=city.county_a_admin, reason="x")
    app = _dispatched(city, f.person_user(name="王五"))
    with pytest.raises(InvalidTransition):  # a dispatched application is the county's to verify or refuse
        services.join_application_reject(application_id=app.pk, actor=city.city_admin, reason="x")
    app = services.join_application_reject(
        application_id=app.pk, actor=city.county_a_admin, reason="法定代表人"
    )
    assert app.state == ApplicationState.REJECTED


def test_city_admin_may_refuse_undispatched_application(city, applicant):
    app = submit(applicant)
    app = services.join_application_reject(
        application_id=app.pk, actor=city.city_admin, reason="单位不在本市"
    )
    assert app.state == ApplicationState.REJECTED


def test_only_the_applicant_withdraws(city, applicant):
    app = submit(applicant, union=city.branch)
    with pytest.raises(NotInScope):
        services.join_application_withdraw(application_id=app.pk, user=f.person_user(name="路人"))
    with pytest.raises(NotInScope):
        services.join_application_withdraw(application_id=app.pk, user=city.branch_staff)


# --- pre-screening -----------------------------------------------------------------------------------------


def _code(callable_):
    with pytest.raises(BusinessError) as exc:
        callable_()
    return exc.value.code


def test_underage_refused_by_id_birth_date(city, today):
    today("2025-04-15")
    minor = f.person_user(name="少年", born=dt.date(2007, 4, 16))
    assert _code(lambda: submit(minor, union=city.branch)) == "underage"
    assert JoinApplication.objects.count() == 0
    adult = f.person_user(name="成年", born=dt.date(2007, 4, 15))
    assert submit(adult, union=city.branch).state == "submitted"


def test_member_is_told_to_transfer(city):
    user, _membership = f.member(city.branch)
    with pytest.raises(BusinessError) as exc:
        submit(user, union=city.sibling)
    assert exc.value.code == "already_member" and "转会" in exc.value.detail


def test_second_open_application_refused(city, applicant):
    submit(applicant, union=city.branch)
    assert _code(lambda: submit(applicant, union=city.sibling)) == "open_application_exists"
    assert JoinApplication.objects.count() == 1


def test_dispatched_worker_must_upload_proof(city, applicant):
    assert (
        _code(lambda: submit(applicant, union=city.branch, employment_type=EmploymentType.DISPATCHED))
        == "proof_required"
    )
    app = submit(applicant, union=city.branch, employment_type=EmploymentType.DISPATCHED, proof=upload())
    assert app.proof_file and app.proof_content_type == "image/png"


def test_flags_for_staff_are_stored_not_refused(city, today):
    today("2025-04-15")
    senior = f.person_user(name="老李", born=dt.date(1963, 1, 1))
    app = submit(senior, union=city.branch, declared_retired=True, legal_representative=True)
    assert app.over_60 and app.declared_retired and app.legal_representative
    assert app.flags == ["年满60周岁", "已退休", "法定代表人/合伙人"]


def test_union_that_does_not_accept_members_refused(city, applicant):
    assert _code(lambda: submit(applicant, union=city.county_a)) == "union_not_accepting"


# --- proofs ------------------------------------------------------------------------------------------------


def test_proof_with_wrong_content_renamed_pdf_refused(city, applicant):
    fake = upload(
        name="证明.pdf",
        data=b"MZ\x90\x00 this is an executable, not a PDF" * 10,
        content_type="application/pdf",
    )
    code = _code(
        lambda: submit(applicant, union=city.branch, employment_type=EmploymentType.DISPATCHED, proof=fake)
    )
    assert code == "proof_invalid_type"
    assert JoinApplication.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        (
            "证明.pdf",
            b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>",
            "application/pdf",
        ),
        ("证明.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/png"),
        ("证明.jpg", b"<script>fetch('/api/v1/me/')</script>" * 20, "image/jpeg"),
    ],
)
def test_html_or_script_disguised_as_a_proof_refused(city, applicant, name, data, content_type):
    code = _code(
        lambda: submit(
            applicant,
            union=city.branch,
            employment_type=EmploymentType.DISPATCHED,
            proof=upload(name=name, data=data, content_type=content_type),
        )
    )
    assert code == "proof_invalid_type"
    assert JoinApplication.objects.count() == 0


def test_proof_over_five_megabytes_refused(city, applicant):
    big = upload(
        name="big.pdf",
        data=b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024) + b"\n%%EOF",
        content_type="application/pdf",
    )
    code = _code(
        lambda: submit(applicant, union=city.branch, employment_type=EmploymentType.DISPATCHED, proof=big)
    )
    assert code == "proof_too_large"


def test_proof_stored_encrypted_under_random_name_outside_web_root(city, applicant, settings):
    from applications import proofs

    data = pdf_bytes()
    app = submit(
        applicant,
        union=city.branch,
        employment_type=EmploymentType.DISPATCHED,
        proof=upload(name="../../etc/passwd.pdf", data=data, content_type="application/pdf"),
    )
    stored = settings.PRIVATE_MEDIA_ROOT / "proofs" / app.proof_file
    assert stored.exists() and len(app.proof_file) == 32
    assert stored.read_bytes() != data and b"%PDF" not in stored.read_bytes()
    assert proofs.proof_load(app.proof_file) == data
    assert app.proof_content_type == "application/pdf"


# --- service level -----------------------------------------------------------------------------------------


def test_due_date_counts_national_day_holidays(city, applicant, today):
    today("2025-09-30")
    app = submit(applicant, union=city.branch)
    assert app.due_at == dt.date(2025, 10, 11)  # 1–8 Oct off, Saturday 11 Oct is an adjusted working day


def test_overdue_reminder_goes_to_holder_once_per_day(city, applicant, today):
    today("2025-04-14")
    app = submit(applicant, union=city.branch)
    assert app.due_at == dt.date(2025, 4, 17)
    assert services.join_application_overdue_remind(today=dt.date(2025, 4, 17)) == 0
    sent = services.join_application_overdue_remind(today=dt.date(2025, 4, 18))
    assert sent == 2  # inbox + e-mail to the branch staff
    assert services.join_application_overdue_remind(today=dt.date(2025, 4, 18)) == 0
    assert OutboxMessage.objects.filter(recipient=city.branch_staff, template="join_overdue").count() == 2
    assert services.join_application_overdue_remind(today=dt.date(2025, 4, 21)) == 2


def test_overdue_undispatched_application_reminds_city_staff(city, applicant, today):
    today("2025-04-14")
    submit(applicant)
    services.join_application_overdue_remind(today=dt.date(2025, 4, 18))
    assert (
        OutboxMessage.objects.filter(
            recipient=city.city_admin, template="join_overdue", channel="inbox"
        ).count()
        == 1
    )
    assert not OutboxMessage.objects.filter(recipient=city.county_a_admin).exists()


# --- concurrency -------------------------------------------------------------------------------------------


@postgres_only()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_approvals_exactly_one_wins(city, applicant):
    app = submit(applicant, union=city.branch)
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(actor):
        try:
            barrier.wait()
            services.join_application_approve(application_id=app.pk, actor=actor, dues_mode="self_pay")
            outcomes.append("ok")
        except InvalidTransition:
            outcomes.append("409")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=approve, args=(a,)) for a in (city.branch_staff, city.grassroots_staff)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["409", "ok"]
    assert Membership.objects.filter(person=applicant.person).count() == 1
    assert TransitionRecord.objects.filter(target="approved").count() == 1


def _result(applicant) -> str:
    return OutboxMessage.objects.get(recipient=applicant, channel="inbox").body


def test_approval_by_a_union_ends_with_its_own_contact(city, applicant):
    city.branch.leader_name, city.branch.phone = "周红", "0717-6001234"
    city.branch.save()
    app = submit(applicant, union=city.branch)
    services.join_application_approve(
        application_id=app.pk, actor=city.branch_staff, dues_mode=DuesMode.SELF_PAY
    )
    body = _result(applicant)
    assert body.endswith("联系人：周红，联系电话：0717-6001234") and "—" not in body


def test_approval_by_a_union_without_contact_falls_back_to_its_parent(city, applicant):
    city.grassroots.leader_name, city.grassroots.phone = "钱主席", "0717-6005678"
    city.grassroots.save()
    app = submit(applicant, union=city.branch)  # the branch keeps no contact
    services.join_application_approve(
        application_id=app.pk, actor=city.branch_staff, dues_mode=DuesMode.SELF_PAY
    )
    assert _result(applicant).endswith("联系人：钱主席，联系电话：0717-6005678")


def test_reservoir_approval_ends_with_the_reservoir_contact_or_its_county(city, applicant):
    city.county_a.leader_name, city.county_a.phone = "孙主任", "0717-6220000"
    city.county_a.save()
    app = _verified(city, applicant, union=city.reservoir_a)
    services.join_application_approve(
        application_id=app.pk, actor=city.reservoir_a_staff, dues_mode=DuesMode.SELF_PAY
    )
    message = OutboxMessage.objects.get(recipient=applicant, channel="inbox")
    assert message.template == "join_approved_reservoir"
    assert message.body.endswith("联系人：孙主任，联系电话：0717-6220000")


def test_rejection_by_the_county_ends_with_the_county_contact(city, applicant):
    city.county_a.leader_name, city.county_a.phone = "孙主任", "0717-6220000"
    city.county_a.save()
    city.grassroots.leader_name, city.grassroots.phone = "钱主席", "0717-6005678"
    city.grassroots.save()
    app = _verified(city, applicant, union=city.grassroots)
    services.join_application_reject(application_id=app.pk, actor=city.county_a_admin, reason="非本单位职工")
    message = OutboxMessage.objects.get(recipient=applicant, channel="inbox")
    assert message.template == "join_rejected"
    assert message.body.endswith("联系人：孙主任，联系电话：0717-6220000")


def test_admin_warns_when_a_deciding_union_has_no_contact(city, applicant, client):
    app = submit(applicant, union=city.branch)
    client.force_login(city.branch_staff)
    page = client.get(f"/admin/applications/joinapplication/{app.pk}/change/").content.decode()
    assert "未填写工会负责人或联系电话" in page and city.branch.name in page
    page = client.get(f"/admin/members/union/{city.branch.pk}/change/").content.decode()
    assert "未填写工会负责人或联系电话" in page
    city.branch.leader_name, city.branch.phone = "周红", "0717-6001234"
    city.branch.save()
    page = client.get(f"/admin/applications/joinapplication/{app.pk}/change/").content.decode()
    assert "未填写工会负责人或联系电话" not in page
