import pytest

from applications import services
from applications.models import JoinApplication
from casework.models import ApplicationState, TransitionRecord
from tests.applications.conftest import logged_in as _client
from tests.applications.conftest import submit, upload
from tests.members import factories as f

pytestmark = pytest.mark.django_db

LIST = "/admin/applications/joinapplication/"


def test_queues_per_role(city, applicant):
    undispatched = submit(applicant)
    direct = submit(f.person_user(name="赵六"), union=city.branch)
    city_page = _client(city.city_admin).get(LIST, {"queue": "mine"}).content.decode()
    assert f"/{undispatched.pk}/change/" in city_page and f"/{direct.pk}/change/" not in city_page
    branch_page = _client(city.branch_staff).get(LIST, {"queue": "mine"}).content.decode()
    assert f"/{direct.pk}/change/" in branch_page and f"/{undispatched.pk}/change/" not in branch_page
    other_page = _client(city.other_staff).get(LIST).content.decode()
    assert f"/{direct.pk}/change/" not in other_page


def test_colours_and_overdue_marking(city, applicant, today):
    today("2025-04-14")
    app = submit(applicant, union=city.branch)
    today("2025-04-18")
    page = _client(city.branch_staff).get(LIST, {"overdue": "yes"}).content.decode()
    assert "app-overdue" in page and "app-state-submitted" in page
    services.join_application_reject(application_id=app.pk, actor=city.branch_staff, reason="不符合条件")
    page = _client(city.branch_staff).get(LIST).content.decode()
    assert "app-state-rejected" in page and "casework/admin.css" in page
    assert _client(city.branch_staff).get(LIST, {"overdue": "yes"}).content.decode().count("app-overdue") == 0


def test_approve_button_with_dues_mode_and_comment(city, applicant):
    app = submit(applicant, union=city.branch)
    client = _client(city.branch_staff)
    page = client.get(f"{LIST}{app.pk}/change/").content.decode()
    assert (
        'data-step="approve"' in page and 'data-step="reject"' in page and 'data-step="dispatch"' not in page
    )
    resp = client.post(
        f"{LIST}{app.pk}/step/approve/", {"dues_mode": "unit_paid", "comment": "经分工会研究同意"}
    )
    assert resp.status_code == 302
    app = JoinApplication.objects.get(pk=app.pk)
    assert app.state == ApplicationState.APPROVED and app.membership.dues_mode == "unit_paid"
    assert TransitionRecord.objects.filter(comment="经分工会研究同意", actor=city.branch_staff).exists()
    page = client.get(f"{LIST}{app.pk}/change/").content.decode()
    assert "经分工会研究同意" in page and "工会会员登记表" in page
    resp = client.get(f"{LIST}{app.pk}/document/registration-form/")
    assert resp["Content-Type"] == "application/pdf" and resp.content.startswith(b"%PDF")


def test_dispatch_and_verify_buttons(city, applicant):
    app = submit(applicant)
    resp = _client(city.city_admin).post(f"{LIST}{app.pk}/step/dispatch/", {"county": city.county_a.pk})
    assert resp.status_code == 302
    resp = _client(city.county_a_admin).post(
        f"{LIST}{app.pk}/step/verify/", {"union": "", "employer_name": ""}
    )
    assert resp.status_code == 302
    app = JoinApplication.objects.get(pk=app.pk)
    assert app.state == ApplicationState.VERIFIED and app.union == city.reservoir_a


def test_step_refused_from_wrong_state_shows_error(city, applicant):
    app = submit(applicant, union=city.branch)
    client = _client(city.city_admin)
    resp = client.post(f"{LIST}{app.pk}/step/dispatch/", {"county": city.county_a.pk}, follow=True)
    assert JoinApplication.objects.get(pk=app.pk).state == ApplicationState.SUBMITTED
    assert "不允许此操作" in resp.content.decode()


def test_proof_served_as_attachment_to_staff_in_scope_and_applicant_only(city, applicant):
    app = submit(applicant, union=city.branch, employment_type="dispatched", proof=upload())
    resp = _client(city.branch_staff).get(f"{LIST}{app.pk}/proof/")
    assert resp.status_code == 200 and resp["X-Content-Type-Options"] == "nosniff"
    assert resp["Content-Disposition"].startswith("attachment") and resp.content.startswith(b"\x89PNG")
    assert _client(city.sibling_staff).get(f"{LIST}{app.pk}/proof/").status_code == 404
    assert _client(applicant).get(f"/join/{app.pk}/proof/").status_code == 200
    assert _client(f.person_user(name="他人")).get(f"/join/{app.pk}/proof/").status_code == 404


def test_only_city_admins_keep_the_holiday_calendar(city):
    url = "/admin/casework/workdayoverride/add/"
    resp = _client(city.city_admin).post(url, {"day": "2030-10-02", "is_workday": "", "note": "国庆节"})
    assert resp.status_code == 302
    assert _client(city.county_a_admin).get(url).status_code == 403
    assert _client(city.county_a_admin).get("/admin/casework/workdayoverride/").status_code == 403


def test_trace_names_the_person_and_union_not_the_username(city, applicant):
    city.branch_staff.first_name = "周建国"
    city.branch_staff.save()
    app = submit(applicant, union=city.branch)
    services.join_application_approve(
        application_id=app.pk, actor=city.branch_staff, dues_mode="self_pay", comment="同意"
    )
    page = _client(city.grassroots_staff).get(f"{LIST}{app.pk}/change/").content.decode()
    assert "周建国（甲厂一分工会）" in page
    assert applicant.person.name in page  # the applicant who submitted
    assert f">{city.branch_staff.username}<" not in page and f">{applicant.username}<" not in page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_list_state_badge_names_the_state_in_the_active_language(language):
    from django.contrib import admin as django_admin
    from django.utils import translation

    model_admin = django_admin.site._registry[JoinApplication]
    with translation.override(language):
        for state, _label in JoinApplication._meta.get_field("state").flatchoices:
            app = JoinApplication(state=state)
            assert f">{app.get_state_display()}</span>" in model_admin.state_badge(app)


def test_row_links_of_a_filtered_list_lead_back_to_the_same_list(city, applicant):
    app = submit(applicant, union=city.branch)
    client = _client(city.branch_staff)
    change = f"/admin/applications/joinapplication/{app.pk}/change/"
    filtered = client.get(LIST, {"state": "submitted", "overdue": "no"}).content.decode()
    assert f'href="{change}?_changelist_filters=state%3Dsubmitted%26overdue%3Dno"' in filtered
    assert f'href="{change}"' in client.get(LIST).content.decode()  # an unfiltered list: nothing to keep
