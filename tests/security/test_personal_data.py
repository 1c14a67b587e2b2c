"""Personal data: key rotation, masked logs, and a scan of the database and logs for numbers in clear."""

import datetime as dt
import io
import logging
import logging.config

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from members.models import Person, Union
from tests.members import factories as f
from unionhub.lib import idnumber

OLD_KEY = "pJqS1bW7rQ7bm6l6s0l3aH8o7y3a6f8nB2v4c1x9z0E="  # the test settings' key
NEW_KEY = Fernet.generate_key().decode()


def raw(person_id: int, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM members_person WHERE id = %s", [person_id])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_key_rotation_old_rows_readable_then_rewritten_then_old_key_dropped(settings):
    settings.UNIONHUB_FIELD_KEYS = [OLD_KEY]
    people = [f.person_user().person for _ in range(7)]
    people[0].address = "宜昌市西陵区某路1号"
    people[0].save()
    expected = {p.pk: (p.id_number, p.phone, p.address) for p in people}

    settings.UNIONHUB_FIELD_KEYS = [
        NEW_KEY,
        OLD_KEY,
    ]  # a new key first: new writes use it, old rows still read
    assert {p.pk: (p.id_number, p.phone, p.address) for p in Person.objects.all()} == expected
    assert Fernet(OLD_KEY).decrypt(raw(people[1].pk, "id_number").encode())

    call_command("pii_rotate", "--batch-size", "3", stdout=io.StringIO())
    for column in ("id_number", "phone"):
        token = raw(people[1].pk, column).encode()
        assert Fernet(NEW_KEY).decrypt(token).decode() == getattr(people[1], column)
    assert Fernet(NEW_KEY).decrypt(raw(people[0].pk, "address").encode()).decode() == "宜昌市西陵区某路1号"

    settings.UNIONHUB_FIELD_KEYS = [NEW_KEY]  # the old key is gone: everything still reads
    assert {p.pk: (p.id_number, p.phone, p.address) for p in Person.objects.all()} == expected
    # lookups by keyed hash are unaffected by rotation
    from members import selectors

    assert selectors.person_get_by_id_number(expected[people[2].pk][0]).pk == people[2].pk


@pytest.mark.django_db
def test_without_the_key_that_wrote_a_row_reading_fails_loudly(settings):
    settings.UNIONHUB_FIELD_KEYS = [OLD_KEY]
    person = f.person_user().person
    settings.UNIONHUB_FIELD_KEYS = [NEW_KEY]
    with pytest.raises(ImproperlyConfigured):
        Person.objects.get(pk=person.pk)


def configured_file_logging(path):
    """The LOGGING setting as deployed, with its console handler writing to a file instead."""
    config = {
        **settings.LOGGING,
        "handlers": {
            name: {**handler, "class": "logging.FileHandler", "filename": str(path), "encoding": "utf-8"}
            for name, handler in settings.LOGGING["handlers"].items()
        },
    }
    config["handlers"]["console"].pop("stream", None)
    return config


@pytest.fixture
def log_file(tmp_path):
    path = tmp_path / "app.log"
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    logging.config.dictConfig(configured_file_logging(path))
    yield path
    for handler in root.handlers:
        handler.close()
    root.handlers[:], _ = saved
    root.setLevel(saved[1])


def test_log_lines_are_masked_by_the_configured_handler(log_file):
    number = idnumber.make("110105", dt.date(1980, 5, 17), 23)
    logging.getLogger("members.services").warning(
        "registration for %s, phone %s failed", number, "13912345678"
    )
    logging.getLogger("x").error("lower-case check digit %s", number.lower())
    text = log_file.read_text(encoding="utf-8")
    assert number not in text and number.lower() not in text and "13912345678" not in text
    assert idnumber.mask(number) in text
    assert "139****5678" in text


@pytest.mark.django_db
def test_pii_scan_finds_a_planted_clear_number_in_any_table(tmp_path):
    f.union(name="甲厂工会")
    number = idnumber.make("420502", dt.date(1975, 2, 3), 41)
    Union.objects.filter(name="甲厂工会").update(address=f"负责人身份证 {number}")
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("pii_scan", stdout=out)
    report = out.getvalue()
    assert "1 personal numbers found" in str(exc.value)
    assert f"members_union.address: id_number {idnumber.mask(number)}" in report
    assert number not in report


@pytest.mark.django_db
def test_pii_scan_takes_a_1990s_member_number_for_what_it_is_but_finds_a_phone_beside_it(city):
    _user, membership = f.member(city.grassroots, joined_on=dt.date(1990, 7, 1), born=dt.date(1965, 1, 1))
    assert membership.member_no.startswith("1990") and len(membership.member_no) == 11
    out = io.StringIO()
    call_command("pii_scan", stdout=out)
    assert "No personal numbers in clear." in out.getvalue()
    Union.objects.filter(pk=city.grassroots.pk).update(address=f"联系人 {membership.member_no}")
    with pytest.raises(CommandError):
        call_command("pii_scan", stdout=io.StringIO())


def test_pii_scan_finds_numbers_in_log_files_and_ignores_invalid_ones(tmp_path):
    log = tmp_path / "app.log"
    valid = idnumber.make("420502", dt.date(1975, 2, 3), 41)
    invalid = valid[:17] + ("0" if valid[17] != "0" else "1")
    log.write_text(f"ok line\nid {invalid} order 20250412000012345678\nphone 13800001111 and {valid}\n")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("pii_scan", str(log), "--no-database", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines == [f"{log}:3: id_number {idnumber.mask(valid)}", f"{log}:3: phone 138****1111"]


@pytest.mark.django_db
def test_full_demo_run_leaves_no_clear_number_in_database_logs_or_task_payloads(
    log_file, tmp_path, monkeypatch, client
):
    from celery.app.task import Task

    payloads = tmp_path / "payloads.log"
    original = Task.apply_async

    def recording_apply_async(self, args=None, kwargs=None, **options):
        with payloads.open("a", encoding="utf-8") as fh:
            fh.write(f"{self.name} {args!r} {kwargs!r}\n")
        return original(self, args, kwargs, **options)

    monkeypatch.setattr(Task, "apply_async", recording_apply_async)
    logging.getLogger().setLevel(logging.DEBUG)
    call_command("demo_city", stdout=io.StringIO())
    people = list(Person.objects.all())
    assert len(people) >= 3
    # a day's worth of logging in: wrong passwords, a lockout, API logins with phone and ID number
    for person in people:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            client.post("/login/", {"username": person.phone, "password": "wrong-password-1"})
        client.post("/api/v1/auth/token/", {"username": person.id_number, "password": "wrong-password-1"})
    payloads.touch()
    out = io.StringIO()
    call_command("pii_scan", str(log_file), str(payloads), stdout=out)
    assert "No personal numbers in clear." in out.getvalue()
    assert "locked out" in log_file.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_personal_pages_and_answers_are_not_cached(client, api_for, city):
    user, _membership = f.member(city.branch)
    client.force_login(user)
    assert "no-store" in client.get("/")["Cache-Control"]
    assert "no-store" in api_for(user).get("/api/v1/me/")["Cache-Control"]
    client.force_login(city.grassroots_staff)
    assert "no-store" in client.get(f"/admin/members/person/{user.person.pk}/change/")["Cache-Control"]
