"""Retention: people whose membership ended long ago, with nothing open, are anonymised once."""

import datetime as dt

import pytest
from django.db.models import Q
from rest_framework.authtoken.models import Token

from members import selectors, services
from members.models import Membership, Person, ProfileChange
from security import services as security_services
from security import tasks
from tests.members import factories as f

TODAY = dt.date(2031, 3, 1)


def ended_member(union, *, on: str, how: str = "withdraw", today):
    user, membership = f.member(union, joined_on=dt.date(2016, 9, 1))
    today(on)
    getattr(services, f"membership_{how}")(membership_id=membership.pk, actor=None, reason="本人申请")
    return user


@pytest.fixture
def people(city, today, settings):
    settings.UNIONHUB_RETENTION_YEARS = 5
    ns = type("People", (), {})()
    ns.old_withdrawn = ended_member(city.grassroots, on="2025-01-10", today=today)
    ns.old_expelled = ended_member(city.branch, on="2025-06-30", how="expel", today=today)
    ns.recent = ended_member(city.grassroots, on="2027-05-01", today=today)
    ns.active, _ = f.member(city.sibling)
    ns.never_member = f.person_user()
    today(TODAY.isoformat())
    return ns


def _snapshot():
    return {
        p.pk: (p.name, p.id_number_hash, p.phone_hash, p.updated_at, p.anonymised_at)
        for p in Person.objects.order_by("pk")
    }


@pytest.mark.django_db
def test_people_ended_more_than_the_retention_period_ago_are_anonymised(people):
    old = people.old_withdrawn.person
    ProfileChange.objects.create(person=old, field="address", old_value="旧地址1号", new_value="新地址2号")
    id_number, phone = old.id_number, old.phone
    done = security_services.person_anonymise_expired(today=TODAY)
    assert sorted(done) == sorted([people.old_withdrawn.person_id, people.old_expelled.person_id])
    old.refresh_from_db()
    assert old.name == "已匿名"
    assert old.id_number == "" and old.phone == "" and old.address == ""
    assert old.id_number_masked == "" and old.phone_masked == "" and old.phone_hash is None
    assert old.id_number_hash.startswith("anon-")
    assert old.anonymised_at is not None
    assert selectors.person_get_by_id_number(id_number) is None
    assert selectors.person_get_by_phone(phone) is None
    user = people.old_withdrawn
    user.refresh_from_db()
    assert not user.is_active and not user.has_usable_password() and user.first_name == ""
    assert not Token.objects.filter(user=user).exists()
    # the history stays (counts, member numbers), without the person's identity
    assert Membership.objects.filter(person=old).count() == 1
    assert not ProfileChange.objects.filter(person=old).exists()
    for kept in (people.recent, people.active, people.never_member):
        kept.person.refresh_from_db()
        assert kept.person.anonymised_at is None and kept.person.name != "已匿名"


@pytest.mark.django_db
def test_hashes_of_two_anonymised_people_differ_and_match_nothing(people):
    security_services.person_anonymise_expired(today=TODAY)
    hashes = list(Person.objects.filter(anonymised_at__isnull=False).values_list("id_number_hash", flat=True))
    assert len(set(hashes)) == 2
    assert all("-" in h for h in hashes)  # a keyed hash is 64 hex digits


@pytest.mark.django_db
def test_running_twice_changes_nothing(people):
    security_services.person_anonymise_expired(today=TODAY)
    before = _snapshot()
    assert security_services.person_anonymise_expired(today=TODAY) == []
    assert _snapshot() == before


@pytest.mark.django_db
def test_a_reinstated_person_with_an_open_membership_is_kept(city, people):
    # withdrawn long ago, then a new (open) membership: still a member
    person = people.old_withdrawn.person
    services.membership_create(
        person=person, union=city.grassroots, dues_mode="self_pay", actor=None, joined_on=dt.date(2030, 1, 1)
    )
    done = security_services.person_anonymise_expired(today=TODAY)
    assert person.pk not in done


@pytest.mark.django_db
def test_open_business_in_another_app_keeps_the_person(people, monkeypatch):
    monkeypatch.setattr(
        security_services,
        "OPEN_BUSINESS",
        [
            ("members", "Membership", "person", Q(person_id=people.old_expelled.person_id)),
        ],
    )
    done = security_services.person_anonymise_expired(today=TODAY)
    assert done == [people.old_withdrawn.person_id]


@pytest.mark.django_db
def test_an_open_business_lookup_that_no_longer_fits_its_model_stops_the_run(people, monkeypatch):
    monkeypatch.setattr(security_services, "OPEN_BUSINESS", [("members", "Membership", "no_such_field", Q())])
    assert security_services.person_anonymise_expired(today=TODAY) == []
    assert not Person.objects.filter(anonymised_at__isnull=False).exists()


@pytest.mark.django_db
def test_yearly_task_uses_the_business_date(people, today):
    today("2029-12-31")  # 2025-01-10 + 5 years is still inside the period
    assert tasks.person_anonymise_expired() == 0
    today(TODAY.isoformat())
    assert tasks.person_anonymise_expired() == 2


def test_task_is_in_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["retention-anonymise-yearly"]
    assert entry["task"] == "security.tasks.person_anonymise_expired"
    assert tasks.person_anonymise_expired.name == entry["task"]


def test_open_states_of_applications_are_those_of_the_real_models():
    from django.apps import apps

    from casework.models import OPEN_STATES

    assert [str(state) for state in OPEN_STATES] == security_services.APPLICATION_OPEN_STATES
    for app_label, model_name, lookup, _open in security_services.OPEN_BUSINESS[:2]:
        model = apps.get_model(app_label, model_name)
        assert model._meta.get_field(lookup).related_model is Person
        assert model._meta.get_field("state")


@pytest.mark.django_db
def test_a_former_member_with_an_open_join_application_is_kept_until_it_is_decided(city, people):
    from applications import services as join_services

    user = people.old_withdrawn
    app = join_services.join_application_submit(
        user=user,
        union=city.grassroots,
        unit_name="甲厂",
        employment_type="staff",
        hire_date=None,
        statement="",
    )
    assert security_services.person_anonymise_expired(today=TODAY) == [people.old_expelled.person_id]
    user.person.refresh_from_db()
    assert user.person.anonymised_at is None
    join_services.join_application_reject(
        application_id=app.pk, actor=city.grassroots_staff, reason="不符合条件"
    )
    assert security_services.person_anonymise_expired(today=TODAY) == [people.old_withdrawn.person_id]


@pytest.mark.django_db
def test_an_open_transfer_application_keeps_the_person(city, people):
    from transfers.models import TransferApplication

    membership = Membership.objects.get(person=people.old_expelled.person)
    TransferApplication.objects.create(
        applicant=membership.person,
        membership=membership,
        from_union=membership.union,
        union=city.sibling,
        unit_name="乙厂",
        due_at=TODAY,
    )
    assert security_services.person_anonymise_expired(today=TODAY) == [people.old_withdrawn.person_id]
