import pytest
from django.db import connection
from django.urls import reverse

from members import selectors
from members.backends import PhoneIdOrUsernameBackend
from members.models import Person, ProfileChange
from members.profile import person_profile_update
from notifications.models import OutboxMessage
from tests.members import factories as f
from unionhub.lib.errors import BusinessError

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(city):
    user, _membership = f.member(city.branch, name="清小极")
    return user


def _all_rows_text(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - fixed table name
        return " ".join(str(v) for row in cursor.fetchall() for v in row)


def test_member_updates_changeable_fields_and_each_change_is_recorded(client, member):
    client.force_login(member)
    response = client.post(
        reverse("member-profile"),
        {
            "address": "宜昌市西陵区夷陵大道1号",
            "education": "bachelor",
            "political_status": "cyl",
            "household_type": "urban",
            "ethnicity": "土家族",
            "unit_name": "宜昌电力设备有限公司",
        },
    )
    assert response.status_code == 302
    person = Person.objects.get(pk=member.person.pk)
    assert (person.address, person.education, person.ethnicity) == (
        "宜昌市西陵区夷陵大道1号",
        "bachelor",
        "土家族",
    )
    changes = {c.field: c for c in ProfileChange.objects.filter(person=person)}
    assert set(changes) == {
        "address",
        "education",
        "political_status",
        "household_type",
        "ethnicity",
        "unit_name",
    }
    assert changes["education"].old_value == "" and changes["education"].new_value == "大学本科"
    assert changes["ethnicity"].old_value == "汉族" and changes["ethnicity"].new_value == "土家族"
    assert all(c.actor == member and not c.by_staff for c in changes.values())
    assert "夷陵大道" not in _all_rows_text(ProfileChange._meta.db_table)  # encrypted at rest
    page = client.get(reverse("member-profile")).content.decode()
    assert 'data-testid="profile-history"' in page and "大学本科" in page


def test_unchanged_form_records_nothing(client, member):
    client.force_login(member)
    person = member.person
    client.post(reverse("member-profile"), {"ethnicity": person.ethnicity, "education": ""})
    assert not ProfileChange.objects.exists()


def test_new_phone_needs_password_is_rehashed_and_recorded_masked(client, member):
    old_phone, new_phone = member.person.phone, f.phone()
    client.force_login(member)
    response = client.post(reverse("member-profile"), {"phone": new_phone, "password": "wrong-password"})
    assert response.status_code == 200 and "需要输入正确的登录密码" in response.content.decode()
    assert Person.objects.get(pk=member.person.pk).phone == old_phone
    response = client.post(reverse("member-profile"), {"phone": new_phone, "password": f.PASSWORD})
    assert response.status_code == 302
    person = Person.objects.get(pk=member.person.pk)
    assert person.phone == new_phone and person.phone_masked == new_phone[:3] + "****" + new_phone[7:]
    assert (
        selectors.person_get_by_phone(new_phone) == person
        and selectors.person_get_by_phone(old_phone) is None
    )
    assert PhoneIdOrUsernameBackend.user_for_login(new_phone) == member
    change = ProfileChange.objects.get(person=person, field="phone")
    assert change.old_value == old_phone[:3] + "****" + old_phone[7:]
    table = _all_rows_text(ProfileChange._meta.db_table) + _all_rows_text(OutboxMessage._meta.db_table)
    assert old_phone not in table and new_phone not in table
    assert OutboxMessage.objects.filter(recipient=member, template="profile_phone_changed").count() == 1
    page = client.get(reverse("member-profile")).content.decode()
    assert new_phone not in page and old_phone not in page


def test_phone_of_someone_else_or_badly_formed_is_refused(client, city, member):
    other, _ = f.member(city.branch)
    with pytest.raises(BusinessError) as err:
        person_profile_update(
            person_id=member.person.pk,
            actor=member,
            changes={"phone": other.person.phone},
            password=f.PASSWORD,
        )
    assert err.value.code == "phone_taken"
    client.force_login(member)
    response = client.post(reverse("member-profile"), {"phone": "12345", "password": f.PASSWORD})
    assert "手机号码应为11位数字，当前为5位" in response.content.decode()
    assert not ProfileChange.objects.exists()


@pytest.mark.parametrize("field,value", [("name", "改名字"), ("id_number", "110105199001010011")])
def test_form_refuses_name_and_id_number(client, member, field, value):
    client.force_login(member)
    person = member.person
    response = client.post(reverse("member-profile"), {field: value, "ethnicity": "回族"})
    assert response.status_code == 200
    assert "姓名和身份证号码只能由工会工作人员修改" in response.content.decode()
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.name, fresh.id_number, fresh.ethnicity) == (person.name, person.id_number, person.ethnicity)
    assert not ProfileChange.objects.exists()


@pytest.mark.parametrize(
    "body,code",
    [
        ({"name": "改名字"}, "staff_only_field"),
        ({"id_number": "110105199001010011", "address": "某地"}, "staff_only_field"),
        ({"union_position": "主席"}, "field_not_changeable"),
        ({"wants_card": True}, "field_not_changeable"),
        ({"id_number_hash": "x"}, "field_not_changeable"),
    ],
)
def test_api_refuses_mass_assignment(api_for, member, body, code):
    person = member.person
    response = api_for(member).patch("/api/v1/me/profile/", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == code
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.name, fresh.id_number, fresh.address, fresh.union_position) == (
        person.name,
        person.id_number,
        person.address,
        person.union_position,
    )
    assert not ProfileChange.objects.exists()


def test_api_reads_masked_and_updates_allowed_fields(api_for, member):
    api = api_for(member)
    data = api.get("/api/v1/me/profile/").json()
    assert data["name"] == "清小极" and data["phone_masked"] == member.person.phone_masked
    assert member.person.phone not in str(data) and member.person.id_number not in str(data)
    response = api.patch(
        "/api/v1/me/profile/", {"education": "college", "household_type": "rural"}, format="json"
    )
    assert response.status_code == 200 and response.json()["education"] == "college"
    assert ProfileChange.objects.filter(person=member.person).count() == 2
    bad = api.patch("/api/v1/me/profile/", {"education": "phd"}, format="json")
    assert bad.status_code == 400 and "education" in bad.json()["detail"]
    no_password = api.patch("/api/v1/me/profile/", {"phone": f.phone()}, format="json")
    assert no_password.status_code == 400 and no_password.json()["code"] == "password_required"
    nul = api.patch("/api/v1/me/profile/", {"ethnicity": "\x00", "address": "某地"}, format="json")
    assert nul.status_code == 400 and "ethnicity" in nul.json()["detail"]


def _admin_change_data(response):
    """The person change form as the admin renders it, ready to post back."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            value = ""
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = getattr(value, "pk", value)
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
        for inline_form in formset.formset.forms:
            data[f"{inline_form.prefix}-id"] = inline_form.instance.pk
            data[f"{inline_form.prefix}-person"] = inline_form.instance.person_id
    return data


def test_staff_correct_name_and_id_number_in_admin_and_it_is_recorded_masked(client, city, member):
    person = member.person
    person_profile_update(person_id=person.pk, actor=member, changes={"education": "bachelor"})
    new_id = f.id_number()
    client.force_login(city.branch_staff)
    url = reverse("admin:members_person_change", args=[person.pk])
    page = client.get(url)
    assert page.status_code == 200 and "大学本科" in page.content.decode()  # the member's change, inline
    data = _admin_change_data(page)
    data.update(name="清晓极", id_number_input=new_id)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    fresh = Person.objects.get(pk=person.pk)
    assert fresh.name == "清晓极" and fresh.id_number == new_id
    staff_changes = {c.field: c for c in ProfileChange.objects.filter(person=person, by_staff=True)}
    assert set(staff_changes) == {"name", "id_number"}
    assert staff_changes["name"].old_value == "清小极" and staff_changes["name"].actor == city.branch_staff
    assert staff_changes["id_number"].new_value == fresh.id_number_masked
    assert new_id not in _all_rows_text(ProfileChange._meta.db_table)


def test_profile_change_list_is_scoped_to_the_staff_members_unions(client, city, member):
    person_profile_update(person_id=member.person.pk, actor=member, changes={"ethnicity": "回族"})
    url = reverse("admin:members_profilechange_changelist")
    client.force_login(city.grassroots_staff)
    mine = client.get(url)
    assert mine.status_code == 200 and "清小极" in mine.content.decode()
    client.force_login(city.other_staff)
    theirs = client.get(url)
    assert theirs.status_code == 200 and "清小极" not in theirs.content.decode()
